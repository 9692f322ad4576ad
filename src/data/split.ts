/** Seeded train/validation splits of interactions: a random split and a per-user split that keeps every user in training. */
import { createRng } from "../random";
import { checkInteger, checkNumber } from "../validate";
import { InvalidArgumentError } from "../errors";
import { compareIds } from "./idmap";
import type { DataSplit, Interaction } from "./types";

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
 *
 * @example
 * const { train, validation } = randomSplit(ds.interactions, { validationFraction: 0.2, seed: 42 });
 * validation.length //=> Math.round(0.2 * ds.interactions.length)
 */
export function randomSplit(interactions: readonly Interaction[], options: SplitOptions = {}): DataSplit {
  checkInteractions(interactions);
  const { fraction, seed } = checkOptions(options);
  const n = interactions.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  createRng(seed).shuffle(order);
  const held = new Uint8Array(n);
  const k = Math.round(fraction * n);
  for (let j = 0; j < k; j++) held[order[j]!] = 1;
  return partition(interactions, held);
}

/**
 * Per user, holds out round(fraction * n_u) of the user's interactions at random (seeded), but never so
 * many that the user keeps fewer than `minTrainPerUser` training rows: every user is in training, so
 * every validation row has a trained user vector. Parts keep the input's row order.
 */
export function perUserSplit(interactions: readonly Interaction[], options: PerUserSplitOptions = {}): DataSplit {
  checkInteractions(interactions);
  const { fraction, seed } = checkOptions(options);
  const minTrain = checkInteger("minTrainPerUser", options.minTrainPerUser ?? 1, 1);
  const rowsOf = new Map<string, number[]>();
  interactions.forEach((r, i) => {
    let a = rowsOf.get(r.userId);
    if (!a) rowsOf.set(r.userId, (a = []));
    a.push(i);
  });
  const rng = createRng(seed);
  const held = new Uint8Array(interactions.length);
  // Users in first-appearance order (Map order), so the rng stream and hence the split depend only on the input.
  for (const rows of rowsOf.values()) {
    const k = Math.min(Math.round(fraction * rows.length), Math.max(0, rows.length - minTrain));
    rng.shuffle(rows);
    for (let j = 0; j < k; j++) held[rows[j]!] = 1;
  }
  return partition(interactions, held);
}

/** Validation rows whose user or item never occurs in training (a model has no vector for them). */
export interface UnknownInValidation {
  readonly rows: number;
  readonly users: string[];
  readonly items: string[];
}

/** Counts validation rows with a user or item unseen in training and lists those IDs (sorted, unique). */
export function unknownInValidation(split: DataSplit): UnknownInValidation {
  const users = new Set<string>(), items = new Set<string>();
  for (const r of split.train) { users.add(r.userId); items.add(r.itemId); }
  const newUsers = new Set<string>(), newItems = new Set<string>();
  let rows = 0;
  for (const r of split.validation) {
    const nu = !users.has(r.userId), ni = !items.has(r.itemId);
    if (nu) newUsers.add(r.userId);
    if (ni) newItems.add(r.itemId);
    if (nu || ni) rows++;
  }
  return { rows, users: [...newUsers].sort(compareIds), items: [...newItems].sort(compareIds) };
}

function partition(interactions: readonly Interaction[], held: Uint8Array): DataSplit {
  const train: Interaction[] = [], validation: Interaction[] = [];
  interactions.forEach((r, i) => (held[i] ? validation : train).push(r));
  return { train, validation };
}

function checkInteractions(interactions: unknown): void {
  if (!Array.isArray(interactions)) throw new InvalidArgumentError("interactions", "an array of interactions", interactions);
}

function checkOptions(options: SplitOptions): { fraction: number; seed: number } {
  if (options === null || typeof options !== "object") throw new InvalidArgumentError("split options", "an object", options);
  const fraction = options.validationFraction ?? DEFAULT_VALIDATION_FRACTION;
  checkNumber("validationFraction", fraction, 0, 1);
  if (fraction >= 1) throw new InvalidArgumentError("validationFraction", "a finite number >= 0 and < 1", fraction);
  const seed = checkInteger("seed", options.seed ?? DEFAULT_SPLIT_SEED, 0, 2 ** 32 - 1);
  return { fraction, seed };
}
