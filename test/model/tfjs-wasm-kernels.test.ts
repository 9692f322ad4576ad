import { strict as assert } from "node:assert";
import type * as tfTypes from "@tensorflow/tfjs";
import { loadTfjs, type Tf } from "../../src/model/tfjs-loader";
import { installWasmSpeedups } from "../../src/model/tfjs-wasm-speedups";
import { createOptimizer } from "../../src/model/tfjs-optimizer";
import { buildNeuralModel, resolveNeuralConfig } from "../../src/model/neural";
import { randomWeights } from "../../src/model/init";
import { createRng } from "../../src/random";

function values(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}
const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Runs `f` on the cpu backend (TF.js's own kernels) and on wasm (the workbook's), returning both results as arrays. */
async function onBoth(tf: Tf, f: () => tfTypes.Tensor | tfTypes.Tensor[]): Promise<{ want: Float32Array[]; got: Float32Array[] }> {
  const run = (): Float32Array[] =>
    tf.tidy(() => {
      const r = f();
      return (Array.isArray(r) ? r : [r]).map((t) => Float32Array.from(t.dataSync() as Float32Array));
    });
  await loadTfjs("tfjs-cpu");
  const want = run();
  await loadTfjs("tfjs-wasm");
  installWasmSpeedups(tf);
  return { want, got: run() };
}

