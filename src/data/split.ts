/** Seeded train/validation splits of interactions: a random split and a per-user split that keeps every user in training. */
import { createRng } from "../random";
import { checkInteger, checkNumber } from "../validate";
import { InvalidArgumentError } from "../errors";
import { compareIds, type IdMap } from "./idmap";
import { interactionObjects } from "./dataset";
import { selectRows, type IndexedRatings } from "./indexed";
import type { Dataset, DataSplit, Interaction } from "./types";

/** The workbook's default: 20% of the interactions held out (the blog's 80/20). */
export const DEFAULT_VALIDATION_FRACTION = 0.2;
export const DEFAULT_SPLIT_SEED = 42;

export interface SplitOptions {
  /** Share of interactions held out for validation, in [0, 1); default 0.2. */
  readonly validationFraction?: number;
  /** Default 42. */
  readonly seed?: number;
}

export interface PerUserSplitOptions extends SplitOptions {
  /** Rows every user keeps in training (when it has that many); default 1. */
  readonly minTrainPerUser?: number;
}

/**
 * Holds out round(fraction * n) interactions chosen uniformly at random (seeded). Each part keeps the
 * input's row order, so the same input and seed give the same parts, row for row. A user or item may end
 * up only in validation; `unknownInValidation` reports such rows. The input is not mutated.
 * Given a Dataset, it works on the columnar rows (no per-row objects) and the split carries `trainIndexed` /
 * `validationIndexed`; `train` / `validation` are then built on first access. An interactions array gives the
 * same rows as objects only.
 *
 * @example
 * const { train, validation } = randomSplit(ds.interactions, { validationFraction: 0.2, seed: 42 });
 * validation.length //=> Math.round(0.2 * ds.interactions.length)
 * const s = randomSplit(ds);  // s.trainIndexed.users: Int32Array of indices into ds.userIds
 */
export function randomSplit(data: Dataset | readonly Interaction[], options: SplitOptions = {}): DataSplit {
  return partition(data, randomSplitAssignment(data, options));
}

/** `randomSplit`'s assignment of each row of `data` (SPLIT_TRAIN or SPLIT_VALIDATION), without building the parts. */
export function randomSplitAssignment(data: Dataset | readonly Interaction[], options: SplitOptions = {}): Uint8Array {
  return randomAssignment(checkData(data), options);
}

/** Row r of a split's assignment goes to training (0) or validation (1). */
export const SPLIT_TRAIN = 0,
  SPLIT_VALIDATION = 1;

/**
 * `randomSplit`'s choice for n rows, without the rows: `out[r]` is 1 (SPLIT_VALIDATION) for a held-out row, else 0.
 * The one implementation under `randomSplit` (so the same n and options give the same rows held out).
 */
export function randomAssignment(n: number, options: SplitOptions = {}): Uint8Array {
  checkInteger("rows", n, 0);
  const { fraction, seed } = checkOptions(options);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  createRng(seed).shuffle(order);
  const held = new Uint8Array(n);
  const k = Math.round(fraction * n);
  for (let j = 0; j < k; j++) held[order[j]!] = 1;
  return held;
}

/**
 * Per user, holds out round(fraction * n_u) of the user's interactions at random (seeded), but never so
 * many that the user keeps fewer than `minTrainPerUser` training rows: every user is in training, so
 * every validation row has a trained user vector. Parts keep the input's row order. A Dataset and its
 * interactions array give the same split.
 */
export function perUserSplit(data: Dataset | readonly Interaction[], options: PerUserSplitOptions = {}): DataSplit {
  return partition(data, perUserSplitAssignment(data, options));
}

