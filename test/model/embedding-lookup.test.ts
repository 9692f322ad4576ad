import { strict as assert } from "node:assert";
import { gatherRows } from "../../src/model/embedding-lookup";
import { loadTfjs, type Tf } from "../../src/model/tfjs-loader";

describe("gatherRows (embedding lookup with a scatter gradient)", () => {
  let tf: Tf;
  before(async () => {
    tf = await loadTfjs("tfjs-cpu");
  });

  it("looks up the same rows as tf.gather", () => {
    const table = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const idx = tf.tensor1d([2, 0, 2], "int32");
    const got = gatherRows(tf, table, idx);
    assert.deepEqual(got.arraySync(), [
      [5, 6],
      [1, 2],
      [5, 6],
    ]);
    tf.dispose([table, idx, got]);
  });

  it("has the gradient of a slow obvious computation: rows of repeated indices summed, other rows zero", () => {
    const rows = 6,
      dim = 3;
    const tableValues = Array.from({ length: rows * dim }, (_, k) => Math.sin(k + 1));
    const indices = [4, 1, 4, 4, 0, 1];
    const weights = indices.map((_, r) => Array.from({ length: dim }, (_, d) => Math.cos(r * dim + d)));
    const table = tf.tensor2d(tableValues, [rows, dim]);
    const idx = tf.tensor1d(indices, "int32");
    const w = tf.tensor2d(weights);
    // loss = Σ_r Σ_d w[r][d] · table[idx[r]][d]  =>  d loss / d table[j][d] = Σ_{r: idx[r] = j} w[r][d]
    const grad = tf.grad((t: import("@tensorflow/tfjs").Tensor) => tf.sum(tf.mul(gatherRows(tf, t as import("@tensorflow/tfjs").Tensor2D, idx), w)))(table);
    const expected: number[][] = Array.from({ length: rows }, () => new Array<number>(dim).fill(0));
    indices.forEach((j, r) => {
      for (let d = 0; d < dim; d++) expected[j]![d]! += weights[r]![d]!;
    });
    const got = grad.arraySync() as number[][];
    for (let j = 0; j < rows; j++)
      for (let d = 0; d < dim; d++) assert.ok(Math.abs(got[j]![d]! - expected[j]![d]!) < 1e-6, `row ${j} dim ${d}: ${got[j]![d]} vs ${expected[j]![d]}`);
    assert.deepEqual(got[2], [0, 0, 0]);
    tf.dispose([table, idx, w, grad]);
  });

  it("matches tf.gather's own gradient on 1-D tables (biases)", () => {
    const table = tf.tensor1d([0.5, -1, 2, 3]);
    const idx = tf.tensor1d([3, 3, 1], "int32");
    const f = (g: (t: import("@tensorflow/tfjs").Tensor) => import("@tensorflow/tfjs").Tensor) =>
      tf.grad((t: import("@tensorflow/tfjs").Tensor) => tf.sum(tf.square(g(t))))(table);
    const ours = f((t) => gatherRows(tf, t, idx));
    const theirs = f((t) => tf.gather(t, idx));
    assert.deepEqual(ours.arraySync(), theirs.arraySync());
    tf.dispose([table, idx, ours, theirs]);
  });
});
