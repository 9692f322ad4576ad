/**
 * Top-k evaluation on held-out interactions as recommenders' benchmark does it: each user's list is the k best items
 * among those the user has no training row for (and that occur in training at all), scored against the user's
 * held-out interactions.
 */
import type { MfWeights } from "../model/types";
import type { IndexedRatings } from "../data/indexed";
import { InvalidArgumentError } from "../errors";
import { checkInteger, checkNumber } from "../validate";
import { topNAllUsers } from "../recommend/batch";
import { rankingMetrics, type RankingMetrics } from "./ranking";

export interface HeldOutRankingOptions {
  /** List length; default 10. */
  readonly k?: number;
  /** Held-out rows with a rating >= this are relevant; null (default) = every held-out row is (recommenders' benchmark). */
  readonly minRating?: number | null;
  /** Evaluate only these user indices (e.g. a seeded sample, for a per-epoch metric); default every user. */
  readonly users?: Int32Array;
}

/** The per-user item lists a top-k must skip: the user's training items, plus items no training row mentions. */
export function candidateExclusions(train: IndexedRatings, numUsers: number, numItems: number): Int32Array[] {
  const inTrain = new Uint8Array(numItems);
  for (let r = 0; r < train.length; r++) inTrain[train.items[r]!] = 1;
  const never: number[] = [];
  for (let i = 0; i < numItems; i++) if (inTrain[i] === 0) never.push(i);
  const counts = new Int32Array(numUsers);
  for (let r = 0; r < train.length; r++) counts[train.users[r]!]!++;
  const lists = Array.from(counts, (c) => new Int32Array(c + never.length));
  const fill = new Int32Array(numUsers);
  for (let r = 0; r < train.length; r++) { const u = train.users[r]!; lists[u]![fill[u]!++] = train.items[r]!; }
  return lists.map((l, u) => {
    l.set(never, fill[u]!);
    l.sort();
    let w = 0;
    for (let r = 0; r < l.length; r++) if (r === 0 || l[r] !== l[r - 1]) l[w++] = l[r]!;
    return w === l.length ? l : l.slice(0, w);
  });
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
  const nU = weights.numUsers, nI = weights.numItems;
  const exclude = candidateExclusions(train, nU, nI);
  const hasTrain = new Uint8Array(nU), inTrain = new Uint8Array(nI);
  for (let r = 0; r < train.length; r++) { hasTrain[train.users[r]!] = 1; inTrain[train.items[r]!] = 1; }
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