/** `perUserSplit`'s assignment of each row of `data` (SPLIT_TRAIN or SPLIT_VALIDATION), without building the parts. */
export function perUserSplitAssignment(data: Dataset | readonly Interaction[], options: PerUserSplitOptions = {}): Uint8Array {
  const n = checkData(data);
  let userOf: Int32Array, numUsers: number;
  if (Array.isArray(data)) {
    // Users numbered in first-appearance order (the numbering does not change the split: users are taken in
    // first-appearance order either way).
    const index = new Map<string, number>();
    userOf = new Int32Array(n);
    (data as readonly Interaction[]).forEach((r, i) => {
      let u = index.get(r.userId);
      if (u === undefined) {
        u = index.size;
        index.set(r.userId, u);
      }
      userOf[i] = u;
    });
    numUsers = index.size;
  } else {
    const ds = data as Dataset;
    userOf = ds.indexed.users.subarray(0, n);
    numUsers = ds.userIds.size;
  }
  return perUserAssignment(userOf, numUsers, options);
}

/**
 * `perUserSplit`'s choice for rows whose user index is `userOf[r]` (in [0, numUsers)): `out[r]` is 1
 * (SPLIT_VALIDATION) for a held-out row, else 0. The one implementation under `perUserSplit`.
 */
export function perUserAssignment(userOf: Int32Array, numUsers: number, options: PerUserSplitOptions = {}): Uint8Array {
  if (!(userOf instanceof Int32Array)) throw new InvalidArgumentError("userOf", "an Int32Array of user indices, one per row", userOf);
  checkInteger("numUsers", numUsers, 0);
  const { fraction, seed } = checkOptions(options);
  const minTrain = checkInteger("minTrainPerUser", options.minTrainPerUser ?? 1, 1);
  const n = userOf.length;
  // Each user's rows in row order (a counting sort by user), users in first-appearance order, so the rng stream
  // and hence the split depend only on the input.
  const offsets = new Int32Array(numUsers + 1);
  const firstRow = new Int32Array(numUsers).fill(-1);
  for (let r = 0; r < n; r++) {
    const u = userOf[r]!;
    if (!(u >= 0 && u < numUsers)) throw new InvalidArgumentError(`userOf[${r}]`, `a user index in [0, ${numUsers})`, u);
    offsets[u + 1]!++;
    if (firstRow[u] === -1) firstRow[u] = r;
  }
  for (let u = 0; u < numUsers; u++) offsets[u + 1]! += offsets[u]!;
  const fill = offsets.slice(0, numUsers);
  const rowsByUser = new Int32Array(n);
  for (let r = 0; r < n; r++) rowsByUser[fill[userOf[r]!]!++] = r;
  // Users in first-appearance order: user u is taken at its first row (a scan, no sort).
  const rng = createRng(seed);
  const held = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    const u = userOf[r]!;
    if (firstRow[u] !== r) continue;
    const rows = rowsByUser.subarray(offsets[u]!, offsets[u + 1]!);
    const k = Math.min(Math.round(fraction * rows.length), Math.max(0, rows.length - minTrain));
    rng.shuffle(rows);
    for (let j = 0; j < k; j++) held[rows[j]!] = 1;
  }
  return held;
}

/** Validation rows whose user or item never occurs in training (a model has no vector for them). */
export interface UnknownInValidation {
  readonly rows: number;
  readonly users: string[];
  readonly items: string[];
}

/**
 * Counts validation rows with a user or item unseen in training and lists those IDs (sorted, unique). With the
 * dataset the split was made from, a split that has `trainIndexed` / `validationIndexed` is checked on those.
 */
export function unknownInValidation(split: DataSplit, dataset?: Dataset): UnknownInValidation {
  if (dataset && split.trainIndexed && split.validationIndexed)
    return unknownIndexed(split.trainIndexed, split.validationIndexed, dataset.userIds, dataset.itemIds);
  const users = new Set<string>(),
    items = new Set<string>();
  for (const r of split.train) {
    users.add(r.userId);
    items.add(r.itemId);
  }
  const newUsers = new Set<string>(),
    newItems = new Set<string>();
  let rows = 0;
  for (const r of split.validation) {
    const nu = !users.has(r.userId),
      ni = !items.has(r.itemId);
    if (nu) newUsers.add(r.userId);
    if (ni) newItems.add(r.itemId);
    if (nu || ni) rows++;
  }
  return { rows, users: [...newUsers].sort(compareIds), items: [...newItems].sort(compareIds) };
}

