/** Interactions as parallel typed arrays of contiguous indices: the form the trainer and evaluators consume. */
import type { Dataset, DataSplit, Interaction } from "./types";
import type { IdMap } from "./idmap";
import { createHash } from "node:crypto";

/**
 * Row r is (users[r], items[r], ratings[r]), with `timestamps[r]` (seconds; NaN for a row without one) when the
 * source has timestamps. Indices are into an `IdMap` pair that the holder names (a Dataset's `userIds` / `itemIds`).
 */
export interface IndexedRatings {
  readonly users: Int32Array;
  readonly items: Int32Array;
  readonly ratings: Float32Array;
  readonly timestamps?: Float64Array;
  readonly length: number;
}

/**
 * Maps raw IDs to indices. An ID the maps do not know throws `UnknownIdError` naming it, unless
 * `skipUnknown` is set, in which case the row is dropped (for held-out data with new users or items).
 * Timestamps are kept (NaN where a row has none) when any kept row has one.
 */
export function indexInteractions(
  interactions: readonly Interaction[],
  userIds: IdMap,
  itemIds: IdMap,
  options: { skipUnknown?: boolean } = {},
): IndexedRatings {
  const n = interactions.length;
  const users = new Int32Array(n);
  const items = new Int32Array(n);
  const ratings = new Float32Array(n);
  let timestamps: Float64Array | undefined;
  let k = 0;
  for (const r of interactions) {
    if (options.skipUnknown) {
      const u = userIds.indexOrMinusOne(r.userId);
      const i = itemIds.indexOrMinusOne(r.itemId);
      if (u < 0 || i < 0) continue;
      users[k] = u;
      items[k] = i;
    } else {
      users[k] = userIds.index(r.userId);
      items[k] = itemIds.index(r.itemId);
    }
    ratings[k] = r.rating;
    if (r.timestamp !== undefined) {
      if (timestamps === undefined) timestamps = new Float64Array(n).fill(NaN);
      timestamps[k] = r.timestamp;
    }
    k++;
  }
  if (k === n) return timestamps ? { users, items, ratings, timestamps, length: n } : { users, items, ratings, length: n };
  const cut = { users: users.slice(0, k), items: items.slice(0, k), ratings: ratings.slice(0, k), length: k };
  return timestamps ? { ...cut, timestamps: timestamps.slice(0, k) } : cut;
}

/** The rows of `indexed` at the given row numbers (in that order), as a new IndexedRatings. */
export function selectRows(indexed: IndexedRatings, rows: Int32Array): IndexedRatings {
  const n = rows.length;
  const users = new Int32Array(n),
    items = new Int32Array(n),
    ratings = new Float32Array(n);
  const ts = indexed.timestamps;
  const timestamps = ts ? new Float64Array(n) : undefined;
  for (let k = 0; k < n; k++) {
    const r = rows[k]!;
    users[k] = indexed.users[r]!;
    items[k] = indexed.items[r]!;
    ratings[k] = indexed.ratings[r]!;
    if (timestamps) timestamps[k] = ts![r]!;
  }
  return timestamps ? { users, items, ratings, timestamps, length: n } : { users, items, ratings, length: n };
}

/** The rows of `a` then those of `b` (over the same maps), as a new IndexedRatings; timestamps kept when either has them. */
export function concatRows(a: IndexedRatings, b: IndexedRatings): IndexedRatings {
  const n = a.length + b.length;
  const users = new Int32Array(n),
    items = new Int32Array(n),
    ratings = new Float32Array(n);
  users.set(a.users.subarray(0, a.length));
  users.set(b.users.subarray(0, b.length), a.length);
  items.set(a.items.subarray(0, a.length));
  items.set(b.items.subarray(0, b.length), a.length);
  ratings.set(a.ratings.subarray(0, a.length));
  ratings.set(b.ratings.subarray(0, b.length), a.length);
  if (!a.timestamps && !b.timestamps) return { users, items, ratings, length: n };
  const timestamps = new Float64Array(n).fill(NaN);
  if (a.timestamps) timestamps.set(a.timestamps.subarray(0, a.length));
  if (b.timestamps) timestamps.set(b.timestamps.subarray(0, b.length), a.length);
  return { users, items, ratings, timestamps, length: n };
}

/**
 * A split's rows over the dataset's `userIds` / `itemIds`: the split's own `trainIndexed` / `validationIndexed`
 * when it has them, else its object rows indexed (validation rows with a user or item the dataset does not know
 * are dropped; an unknown ID in training throws `UnknownIdError`).
 */
export function indexedSplit(dataset: Dataset, split: DataSplit): { train: IndexedRatings; validation: IndexedRatings } {
  return {
    train: split.trainIndexed ?? indexInteractions(split.train, dataset.userIds, dataset.itemIds),
    validation: split.validationIndexed ?? indexInteractions(split.validation, dataset.userIds, dataset.itemIds, { skipUnknown: true }),
  };
}

/** A short hex fingerprint of interactions (order-sensitive), saved with a model to tell which data trained it. */
export function fingerprintInteractions(interactions: readonly Interaction[]): string {
  const h = createHash("sha256");
  for (const r of interactions) h.update(`${r.userId}\u0000${r.itemId}\u0000${r.rating}\n`);
  return h.digest("hex").slice(0, 16);
}

/**
 * `fingerprintInteractions` of the rows of `indexed` read through the maps, without building the row objects
 * (the same hex string for the same rows).
 */
export function fingerprintIndexed(indexed: IndexedRatings, userIds: IdMap, itemIds: IdMap): string {
  const h = createHash("sha256");
  const uid = userIds.toArray(),
    iid = itemIds.toArray();
  let buf = "";
  for (let r = 0; r < indexed.length; r++) {
    buf += `${uid[indexed.users[r]!]}\u0000${iid[indexed.items[r]!]}\u0000${ratingValue(indexed.ratings[r]!)}\n`;
    if (buf.length > 65536) {
      h.update(buf);
      buf = "";
    }
  }
  h.update(buf);
  return h.digest("hex").slice(0, 16);
}

const shortest = new Map<number, number>();

/** The shortest decimal whose 32-bit float is `f` (the rating as the file most likely wrote it). */
export function ratingValue(f: number): number {
  let v = shortest.get(f);
  if (v === undefined) {
    v = f;
    for (let p = 1; p <= 9; p++) {
      const d = Number(f.toPrecision(p));
      if (Math.fround(d) === f) {
        v = d;
        break;
      }
    }
    if (shortest.size < 65536) shortest.set(f, v);
  }
  return v;
}
