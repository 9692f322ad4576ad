/** Top-N recommendations for one known user: raw IDs in, raw IDs and predicted ratings out. */
import type { MfWeights } from "../model/types";
import { InvalidArgumentError } from "../errors";
import { checkBoolean, checkInteger, checkString } from "../validate";
import { checkModel, checkWeights } from "../model/check";
import { ratedItemsOf } from "../model/rated-items";
import { ItemScorer, type IndexedTopN } from "./scorer";
import { TopKHeap } from "../topk";
import { DEFAULT_TOP_N, type RecommendOptions, type RecommenderModel, type Recommendation, type UserRecommendations } from "./types";
import { isNeuralModel, neuralTopN } from "../model/neural-topn";

export { DEFAULT_TOP_N };

export type { IndexedTopN };

/**
 * The n best items for user index `u` by predicted rating, best first, ties to the lower item index.
 * `exclude` lists item indices to leave out (any order; e.g. `ratedItemsOf(model.ratedItems, u)`). Scores are the f32 values
 * of the one scorer (ItemScorer), identical to what the batched path gives.
 */
export function topNForUserIndex(weights: MfWeights, u: number, n: number, exclude?: ArrayLike<number>): IndexedTopN {
  const w = checkWeights(weights);
  checkInteger("user index", u, 0, w.numUsers - 1);
  checkInteger("n", n, 1);
  if (exclude !== undefined) checkExclude(w.numItems, exclude);
  return ItemScorer.for(w).topN(w.userFactors.subarray(u * w.dim, (u + 1) * w.dim), w.userBias[u] as number, n, exclude);
}

/** The n best items by global + item bias alone: the fallback for a user with no usable history. */
export function biasOnlyTopN(weights: MfWeights, n: number, exclude?: ArrayLike<number>): IndexedTopN {
  const w = checkWeights(weights);
  checkInteger("n", n, 1);
  const skip = exclusionMask(w.numItems, exclude);
  const heap = new TopKHeap(Math.min(n, Math.max(1, w.numItems)));
  for (let i = 0; i < w.numItems; i++) if (skip === undefined || skip[i] === 0) heap.push(i, (w.itemBias[i] as number) + w.globalBias);
  return drain(heap);
}

/**
 * Recommends for a known user by raw ID.
 * - Items the user rated anywhere in the model's data (`model.ratedItems`: training and held-out rows) are excluded
 *   unless `includeRated` is set.
 * - An ID the model does not know throws `UnknownIdError`.
 * - A known user with no training ratings (its vector never moved from the random start) gets the documented
 *   fallback, strategy "bias-only": the items with the highest global + item bias.
 * @example
 * recommendForUser(model, "U10001", { top: 3 })
 * //=> { userId: "U10001", strategy: "model", recommendations: [{ rank: 1, itemId: "TECH1042", predictedRating: 4.61 }, ...] }
 */
export function recommendForUser(model: RecommenderModel, userId: string, options: RecommendOptions = {}): UserRecommendations {
  checkModel(model);
  checkString("userId", userId);
  const { top, includeRated } = checkRecommendOptions(options);
  const u = model.userIds.index(userId);
  const rated = ratedItemsOf(model.ratedItems, u);
  const history = rated.length > 0;
  const exclude = includeRated ? undefined : rated;
  // A neural model (issue 13) scores with its network, src/model/neural-topn.ts.
  if (isNeuralModel(model)) return { userId, strategy: "model", recommendations: toRecommendations(model, neuralTopN(model, u, top, exclude)) };
  const best = history ? topNForUserIndex(model.weights, u, top, exclude) : biasOnlyTopN(model.weights, top, exclude);
  return { userId, strategy: history ? "model" : "bias-only", recommendations: toRecommendations(model, best) };
}

/** Turns indexed results into raw-ID records with 1-based ranks. */
export function toRecommendations(model: Pick<RecommenderModel, "itemIds">, best: IndexedTopN): Recommendation[] {
  const out: Recommendation[] = [];
  for (let r = 0; r < best.items.length; r++) {
    out.push({ rank: r + 1, itemId: model.itemIds.id(best.items[r] as number), predictedRating: best.scores[r] as number });
  }
  return out;
}

/** Validates the options object of the single-user recommenders and applies defaults. */
export function checkRecommendOptions(options: unknown): { top: number; includeRated: boolean } {
  if (typeof options !== "object" || options === null) throw new InvalidArgumentError("options", "an object", options);
  const o = options as RecommendOptions;
  const top = o.top === undefined ? DEFAULT_TOP_N : checkInteger("options.top", o.top, 1);
  const includeRated = o.includeRated === undefined ? false : checkBoolean("options.includeRated", o.includeRated);
  return { top, includeRated };
}

/** Checks that every excluded index is an item index. */
export function checkExclude(numItems: number, exclude: ArrayLike<number>): void {
  for (let j = 0; j < exclude.length; j++) {
    const i = exclude[j] as number;
    if (!Number.isInteger(i) || i < 0 || i >= numItems) throw new InvalidArgumentError(`exclude[${j}]`, `an item index in [0, ${numItems})`, i);
  }
}

/** A 0/1 mask of the items to skip, or undefined when nothing is excluded. */
export function exclusionMask(numItems: number, exclude: ArrayLike<number> | undefined): Uint8Array | undefined {
  if (exclude === undefined || exclude.length === 0) return undefined;
  const mask = new Uint8Array(numItems);
  for (let j = 0; j < exclude.length; j++) {
    const i = exclude[j] as number;
    if (!Number.isInteger(i) || i < 0 || i >= numItems) throw new InvalidArgumentError(`exclude[${j}]`, `an item index in [0, ${numItems})`, i);
    mask[i] = 1;
  }
  return mask;
}

function drain(heap: TopKHeap): IndexedTopN {
  const items = new Int32Array(heap.size);
  const scores = new Float64Array(heap.size);
  heap.drainInto(items, scores);
  return { items, scores };
}