function unknownIndexed(train: IndexedRatings, validation: IndexedRatings, userIds: IdMap, itemIds: IdMap): UnknownInValidation {
  const seenU = new Uint8Array(userIds.size),
    seenI = new Uint8Array(itemIds.size);
  for (let r = 0; r < train.length; r++) {
    seenU[train.users[r]!] = 1;
    seenI[train.items[r]!] = 1;
  }
  const newU = new Uint8Array(userIds.size),
    newI = new Uint8Array(itemIds.size);
  let rows = 0;
  for (let r = 0; r < validation.length; r++) {
    const u = validation.users[r]!,
      i = validation.items[r]!;
    const nu = !seenU[u],
      ni = !seenI[i];
    if (nu) newU[u] = 1;
    if (ni) newI[i] = 1;
    if (nu || ni) rows++;
  }
  const ids = (flags: Uint8Array, map: IdMap): string[] => {
    const out: string[] = [];
    for (let k = 0; k < flags.length; k++) if (flags[k]) out.push(map.id(k));
    return out; // index order is sorted ID order
  };
  return { rows, users: ids(newU, userIds), items: ids(newI, itemIds) };
}

function partition(data: Dataset | readonly Interaction[], part: Uint8Array): DataSplit {
  return splitByAssignment(data, part);
}

/**
 * The split an assignment describes: row r goes to `train` when `part[r]` is 0 (SPLIT_TRAIN), to `validation` when
 * it is 1 (SPLIT_VALIDATION), to neither otherwise (e.g. a stratified split's dropped rows); each part keeps the row
 * order. A Dataset gives `trainIndexed` / `validationIndexed` (the object views built on first access), an array
 * the objects only.
 */
export function splitByAssignment(data: Dataset | readonly Interaction[], part: Uint8Array): DataSplit {
  if (Array.isArray(data)) {
    const train: Interaction[] = [],
      validation: Interaction[] = [];
    (data as readonly Interaction[]).forEach((r, i) => {
      if (part[i] === SPLIT_TRAIN) train.push(r);
      else if (part[i] === SPLIT_VALIDATION) validation.push(r);
    });
    return { train, validation };
  }
  const ds = data as Dataset;
  return splitOfRows(ds, assignedRows(ds.indexed, part, SPLIT_TRAIN, true), assignedRows(ds.indexed, part, SPLIT_VALIDATION, true));
}

/**
 * The rows r of `indexed` with `part[r] === value`, in row order, as a new IndexedRatings (timestamps kept only
 * with `keepTimestamps`). One pass to count, one to copy: no list of row numbers.
 */
export function assignedRows(indexed: IndexedRatings, part: Uint8Array, value: number, keepTimestamps = false): IndexedRatings {
  const n = indexed.length;
  if (!(part instanceof Uint8Array) || part.length !== n) throw new InvalidArgumentError("part", `a Uint8Array of ${n} assignments (one per row)`, part);
  let m = 0;
  for (let r = 0; r < n; r++) if (part[r] === value) m++;
  const users = new Int32Array(m),
    items = new Int32Array(m),
    ratings = new Float32Array(m);
  const ts = keepTimestamps ? indexed.timestamps : undefined;
  const timestamps = ts ? new Float64Array(m) : undefined;
  const iu = indexed.users,
    ii = indexed.items,
    ir = indexed.ratings;
  for (let r = 0, k = 0; r < n; r++) {
    if (part[r] !== value) continue;
    users[k] = iu[r]!;
    items[k] = ii[r]!;
    ratings[k] = ir[r]!;
    if (timestamps) timestamps[k] = ts![r]!;
    k++;
  }
  return timestamps ? { users, items, ratings, timestamps, length: m } : { users, items, ratings, length: m };
}