function assertClose(got: Float32Array[], want: Float32Array[], tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: number of outputs`);
  got.forEach((g, j) => {
    assert.equal(g.length, want[j]!.length, `${what}[${j}]: length`);
    for (let q = 0; q < g.length; q++)
      assert.ok(Math.abs(g[q]! - want[j]![q]!) <= tol * (1 + Math.abs(want[j]![q]!)), `${what}[${j}][${q}]: ${g[q]} vs ${want[j]![q]}`);
  });
}

describe("the workbook's tfjs-wasm kernels (dense products, copies, sums, ReLU gradient, fused Adam)", function () {
  this.timeout(120000);
  let tf: Tf;
  before(async () => {
    tf = await loadTfjs("tfjs-wasm");
    installWasmSpeedups(tf);
  });
  after(async () => {
    await loadTfjs("tfjs-wasm");
  });

  it("registers its kernels on the wasm backend", () => {
    for (const name of ["BatchMatMul", "_FusedMatMul", "Identity", "Concat", "SplitV", "Sum", "EwbAdam", "EwbReluGrad", "EwbScatterRows", "EwbMeanGrad"])
      assert.ok(tf.getKernel(name, "wasm"), name);
  });

  // Shapes that exercise the 4-row blocks and the leftover rows, full and partial 8-column panels, K = 1, batches.
  const products: { a: number[]; b: number[]; tA: boolean; tB: boolean }[] = [
    { a: [7, 5], b: [5, 3], tA: false, tB: false },
    { a: [13, 9], b: [9, 17], tA: false, tB: false },
    { a: [9, 13], b: [9, 17], tA: true, tB: false },
    { a: [13, 9], b: [17, 9], tA: false, tB: true },
    { a: [9, 13], b: [17, 9], tA: true, tB: true },
    { a: [66, 1], b: [1, 16], tA: false, tB: false },
    { a: [2, 5, 6], b: [2, 6, 11], tA: false, tB: false },
    { a: [3, 6, 5], b: [6, 8], tA: true, tB: false },
    { a: [64, 128], b: [128, 50], tA: false, tB: false },
    // One output column (the rating layer and its gradients), leftover rows on both paths (read in place, packed).
    { a: [37, 50], b: [50, 1], tA: false, tB: false },
    { a: [50, 37], b: [50, 1], tA: true, tB: false },
    { a: [37, 1], b: [50, 1], tA: false, tB: true },
    { a: [1, 2, 3], b: [1, 3, 1], tA: false, tB: false },
    { a: [130, 6], b: [130, 21], tA: true, tB: false },
  ];
  for (const p of products) {
    it(`matMul ${JSON.stringify(p.a)}${p.tA ? "ᵀ" : ""} x ${JSON.stringify(p.b)}${p.tB ? "ᵀ" : ""} equals TF.js's on the cpu backend`, async () => {
      const { want, got } = await onBoth(tf, () => tf.matMul(tf.tensor(values(size(p.a), 1), p.a), tf.tensor(values(size(p.b), 2), p.b), p.tA, p.tB));
      assertClose(got, want, 1e-5, "product");
    });
  }

  for (const [activation, biasShape, n] of [
    ["relu", [9], 9],
    ["linear", [1], 9],
    ["linear", [9], 9],
    ["relu", [17], 17],
    ["linear", [1], 1],
  ] as const) {
    it(`fused matMul [30,7] x [7,${n}] + bias ${JSON.stringify(biasShape)} + ${activation} equals TF.js's on the cpu backend`, async () => {
      const { want, got } = await onBoth(tf, () =>
        tf.fused.matMul({
          a: tf.tensor(values(30 * 7, 3), [30, 7]),
          b: tf.tensor(values(7 * n, 4), [7, n]),
          bias: tf.tensor(values(size([...biasShape]), 5), [...biasShape]),
          activation,
        }),
      );
      assertClose(got, want, 1e-5, "fused product");
    });
  }

  it("gradients of a two-layer ReLU network (concat, products, bias sums, ReLU) equal TF.js's on the cpu backend", async () => {
    const { want, got } = await onBoth(tf, () => {
      const u = tf.tensor(values(37 * 6, 6), [37, 6]),
        i = tf.tensor(values(37 * 5, 7), [37, 5]);
      const w1 = tf.tensor(values(11 * 10, 8), [11, 10]),
        b1 = tf.tensor(values(10, 9), [10]);
      const w2 = tf.tensor(values(10, 10), [10, 1]),
        b2 = tf.tensor([0.3], [1]);
      const y = tf.tensor(values(37, 11), [37, 1]);
      const f = (uu: tfTypes.Tensor, ii: tfTypes.Tensor, a: tfTypes.Tensor, b: tfTypes.Tensor, c: tfTypes.Tensor, d: tfTypes.Tensor): tfTypes.Tensor => {
        const h = tf.relu(tf.add(tf.matMul(tf.concat([uu, ii], 1), a), b));
        return tf.mean(tf.square(tf.sub(tf.add(tf.matMul(h, c), d), y)));
      };
      return tf.grads(f as (...x: tfTypes.Tensor[]) => tfTypes.Tensor)([u, i, w1, b1, w2, b2]);
    });
    assertClose(got, want, 1e-5, "gradient");
  });

  it("gradients of means (trailing axes: one kernel; other axes: TF.js's) and of products (float32, broadcast) equal TF.js's on the cpu backend", async () => {
    const before = tf.memory().numTensors;
    const { want, got } = await onBoth(tf, () => {
      const a = tf.tensor(values(7 * 5, 21), [7, 5]),
        b = tf.tensor(values(5, 22), [5]),
        c = tf.tensor(values(2 * 7 * 5, 23), [2, 7, 5]);
      const f = (x: tfTypes.Tensor, y: tfTypes.Tensor, z: tfTypes.Tensor): tfTypes.Tensor =>
        tf.addN([
          tf.mean(tf.mean(tf.mul(x, y), -1)),
          tf.mean(tf.mul(x, x), 0).sum(),
          tf.mean(tf.mul(z, tf.scalar(3)), [1, 2]).sum(),
          tf.mean(z, [0, 2]).sum(),
          tf.mean(tf.mul(z, x)),
        ]);
      return tf.grads(f as (...t: tfTypes.Tensor[]) => tfTypes.Tensor)([a, b, c]);
    });
    assertClose(got, want, 1e-6, "gradient");
    assert.equal(tf.memory().numTensors, before);
  });

  it("Identity shares the input's memory; Concat, SplitV and Sum over leading axes equal TF.js's; no tensor is left", async () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor(values(12, 12), [3, 4]);
    const y = tf.clone(x);
    const backend = tf.backend() as unknown as { dataIdMap: { get(d: unknown): { memoryOffset: number } } };
    assert.equal(backend.dataIdMap.get(y.dataId).memoryOffset, backend.dataIdMap.get(x.dataId).memoryOffset);
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()), Array.from(values(12, 12)), "the clone outlives the original");
    y.dispose();
    const { want, got } = await onBoth(tf, () => {
      const a = tf.tensor(values(5 * 3, 13), [5, 3]),
        b = tf.tensor(values(5 * 4, 14), [5, 4]),
        c = tf.tensor(values(2 * 5 * 2, 15), [2, 5, 2]);
      const cat = tf.concat([a, b], 1);
      const [p, q, r] = tf.split(cat, [2, 4, 1], 1) as [tfTypes.Tensor, tfTypes.Tensor, tfTypes.Tensor];
      const ints = tf.cast(
        tf.concat(
          [
            tf.tensor2d([[1], [2]], [2, 1], "int32"),
            tf.tensor2d(
              [
                [3, 4],
                [5, 6],
              ],
              [2, 2],
              "int32",
            ),
          ],
          1,
        ),
        "float32",
      );
      // Rows of 16 and 32 bytes: the 16-bytes-at-a-time copies.
      const d = tf.tensor(values(5 * 8, 16), [5, 8]);
      const cat4 = tf.concat([b, d], 1);
      const [s4, s8] = tf.split(cat4, [4, 8], 1) as [tfTypes.Tensor, tfTypes.Tensor];
      return [cat, p, q, r, tf.concat([a, a], 0), ints, tf.sum(c, 0), tf.sum(c, [0, 1]), tf.sum(c, [1, 0], true), tf.sum(c, 1), tf.sum(c), cat4, s4, s8];
    });
    assertClose(got, want, 1e-6, "copy or sum");
    assert.equal(tf.memory().numTensors, before);
  });

  it("the fused Adam step is TF.js's Adam exactly (l2 0), and with l2 equals Adam on gradient + l2·w, over several steps", async () => {
    const shapes = [[40, 3], [7], [1]];
    const run = (fused: boolean, l2: number): Float32Array[] => {
      const vars = shapes.map((s, k) => tf.tidy(() => tf.variable(tf.tensor(values(size(s), 20 + k), s))));
      const targets = shapes.map((s, k) => tf.tensor(values(size(s), 30 + k), s));
      const opt = fused ? createOptimizer(tf, { optimizer: "adam", learningRate: 0.01, l2 }) : tf.train.adam(0.01, 0.9, 0.999, 1e-8);
      for (let step = 0; step < 5; step++) {
        opt.minimize(() => {
          let loss = tf.scalar(0);
          vars.forEach((v, k) => {
            loss = tf.add(loss, tf.sum(tf.square(tf.sub(v, targets[k]!))));
            // The reference gets L2 as the regulariser (l2/2)·Σw² in the loss.
            if (!fused && l2 > 0) loss = tf.add(loss, tf.mul(l2 / 2, tf.sum(tf.square(v))));
          });
          return loss as tfTypes.Scalar;
        });
      }
      const out = vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
      tf.dispose([...vars, ...targets]);
      opt.dispose();
      return out;
    };
    await loadTfjs("tfjs-cpu");
    const want0 = run(false, 0),
      wantL2 = run(false, 0.05);
    await loadTfjs("tfjs-wasm");
    installWasmSpeedups(tf);
    const before = tf.memory().numTensors;
    const got0 = run(true, 0),
      gotL2 = run(true, 0.05);
    assert.equal(tf.memory().numTensors, before, "no tensor left by the fused optimizer");
    got0.forEach((g, j) => assert.deepEqual(Array.from(g), Array.from(want0[j]!), `variable ${j}: bit for bit`));
    assertClose(gotL2, wantL2, 1e-6, "with L2");
    assert.notDeepEqual(Array.from(gotL2[0]!), Array.from(got0[0]!), "L2 changes the result");
  });

  it("a short model.fit of the neural model on wasm equals stock TF.js on the cpu backend (regularisers, tf.train.adam)", async () => {
    const numUsers = 30,
      numItems = 20,
      n = 300,
      l2 = 0.01;
    const rng = createRng(5);
    const users = Int32Array.from({ length: n }, () => rng.int(numUsers)),
      items = Int32Array.from({ length: n }, () => rng.int(numItems)),
      ratings = Float32Array.from({ length: n }, () => 1 + 4 * rng.next());
    const initial = randomWeights(numUsers, numItems, 6, 3, 0.1);
    const config = resolveNeuralConfig({ hiddenSizes: [10] });
    const train = async (ours: boolean): Promise<Float32Array[]> => {
      const model = buildNeuralModel(tf, { initial, config, seed: 9, outputBias: 3 });
      let reference: tfTypes.LayersModel | null = null;
      if (!ours) {
        // TF.js's own: the same layers with L2 regularisers (l2/2)·Σw², tf.train.adam, on the cpu backend.
        const reg = () => tf.regularizers.l2({ l2: l2 / 2 });
        const u = tf.input({ shape: [1], dtype: "int32" }),
          i = tf.input({ shape: [1], dtype: "int32" });
        const e = (dim: number, x: tfTypes.SymbolicTensor) =>
          tf.layers.flatten().apply(tf.layers.embedding({ inputDim: dim, outputDim: 6, embeddingsRegularizer: reg() }).apply(x)) as tfTypes.SymbolicTensor;
        const h = tf.layers
          .dense({ units: 10, activation: "relu", kernelRegularizer: reg(), biasRegularizer: reg() })
          .apply(tf.layers.concatenate({ axis: 1 }).apply([e(numUsers, u), e(numItems, i)])) as tfTypes.SymbolicTensor;
        const out = tf.layers.dense({ units: 1, kernelRegularizer: reg(), biasRegularizer: reg() }).apply(h) as tfTypes.SymbolicTensor;
        reference = tf.model({ inputs: [u, i], outputs: out });
        reference.setWeights(model.getWeights());
        reference.compile({ optimizer: tf.train.adam(0.01, 0.9, 0.999, 1e-8), loss: "meanSquaredError" });
      } else model.compile({ optimizer: createOptimizer(tf, { optimizer: "adam", learningRate: 0.01, l2 }), loss: "meanSquaredError" });
      const m = reference ?? model;
      const xs = [tf.tensor2d(users, [n, 1], "int32"), tf.tensor2d(items, [n, 1], "int32")],
        ys = tf.tensor2d(ratings, [n, 1]);
      await m.fit(xs, ys, { batchSize: 64, epochs: 3, shuffle: false, verbose: 0 });
      const w = m.getWeights().map((t) => Float32Array.from(t.dataSync() as Float32Array));
      tf.dispose([...xs, ys]);
      (m.optimizer as tfTypes.Optimizer).dispose();
      model.dispose();
      reference?.dispose();
      return w;
    };
    await loadTfjs("tfjs-cpu");
    const want = await train(false);
    await loadTfjs("tfjs-wasm");
    installWasmSpeedups(tf);
    const got = await train(true);
    assertClose(got, want, 1e-4, "weights after 3 epochs");
    assert.ok(
      want[0]!.some((v, k) => Math.abs(v - initial.userFactors[k]!) > 1e-3),
      "training moved the weights",
    );
  });
});
