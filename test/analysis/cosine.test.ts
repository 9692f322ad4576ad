import { strict as assert } from "node:assert";
import {
  cosine,
  cosineMatrix,
  normalizeRows,
  rowSimilarities,
  similaritiesTo,
  userItemSimilarity,
  userUserSimilarity,
  itemItemSimilarity,
} from "../../src/analysis/cosine";
import { matrixFromRows, userEmbeddings } from "../../src/analysis/embeddings";
import { checkWeights } from "../../src/model/check";
import { randomTestWeights } from "./fixtures";

describe("cosine similarity", () => {
  it("matches hand-computed values", () => {
    assert.equal(cosine([1, 0], [0, 1]), 0);
    assert.ok(Math.abs(cosine([1, 0], [1, 1]) - Math.SQRT1_2) < 1e-15);
    assert.ok(Math.abs(cosine([1, 2, 3], [-2, 1, 0]) - 0) < 1e-15);
    // (1*4 + 2*5 + 3*6) / (sqrt(14) sqrt(77)) = 32 / sqrt(1078)
    assert.ok(Math.abs(cosine([1, 2, 3], [4, 5, 6]) - 32 / Math.sqrt(1078)) < 1e-15);
    assert.equal(cosine([3, 0], [-1, 0]), -1);
  });

  it("is 0, not NaN, for a zero vector", () => {
    assert.equal(cosine([0, 0], [1, 2]), 0);
  });

  it("fills the matrix with the pairwise cosines and does not mutate its input", () => {
    const m = matrixFromRows([
      [1, 0],
      [1, 1],
      [0, 2],
    ]);
    const before = Array.from(m.data);
    const c = cosineMatrix(m);
    const expected = [1, Math.SQRT1_2, 0, Math.SQRT1_2, 1, Math.SQRT1_2, 0, Math.SQRT1_2, 1];
    expected.forEach((v, j) => assert.ok(Math.abs((c[j] as number) - v) < 1e-12, `entry ${j}`));
    assert.deepEqual(Array.from(m.data), before);
    const unit = normalizeRows(m);
    assert.ok(Math.abs((unit[2] as number) - Math.SQRT1_2) < 1e-15);
  });

  it("gives user-user, item-item and user-item similarities that agree with the pairwise function", () => {
    const w = randomTestWeights(5, 7, 4);
    const uu = userUserSimilarity(w),
      ii = itemItemSimilarity(w),
      ui = userItemSimilarity(w, 2);
    const urow = (u: number) => Array.from(w.userFactors.subarray(u * 4, u * 4 + 4));
    const irow = (i: number) => Array.from(w.itemFactors.subarray(i * 4, i * 4 + 4));
    assert.ok(Math.abs((uu[1 * 5 + 3] as number) - cosine(urow(1), urow(3))) < 1e-12);
    assert.ok(Math.abs((ii[6 * 7 + 0] as number) - cosine(irow(6), irow(0))) < 1e-12);
    for (let i = 0; i < 7; i++) assert.ok(Math.abs((ui[i] as number) - cosine(urow(2), irow(i))) < 1e-12);
    const rs = rowSimilarities(userEmbeddings(w), 4);
    assert.ok(Math.abs((rs[4] as number) - 1) < 1e-12);
    assert.deepEqual(Array.from(similaritiesTo(userEmbeddings(w), [0, 0, 0, 0])), [0, 0, 0, 0, 0]);
  });

  it("rejects bad input with messages naming what was wrong", () => {
    assert.throws(() => cosine([1, 2], [1]), /Expected b to be an array of length 2 \(the length of a\), but got "length 1"/);
    assert.throws(() => cosine(null as never, [1]), /Expected a to be an array of numbers, but got null/);
    assert.throws(() => cosineMatrix({ rows: 2, dim: 2, data: new Float32Array(3) }), /Expected a\.data to be a Float32Array or Float64Array of length 4/);
    assert.throws(() => cosineMatrix(matrixFromRows([[1, 2]]), matrixFromRows([[1, 2, 3]])), /Expected b\.dim to be 2 \(the dim of a\), but got 3/);
    assert.throws(() => rowSimilarities(matrixFromRows([[1, 2]]), 1), /Expected index to be an integer in \[0, 1\), but got 1/);
    assert.throws(() => similaritiesTo(matrixFromRows([[1, 2]]), [1]), /Expected query to be an array of 2 numbers/);
    const w = randomTestWeights(2, 2, 2);
    assert.throws(() => userItemSimilarity(w, 5), /Expected userIndex to be an integer in \[0, 2\), but got 5/);
    assert.throws(
      () => checkWeights({ ...w, itemBias: new Float32Array(1) }),
      /Expected weights\.itemBias to be a Float32Array of length 2, but got "length 1"/,
    );
    assert.throws(() => checkWeights({ ...w, dim: 0 }), /Expected weights\.dim to be a positive integer, but got 0/);
    assert.throws(() => matrixFromRows([[1, 2], [3]]), /Expected rows\[1\] to be an array of 2 numbers/);
    assert.throws(() => matrixFromRows([[1, NaN]]), /Expected rows\[0\]\[1\] to be a finite number, but got NaN/);
  });
});
