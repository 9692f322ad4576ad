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

/**
 * Top-n item indices and scores for every user (or `options.users`), excluding user u's row of `options.exclude`.
 * Memory is O(users * n + items): no users x items score matrix is held. Users stream through the scorer in blocks
 * (one block's scores, at most SCORE_BLOCK_BYTES, exist at a time), so 160k users cost time, not memory.
 * Every row equals what {@link topNForUserIndex} gives for that user, to the bit.
 */
export function topNAllUsers(weights: MfWeights, n: number, options: BatchOptions = {}): BatchTopN {
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
  const scorer = ItemScorer.for(w);
  const rows = users.length;
  const items = new Int32Array(rows * n).fill(-1);
  const scores = new Float64Array(rows * n).fill(NaN);
  const counts = new Int32Array(rows);
  scorer.topNMany(w.userFactors, w.userBias, users, n, exclude, items, scores, counts);
  return { n, users, items, scores, counts };
}
