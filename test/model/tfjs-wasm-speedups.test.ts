import { strict as assert } from "node:assert";
import { loadTfjs, type Tf } from "../../src/model/tfjs-loader";
import { installWasmSpeedups } from "../../src/model/tfjs-wasm-speedups";
import { createRng } from "../../src/random";

function values(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

describe("tfjs-wasm speed-ups (matMul gradients through the workbook's kernels, embedding gather)", function () {
  this.timeout(60000);
  let tf: Tf;
  before(async () => {
    tf = await loadTfjs("tfjs-wasm");
    installWasmSpeedups(tf);
  });
  after(async () => {
    await loadTfjs("tfjs-wasm");
  });

  /** Gradients of sum(matMul(a, b, tA, tB) ⊙ r) with respect to a and b on the active backend. */
  function grads(tA: boolean, tB: boolean, shapes: { a: number[]; b: number[]; out: number[] }): Float32Array[] {
    return tf.tidy(() => {
      const a = tf.tensor(
        values(
          shapes.a.reduce((x, y) => x * y),
          1,
        ),
        shapes.a,
      );
      const b = tf.tensor(
        values(
          shapes.b.reduce((x, y) => x * y),
          2,
        ),
        shapes.b,
      );
      const r = tf.tensor(
        values(
          shapes.out.reduce((x, y) => x * y),
          3,
        ),
        shapes.out,
      );
      const g = tf.grads((x: any, y: any) => tf.sum(tf.mul(tf.matMul(x, y, tA, tB), r)))([a, b]);
      return g.map((t) => t.dataSync() as Float32Array);
    });
  }

  for (const [tA, tB] of [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ] as const) {
    it(`matMul gradient (transposeA ${tA}, transposeB ${tB}) on wasm equals TF.js's own on the cpu backend`, async () => {
      // m x k times k x n, m = 300, k = 24, n = 7: 4-row blocks, a partial 8-column panel, transposed operands read by strides.
      const m = 300,
        k = 24,
        n = 7;
      const shapes = { a: tA ? [k, m] : [m, k], b: tB ? [n, k] : [k, n], out: [m, n] };
      await loadTfjs("tfjs-cpu");
      const want = grads(tA, tB, shapes);
      await loadTfjs("tfjs-wasm");
      installWasmSpeedups(tf);
      const got = grads(tA, tB, shapes);
      for (let j = 0; j < 2; j++) {
        assert.equal(got[j]!.length, want[j]!.length);
        for (let q = 0; q < want[j]!.length; q++) {
          assert.ok(
            Math.abs(got[j]![q]! - want[j]![q]!) <= 1e-4 * (1 + Math.abs(want[j]![q]!)),
            `grad ${j ? "b" : "a"}[${q}]: ${got[j]![q]} vs ${want[j]![q]}`,
          );
        }
      }
    });
  }

  it("gathers embedding rows through GatherNd: the same rows and shape, other axes unchanged, bad indices refused, no tensor left", () => {
    const before = tf.memory().numTensors;
    const table = values(50 * 6, 4);
    const idx = Int32Array.from([3, 0, 49, 3, 17]);
    const rows = tf.tidy(() => tf.gather(tf.tensor2d(table, [50, 6]), tf.tensor1d(idx, "int32")).dataSync() as Float32Array);
    assert.equal(rows.length, idx.length * 6);
    idx.forEach((r, k) => {
      for (let j = 0; j < 6; j++) assert.equal(rows[k * 6 + j], table[r * 6 + j]);
    });
    // 2-d indices (what tf.layers.embedding passes before flattening) give [..., 6] too.
    const shape = tf.tidy(() => tf.gather(tf.tensor2d(table, [50, 6]), tf.tensor2d(idx.subarray(0, 4), [2, 2], "int32")).shape);
    assert.deepEqual(shape, [2, 2, 6]);
    // Axis 1 goes to the original kernel.
    const cols = tf.tidy(() => tf.gather(tf.tensor2d(table, [50, 6]), tf.tensor1d([5, 0], "int32"), 1).dataSync() as Float32Array);
    assert.deepEqual([cols[0], cols[1], cols[2]], [table[5], table[0], table[6 + 5]]);
    assert.throws(() => tf.tidy(() => tf.gather(tf.tensor2d(table, [50, 6]), tf.tensor1d([2, 50], "int32"))), /index value 50 is not in \[0, 49\]/);
    assert.equal(tf.memory().numTensors, before);
  });

  it("gathers rows of a multiple of 4 floats through the workbook's row copies: the same rows and shapes, bad indices refused, no tensor left", () => {
    const before = tf.memory().numTensors;
    const table = values(50 * 8, 5);
    const idx = Int32Array.from([3, 0, 49, 3, 17, 0, 8]);
    const rows = tf.tidy(() => tf.gather(tf.tensor2d(table, [50, 8]), tf.tensor1d(idx, "int32")).dataSync() as Float32Array);
    assert.equal(rows.length, idx.length * 8);
    idx.forEach((r, k) => {
      for (let j = 0; j < 8; j++) assert.equal(rows[k * 8 + j], table[r * 8 + j], `row ${k}, column ${j}`);
    });
    const shape = tf.tidy(() => tf.gather(tf.tensor3d(table, [50, 2, 4]), tf.tensor2d(idx.subarray(0, 6), [3, 2], "int32")).shape);
    assert.deepEqual(shape, [3, 2, 2, 4]);
    assert.throws(() => tf.tidy(() => tf.gather(tf.tensor2d(table, [50, 8]), tf.tensor1d([2, 50], "int32"))), /index value 50 is not in \[0, 49\]/);
    assert.throws(() => tf.tidy(() => tf.gather(tf.tensor2d(table, [50, 8]), tf.tensor1d([-1], "int32"))), /index value -1 is not in \[0, 49\]/);
    assert.equal(tf.memory().numTensors, before);
  });

  it("the gather's gradient (one scatter-add kernel on wasm, repeated rows summed) equals TF.js's own on the cpu backend", async () => {
    const idx = Int32Array.from([3, 0, 9, 3, 7, 3, 0]);
    const run = (): Float32Array =>
      tf.tidy(() => {
        const table = tf.tensor2d(values(10 * 8, 6), [10, 8]);
        const r = tf.tensor2d(values(idx.length * 8, 7), [idx.length, 8]);
        const g = tf.grad((t: any) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d(idx, "int32")), r)))(table);
        return Float32Array.from(g.dataSync() as Float32Array);
      });
    await loadTfjs("tfjs-cpu");
    const want = run();
    await loadTfjs("tfjs-wasm");
    installWasmSpeedups(tf);
    const before = tf.memory().numTensors;
    const got = run();
    assert.equal(tf.memory().numTensors, before);
    assert.equal(got.length, want.length);
    for (let q = 0; q < want.length; q++) assert.ok(Math.abs(got[q]! - want[q]!) <= 1e-6 * (1 + Math.abs(want[q]!)), `gradient[${q}]: ${got[q]} vs ${want[q]}`);
    // Rows never gathered get 0; row 3 (three times) is the sum of its three rows of r.
    for (let j = 0; j < 8; j++) assert.equal(got[1 * 8 + j], 0);
  });
});
