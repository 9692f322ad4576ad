import { strict as assert } from "node:assert";
import { predictRating, predictMany, evaluateRatings, metricsFrom, clipToScale } from "../../src/model/predict";
import { randomWeights } from "../../src/model/init";
import type { MfWeights } from "../../src/model/types";

const W: MfWeights = {
  dim: 2,
  numUsers: 2,
  numItems: 3,
  userFactors: Float32Array.from([1, 2, -1, 0.5]),
  itemFactors: Float32Array.from([0.5, 0.5, 2, -1, 0, 0]),
  userBias: Float32Array.from([0.1, -0.2]),
  itemBias: Float32Array.from([0, 0.3, -0.4]),
  globalBias: 3,
};

describe("predictRating and rating metrics", () => {
  it("is dot + user bias + item bias + global bias (hand-computed)", () => {
    assert.ok(Math.abs(predictRating(W, 0, 0) - (1 * 0.5 + 2 * 0.5 + 0.1 + 0 + 3)) < 1e-6);
    assert.ok(Math.abs(predictRating(W, 1, 1) - (-1 * 2 + 0.5 * -1 - 0.2 + 0.3 + 3)) < 1e-6);
    assert.deepEqual(
      [...predictMany(W, Int32Array.from([0, 1]), Int32Array.from([2, 2]))].map((x) => Math.round(x * 1e6) / 1e6),
      [2.7, 2.4],
    );
  });

  it("clips predictions to the model's rating scale when given one, and only then", () => {
    const scale = { ratingMin: 2.5, ratingMax: 4 };
    // Raw: user 0 item 0 = 4.6, user 1 item 1 = 0.6, user 0 item 2 = 2.7.
    assert.equal(predictRating(W, 0, 0, scale), 4);
    assert.equal(predictRating(W, 1, 1, scale), 2.5);
    assert.ok(Math.abs(predictRating(W, 0, 2, scale) - 2.7) < 1e-6);
    assert.ok(predictRating(W, 0, 0) > 4.5, "unclipped without a scale");
    assert.deepEqual([...predictMany(W, Int32Array.from([0, 1]), Int32Array.from([0, 1]), scale)], [4, 2.5]);
    const data = { users: Int32Array.from([0, 1]), items: Int32Array.from([0, 1]), ratings: Float32Array.from([4, 2.5]), length: 2 };
    assert.equal(evaluateRatings(W, data, scale).mse, 0);
    assert.ok(evaluateRatings(W, data).mse > 1);
    assert.equal(clipToScale(7, {}), 7);
    assert.equal(clipToScale(7, undefined), 7);
  });

  it("rejects indices outside the model, naming them", () => {
    assert.throws(() => predictRating(W, 2, 0), /Expected user index to be an integer between 0 and 1, but got 2/);
    assert.throws(() => predictMany(W, Int32Array.from([0]), Int32Array.from([5])), /Expected items\[0\] to be an integer between 0 and 2, but got 5/);
  });

  it("computes MSE, RMSE and MAE (hand-computed)", () => {
    const m = metricsFrom([1, 2, 4], [2, 2, 2]);
    assert.equal(m.mse, 5 / 3);
    assert.equal(m.rmse, Math.sqrt(5 / 3));
    assert.equal(m.mae, 1);
    const r = evaluateRatings(W, { users: Int32Array.from([0]), items: Int32Array.from([0]), ratings: Float32Array.from([4]), length: 1 });
    assert.ok(Math.abs(r.mae - 0.6) < 1e-6);
  });
});

describe("randomWeights", () => {
  it("is the same for the same seed, different for another, with the asked standard deviation", () => {
    const a = randomWeights(200, 100, 16, 5, 0.1),
      b = randomWeights(200, 100, 16, 5, 0.1),
      c = randomWeights(200, 100, 16, 6, 0.1);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.userFactors, c.userFactors);
    const xs = [...a.userFactors];
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    assert.ok(Math.abs(mean) < 0.01 && Math.abs(sd - 0.1) < 0.005, `mean ${mean} sd ${sd}`);
    assert.ok(a.userBias.every((x) => x === 0) && a.globalBias === 0);
  });

  it("rejects bad sizes", () => {
    assert.throws(() => randomWeights(-1, 3, 2, 1), /Expected numUsers to be an integer >= 0, but got -1/);
    assert.throws(() => randomWeights(1, 3, 0, 1), /Expected dim to be an integer >= 1, but got 0/);
  });
});
