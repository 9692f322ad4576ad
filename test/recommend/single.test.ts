import { strict as assert } from "node:assert";
import { recommendForUser, topNForUserIndex, biasOnlyTopN } from "../../src/recommend/single";
import { UnknownIdError } from "../../src/errors";
import { randomTestWeights, testModel } from "../analysis/fixtures";
import { ratedItemsFromLists, ratedItemsOf } from "../../src/model/rated-items";

/** The obvious way: score every item with a plain loop, sort everything. */
function bruteForce(w: ReturnType<typeof randomTestWeights>, u: number, n: number, exclude: ArrayLike<number> = []): { i: number; s: number }[] {
  const ex = new Set(Array.from(exclude));
  const all: { i: number; s: number }[] = [];
  for (let i = 0; i < w.numItems; i++) {
    if (ex.has(i)) continue;
    let s = w.globalBias + w.userBias[u]! + w.itemBias[i]!;
    for (let k = 0; k < w.dim; k++) s += w.userFactors[u * w.dim + k]! * w.itemFactors[i * w.dim + k]!;
    all.push({ i, s });
  }
  return all.sort((a, b) => b.s - a.s || a.i - b.i).slice(0, n);
}

describe("single-user recommendations", () => {
  it("agree with a brute-force sort in double precision for every user", () => {
    const w = randomTestWeights(40, 120, 7, 21);
    const model = testModel(w, 10);
    for (let u = 0; u < 40; u++) {
      const rated = ratedItemsOf(model.ratedItems, u);
      const got = topNForUserIndex(w, u, 8, rated);
      const want = bruteForce(w, u, 8, rated);
      const exact = new Map(bruteForce(w, u, 120).map((x) => [x.i, x.s]));
      // Scores are f32: the same list, except that items within f32 rounding of each other may swap.
      assert.equal(got.items.length, 8);
      want.forEach((x, j) => {
        assert.ok(Math.abs(exact.get(got.items[j]!)! - x.s) < 1e-5, `user ${u} rank ${j}`);
        assert.ok(Math.abs(got.scores[j]! - x.s) < 1e-5);
      });
      assert.ok(!Array.from(got.items).some((i) => rated.includes(i)));
    }
  });

  it("returns raw IDs, 1-based ranks and predicted ratings, excluding rated items unless asked", () => {
    const model = testModel(randomTestWeights(5, 30, 4, 8), 5);
    const rated = new Set(Array.from(ratedItemsOf(model.ratedItems, 2), (i) => model.itemIds.id(i)));
    const r = recommendForUser(model, "U0002", { top: 30 });
    assert.equal(r.strategy, "model");
    assert.equal(r.recommendations.length, 25);
    assert.ok(r.recommendations.every((x) => !rated.has(x.itemId)));
    assert.deepEqual(
      r.recommendations.map((x) => x.rank),
      Array.from({ length: 25 }, (_, j) => j + 1),
    );
    for (let j = 1; j < 25; j++) assert.ok(r.recommendations[j - 1]!.predictedRating >= r.recommendations[j]!.predictedRating);
    const all = recommendForUser(model, "U0002", { top: 30, includeRated: true });
    assert.equal(all.recommendations.length, 30);
    const def = recommendForUser(model, "U0002");
    assert.equal(def.recommendations.length, 10);
    assert.deepEqual(def.recommendations, r.recommendations.slice(0, 10));
  });

  it("throws UnknownIdError for an unknown user", () => {
    const model = testModel(randomTestWeights(2, 3, 2));
    assert.throws(
      () => recommendForUser(model, "U9999"),
      (e: unknown) => e instanceof UnknownIdError && e.kind === "user" && /Unknown user ID "U9999"/.test(e.message),
    );
  });

  it("falls back to bias-only for a known user without training history", () => {
    const w = randomTestWeights(3, 6, 2, 4);
    const model = { ...testModel(w, 2), ratedItems: ratedItemsFromLists([[], [1], [2]]) };
    const r = recommendForUser(model, "U0000", { top: 3 });
    assert.equal(r.strategy, "bias-only");
    const byBias = Array.from(w.itemBias, (b, i) => ({ b, i }))
      .sort((a, b) => b.b - a.b || a.i - b.i)
      .slice(0, 3)
      .map((x) => model.itemIds.id(x.i));
    assert.deepEqual(
      r.recommendations.map((x) => x.itemId),
      byBias,
    );
    assert.deepEqual(
      Array.from(biasOnlyTopN(w, 3).items),
      byBias.map((id) => model.itemIds.index(id)),
    );
  });

  it("rejects bad input", () => {
    const model = testModel(randomTestWeights(2, 3, 2));
    assert.throws(() => recommendForUser(model, "U0000", { top: 0 }), /Expected options\.top to be an integer >= 1, but got 0/);
    assert.throws(() => recommendForUser(model, "U0000", { includeRated: "yes" as never }), /Expected options\.includeRated to be a boolean, but got "yes"/);
    assert.throws(() => recommendForUser({ ...model, ratedItems: [] as never }, "U0000"), /Expected model\.ratedItems to be rated items as CSR/);
    assert.throws(
      () => recommendForUser({ ...model, ratedItems: ratedItemsFromLists([[1]]) }, "U0000"),
      /Expected model\.ratedItems\.offsets to be an Int32Array of 3 offsets/,
    );
    assert.throws(() => topNForUserIndex(model.weights, 2, 1), /Expected user index to be an integer between 0 and 1, but got 2/);
    assert.throws(() => topNForUserIndex(model.weights, 0, 1, [7]), /Expected exclude\[0\] to be an item index in \[0, 3\), but got 7/);
  });
});
