import { strict as assert } from "node:assert";
import { mae, mse, rmse } from "../../src/evaluate/rating";

describe("rating metrics", () => {
  it("match hand-worked values", () => {
    // errors: 1, -2, 0, 0.5 -> MSE (1 + 4 + 0 + 0.25) / 4 = 1.3125, MAE 3.5 / 4 = 0.875
    const p = [4, 1, 3, 4.5],
      a = [3, 3, 3, 4];
    assert.equal(mse(p, a), 1.3125);
    assert.equal(rmse(p, a), Math.sqrt(1.3125));
    assert.equal(mae(p, a), 0.875);
    assert.equal(rmse(Float32Array.of(2), Float32Array.of(2)), 0);
  });

  it("rejects bad input", () => {
    assert.throws(() => rmse([1, 2], [1]), /Expected actual to be an array of length 2 \(as predicted\), but got "length 1"/);
    assert.throws(() => mae([], []), /Expected predicted to be a non-empty array, but got "an empty one"/);
    assert.throws(() => mse([1, NaN], [1, 2]), /Expected predicted\[1\] to be a finite number, but got NaN/);
    assert.throws(() => mse(null as never, [1]), /Expected predicted to be an array of numbers, but got null/);
  });
});
