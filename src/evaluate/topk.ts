/**
 * Top-k evaluation on held-out interactions as recommenders' benchmark does it: each user's list is the k best items
 * among those the user has no training row for (and that occur in training at all), scored against the user's
 * held-out interactions.
 */
import type { MfWeights } from "../model/types";
import type { IndexedRatings } from "../data/indexed";
import { InvalidArgumentError } from "../errors";
import { checkInteger, checkNumber } from "../validate";
import { createRng } from "../random";
import { topNAllUsers } from "../recommend/batch";
import { rankingMetrics, type RankingMetrics } from "./ranking";
import { ratedItemsFromRows, type RatedItems } from "../model/rated-items";

export interface HeldOutRankingOptions {
  /** List length; default 10. */
  readonly k?: number;
  /** Held-out rows with a rating >= this are relevant; null (default) = every held-out row is (recommenders' benchmark). */
  readonly minRating?: number | null;
  /** Evaluate only these user indices (e.g. a seeded sample, for a per-epoch metric); default every user. */
  readonly users?: Int32Array;
}

/** The items a top-k must skip, per user (CSR): the user's training items, plus items no training row mentions. */
export function candidateExclusions(train: IndexedRatings, numUsers: number, numItems: number): RatedItems {
  const inTrain = new Uint8Array(numItems);
  for (let r = 0; r < train.length; r++) inTrain[train.items[r]!] = 1;
  const never: number[] = [];
  for (let i = 0; i < numItems; i++) if (inTrain[i] === 0) never.push(i);
  // Every user's row gets the never-trained items too: rows (u, i) appended for each user.
  const n = train.length + never.length * numUsers;
  const users = new Int32Array(n),
    items = new Int32Array(n);
  users.set(train.users.subarray(0, train.length));
  items.set(train.items.subarray(0, train.length));
  let k = train.length;
  for (let u = 0; u < numUsers; u++)
    for (const i of never) {
      users[k] = u;
      items[k++] = i;
    }
  return ratedItemsFromRows(users, items, numUsers, n);
}

/** Ranking metrics plus how many distinct items occur in training (the coverage denominator). */
export interface HeldOutRanking extends RankingMetrics {
  readonly trainingItems: number;
}

/**
 * Scores `weights`' top-k lists against `test`. Users without a training row get no list and are not counted
 * (recommenders' metrics average over users present in both the test set and the predictions). Coverage is
 * distinct recommended items / distinct training items (recommenders' `catalog_coverage`).
 */
export function heldOutRanking(weights: MfWeights, train: IndexedRatings, test: IndexedRatings, options: HeldOutRankingOptions = {}): HeldOutRanking {
  if (typeof options !== "object" || options === null) throw new InvalidArgumentError("options", "an object", options);
  const k = checkInteger("options.k", options.k ?? 10, 1);
  const minRating = options.minRating ?? null;
  if (minRating !== null) checkNumber("options.minRating", minRating);
  const nU = weights.numUsers,
    nI = weights.numItems;
  const exclude = candidateExclusions(train, nU, nI);
  const hasTrain = new Uint8Array(nU),
    inTrain = new Uint8Array(nI);
  for (let r = 0; r < train.length; r++) {
    hasTrain[train.users[r]!] = 1;
    inTrain[train.items[r]!] = 1;
  }
  let trainingItems = 0;
  for (let i = 0; i < nI; i++) trainingItems += inTrain[i]!;
  const relevant: Set<number>[] = Array.from({ length: nU }, () => new Set<number>());
  for (let r = 0; r < test.length; r++) {
    if (minRating === null || test.ratings[r]! >= minRating) relevant[test.users[r]!]!.add(test.items[r]!);
  }
  const wanted = options.users ?? Int32Array.from({ length: nU }, (_, u) => u);
  const users = Int32Array.from(Array.from(wanted).filter((u) => hasTrain[u] === 1 && relevant[u]!.size > 0));
  const lists: (Int32Array | null)[] = new Array(nU).fill(null);
  if (users.length > 0) {
    const top = topNAllUsers(weights, k, { exclude, users });
    for (let row = 0; row < users.length; row++) lists[users[row]!] = top.items.subarray(row * k, row * k + top.counts[row]!);
  }
  const m = rankingMetrics(lists, relevant, k, nI);
  return { ...m, coverage: trainingItems === 0 ? NaN : Math.round(m.coverage * nI) / trainingItems, trainingItems };
}

/**
 * A per-epoch validation metric for trainBpr: NDCG@k of the validation interactions over at most `maxUsers` users
 * (a seeded sample when there are more), top-k among items unseen in training.
 */
export function ndcgValidator(
  options: { k?: number; maxUsers?: number; seed?: number } = {},
): (weights: MfWeights, train: IndexedRatings, validation: IndexedRatings) => number {
  const k = checkInteger("options.k", options.k ?? 10, 1);
  const maxUsers = checkInteger("options.maxUsers", options.maxUsers ?? 2000, 1);
  const seed = checkInteger("options.seed", options.seed ?? 1, 0, 2 ** 32 - 1);
  let users: Int32Array | undefined;
  return (weights, train, validation) => {
    if (users === undefined) {
      const all = [...new Set(validation.users.subarray(0, validation.length))].sort((a, b) => a - b);
      const pick = Int32Array.from(all);
      if (pick.length > maxUsers) createRng(seed).shuffle(pick);
      users = pick.length > maxUsers ? pick.slice(0, maxUsers).sort() : pick;
    }
    return heldOutRanking(weights, train, validation, { k, users }).ndcg;
  };
}
