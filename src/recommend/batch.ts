/** Top-N for many users in one pass, with the rated-item mask, in bounded memory. */
import type { MfWeights } from "../model/types";
import { InvalidArgumentError } from "../errors";
import { checkInteger, checkOneOf } from "../validate";
import { checkWeights } from "../analysis/embeddings";
import { scoreUnchecked } from "./score";
import { TopKHeap } from "./topk";
import { buildItemClusterIndex, type ItemClusterIndex } from "./clusters";

/** Results for `users.length` users, n slots each; slot j of user row r is at r * n + j. */
export interface BatchTopN {
  readonly n: number;
  /** The user indices, in the order of the rows. */
  readonly users: Int32Array;
  /** Item indices, best first; -1 pads a row when fewer than n items were left after exclusion. */
  readonly items: Int32Array;
  /** Predicted ratings; NaN pads. */
  readonly scores: Float64Array;
  /** How many items each row holds. */
  readonly counts: Int32Array;
}

/**
 * "brute" scores every (user, item) pair; "pruned" visits item clusters in order of their score bound and stops when
 * no remaining cluster can beat the user's current n-th best (exact: same items and scores as "brute");
 * "auto" = "pruned" when there are at least 64 items.
 */
export type BatchStrategy = "auto" | "brute" | "pruned";

export interface BatchOptions {
  /** Item indices to leave out for each user index (e.g. `model.ratedItems`); none when absent. */
  readonly exclude?: readonly ArrayLike<number>[];
  /** Which users, by index (default: all). */
  readonly users?: ArrayLike<number>;
  readonly strategy?: BatchStrategy;
  /** A prebuilt cluster index of these weights (built on demand otherwise). */
  readonly index?: ItemClusterIndex;
}

/**
 * Top-n item indices and scores for every user (or `options.users`), excluding `options.exclude[u]`.
 * Memory is O(users * n + items): no users x items score matrix is ever held, so catalogue size is not a problem.
 * Every row equals what {@link topNForUserIndex} gives for that user, to the bit (same scoring function, same ties).
 */
export function topNAllUsers(weights: MfWeights, n: number, options: BatchOptions = {}): BatchTopN {
  const w = checkWeights(weights);
  checkInteger("n", n, 1);
  if (typeof options !== "object" || options === null) throw new InvalidArgumentError("options", "an object", options);
  const strategy = checkOneOf("options.strategy", options.strategy ?? "auto", ["auto", "brute", "pruned"] as const);
  const exclude = options.exclude;
  if (exclude !== undefined && (!Array.isArray(exclude) || exclude.length !== w.numUsers)) {
    throw new InvalidArgumentError("options.exclude", `an array of ${w.numUsers} index lists (one per user)`, exclude);
  }
  let users: Int32Array;
  if (options.users === undefined) {
    users = new Int32Array(w.numUsers);
    for (let u = 0; u < w.numUsers; u++) users[u] = u;
  } else {
    users = Int32Array.from(options.users);
    users.forEach((u, j) => checkInteger(`options.users[${j}]`, u, 0, w.numUsers - 1));
  }
  const usePruned = strategy === "pruned" || (strategy === "auto" && w.numItems >= 64);
  let index: ItemClusterIndex | undefined;
  if (usePruned) {
    index = options.index ?? buildItemClusterIndex(w);
    if (index.itemFactors !== w.itemFactors || index.dim !== w.dim) {
      throw new InvalidArgumentError("options.index", "a cluster index built from these weights", "an index of other weights");
    }
  }
  const rows = users.length;
  const items = new Int32Array(rows * n).fill(-1);
  const scores = new Float64Array(rows * n).fill(NaN);
  const counts = new Int32Array(rows);
  const heap = new TopKHeap(n);
  const mask = new Uint8Array(w.numItems);
  const bound = index ? new Float64Array(index.numClusters) : undefined;
  const order = index ? new Int32Array(index.numClusters) : undefined;
  for (let r = 0; r < rows; r++) {
    const u = users[r] as number;
    const ex = exclude?.[u];
    if (ex) {
      for (let j = 0; j < ex.length; j++) {
        const i = ex[j] as number;
        if (!(i >= 0 && i < w.numItems && Number.isInteger(i))) throw new InvalidArgumentError(`options.exclude[${u}][${j}]`, `an item index in [0, ${w.numItems})`, i);
        mask[i] = 1;
      }
    }
    heap.reset();
    if (index && bound && order) scorePruned(w, u, mask, heap, index, bound, order);
    else for (let i = 0; i < w.numItems; i++) if (mask[i] === 0) heap.push(i, scoreUnchecked(w, u, i));
    counts[r] = heap.drainInto(items, scores, r * n);
    if (ex) for (let j = 0; j < ex.length; j++) mask[ex[j] as number] = 0;
  }
  return { n, users, items, scores, counts };
}

function scorePruned(w: MfWeights, u: number, mask: Uint8Array, heap: TopKHeap, index: ItemClusterIndex,
  bound: Float64Array, order: Int32Array): void {
  const d = w.dim, C = index.numClusters, uf = w.userFactors, uo = u * d, cent = index.centroids;
  let pn = 0;
  for (let k = 0; k < d; k++) pn += (uf[uo + k] as number) ** 2;
  pn = Math.sqrt(pn);
  const shift = (w.userBias[u] as number) + w.globalBias;
  for (let c = 0; c < C; c++) {
    let dot = 0;
    for (let k = 0; k < d; k++) dot += (uf[uo + k] as number) * (cent[c * d + k] as number);
    const rad = index.radius[c] as number, mb = index.maxItemBias[c] as number;
    // The margin covers the rounding of both this bound and the exact score (relative 1e-9, far above double error).
    const margin = 1e-9 * (pn * ((index.centroidNorm[c] as number) + rad) + Math.abs(mb) + Math.abs(shift) + 1);
    bound[c] = dot + pn * rad + mb + shift + margin;
    // Insertion sort by bound, descending (C is small).
    let p = c;
    while (p > 0 && (bound[order[p - 1] as number] as number) < (bound[c] as number)) {
      order[p] = order[p - 1] as number;
      p--;
    }
    order[p] = c;
  }
  const members = index.members, offsets = index.offsets;
  for (let j = 0; j < C; j++) {
    const c = order[j] as number;
    // Strictly below the current n-th best: no member can enter, nor can any later (smaller-bound) cluster.
    if (heap.full && (bound[c] as number) < heap.worstScore) break;
    const end = offsets[c + 1] as number;
    for (let m = offsets[c] as number; m < end; m++) {
      const i = members[m] as number;
      if (mask[i] === 0) heap.push(i, scoreUnchecked(w, u, i));
    }
  }
}
