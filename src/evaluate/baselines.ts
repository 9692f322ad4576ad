/** The baselines every model is compared with: global mean, bias-only (regularised user + item biases), popularity. */
import type { MfWeights } from "../model/types";
import type { IndexedRatings } from "../data/indexed";
import { InvalidArgumentError } from "../errors";
import { checkInteger, checkNumber } from "../validate";
import { ridgeBiases } from "../model/bias-ridge";

function checkRatings(train: IndexedRatings, numUsers: number, numItems: number): void {
  if (
    typeof train !== "object" ||
    train === null ||
    !(train.users instanceof Int32Array) ||
    !(train.items instanceof Int32Array) ||
    !(train.ratings instanceof Float32Array)
  ) {
    throw new InvalidArgumentError("train", "IndexedRatings {users, items, ratings, length}", train);
  }
  if (train.length === 0) throw new InvalidArgumentError("train", "at least one rating", "none");
  checkInteger("numUsers", numUsers, 1);
  checkInteger("numItems", numItems, 1);
  for (let r = 0; r < train.length; r++) {
    const u = train.users[r] as number,
      i = train.items[r] as number;
    if (u < 0 || u >= numUsers) throw new InvalidArgumentError(`train.users[${r}]`, `a user index in [0, ${numUsers})`, u);
    if (i < 0 || i >= numItems) throw new InvalidArgumentError(`train.items[${r}]`, `an item index in [0, ${numItems})`, i);
  }
}

/** The mean training rating. @example globalMean({ users, items, ratings: Float32Array.of(1, 5), length: 2 }) //=> 3 */
export function globalMean(train: IndexedRatings): number {
  if (typeof train !== "object" || train === null || !(train.ratings instanceof Float32Array) || train.length === 0) {
    throw new InvalidArgumentError("train", "IndexedRatings with at least one rating", train);
  }
  let s = 0;
  for (let r = 0; r < train.length; r++) s += train.ratings[r] as number;
  return s / train.length;
}

/** Regularisation of the bias-only baseline (Surprise's BaselineOnly ALS defaults). */
export interface BiasOptions {
  readonly userL2?: number;
  readonly itemL2?: number;
  readonly iterations?: number;
}

/**
 * Fits r(u, i) ~ mu + b_u + b_i by alternating ridge steps (Koren's baseline estimate, as Surprise's BaselineOnly):
 * b_i = sum(r - mu - b_u) / (itemL2 + n_i), b_u = sum(r - mu - b_i) / (userL2 + n_u). Defaults 10 / 15, 10 rounds.
 * Returned as MfWeights with dim 1 and zero factors, so every recommender and evaluator treats it like a model.
 */
export function fitBiasOnly(train: IndexedRatings, numUsers: number, numItems: number, options: BiasOptions = {}): MfWeights {
  const itemL2 = checkNumber("options.itemL2", options.itemL2 ?? 10, 0);
  const userL2 = checkNumber("options.userL2", options.userL2 ?? 15, 0);
  const iterations = checkInteger("options.iterations", options.iterations ?? 10, 1);
  // The global-mean model (zero factors and biases) is the starting point; the ridge steps fit the biases.
  return ridgeBiases(globalMeanWeights(train, numUsers, numItems), train, { itemL2, userL2, rounds: iterations });
}

/** The global-mean baseline as MfWeights (every score equal: its ranking is meaningless, so reports leave it out). */
export function globalMeanWeights(train: IndexedRatings, numUsers: number, numItems: number): MfWeights {
  checkRatings(train, numUsers, numItems);
  return {
    dim: 1,
    numUsers,
    numItems,
    userFactors: new Float32Array(numUsers),
    itemFactors: new Float32Array(numItems),
    userBias: new Float32Array(numUsers),
    itemBias: new Float32Array(numItems),
    globalBias: globalMean(train),
  };
}

/**
 * The popularity baseline: every user gets the items with the most training ratings (ties to the lower index).
 * As MfWeights whose item bias is the rating count, so the batched recommender ranks it; its "ratings" are counts,
 * not predictions, so reports show no RMSE for it.
 */
export function popularityWeights(train: IndexedRatings, numUsers: number, numItems: number): MfWeights {
  checkRatings(train, numUsers, numItems);
  const counts = new Float32Array(numItems);
  for (let r = 0; r < train.length; r++) counts[train.items[r] as number]!++;
  return {
    dim: 1,
    numUsers,
    numItems,
    userFactors: new Float32Array(numUsers),
    itemFactors: new Float32Array(numItems),
    userBias: new Float32Array(numUsers),
    itemBias: counts,
    globalBias: 0,
  };
}
