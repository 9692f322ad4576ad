/**
 * The stratified split of recommenders' `python_stratified_split` (recommenders/datasets/python_splitters.py), row for
 * row: per user (or per item), a seeded share of that user's rows goes to training, the rest to test.
 */
import { InvalidArgumentError } from "../errors";
import { checkInteger, checkNumber, checkOneOf } from "../validate";
import type { Dataset, DataSplit, Interaction } from "./types";
import { splitByAssignment } from "./split";

/** recommenders' defaults: 75% of each user's rows in training, seed 42. */
export const STRATIFIED_TRAIN_RATIO = 0.75;
export const STRATIFIED_SEED = 42;

export interface StratifiedSplitOptions {
  /** Share of each group's rows that goes to training, in (0, 1); default 0.75. */
  readonly ratio?: number;
  /** Seed of the random order inside each group (numpy's legacy MT19937 seeding); default 42. */
  readonly seed?: number;
  /** Stratify by "user" (recommenders' default) or by "item" (what recommenders' MovieLens benchmark notebook uses). */
  readonly by?: "user" | "item";
  /** Groups with fewer rows than this are dropped from both parts (recommenders' `min_rating`); default 1. */
  readonly minRows?: number;
}

/** Row r of the input goes to training (0), to test (1), or to neither (2: its group has fewer than `minRows` rows). */
export const STRATIFIED_TRAIN = 0,
  STRATIFIED_TEST = 1,
  STRATIFIED_DROPPED = 2;

/**
 * Which part each row goes to, for rows whose group (user or item index) is `groups[r]`. The semantics are exactly
 * recommenders' `_do_stratification` with `is_random=True`:
 * 1. rows of groups with fewer than `minRows` rows are dropped (`min_rating_filter_pandas`);
 * 2. `np.random.seed(seed); data["random"] = np.random.rand(n)`: one uniform number per remaining row, in row order,
 *    from numpy's MT19937 (reimplemented below, so the numbers are numpy's to the bit);
 * 3. within each group, rows ranked 1..count by that number (ties, which numpy's 53-bit draws make practically
 *    impossible, to the earlier row);
 * 4. rank <= round(ratio * count) goes to training, the rest to test, where round is numpy's (half to even):
 *    a user with 2 rows keeps both in training at 0.75 (round(1.5) = 2), one with 6 keeps 4 (round(4.5) = 4).
 * So a split made here holds the same rows in each part as recommenders' for the same rows in the same order
 * (recommenders returns them sorted by group and random number; this keeps no order, only the assignment).
 */
export function stratifiedAssignment(groups: Int32Array, options: StratifiedSplitOptions = {}): Uint8Array {
  if (!(groups instanceof Int32Array)) throw new InvalidArgumentError("groups", "an Int32Array of group indices, one per row", groups);
  const { ratio, seed, minRows } = checkStratifiedOptions(options);
  const n = groups.length;
  let numGroups = 0;
  for (let r = 0; r < n; r++) {
    const g = groups[r]!;
    if (g < 0) throw new InvalidArgumentError(`groups[${r}]`, "a group index >= 0", g);
    if (g >= numGroups) numGroups = g + 1;
  }
  const count = new Int32Array(numGroups);
  for (let r = 0; r < n; r++) count[groups[r]!]!++;
  const out = new Uint8Array(n);
  const rng = new NumpyRandom(seed);
  const draw = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    if (count[groups[r]!]! < minRows) out[r] = STRATIFIED_DROPPED;
    else draw[r] = rng.randomSample();
  }
  // Rows grouped (counting sort by group, row order kept), then each group's rows ordered by their draw.
  const start = new Int32Array(numGroups + 1);
  for (let g = 0; g < numGroups; g++) start[g + 1] = start[g]! + count[g]!;
  const fill = start.slice(0, numGroups);
  const rows = new Int32Array(n);
  for (let r = 0; r < n; r++) rows[fill[groups[r]!]!++] = r;
  // Rank <= keep goes to training: the rows whose draw is below the group's keep-th smallest draw, plus, of the rows
  // drawing exactly that value, the earliest ones up to keep (a numeric sort of the group's draws, no comparator).
  const sorted = new Float64Array(Math.max(1, maxCount(count)));
  for (let g = 0; g < numGroups; g++) {
    const c = count[g]!;
    if (c === 0 || c < minRows) continue;
    const keep = roundHalfEven(ratio * c);
    const a = start[g]!,
      b = start[g + 1]!;
    if (keep >= c) continue;
    if (keep === 0) {
      for (let k = a; k < b; k++) out[rows[k]!] = STRATIFIED_TEST;
      continue;
    }
    const part = sorted.subarray(0, c);
    for (let k = a; k < b; k++) part[k - a] = draw[rows[k]!]!;
    part.sort();
    const bound = part[keep - 1]!;
    let below = 0;
    for (let j = 0; j < keep; j++) if (part[j]! < bound) below++;
    let ties = keep - below; // rows drawing `bound` that still go to training, earliest first (rows are in row order)
    for (let k = a; k < b; k++) {
      const r = rows[k]!,
        d = draw[r]!;
      if (d < bound) continue;
      if (d === bound && ties > 0) {
        ties--;
        continue;
      }
      out[r] = STRATIFIED_TEST;
    }
  }
  return out;
}

