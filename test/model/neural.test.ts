import { strict as assert } from "node:assert";
import { loadTfjs, type Tf } from "../../src/model/tfjs-loader";
import { trainModel } from "../../src/model/train";
import { buildNeuralModel, resolveNeuralConfig } from "../../src/model/neural";
import { neuralPredictMany, neuralScoreItems, predictModel } from "../../src/model/neural-score";
import { predictWithLayers } from "../../src/model/layers-mf";
import { layersModelOf } from "../../src/model/tfjs-export";
import { loadModel, saveModel } from "../../src/model/persist";
import { fitBiasOnly } from "../../src/evaluate/baselines";
import { indexInteractions } from "../../src/data/indexed";
import { metricsFrom, predictMany } from "../../src/model/predict";
import { randomWeights } from "../../src/model/init";
import { createRng } from "../../src/random";
import type { Dataset, DataSplit, Interaction } from "../../src/data/types";
import { tinyDataset } from "./fixtures";
import { useTempDir } from "../tmpdir";
import { datasetFromObjects } from "../../src/data/dataset";

/**
 * Three planted groups of users, three categories of items: a user rates items of its own group's category
 * about 4.6 and the others about 1.8 (plus noise). Bias terms alone cannot tell the groups apart.
 */
function plantedGroups(seed: number): { dataset: Dataset; split: DataSplit } {
  const rng = createRng(seed);
  const users = 60,
    items = 45,
    interactions: Interaction[] = [];
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < items; i++) {
      if (rng.next() > 0.6) continue;
      const liked = u % 3 === i % 3;
      const r = Math.min(5, Math.max(1, Math.round((liked ? 4.6 : 1.8) + 0.5 * rng.normal())));
      interactions.push({ userId: `u${u}`, itemId: `i${i}`, rating: r });
    }
  }
  const order = interactions.map((_, k) => k);
  for (let k = order.length - 1; k > 0; k--) {
    const j = rng.int(k + 1);
    [order[k], order[j]] = [order[j]!, order[k]!];
  }
  const shuffled = order.map((k) => interactions[k]!);
  const cut = Math.floor(shuffled.length * 0.8);
  const dataset: Dataset = datasetFromObjects({
    interactions,
    users: Array.from({ length: users }, (_, u) => ({ userId: `u${u}` })).sort((a, b) => (a.userId < b.userId ? -1 : 1)),
    items: Array.from({ length: items }, (_, i) => ({ itemId: `i${i}` })).sort((a, b) => (a.itemId < b.itemId ? -1 : 1)),
    source: `planted(seed=${seed})`,
  });
  return { dataset, split: { train: shuffled.slice(0, cut), validation: shuffled.slice(cut) } };
}

