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

function checkList(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  if (list === null || typeof list !== "object" || typeof list.length !== "number") throw new InvalidArgumentError("list", "an array of item indices", list);
  if (!(relevant instanceof Set)) throw new InvalidArgumentError("relevant", "a Set of item indices", relevant);
  checkInteger("k", k, 1);
  return Math.min(k, list.length);
}

function hitsAt(list: ArrayLike<number>, relevant: ReadonlySet<number>, n: number): number {
  let h = 0;
  for (let j = 0; j < n; j++) if (relevant.has(list[j] as number)) h++;
  return h;
}

/** Relevant items among the first k, divided by k (a list shorter than k still divides by k). */
export function precisionAtK(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  return hitsAt(list, relevant, checkList(list, relevant, k)) / k;
}

/** Relevant items among the first k, divided by the number of relevant items (0 when there are none). */
export function recallAtK(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  const n = checkList(list, relevant, k);
  return relevant.size === 0 ? 0 : hitsAt(list, relevant, n) / relevant.size;
}

/** 1 when any of the first k is relevant, else 0. */
export function hitAtK(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  return hitsAt(list, relevant, checkList(list, relevant, k)) > 0 ? 1 : 0;
}

/**
 * Binary-gain NDCG@k: sum over relevant positions j (1-based) of 1/log2(j+1), divided by the same sum for an ideal
 * list (min(k, |relevant|) relevant items first). 0 when nothing is relevant.
 */
export function ndcgAtK(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  const n = checkList(list, relevant, k);
  let dcg = 0;
  for (let j = 0; j < n; j++) if (relevant.has(list[j] as number)) dcg += 1 / Math.log2(j + 2);
  let ideal = 0;
  for (let j = 0; j < Math.min(k, relevant.size); j++) ideal += 1 / Math.log2(j + 2);
  return ideal === 0 ? 0 : dcg / ideal;
}

/** recommenders' `map` for one user: sum over hit positions j of (hits so far) / j, divided by |relevant|. */
export function averagePrecision(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  return relevant.size === 0 ? 0 : precisionSum(list, relevant, checkList(list, relevant, k)) / relevant.size;
}

/** recommenders' `map_at_k` for one user: the same sum, divided by min(|relevant|, k). */
export function averagePrecisionAtK(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  return relevant.size === 0 ? 0 : precisionSum(list, relevant, checkList(list, relevant, k)) / Math.min(relevant.size, k);
}

/** Harmonic mean of this user's precision@k and recall@k; 0 when both are 0. */
export function f1AtK(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  const p = precisionAtK(list, relevant, k),
    r = recallAtK(list, relevant, k);
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
}

function precisionSum(list: ArrayLike<number>, relevant: ReadonlySet<number>, n: number): number {
  let hits = 0,
    s = 0;
  for (let j = 0; j < n; j++) if (relevant.has(list[j] as number)) s += ++hits / (j + 1);
  return s;
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
  checkInteger("k", k, 1);
  checkInteger("numItems", numItems, 1);
  let users = 0,
    p = 0,
    r = 0,
    nd = 0,
    h = 0,
    ap = 0,
    apk = 0,
    f1 = 0;
  const seen = new Uint8Array(numItems);
  let covered = 0;
  for (let u = 0; u < lists.length; u++) {
    const list = lists[u];
    if (list === null || list === undefined) continue;
    const n = Math.min(k, list.length);
    for (let j = 0; j < n; j++) {
      const i = list[j] as number;
      if (!(Number.isInteger(i) && i >= 0 && i < numItems)) {
        if (i === -1) continue; // padding of a short list
        throw new InvalidArgumentError(`lists[${u}][${j}]`, `an item index in [0, ${numItems})`, i);
      }
      if (seen[i] === 0) {
        seen[i] = 1;
        covered++;
      }
    }
    const rel = relevant[u] as ReadonlySet<number>;
    if (rel.size === 0) continue;
    users++;
    p += precisionAtK(list, rel, k);
    r += recallAtK(list, rel, k);
    nd += ndcgAtK(list, rel, k);
    h += hitAtK(list, rel, k);
    ap += averagePrecision(list, rel, k);
    apk += averagePrecisionAtK(list, rel, k);
    f1 += f1AtK(list, rel, k);
  }
  const mean = (x: number): number => (users === 0 ? NaN : x / users);
  return {
    k,
    users,
    precision: mean(p),
    recall: mean(r),
    ndcg: mean(nd),
    hitRate: mean(h),
    map: mean(ap),
    mapAtK: mean(apk),
    f1: mean(f1),
    coverage: covered / numItems,
  };
}
