import { strict as assert } from "node:assert";
import { candidateExclusions, heldOutRanking } from "../../src/evaluate/topk";
import type { MfWeights } from "../../src/model/types";
import type { IndexedRatings } from "../../src/data/indexed";
import { ratedItemsOf } from "../../src/model/rated-items";

const rows = (pairs: [number, number, number?][]): IndexedRatings => ({
  users: Int32Array.from(pairs, (p) => p[0]),
  items: Int32Array.from(pairs, (p) => p[1]),
  ratings: Float32Array.from(pairs, (p) => p[2] ?? 5),
  length: pairs.length,
});

/** Item-bias-only scores: item 4 > 3 > 2 > 1 > 0 for every user. */
const weights: MfWeights = {
  dim: 1,
  numUsers: 3,
  numItems: 5,
  userFactors: new Float32Array(3),
  itemFactors: new Float32Array(5),
  userBias: new Float32Array(3),
  itemBias: Float32Array.of(0, 1, 2, 3, 4),
  globalBias: 0,
};

describe("held-out top-k evaluation", () => {
  // Items 0-3 occur in training; item 4 (the best-scored) never does, so no list may hold it.
  const train = rows([
    [0, 3],
    [0, 0],
    [1, 1],
    [1, 2],
    [2, 0],
  ]);

  it("excludes the user's training items and items training never saw, and nothing else", () => {
    const ex = candidateExclusions(train, 3, 5);
    assert.deepEqual(
      [0, 1, 2].map((u) => [...ratedItemsOf(ex, u)]),
      [
        [0, 3, 4],
        [1, 2, 4],
        [0, 4],
      ],
    );
  });

  it("scores held-out items the model ranks first among the candidates; a training item scored higher never comes back", () => {
    // User 0: item 3 (training) outscores item 2 (held out), which must come first; user 1: held-out 3 first;
    // user 2: held out 1 and 2 -> list [3, 2, 1]: hit at 2 (and 3 with k = 3).
    const test = rows([
      [0, 2],
      [1, 3],
      [2, 1, 2],
      [2, 2],
    ]);
    const r = heldOutRanking(weights, train, test, { k: 1 });
    assert.equal(r.users, 3);
    assert.equal(r.precision, 2 / 3); // users 0 and 1 hit at rank 1, user 2 not
    assert.equal(r.coverage, 2 / 4); // items 2 and 3 recommended, of the 4 training items
    const r3 = heldOutRanking(weights, train, test, { k: 3 });
    // User 2: list [3, 2, 1], hits at ranks 2 and 3: AP = (1/2 + 2/3) / 2.
    assert.ok(Math.abs(r3.map - (1 + 1 + (1 / 2 + 2 / 3) / 2) / 3) < 1e-12);
    // With relevance = rating >= 4, user 2's item 1 (rated 2) no longer counts.
    const r4 = heldOutRanking(weights, train, test, { k: 3, minRating: 4 });
    assert.ok(Math.abs(r4.recall - 1) < 1e-12);
    assert.ok(Math.abs(r4.map - (1 + 1 + 0.5) / 3) < 1e-12);
  });

  it("leaves out users with no training row or no relevant held-out row", () => {
    const test = rows([[0, 2]]);
    const r = heldOutRanking(
      { ...weights },
      rows([
        [0, 3],
        [1, 1],
      ]),
      test,
      { k: 2 },
    );
    assert.equal(r.users, 1);
    assert.throws(() => heldOutRanking(weights, train, test, { k: 0 }), /Expected options.k to be an integer >= 1, but got 0/);
  });
});
