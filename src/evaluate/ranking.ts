/**
 * Ranking metrics of top-k lists against held-out relevant items: precision@k, recall@k, NDCG@k, MAP (recommenders'
 * `map` and `map_at_k`), F1@k, hit rate@k, coverage. Per user, with hits = relevant items among the first k:
 * - precision@k = hits / k (a list shorter than k still divides by k, as recommenders and Spark do);
 * - recall@k = hits / |relevant|;
 * - NDCG@k = sum over hit positions j (1-based) of 1/log(1+j), over the same sum for j = 1..min(k, |relevant|)
 *   (binary gain; the log base cancels, so this equals recommenders' natural-log `ndcg_at_k`);
 * - AP ("map", recommenders' `map`) = sum over hit positions j of (hits among the first j) / j, over |relevant|;
 * - AP@k ("mapAtK", recommenders' `map_at_k`, Spark's meanAveragePrecisionAt) = the same sum over min(|relevant|, k);
 * - F1@k = 2 P R / (P + R) of that user's precision@k and recall@k, 0 when both are 0 (cornac's FMeasure);
 * - hit@k = 1 when hits > 0.
 * Every mean is over the users that have at least one relevant item and a list. Coverage = distinct items in all
 * lists / the catalogue size the caller gives (recommenders' `catalog_coverage` divides by the training items).
 * "Relevant" is decided by the caller: every held-out interaction (recommenders' benchmark) or a rating threshold.
 */
import { InvalidArgumentError } from "../errors";
import { checkInteger } from "../validate";

import type { RatedItems } from "../model/rated-items";

function checkList(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  if (list === null || typeof list !== "object" || typeof list.length !== "number") throw new InvalidArgumentError("list", "an array of item indices", list);
  if (!(relevant instanceof Set)) throw new InvalidArgumentError("relevant", "a Set of item indices", relevant);
  checkInteger("k", k, 1);
  return Math.min(k, list.length);
}

/** One user's metrics (see the module comment), from which of the first n list positions hit. */
interface UserMetrics {
  hits: number;
  precision: number;
  recall: number;
  ndcg: number;
  hit: number;
  ap: number;
  apk: number;
  f1: number;
}

/**
 * The one computation of a user's metrics: `hitAt(j)` says whether list position j (0-based, j < n) holds a relevant
 * item, `relevantCount` is |relevant|, `k` the cut-off. Every per-user function and both mean computations use it,
 * so they agree to the bit.
 */
function userMetrics(hitAt: (j: number) => boolean, n: number, relevantCount: number, k: number, out: UserMetrics): UserMetrics {
  let hits = 0,
    dcg = 0,
    psum = 0;
  for (let j = 0; j < n; j++) {
    if (!hitAt(j)) continue;
    dcg += 1 / Math.log2(j + 2);
    psum += ++hits / (j + 1);
  }
  let ideal = 0;
  for (let j = 0; j < Math.min(k, relevantCount); j++) ideal += 1 / Math.log2(j + 2);
  const p = hits / k,
    r = relevantCount === 0 ? 0 : hits / relevantCount;
  out.hits = hits;
  out.precision = p;
  out.recall = r;
  out.ndcg = ideal === 0 ? 0 : dcg / ideal;
  out.hit = hits > 0 ? 1 : 0;
  out.ap = relevantCount === 0 ? 0 : psum / relevantCount;
  out.apk = relevantCount === 0 ? 0 : psum / Math.min(relevantCount, k);
  out.f1 = p + r === 0 ? 0 : (2 * p * r) / (p + r);
  return out;
}

const newUserMetrics = (): UserMetrics => ({ hits: 0, precision: 0, recall: 0, ndcg: 0, hit: 0, ap: 0, apk: 0, f1: 0 });

function ofSet(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): UserMetrics {
  const n = checkList(list, relevant, k);
  return userMetrics((j) => relevant.has(list[j] as number), n, relevant.size, k, newUserMetrics());
}

/** Relevant items among the first k, divided by k (a list shorter than k still divides by k). */
export function precisionAtK(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  return ofSet(list, relevant, k).precision;
}

/** Relevant items among the first k, divided by the number of relevant items (0 when there are none). */
export function recallAtK(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  return ofSet(list, relevant, k).recall;
}

/** 1 when any of the first k is relevant, else 0. */
export function hitAtK(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  return ofSet(list, relevant, k).hit;
}

/**
 * Binary-gain NDCG@k: sum over relevant positions j (1-based) of 1/log2(j+1), divided by the same sum for an ideal
 * list (min(k, |relevant|) relevant items first). 0 when nothing is relevant.
 */
export function ndcgAtK(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  return ofSet(list, relevant, k).ndcg;
}

/** recommenders' `map` for one user: sum over hit positions j of (hits so far) / j, divided by |relevant|. */
export function averagePrecision(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  return ofSet(list, relevant, k).ap;
}

/** recommenders' `map_at_k` for one user: the same sum, divided by min(|relevant|, k). */
export function averagePrecisionAtK(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  return ofSet(list, relevant, k).apk;
}

/** Harmonic mean of this user's precision@k and recall@k; 0 when both are 0. */
export function f1AtK(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  return ofSet(list, relevant, k).f1;
}

