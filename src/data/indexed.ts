/** Interactions as parallel typed arrays of contiguous indices: the form the trainer and evaluators consume. */
import type { Interaction } from "./types";
import type { IdMap } from "./idmap";
import { createHash } from "node:crypto";

/** Row r is (users[r], items[r], ratings[r]). */
export interface IndexedRatings {
  readonly users: Int32Array;
  readonly items: Int32Array;
  readonly ratings: Float32Array;
  readonly length: number;
}

/**
 * Maps raw IDs to indices. An ID the maps do not know throws `UnknownIdError` naming it, unless
 * `skipUnknown` is set, in which case the row is dropped (for held-out data with new users or items).
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
    k++;
  }
  return k === n
    ? { users, items, ratings, length: n }
    : { users: users.slice(0, k), items: items.slice(0, k), ratings: ratings.slice(0, k), length: k };
}

/** A short hex fingerprint of interactions (order-sensitive), saved with a model to tell which data trained it. */
export function fingerprintInteractions(interactions: readonly Interaction[]): string {
  const h = createHash("sha256");
  for (const r of interactions) h.update(`${r.userId}\u0000${r.itemId}\u0000${r.rating}\n`);
  return h.digest("hex").slice(0, 16);
}
