import { strict as assert } from "node:assert";
import { evaluateModel, recreateSplit, splitByModel } from "../../src/evaluate/report";
import { perUserSplit, randomSplit } from "../../src/data/split";
import { stratifiedSplit } from "../../src/data/stratified-split";
import { IdMap } from "../../src/data/idmap";
import type { Interaction } from "../../src/data/types";
import type { MfWeights } from "../../src/model/types";
import { testModel } from "../analysis/fixtures";
import { ratedItemsFromLists } from "../../src/model/rated-items";

/** 3 users, 4 items; the model's scores are item-bias only and rank item 3 first, item 0 last. */
function fixture() {
  const w: MfWeights = {
    dim: 1,
    numUsers: 3,
    numItems: 4,
    userFactors: new Float32Array(3),
    itemFactors: new Float32Array(4),
    userBias: new Float32Array(3),
    itemBias: Float32Array.of(-1, 0, 0.5, 1),
    globalBias: 3,
  };
  const base = testModel(w, 0);
  const userIds = IdMap.fromIds("user", ["A", "B", "C"]),
    itemIds = IdMap.fromIds("item", ["i0", "i1", "i2", "i3"]);
  const train: Interaction[] = [
    { userId: "A", itemId: "i0", rating: 5 },
    { userId: "B", itemId: "i0", rating: 4 },
    { userId: "B", itemId: "i1", rating: 2 },
  ];
  const model = { ...base, userIds, itemIds, ratedItems: ratedItemsFromLists([[0], [0, 1], []]) };
  const heldOut: Interaction[] = [
    { userId: "A", itemId: "i1", rating: 5 },
    { userId: "C", itemId: "i0", rating: 4 },
    { userId: "C", itemId: "i3", rating: 2 },
    { userId: "ZZ", itemId: "i0", rating: 4 },
  ];
  return { model, train, heldOut };
}

describe("evaluation report", () => {
  it("splits a data file into the model's training pairs and the held-out rest", () => {
    const { model, train, heldOut } = fixture();
    const s = splitByModel(model, [...train, ...heldOut]);
    assert.deepEqual(s.train, train);
    assert.deepEqual(s.heldOut, heldOut);
  });

  it("scores the model and the baselines identically and shows when popularity ranks better", () => {
    const { model, train, heldOut } = fixture();
    const r = evaluateModel(model, train, heldOut, { k: 1 });
    assert.equal(r.heldOut, 3);
    assert.equal(r.skippedUnknown, 1);
    // Relevant (>= 4): A -> {i1}, C -> {i0}. Model top-1 (bias order 3 > 2 > 1 > 0, rated excluded): A: i3, C: i3 -> precision 0.
    const mf = r.rows[0]!;
    assert.equal(mf.method, "matrix factorisation");
    assert.equal(r.rankedUsers, 2);
    assert.equal(mf.precision, 0);
    // Model errors: A,i1: 3 vs 5 -> -2; C,i0: 2 vs 4 -> -2; C,i3: 4 vs 2 -> 2. RMSE 2, MAE 2.
    assert.ok(Math.abs(mf.rmse! - 2) < 1e-6 && Math.abs(mf.mae! - 2) < 1e-6);
    // Coverage: every user's top-1 is i3 (B: i3 too) -> 1/4.
    assert.equal(mf.coverage, 0.25);
    // Popularity (counts i0 2, i1 1): A (rated i0) gets i1 -> hit; C gets i0 -> hit: precision 1.
    const pop = r.rows.find((x) => x.method === "popularity baseline")!;
    assert.equal(pop.precision, 1);
    assert.equal(pop.rmse, null);
    const gm = r.rows.find((x) => x.method === "global mean baseline")!;
    assert.equal(gm.precision, null);
    // Global mean of train = 11/3; errors 4/3, 1/3, -5/3 -> MSE (16 + 1 + 25) / 27.
    assert.ok(Math.abs(gm.rmse! - Math.sqrt(42 / 27)) < 1e-6);
    assert.ok(r.notes.some((n) => /Popularity ranks better than the model: precision@1 1\.0000 vs 0\.0000/.test(n)));
    assert.equal(mf.categoryShare, null);
  });

  it("adds the own-group category share when the dataset has labels", () => {
    const { model, train, heldOut } = fixture();
    const dataset = {
      users: [
        { userId: "A", group: "tech" },
        { userId: "B", group: "sports" },
        { userId: "C", group: "fashion" },
      ],
      items: [
        { itemId: "i0", category: "tech" },
        { itemId: "i1", category: "tech" },
        { itemId: "i2", category: "fashion" },
        { itemId: "i3", category: "fashion+sports" },
      ],
    };
    const r = evaluateModel(model, train, heldOut, { k: 1, dataset });
    // Model top-1 is i3 (fashion+sports) for all: tech 0, sports 1, fashion 1 -> 2/3.
    assert.ok(Math.abs(r.rows[0]!.categoryShare! - 2 / 3) < 1e-12);
  });

  it("excludes only the evaluation split's training rows, even when the model's rated items cover every row", () => {
    const { model, train, heldOut } = fixture();
    // A model for serving rates everything (decision 3): its held-out rows are in ratedItems too.
    const all = {
      ...model,
      ratedItems: ratedItemsFromLists([
        [0, 1],
        [0, 1],
        [0, 3],
      ]),
    };
    const pop = evaluateModel(all, train, heldOut, { k: 1 }).rows.find((x) => x.method === "popularity baseline")!;
    // Same as with training-only rated items: A gets i1 and C gets i0, both held-out hits.
    assert.equal(pop.precision, 1);
  });

  it("re-creates a recorded split exactly", () => {
    const rows = Array.from({ length: 200 }, (_, r) => ({ userId: `u${r % 9}`, itemId: `i${(r * 7) % 31}`, rating: 1 + (r % 5) }));
    assert.deepEqual(recreateSplit({ kind: "random", fraction: 0.2, seed: 7 }, rows), randomSplit(rows, { validationFraction: 0.2, seed: 7 }));
    assert.deepEqual(recreateSplit({ kind: "per-user", fraction: 0.3, seed: 1 }, rows), perUserSplit(rows, { validationFraction: 0.3, seed: 1 }));
    assert.deepEqual(
      recreateSplit({ kind: "stratified", fraction: 0.25, seed: 42, by: "item" }, rows),
      stratifiedSplit(rows, { ratio: 0.75, seed: 42, by: "item" }),
    );
    assert.throws(() => recreateSplit({ kind: "file", fingerprint: "abc" }, rows), /a test file cannot be re-created/);
  });

  it("rejects bad input", () => {
    const { model, train, heldOut } = fixture();
    assert.throws(() => evaluateModel(model, train, [], {}), /Expected heldOut to be a non-empty array of interactions/);
    assert.throws(() => evaluateModel(model, train, heldOut, { k: 0 }), /Expected options\.k to be an integer >= 1, but got 0/);
    assert.throws(
      () => evaluateModel(model, train, [{ userId: "Q", itemId: "i0", rating: 1 }]),
      /Expected heldOut to be interactions of users and items the model knows, but got "none known"/,
    );
  });
});
