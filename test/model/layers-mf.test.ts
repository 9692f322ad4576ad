import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { loadTfjs, type Tf } from "../../src/model/tfjs-loader";
import { buildLayersMf, layersMfParameterCounts, layersMfWeights, predictWithLayers, setLayersMfWeights } from "../../src/model/layers-mf";
import { exportTfjsModel, fileLoadHandler, fileSaveHandler, TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE } from "../../src/model/tfjs-export";
import { randomWeights } from "../../src/model/init";
import { predictMany } from "../../src/model/predict";
import { trainModel } from "../../src/model/train";
import { loadModel, saveModel } from "../../src/model/persist";
import type { MfWeights } from "../../src/model/types";
import { tinyDataset } from "./fixtures";
import { useTempDir } from "../tmpdir";

/** Random weights with non-zero biases, so every term of the prediction is exercised. */
function weightsWithBiases(users: number, items: number, dim: number, seed: number): MfWeights {
  const w = randomWeights(users, items, dim, seed, 0.3, 3.25);
  return { ...w, userBias: w.userBias.map((_, k) => ((k * 37) % 11) / 10 - 0.5), itemBias: w.itemBias.map((_, k) => ((k * 17) % 7) / 10 - 0.3) };
}

function sameArray(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) assert.fail(`${what}[${k}]: ${a[k]} vs ${b[k]}`);
}