export interface RankingMetrics {
  readonly k: number;
  /** Users with at least one relevant held-out item: the ones the means are over. */
  readonly users: number;
  readonly precision: number;
  readonly recall: number;
  readonly ndcg: number;
  readonly hitRate: number;
  /** recommenders' `map` (average precision over |relevant|). */
  readonly map: number;
  /** recommenders' `map_at_k` (average precision over min(|relevant|, k)). */
  readonly mapAtK: number;
  readonly f1: number;
  /** Share of the catalogue that appears in at least one user's top-k (over every list given, not only evaluated users). */
  readonly coverage: number;
}

/**
 * Means of the per-user metrics over users that have at least one relevant item, plus catalogue coverage.
 * `lists[u]` is user u's recommendation list (item indices, best first; null for a user not recommended to),
 * `relevant[u]` the user's relevant held-out items.
 */
export function rankingMetrics(
  lists: readonly (ArrayLike<number> | null | undefined)[],
  relevant: readonly ReadonlySet<number>[],
  k: number,
  numItems: number,
): RankingMetrics {
  if (!Array.isArray(lists)) throw new InvalidArgumentError("lists", "an array of item-index lists, one per user", lists);
  if (!Array.isArray(relevant) || relevant.length !== lists.length)
    throw new InvalidArgumentError("relevant", `an array of ${lists.length} Sets (one per user)`, relevant);
  const acc = new RankingAccumulator(k, numItems);
  for (let u = 0; u < lists.length; u++) {
    const list = lists[u];
    if (list === null || list === undefined) continue;
    acc.cover(u, list, 0, list.length);
    const rel = relevant[u] as ReadonlySet<number>;
    if (rel.size === 0) continue;
    const n = checkList(list, rel, k);
    acc.score(list, 0, n, (i) => rel.has(i), rel.size);
  }
  return acc.result();
}

/**
 * `rankingMetrics` accumulated user by user, so lists can stream through in blocks (nothing per user is kept).
 * Add each user's list once, in user order (the means are sums in that order): {@link cover} and {@link score} with
 * any relevance test, or {@link addUserCsr} with the relevant items as CSR rows (`relevant.items[offsets[u]..offsets[u + 1])`).
 */
export class RankingAccumulator {
  readonly k: number;
  readonly numItems: number;
  private users = 0;
  private p = 0;
  private r = 0;
  private nd = 0;
  private h = 0;
  private ap = 0;
  private apk = 0;
  private f1 = 0;
  private covered = 0;
  private readonly seen: Uint8Array;
  private readonly one = newUserMetrics();
  private stamp: Int32Array | undefined;

  constructor(k: number, numItems: number) {
    this.k = checkInteger("k", k, 1);
    this.numItems = checkInteger("numItems", numItems, 1);
    this.seen = new Uint8Array(numItems);
  }

  /**
   * User u's list `list[from .. from + length)` (best first; -1 pads): its first k entries count for coverage
   * (an entry outside the catalogue throws, naming `lists[u][j]`).
   */
  cover(u: number, list: ArrayLike<number>, from: number, length: number): void {
    const n = Math.min(this.k, length);
    const seen = this.seen,
      numItems = this.numItems;
    for (let j = 0; j < n; j++) {
      const i = list[from + j] as number;
      if (!(Number.isInteger(i) && i >= 0 && i < numItems)) {
        if (i === -1) continue; // padding of a short list
        throw new InvalidArgumentError(`lists[${u}][${j}]`, `an item index in [0, ${numItems})`, i);
      }
      if (seen[i] === 0) {
        seen[i] = 1;
        this.covered++;
      }
    }
  }

  /** Adds one user with `relevantCount` > 0 relevant items to the means: its first n (<= k) list entries are scored. */
  score(list: ArrayLike<number>, from: number, n: number, isRelevant: (item: number) => boolean, relevantCount: number): void {
    const m = userMetrics((j) => isRelevant(list[from + j] as number), n, relevantCount, this.k, this.one);
    this.users++;
    this.p += m.precision;
    this.r += m.recall;
    this.nd += m.ndcg;
    this.h += m.hit;
    this.ap += m.ap;
    this.apk += m.apk;
    this.f1 += m.f1;
  }

  /**
   * User u's list (`cover`, then `score` when u has relevant items), its relevant items being row u of the CSR
   * `relevant` (sorted and unique, as RatedItems).
   */
  addUserCsr(u: number, list: ArrayLike<number>, from: number, length: number, relevant: RatedItems): void {
    this.cover(u, list, from, length);
    const a = relevant.offsets[u] as number,
      b = relevant.offsets[u + 1] as number;
    if (b === a) return;
    // Marks of user u in one array over the items (no Set per user); a mark is the user index + 1, so marks left
    // by other users never match.
    if (this.stamp === undefined) this.stamp = new Int32Array(this.numItems);
    const stamp = this.stamp;
    const mark = u + 1;
    for (let j = a; j < b; j++) stamp[relevant.items[j] as number] = mark;
    this.score(list, from, Math.min(this.k, length), (i) => stamp[i] === mark, b - a);
  }

  result(): RankingMetrics {
    const users = this.users;
    const mean = (x: number): number => (users === 0 ? NaN : x / users);
    return {
      k: this.k,
      users,
      precision: mean(this.p),
      recall: mean(this.r),
      ndcg: mean(this.nd),
      hitRate: mean(this.h),
      map: mean(this.ap),
      mapAtK: mean(this.apk),
      f1: mean(this.f1),
      coverage: this.covered / this.numItems,
    };
  }
}
