/** Top-N for many users in one pass, with the rated items excluded, in bounded memory. */
import type { MfWeights } from "../model/types";
import { InvalidArgumentError } from "../errors";
import { checkInteger } from "../validate";
import { checkWeights } from "../model/check";
import { checkRatedItems, type RatedItems } from "../model/rated-items";
import { ItemScorer } from "./scorer";

/** Results for `users.length` users, n slots each; slot j of user row r is at r * n + j. */
export interface BatchTopN {
  readonly n: number;
  /** The user indices, in the order of the rows. */
  readonly users: Int32Array;
  /** Item indices, best first; -1 pads a row when fewer than n items were left after exclusion. */
  readonly items: Int32Array;
  /** Predicted ratings (f32 values); NaN pads. */
  readonly scores: Float64Array;
  /** How many items each row holds. */
  readonly counts: Int32Array;
}

export interface BatchOptions {
  /** Item indices to leave out for each user index, as CSR (e.g. `model.ratedItems`); none when absent. */
  readonly exclude?: RatedItems;
  /** Which users, by index (default: all). */
  readonly users?: ArrayLike<number>;
}

/** Users per block of {@link forEachTopNBlock} unless told otherwise. */
export const TOPN_BLOCK_USERS = 4096;

/**
 * Top-n item indices and scores for every user (or `options.users`), excluding user u's row of `options.exclude`.
 * Memory is O(users * n + items): no users x items score matrix is held. Users stream through the scorer in blocks
 * (one block's scores, at most SCORE_BLOCK_BYTES, exist at a time), so 160k users cost time, not memory.
 * Every row equals what {@link topNForUserIndex} gives for that user, to the bit. Weights whose factors are all
 * zero (the bias-only and popularity baselines) rank every user's items in one global order, so their lists are
 * read off that order (skipping the user's exclusions) instead of scoring every item per user: the same bits.
 */
export function topNAllUsers(weights: MfWeights, n: number, options: BatchOptions = {}): BatchTopN {
  const { w, exclude, users } = checkBatch(weights, n, options);
  const rows = users.length;
  const items = new Int32Array(rows * n).fill(-1);
  const scores = new Float64Array(rows * n).fill(NaN);
  const counts = new Int32Array(rows);
  topNInto(w, users, n, exclude, items, scores, counts);
  return { n, users, items, scores, counts };
}

/**
 * `topNAllUsers` streamed: the users (all, or `options.users`, in that order) go `blockUsers` at a time (default
 * {@link TOPN_BLOCK_USERS}), and `visit` gets each block's results, row r being user `block.users[r]`, with `start`
 * the block's first position in the user list. Memory is one block's lists whatever the number of users; the
 * block's arrays are reused for the next block, so `visit` must copy what it keeps. Rows equal `topNAllUsers`'s.
 */
export function forEachTopNBlock(
  weights: MfWeights,
  n: number,
  options: BatchOptions & { readonly blockUsers?: number },
  visit: (block: BatchTopN, start: number) => void,
): void {
  const { w, exclude, users } = checkBatch(weights, n, options);
  if (typeof visit !== "function") throw new InvalidArgumentError("visit", "a function of (block, start)", visit);
  const B = checkInteger("options.blockUsers", options.blockUsers ?? TOPN_BLOCK_USERS, 1);
  const size = Math.min(B, Math.max(1, users.length));
  const items = new Int32Array(size * n),
    scores = new Float64Array(size * n),
    counts = new Int32Array(size);
  const order = biasOnlyOrder(w);
  for (let start = 0; start < users.length; start += B) {
    const rows = Math.min(B, users.length - start);
    const part = users.subarray(start, start + rows);
    items.fill(-1);
    scores.fill(NaN);
    counts.fill(0);
    topNInto(w, part, n, exclude, items, scores, counts, order);
    visit(
      rows === size
        ? { n, users: part, items, scores, counts }
        : { n, users: part, items: items.subarray(0, rows * n), scores: scores.subarray(0, rows * n), counts: counts.subarray(0, rows) },
      start,
    );
  }
}

function checkBatch(weights: MfWeights, n: number, options: BatchOptions): { w: MfWeights; exclude: RatedItems | undefined; users: Int32Array } {
  const w = checkWeights(weights);
  checkInteger("n", n, 1);
  if (typeof options !== "object" || options === null) throw new InvalidArgumentError("options", "an object", options);
  const exclude = options.exclude === undefined ? undefined : checkRatedItems(options.exclude, w.numUsers, w.numItems, "options.exclude");
  let users: Int32Array;
  if (options.users === undefined) {
    users = new Int32Array(w.numUsers);
    for (let u = 0; u < w.numUsers; u++) users[u] = u;
  } else {
    users = Int32Array.from(options.users);
    users.forEach((u, j) => checkInteger(`options.users[${j}]`, u, 0, w.numUsers - 1));
  }
  return { w, exclude, users };
}