describe("the MF model as a tf.layers model", function () {
  this.timeout(120000);
  let tf: Tf;
  const tmp = useTempDir("ewb-layers-");
  before(async () => {
    tf = await loadTfjs("tfjs-wasm");
  });

  it("counts the blog's 96,000 embedding parameters plus 1,000 + 500 + 1 biases for 1000 users, 500 items, 64 dimensions", () => {
    const model = buildLayersMf(tf, randomWeights(1000, 500, 64, 1));
    try {
      const emb = ["user_embedding", "item_embedding"].reduce((s, n) => s + model.getLayer(n).countParams(), 0);
      assert.equal(emb, 96000);
      assert.equal(model.countParams(), 96000 + 1000 + 500 + 1);
      assert.deepEqual(layersMfParameterCounts(model), { embeddings: 96000, biases: 1501, total: 97501 });
    } finally {
      model.dispose();
    }
  });

  it("predicts exactly the kernel's formula dot(p_u, q_i) + b_u + b_i + g for the same weights", () => {
    const w = weightsWithBiases(40, 30, 16, 3);
    const model = buildLayersMf(tf, w);
    try {
      const users = Int32Array.from({ length: 200 }, (_, k) => (k * 7) % 40),
        items = Int32Array.from({ length: 200 }, (_, k) => (k * 11) % 30);
      const got = predictWithLayers(tf, model, users, items),
        want = predictMany(w, users, items);
      for (let k = 0; k < want.length; k++) assert.ok(Math.abs(got[k]! - want[k]!) < 1e-5, `row ${k}: layers ${got[k]} vs formula ${want[k]}`);
      // A model with other weights must predict otherwise (the comparison can fail).
      setLayersMfWeights(tf, model, weightsWithBiases(40, 30, 16, 4));
      assert.ok(Math.abs(predictWithLayers(tf, model, users, items)[0]! - want[0]!) > 1e-4);
    } finally {
      model.dispose();
    }
  });

  it("converts weights both ways exactly (MfWeights -> layers -> MfWeights, bit for bit)", () => {
    const w = weightsWithBiases(25, 12, 8, 5);
    const model = buildLayersMf(tf, w);
    try {
      const back = layersMfWeights(model);
      assert.deepEqual([back.numUsers, back.numItems, back.dim], [25, 12, 8]);
      sameArray(back.userFactors, w.userFactors, "userFactors");
      sameArray(back.itemFactors, w.itemFactors, "itemFactors");
      sameArray(back.userBias, w.userBias, "userBias");
      sameArray(back.itemBias, w.itemBias, "itemBias");
      assert.ok(Object.is(back.globalBias, w.globalBias));
    } finally {
      model.dispose();
    }
  });

  it("trains with model.fitDataset to the kernel's validation MSE (within 0.01, same settings), saves in the model directory format", async () => {
    const { dataset, split } = tinyDataset(60, 40, 0.5, 31);
    const hyper = {
      epochs: 12,
      dim: 8,
      batchSize: 128,
      learningRate: 0.01,
      l2: 1e-3,
      l2PerRating: 0,
      updates: "dense" as const,
      secondMoment: "per-weight" as const,
    };
    const kernel = await trainModel(split, dataset, hyper, { backend: "typed-array" });
    const seen: number[] = [];
    const layers = await trainModel(split, dataset, hyper, {
      backend: "tfjs-wasm",
      layers: true,
      onEpochEnd: (r) => {
        seen.push(r.epoch);
      },
    });
    assert.equal(layers.backend, "tfjs-wasm+layers");
    assert.deepEqual(
      seen,
      Array.from({ length: 12 }, (_, k) => k),
    );
    const a = kernel.history[11]!.valLoss,
      b = layers.history[11]!.valLoss;
    assert.ok(Math.abs(a - b) < 0.01, `kernel val MSE ${a}, layers ${b}`);
    assert.ok(layers.history[11]!.trainLoss < layers.history[0]!.trainLoss, "training loss falls");
    saveModel(layers, tmp.join("layers-model"));
    const loaded = loadModel(tmp.join("layers-model"));
    sameArray(loaded.weights.userFactors, layers.weights.userFactors, "saved userFactors");
    assert.equal(loaded.modelType ?? "mf", "mf");
  });

  it("exports in TF.js's format through a file save handler and loads back with tf.loadLayersModel", async () => {
    const { dataset, split } = tinyDataset(20, 15, 0.5, 32);
    const trained = await trainModel(split, dataset, { epochs: 2, dim: 4 }, { backend: "typed-array" });
    const dir = tmp.join("tfjs-export");
    await exportTfjsModel(tf, trained, dir);
    assert.ok(fs.existsSync(`${dir}/${TFJS_MODEL_FILE}`) && fs.existsSync(`${dir}/${TFJS_WEIGHTS_FILE}`));
    const json = JSON.parse(fs.readFileSync(`${dir}/${TFJS_MODEL_FILE}`, "utf8"));
    assert.equal(json.format, "layers-model");
    const loaded = await tf.loadLayersModel(fileLoadHandler(tf, dir));
    try {
      const users = Int32Array.from([0, 3, 19]),
        items = Int32Array.from([0, 14, 7]);
      const got = predictWithLayers(tf, loaded, users, items),
        want = predictMany(trained.weights, users, items);
      for (let k = 0; k < 3; k++) assert.ok(Math.abs(got[k]! - want[k]!) < 1e-5, `row ${k}: ${got[k]} vs ${want[k]}`);
    } finally {
      loaded.dispose();
    }
    fs.writeFileSync(`${dir}/${TFJS_WEIGHTS_FILE}`, Buffer.alloc(8));
    await assert.rejects(tf.loadLayersModel(fileLoadHandler(tf, dir)), /weights\.bin: 8 bytes, the manifest's weights need \d+/);
    await assert.rejects(tf.loadLayersModel(fileLoadHandler(tf, tmp.join("nothing-here"))), /model\.json: missing: no TF\.js model was exported here/);
    assert.equal(typeof fileSaveHandler(tf, dir).save, "function");
  });

  it("leaves no tensors behind after training, prediction, export and dispose", async () => {
    const { dataset, split } = tinyDataset(20, 15, 0.5, 33);
    const before = tf.memory().numTensors;
    const m = await trainModel(split, dataset, { epochs: 3, dim: 4, batchSize: 32 }, { backend: "tfjs-wasm", layers: true });
    await trainModel(
      split,
      dataset,
      { epochs: 20, dim: 4, batchSize: 0, learningRate: 0.1, l2: 0, earlyStoppingPatience: 2 },
      { backend: "tfjs-wasm", layers: true },
    );
    const model = buildLayersMf(tf, m.weights);
    predictWithLayers(tf, model, Int32Array.from([1]), Int32Array.from([2]));
    model.dispose();
    await exportTfjsModel(tf, m, tmp.join("leak-export"));
    assert.equal(tf.memory().numTensors, before);
  });

  it("refuses per-rating L2 (tf.layers has no activity regularisers) and a kernel backend, naming the option", async () => {
    const { dataset, split } = tinyDataset(10, 10, 0.5, 34);
    await assert.rejects(trainModel(split, dataset, { epochs: 1, l2PerRating: 0.1 }, { backend: "tfjs-wasm", layers: true }), /hyperparameters\.l2PerRating/);
    await assert.rejects(trainModel(split, dataset, { epochs: 1 }, { backend: "wasm-kernel", layers: true }), /options\.backend to be a TF\.js backend/);
  });
});