function maxCount(count: Int32Array): number {
  let m = 0;
  for (let g = 0; g < count.length; g++) if (count[g]! > m) m = count[g]!;
  return m;
}

/**
 * `python_stratified_split(data, ratio, min_rating, filter_by, seed)` on interactions or a Dataset: `train` and
 * `validation` (the test part) each keep the input's row order; no row is in both, and with `minRows` 1 every row is
 * in one. A Dataset gives the same rows, also as `trainIndexed` / `validationIndexed`, without per-row objects.
 *
 * @example
 * const { train, validation } = stratifiedSplit(ds.interactions, { ratio: 0.75, seed: 42 });
 * // every user with n rows has round(0.75 n) of them (half to even) in train
 */
export function stratifiedSplit(data: Dataset | readonly Interaction[], options: StratifiedSplitOptions = {}): DataSplit {
  return splitByAssignment(data, stratifiedSplitAssignment(data, options));
}

/**
 * `stratifiedSplit`'s assignment of each row (STRATIFIED_TRAIN, STRATIFIED_TEST or STRATIFIED_DROPPED), grouped by
 * the user or item: from a Dataset's indices (no per-row objects) or an array's IDs (the same assignment: it depends
 * on which rows share a group, not on how the groups are numbered).
 */
export function stratifiedSplitAssignment(data: Dataset | readonly Interaction[], options: StratifiedSplitOptions = {}): Uint8Array {
  const ds = data as Dataset | null;
  const isDataset = !Array.isArray(data) && ds !== null && typeof ds === "object" && !!ds.indexed && !!ds.userIds && !!ds.itemIds;
  if (!Array.isArray(data) && !isDataset) throw new InvalidArgumentError("interactions", "an array of interactions", data);
  const by = checkOneOf("options.by", options.by ?? "user", ["user", "item"] as const);
  if (isDataset) {
    const n = ds!.indexed.length;
    return stratifiedAssignment((by === "user" ? ds!.indexed.users : ds!.indexed.items).subarray(0, n), options);
  }
  const interactions = data as readonly Interaction[];
  const index = new Map<string, number>();
  const groups = new Int32Array(interactions.length);
  interactions.forEach((row, r) => {
    const key = by === "user" ? row.userId : row.itemId;
    let g = index.get(key);
    if (g === undefined) {
      g = index.size;
      index.set(key, g);
    }
    groups[r] = g;
  });
  return stratifiedAssignment(groups, options);
}

function checkStratifiedOptions(options: StratifiedSplitOptions): { ratio: number; seed: number; minRows: number } {
  if (options === null || typeof options !== "object") throw new InvalidArgumentError("options", "an object", options);
  const ratio = checkNumber("options.ratio", options.ratio ?? STRATIFIED_TRAIN_RATIO, 0, 1, true);
  if (ratio >= 1) throw new InvalidArgumentError("options.ratio", "a number > 0 and < 1", ratio);
  if (options.by !== undefined) checkOneOf("options.by", options.by, ["user", "item"] as const);
  return {
    ratio,
    seed: checkInteger("options.seed", options.seed ?? STRATIFIED_SEED, 0, 2 ** 32 - 1),
    minRows: checkInteger("options.minRows", options.minRows ?? 1, 1),
  };
}

/** numpy's `np.round` for one value: to the nearest integer, halves to even. @example roundHalfEven(4.5) //=> 4 */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x),
    d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * numpy's legacy global generator: `np.random.seed(seed)` (MT19937 `init_genrand`) and `np.random.rand()` /
 * `random_sample()` (53 bits from two 32-bit outputs). Here only so the split draws numpy's numbers.
 */
export class NumpyRandom {
  private readonly mt = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    checkInteger("seed", seed, 0, 2 ** 32 - 1);
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  /** The next 32-bit output (genrand_int32). */
  nextUint32(): number {
    const mt = this.mt;
    if (this.index >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k]! & 0x80000000) | (mt[(k + 1) % 624]! & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.index = 0;
    }
    let y = mt[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Uniform in [0, 1) with 53 random bits, as numpy's `random_sample`. */
  randomSample(): number {
    const a = this.nextUint32() >>> 5,
      b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }
}