/** Fills row r of the outputs (from r * n) with user `users[r]`'s top-n; the one dispatch of both entry points. */
function topNInto(
  w: MfWeights,
  users: Int32Array,
  n: number,
  exclude: RatedItems | undefined,
  items: Int32Array,
  scores: Float64Array,
  counts: Int32Array,
  order: Int32Array | null = biasOnlyOrder(w),
): void {
  if (order !== null) globalOrderTopN(w, order, users, n, exclude, items, scores, counts);
  else ItemScorer.for(w).topNMany(w.userFactors, w.userBias, users, n, exclude, items, scores, counts);
}

/**
 * The items in descending item bias (ties to the lower index) when every factor of `w` is +0 and every bias is
 * finite, else null. Then the scorer's score of (u, i), +0 + ((userBias[u] + itemBias[i]) + g) in f32, is a
 * non-decreasing function of itemBias[i] for every user: each user's ranking is this order, except that f32
 * rounding can make neighbours tie (which {@link globalOrderTopN} resolves as the scorer does).
 */
export function biasOnlyOrder(w: MfWeights): Int32Array | null {
  if (!Number.isFinite(Math.fround(w.globalBias))) return null;
  for (const f of [w.userFactors, w.itemFactors]) {
    const bits = new Int32Array(f.buffer, f.byteOffset, f.length);
    for (let k = 0; k < bits.length; k++) if (bits[k] !== 0) return null;
  }
  for (const b of [w.userBias, w.itemBias]) for (let k = 0; k < b.length; k++) if (!Number.isFinite(b[k]!)) return null;
  const ib = w.itemBias;
  const order = Int32Array.from({ length: w.numItems }, (_, i) => i);
  return order.sort((a, b) => ib[b]! - ib[a]! || a - b);
}

/**
 * Top-n of bias-only weights from their global `order`: per user, walk the order skipping the user's exclusions,
 * score each item exactly as the kernel does, keep the best n (higher score, ties to the lower index), and stop at
 * the first score below the n-th kept one (the scores never rise along the order). Costs the user's exclusions plus
 * about n items, not the catalogue.
 */
function globalOrderTopN(
  w: MfWeights,
  order: Int32Array,
  users: Int32Array,
  n: number,
  exclude: RatedItems | undefined,
  outItems: Int32Array,
  outScores: Float64Array,
  outCounts: Int32Array,
): void {
  const ni = w.numItems,
    ib = w.itemBias,
    ub = w.userBias,
    g = Math.fround(w.globalBias);
  const k = Math.max(1, Math.min(n, ni));
  const stamp = new Int32Array(ni);
  const topI = new Int32Array(k),
    topS = new Float64Array(k);
  for (let r = 0; r < users.length; r++) {
    const u = users[r]!;
    const mark = r + 1; // marks of earlier rows never equal it: no clearing between users
    if (exclude !== undefined) for (let j = exclude.offsets[u]!; j < exclude.offsets[u + 1]!; j++) stamp[exclude.items[j]!] = mark;
    const b = ub[u]!;
    let count = 0;
    for (let j = 0; j < ni; j++) {
      const i = order[j]!;
      if (stamp[i] === mark) continue;
      // The kernel's f32 arithmetic: dot (+0) + ((ub + ib) + g); "+ 0" turns a -0 sum into +0 as the kernel's does.
      const s = Math.fround(Math.fround(b + ib[i]!) + g) + 0;
      let at: number;
      if (count < k) at = count++;
      else {
        const ws = topS[k - 1]!;
        if (s < ws) break;
        if (s > ws || i < topI[k - 1]!) at = k - 1;
        else continue;
      }
      // Place (s, i) at `at`, then move it up past kept items it ranks before (only ties can be out of order).
      while (at > 0 && (topS[at - 1]! < s || (topS[at - 1] === s && topI[at - 1]! > i))) {
        topS[at] = topS[at - 1]!;
        topI[at] = topI[at - 1]!;
        at--;
      }
      topS[at] = s;
      topI[at] = i;
    }
    const o = r * n;
    for (let j = 0; j < count; j++) {
      outItems[o + j] = topI[j]!;
      outScores[o + j] = topS[j]!;
    }
    outCounts[r] = count;
  }
}
