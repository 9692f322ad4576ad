import { strict as assert } from "node:assert";
import { fitBiasOnly, globalMean, popularityWeights } from "../../src/evaluate/baselines";
import { preferredCategoryShare } from "../../src/evaluate/categories";

const ratings = (rows: [number, number, number][]) => ({
  users: Int32Array.from(rows, (r) => r[0]),
  items: Int32Array.from(rows, (r) => r[1]),
  ratings: Float32Array.from(rows, (r) => r[2]),
  length: rows.length,
});

describe("baselines", () => {
  const train = ratings([
    [0, 0, 5],
    [0, 1, 3],
    [1, 0, 4],
    [1, 2, 1],
    [2, 0, 5],
  ]);

  it("computes the global mean", () => {
    assert.equal(globalMean(train), 3.6);
  });

  it("fits bias-only with no regularisation to the least-squares solution of mu + b_u + b_i", () => {
    const w = fitBiasOnly(train, 3, 3, { userL2: 0, itemL2: 0, iterations: 500 });
    // Without regularisation the fit reproduces every rating here (5 equations, 6 free biases): check residuals.
    for (let r = 0; r < train.length; r++) {
      const pred = w.globalBias + w.userBias[train.users[r]!]! + w.itemBias[train.items[r]!]!;
      assert.ok(Math.abs(pred - train.ratings[r]!) < 1e-4, `row ${r}: ${pred}`);
    }
  });

  it("fits bias-only item biases by the regularised mean of residuals (one round, hand-worked)", () => {
    // Round 1 item step with b_u = 0, itemL2 = 1: item 0 residuals 1.4, 0.4, 1.4 -> 3.2 / 4 = 0.8.
    const w = fitBiasOnly(train, 3, 3, { userL2: 1e9, itemL2: 1, iterations: 1 });
    assert.ok(Math.abs(w.itemBias[0]! - 0.8) < 1e-6);
    assert.ok(Math.abs(w.itemBias[2]! - (1 - 3.6) / 2) < 1e-6);
  });

  it("ranks items by training count for popularity", () => {
    const p = popularityWeights(train, 3, 3);
    assert.deepEqual(Array.from(p.itemBias), [3, 1, 1]);
  });

  it("measures the share of top-N in the user's group's preferred categories", () => {
    const cats = ["tech", "fashion", "fashion+sports", "sports"];
    const s = preferredCategoryShare([[0, 1], [2, 3], [1, -1], [0]], ["tech", "sports", "fashion", undefined], cats);
    // tech user: 1/2; sports user: fashion+sports + sports = 1; fashion user: [fashion] = 1; unknown group skipped.
    assert.equal(s.users, 3);
    assert.ok(Math.abs(s.share - 2.5 / 3) < 1e-15);
    assert.deepEqual(s.byGroup, { fashion: 1, sports: 1, tech: 0.5 });
    assert.throws(() => preferredCategoryShare([[0]], ["music"], cats), /Expected userGroups\[0\] to be one of "tech", "fashion", "sports", but got "music"/);
  });

  it("rejects bad input", () => {
    assert.throws(() => fitBiasOnly(ratings([]), 1, 1), /Expected train to be at least one rating, but got "none"/);
    assert.throws(() => fitBiasOnly(train, 1, 3), /Expected train\.users\[2\] to be a user index in \[0, 1\), but got 1/);
    assert.throws(() => fitBiasOnly(train, 3, 3, { userL2: -1 }), /Expected options\.userL2 to be a finite number >= 0, but got -1/);
    assert.throws(() => globalMean({} as never), /Expected train to be IndexedRatings with at least one rating/);
  });
});
