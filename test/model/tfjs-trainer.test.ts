import { strict as assert } from "node:assert";
import { trainModel } from "../../src/model/train";
import { loadTfjs, type Tf } from "../../src/model/tfjs-loader";
import { tinyDataset } from "./fixtures";
import { nativeTfjsAvailable } from "../../src/model/backend";
import { createTfjsTrainer } from "../../src/model/tfjs-trainer";
import { indexInteractions } from "../../src/data/indexed";
import { IdMap } from "../../src/data/idmap";
import { randomWeights } from "../../src/model/init";
import { resolveHyperparameters } from "../../src/model/hyperparameters";

describe("TF.js training backends", function () {
  this.timeout(120000);
  let tf: Tf;
  before(async () => {
    tf = await loadTfjs("tfjs-cpu");
  });

  // Dense Adam with a second moment per weight: TF.js's Adam, which the kernels do with these two settings.
  const hyper = {
    epochs: 6,
    dim: 8,
    batchSize: 64,
    learningRate: 0.01,
    l2: 1e-3,
    l2PerRating: 0.05,
    updates: "dense" as const,
    secondMoment: "per-weight" as const,
  };

  for (const backend of ["tfjs-cpu", "tfjs-wasm"] as const) {
    it(`${backend}: agrees with the typed-array kernel on a small problem (same init, same shuffles)`, async () => {
      const { dataset, split } = tinyDataset(30, 20, 0.4, 21);
      const ref = await trainModel(split, dataset, hyper, { backend: "typed-array" });
      const got = await trainModel(split, dataset, hyper, { backend });
      assert.equal(got.backend, backend);
      for (let e = 0; e < hyper.epochs; e++) {
        const a = ref.history[e]!,
          b = got.history[e]!;
        assert.ok(Math.abs(a.trainLoss - b.trainLoss) < 1e-3 * a.trainLoss, `epoch ${e} train ${a.trainLoss} vs ${b.trainLoss}`);
        assert.ok(Math.abs(a.valLoss - b.valLoss) < 1e-3 * a.valLoss, `epoch ${e} val ${a.valLoss} vs ${b.valLoss}`);
      }
      let maxDiff = 0;
      ref.weights.userFactors.forEach((v, k) => {
        maxDiff = Math.max(maxDiff, Math.abs(v - got.weights.userFactors[k]!));
      });
      assert.ok(maxDiff < 1e-3, `max factor difference ${maxDiff}`);
    });
  }

  it("says clearly when a forced native backend is not installed", async function () {
    if (nativeTfjsAvailable("@tensorflow/tfjs-node-gpu")) this.skip();
    const { dataset, split } = tinyDataset(5, 5, 0.8, 23);
    await assert.rejects(
      trainModel(split, dataset, { epochs: 1 }, { backend: "tfjs-node-gpu" }),
      /Backend tfjs-node-gpu is not available: @tensorflow\/tfjs-node-gpu is not installed with its native TensorFlow library/,
    );
  });

  it("leaves no tensors behind after training, early stopping and prediction", async () => {
    const { dataset, split } = tinyDataset(20, 15, 0.5, 22);
    await loadTfjs("tfjs-cpu");
    const before = tf.memory().numTensors;
    await trainModel(split, dataset, { epochs: 3, dim: 4, batchSize: 32 }, { backend: "tfjs-cpu" });
    await trainModel(split, dataset, { epochs: 20, dim: 4, batchSize: 0, learningRate: 0.1, l2: 0, earlyStoppingPatience: 2 }, { backend: "tfjs-cpu" });
    await trainModel(split, dataset, { epochs: 2, dim: 4, optimizer: "sgd", batchSize: 16, learningRate: 0.1 }, { backend: "tfjs-cpu" });
    assert.equal(tf.memory().numTensors, before);
  });

  it("reads from the device once per epoch, not once per step (the loss is summed on the device)", async () => {
    const { dataset, split } = tinyDataset(30, 20, 0.5, 24);
    const userIds = IdMap.fromIds(
        "user",
        dataset.users.map((u) => u.userId),
      ),
      itemIds = IdMap.fromIds(
        "item",
        dataset.items.map((i) => i.itemId),
      );
    const train = indexInteractions(split.train, userIds, itemIds),
      validation = indexInteractions(split.validation, userIds, itemIds, { skipUnknown: true });
    const h = resolveHyperparameters({ dim: 4, batchSize: 16 });
    assert.ok(train.length / 16 > 10, "many steps per epoch");
    const trainer = await createTfjsTrainer("tfjs-cpu", {
      train,
      validation,
      hyperparameters: h,
      initial: randomWeights(userIds.size, itemIds.size, 4, 1),
      shuffleSeed: 2,
    });
    // Every way code reads a tensor's values back to JavaScript (the cpu backend's own kernels read their
    // inputs through the backend, not through these).
    const proto = tf.Tensor.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
    const methods = ["dataSync", "data", "arraySync", "array", "bufferSync", "buffer"] as const;
    const originals = methods.map((m) => proto[m]!);
    let reads = 0;
    methods.forEach((m, k) => {
      proto[m] = function (this: unknown, ...a: unknown[]) {
        reads++;
        return originals[k]!.apply(this, a);
      };
    });
    try {
      for (let e = 0; e < 3; e++) trainer.runEpoch();
      assert.equal(reads, 3);
      trainer.validationErrors();
      assert.equal(reads, 4);
    } finally {
      methods.forEach((m, k) => {
        proto[m] = originals[k]!;
      });
      trainer.dispose();
    }
  });

  // The native backends: run where the package and its native TensorFlow library are installed, else skipped
  // with the package's name in the title (mocha prints skipped tests as pending with their title).
  for (const [backend, pkg] of [
    ["tfjs-node-gpu", "@tensorflow/tfjs-node-gpu"],
    ["tfjs-node", "@tensorflow/tfjs-node"],
  ] as const) {
    it(`${backend}: trains and agrees with the typed-array kernel`, async function () {
      if (!nativeTfjsAvailable(pkg)) {
        this.test!.title += ` (skipped: ${pkg} is not installed with its native TensorFlow library)`;
        this.skip();
      }
      const { dataset, split } = tinyDataset(30, 20, 0.4, 25);
      const ref = await trainModel(split, dataset, hyper, { backend: "typed-array" });
      const got = await trainModel(split, dataset, hyper, { backend });
      assert.equal(got.backend, backend);
      const a = ref.history[hyper.epochs - 1]!.valLoss,
        b = got.history[hyper.epochs - 1]!.valLoss;
      assert.ok(Math.abs(a - b) < 1e-3 * a, `val ${a} vs ${b}`);
      const layers = await trainModel(split, dataset, { ...hyper, l2PerRating: 0 }, { backend, modelType: "neural" });
      assert.equal(layers.backend, `${backend}+layers`);
    });
  }
});