/** A DataSplit from indexed parts over the dataset's maps; the object views are built on first access. */
export function splitOfRows(dataset: Dataset, trainIndexed: IndexedRatings, validationIndexed: IndexedRatings): DataSplit {
  let train: Interaction[] | undefined, validation: Interaction[] | undefined;
  const split = { trainIndexed, validationIndexed } as DataSplit;
  Object.defineProperties(split, {
    train: { enumerable: true, get: () => (train ??= interactionObjects(trainIndexed, dataset.userIds, dataset.itemIds)) },
    validation: { enumerable: true, get: () => (validation ??= interactionObjects(validationIndexed, dataset.userIds, dataset.itemIds)) },
  });
  return split;
}

function checkData(data: unknown): number {
  if (Array.isArray(data)) return data.length;
  const ds = data as Dataset | null;
  if (ds !== null && typeof ds === "object" && ds.indexed && ds.userIds && ds.itemIds) return ds.indexed.length;
  throw new InvalidArgumentError("interactions", "an array of interactions or a Dataset", data);
}

function checkOptions(options: SplitOptions): { fraction: number; seed: number } {
  if (options === null || typeof options !== "object") throw new InvalidArgumentError("split options", "an object", options);
  const fraction = options.validationFraction ?? DEFAULT_VALIDATION_FRACTION;
  checkNumber("validationFraction", fraction, 0, 1);
  if (fraction >= 1) throw new InvalidArgumentError("validationFraction", "a finite number >= 0 and < 1", fraction);
  const seed = checkInteger("seed", options.seed ?? DEFAULT_SPLIT_SEED, 0, 2 ** 32 - 1);
  return { fraction, seed };
}

/**
 * The split for an explicit test file: all of `dataset` trains, `test`'s rows validate. `validationIndexed` holds the
 * test rows whose user and item the dataset's maps know (translated through the maps once per distinct ID, not per
 * row); `validation` keeps every test row. `unknown` counts and names the test rows training never saw.
 */
export function testFileSplit(dataset: Dataset, test: Dataset): { split: DataSplit; unknown: UnknownInValidation; testRows: number } {
  const uMap = new Int32Array(test.userIds.size),
    iMap = new Int32Array(test.itemIds.size);
  for (let k = 0; k < uMap.length; k++) uMap[k] = dataset.userIds.indexOrMinusOne(test.userIds.id(k));
  for (let k = 0; k < iMap.length; k++) iMap[k] = dataset.itemIds.indexOrMinusOne(test.itemIds.id(k));
  const seenU = new Uint8Array(dataset.userIds.size),
    seenI = new Uint8Array(dataset.itemIds.size);
  const tr = dataset.indexed;
  for (let r = 0; r < tr.length; r++) {
    seenU[tr.users[r]!] = 1;
    seenI[tr.items[r]!] = 1;
  }
  const t = test.indexed;
  const keep: number[] = [];
  const newU = new Uint8Array(uMap.length),
    newI = new Uint8Array(iMap.length);
  let rows = 0;
  for (let r = 0; r < t.length; r++) {
    const tu = t.users[r]!,
      ti = t.items[r]!;
    const u = uMap[tu]!,
      i = iMap[ti]!;
    const nu = u < 0 || !seenU[u],
      ni = i < 0 || !seenI[i];
    if (nu) newU[tu] = 1;
    if (ni) newI[ti] = 1;
    if (nu || ni) rows++;
    if (u >= 0 && i >= 0) keep.push(r);
  }
  const sel = selectRows(t, Int32Array.from(keep));
  for (let k = 0; k < sel.length; k++) {
    (sel.users as Int32Array)[k] = uMap[sel.users[k]!]!;
    (sel.items as Int32Array)[k] = iMap[sel.items[k]!]!;
  }
  const ids = (flags: Uint8Array, map: IdMap): string[] => {
    const out: string[] = [];
    for (let k = 0; k < flags.length; k++) if (flags[k]) out.push(map.id(k));
    return out;
  };
  const split = { trainIndexed: dataset.indexed, validationIndexed: sel } as DataSplit;
  Object.defineProperties(split, {
    train: { enumerable: true, get: () => dataset.interactions },
    validation: { enumerable: true, get: () => test.interactions },
  });
  return { split, unknown: { rows, users: ids(newU, test.userIds), items: ids(newI, test.itemIds) }, testRows: t.length };
}