describe("the neural model (embeddings concatenated, dense ReLU layers, dense output)", function () {
  this.timeout(180000);
  let tf: Tf;
  const tmp = useTempDir("ewb-neural-");
  before(async () => {
    tf = await loadTfjs("tfjs-wasm");
  });
  const hyper = { epochs: 40, dim: 8, batchSize: 64, learningRate: 0.01, l2: 0 };

  it("learns planted groups: validation MSE well below the bias-only baseline's", async () => {
    const { dataset, split } = plantedGroups(7);
    const model = await trainModel(split, dataset, hyper, { modelType: "neural", neural: { hiddenSizes: [16] } });
    assert.equal(model.modelType, "neural");
    const train = indexInteractions(split.train, model.userIds, model.itemIds);
    const val = indexInteractions(split.validation, model.userIds, model.itemIds);
    const bias = metricsFrom(predictMany(fitBiasOnly(train, model.userIds.size, model.itemIds.size), val.users, val.items), val.ratings).mse;
    const neural = metricsFrom(predictModel(model, val.users, val.items), val.ratings).mse;
    assert.ok(neural < 0.6 * bias, `neural val MSE ${neural.toFixed(3)} vs bias-only ${bias.toFixed(3)}`);
    assert.ok(Math.abs(neural - model.history[model.bestEpoch]!.valLoss) < 1e-4, "the typed-array forward pass gives the training's validation MSE");
  });

  it("is deterministic for a seed (dropout included) and differs for another seed", async () => {
    const { dataset, split } = tinyDataset(20, 15, 0.5, 41);
    const h = { ...hyper, epochs: 3 };
    const opts = { modelType: "neural" as const, neural: { hiddenSizes: [8, 4], dropout: 0.3 } };
    const a = await trainModel(split, dataset, h, opts),
      b = await trainModel(split, dataset, h, opts);
    const c = await trainModel(split, dataset, { ...h, seed: 43 }, opts);
    assert.deepEqual(Array.from(a.network!.dense[0]!.kernel), Array.from(b.network!.dense[0]!.kernel));
    assert.deepEqual(Array.from(a.weights.userFactors), Array.from(b.weights.userFactors));
    assert.deepEqual(
      a.history.map((r) => r.valLoss),
      b.history.map((r) => r.valLoss),
    );
    assert.notDeepEqual(Array.from(a.network!.dense[0]!.kernel), Array.from(c.network!.dense[0]!.kernel));
  });

  it("scores with the network without TF.js: the typed-array forward pass equals model.predict", () => {
    const w = randomWeights(30, 25, 6, 9, 0.5);
    const config = resolveNeuralConfig({ hiddenSizes: [10, 5] });
    const net = buildNeuralModel(tf, { initial: w, config, seed: 3, outputBias: 3 });
    try {
      const { neuralWeights } = require("../../src/model/neural") as typeof import("../../src/model/neural");
      const { weights, network } = neuralWeights(net, config);
      const users = Int32Array.from({ length: 25 }, () => 7),
        items = Int32Array.from({ length: 25 }, (_, k) => k);
      const want = predictWithLayers(tf, net, users, items);
      const all = neuralScoreItems(weights, network, 7);
      const some = neuralPredictMany(weights, network, users, items);
      for (let i = 0; i < 25; i++) {
        assert.ok(Math.abs(all[i]! - want[i]!) < 1e-5, `item ${i}: ${all[i]} vs ${want[i]}`);
        assert.ok(Math.abs(some[i]! - want[i]!) < 1e-5);
      }
      assert.ok(new Set(Array.from(all, (v) => v.toFixed(4))).size > 5, "the items get different scores");
    } finally {
      net.dispose();
    }
  });

  it("saves in the model directory with modelType neural, loads back and predicts the same (also as a TF.js model)", async () => {
    const { dataset, split } = tinyDataset(20, 15, 0.5, 42);
    const model = await trainModel(split, dataset, { ...hyper, epochs: 2 }, { modelType: "neural", neural: { hiddenSizes: [6] } });
    const dir = tmp.join("neural-model");
    saveModel(model, dir);
    const loaded = loadModel(dir);
    assert.equal(loaded.modelType, "neural");
    assert.deepEqual(loaded.network!.config, { hiddenSizes: [6], dropout: 0 });
    const users = Int32Array.from([0, 5, 19]),
      items = Int32Array.from([3, 0, 14]);
    assert.deepEqual(Array.from(predictModel(loaded, users, items)), Array.from(predictModel(model, users, items)));
    const layers = layersModelOf(tf, loaded);
    try {
      const got = predictWithLayers(tf, layers, users, items),
        want = predictModel(model, users, items);
      for (let k = 0; k < 3; k++) assert.ok(Math.abs(got[k]! - want[k]!) < 1e-5);
    } finally {
      layers.dispose();
    }
  });

  it("leaves no tensors behind after training (with early stopping), prediction and dispose", async () => {
    const { dataset, split } = tinyDataset(20, 15, 0.5, 44);
    const before = tf.memory().numTensors;
    const m = await trainModel(split, dataset, { ...hyper, epochs: 3 }, { modelType: "neural", neural: { dropout: 0.2 } });
    await trainModel(split, dataset, { ...hyper, epochs: 10, earlyStoppingPatience: 1 }, { modelType: "neural" });
    const net = layersModelOf(tf, m);
    predictWithLayers(tf, net, Int32Array.from([1]), Int32Array.from([2]));
    net.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it("ewb evaluate's report refuses a neural model instead of scoring it with the MF formula", async () => {
    const { evaluateModel } = require("../../src/evaluate/report") as typeof import("../../src/evaluate/report");
    const { dataset, split } = tinyDataset(20, 15, 0.5, 45);
    const model = await trainModel(split, dataset, { ...hyper, epochs: 1 }, { modelType: "neural" });
    assert.throws(() => evaluateModel(model, split.train, split.validation), /an MF model \(this evaluation scores with dot \+ biases/);
  });

  it("rejects bad settings naming the field", () => {
    assert.throws(() => resolveNeuralConfig({ hiddenSizes: [] }), /neural\.hiddenSizes/);
    assert.throws(() => resolveNeuralConfig({ hiddenSizes: [4, 0] }), /neural\.hiddenSizes\[1\]/);
    assert.throws(() => resolveNeuralConfig({ dropout: 1 }), /neural\.dropout/);
  });
});
