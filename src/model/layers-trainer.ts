/** Trains a tf.layers model (the Layers MF or the neural model) with model.fitDataset, one epoch per trainModel epoch. */
import type * as tfTypes from "@tensorflow/tfjs";
import type { MfWeights, NetworkWeights, NeuralConfig } from "./types";
import type { EpochTrainer, TrainingProblem } from "./kernel-trainer";
import { loadTfjs, type TfjsBackendName } from "./tfjs-loader";
import { buildLayersMf, layersMfWeights } from "./layers-mf";
import { buildNeuralModel, neuralWeights } from "./neural";
import { shuffleTogether } from "./shuffle";
import { createRng } from "../random";
import { installSparseGatherGradient } from "./tfjs-gather-gradient";
import { installWasmSpeedups } from "./tfjs-wasm-speedups";
import { createOptimizer } from "./tfjs-optimizer";
import { InvalidArgumentError } from "../errors";
import { trainModel, type TrainOptions } from "./train";
import type { Dataset, DataSplit } from "../data/types";
import type { Hyperparameters, TrainedModel } from "./types";

/**
 * `trainModel` with the MF model as a tf.layers model (`layers: true`). trainModel loads this module lazily, and
 * tslab compiles only the files a notebook imports: a notebook imports this (or `trainNeuralModel`) instead.
 */
export function trainLayersMf(
  split: DataSplit,
  dataset: Dataset,
  hyper: Partial<Hyperparameters> = {},
  options: Omit<TrainOptions, "layers" | "modelType"> = {},
): Promise<TrainedModel> {
  return trainModel(split, dataset, hyper, { ...options, layers: true });
}

/** `trainModel` with the neural model (`modelType: "neural"`); see `trainLayersMf` for why it exists. */
export function trainNeuralModel(
  split: DataSplit,
  dataset: Dataset,
  hyper: Partial<Hyperparameters> = {},
  options: Omit<TrainOptions, "layers" | "modelType"> = {},
): Promise<TrainedModel> {
  return trainModel(split, dataset, hyper, { ...options, modelType: "neural" });
}

/** Which Layers model to train. */
export type LayersModelSpec = { readonly kind: "mf" } | { readonly kind: "neural"; readonly config: NeuralConfig };

/** An EpochTrainer over a tf.layers model; the neural one also hands out its dense layers. */
export interface LayersEpochTrainer extends EpochTrainer {
  /** The tf.layers model being trained (for `summary()`; disposed with the trainer). */
  readonly model: tfTypes.LayersModel;
  /** A copy of the dense layers (neural model only). */
  snapshotNetwork?(): NetworkWeights;
}

/**
 * Builds the model from `problem.initial` (the same seeded start as the kernels), compiles it with Adam (or SGD)
 * with coupled L2 (tfjs-optimizer.ts) and MSE, and trains one epoch per `runEpoch` through `model.fitDataset` over a
 * `tf.data.generator` that yields the epoch's mini-batches in the same seeded shuffled order as the kernels. The
 * training loss is the `loss` the epoch's `onEpochEnd` logs report (the data term only, since L2 is in the
 * optimizer; batch-size weighted; TF.js accumulates it on the device and reads it once per epoch). The validation tensors are created once; each validation reads back two numbers.
 * Per-rating L2 needs an activity regulariser, which tf.layers does not support: it is refused.
 */
export async function createLayersTrainer(backend: TfjsBackendName, problem: TrainingProblem, spec: LayersModelSpec): Promise<LayersEpochTrainer> {
  const { train, validation, hyperparameters: h, initial } = problem;
  if ((h.l2PerRating ?? 0) > 0) {
    throw new InvalidArgumentError(
      "hyperparameters.l2PerRating",
      "0 for a tf.layers model (tf.layers has no activity regularisers; use the kernel or the tfjs trainer for per-rating L2)",
      h.l2PerRating,
    );
  }
  if (h.optimizer === "adam" && (h.updates ?? "lazy") === "lazy") {
    throw new InvalidArgumentError("hyperparameters.updates", '"dense" for a tf.layers model (TF.js\'s Adam updates every row)', h.updates ?? "lazy");
  }
  const tf = await loadTfjs(backend);
  const model =
    spec.kind === "mf"
      ? buildLayersMf(tf, initial)
      : buildNeuralModel(tf, { initial, config: spec.config, seed: createRng(h.seed ^ 0x5eed).nextSeed(), outputBias: meanOf(train.ratings) });
  // L2 lives in the optimizer (gradient + l2·w), so the loss is the data term alone: the MSE the history reports.
  const optimizer = createOptimizer(tf, { optimizer: h.optimizer, learningRate: h.learningRate, l2: h.l2 });
  model.compile({ optimizer, loss: "meanSquaredError" });

  const n = train.length;
  const batch = h.batchSize <= 0 || h.batchSize >= n ? n : h.batchSize;
  const rng = createRng(problem.shuffleSeed);
  const order = new Int32Array(n);
  for (let k = 0; k < n; k++) order[k] = k;
  const users = new Int32Array(n),
    items = new Int32Array(n),
    ratings = new Float32Array(n);
  const batches = tf.data.generator(function* () {
    for (let start = 0; start < n; start += batch) {
      const end = Math.min(n, start + batch),
        b = end - start;
      yield {
        xs: [tf.tensor2d(users.subarray(start, end), [b, 1], "int32"), tf.tensor2d(items.subarray(start, end), [b, 1], "int32")],
        ys: tf.tensor2d(ratings.subarray(start, end), [b, 1]),
      };
    }
  } as unknown as () => Iterator<tfTypes.TensorContainer>);

  const nv = validation.length;
  const val =
    nv > 0
      ? { u: tf.tensor2d(validation.users, [nv, 1], "int32"), i: tf.tensor2d(validation.items, [nv, 1], "int32"), r: tf.tensor2d(validation.ratings, [nv, 1]) }
      : null;
  const config = spec.kind === "neural" ? spec.config : null;

  const trainer: LayersEpochTrainer = {
    backend: `${backend}+layers`,
    model,
    async runEpoch(): Promise<number> {
      installSparseGatherGradient(tf); // again: loading another TF.js copy meanwhile re-registers the originals
      installWasmSpeedups(tf);
      if (batch < n) shuffleTogether(rng.nextSeed(), order);
      for (let k = 0; k < n; k++) {
        const r = order[k]!;
        users[k] = train.users[r]!;
        items[k] = train.items[r]!;
        ratings[k] = train.ratings[r]!;
      }
      let mse = NaN;
      await model.fitDataset(batches, {
        epochs: 1,
        verbose: 0,
        yieldEvery: "never",
        callbacks: {
          onEpochEnd: (_epoch: number, logs?: tfTypes.Logs) => {
            mse = Number(logs?.["loss"]);
          },
        },
      });
      return mse;
    },
    validationErrors(): [number, number] {
      if (!val) return [0, 0];
      const out = tf.tidy(() => {
        const pred = model.predict([val.u, val.i], { batchSize: nv }) as tfTypes.Tensor;
        const e = tf.sub(pred, val.r);
        return tf.stack([tf.sum(tf.square(e)), tf.sum(tf.abs(e))]);
      });
      const [se, ae] = out.dataSync();
      out.dispose();
      return [se!, ae!];
    },
    snapshot(): MfWeights {
      return config ? neuralWeights(model, config).weights : layersMfWeights(model);
    },
    dispose(): void {
      if (val) tf.dispose([val.u, val.i, val.r]);
      optimizer.dispose();
      model.dispose();
    },
  };
  if (config) trainer.snapshotNetwork = () => neuralWeights(model, config).network;
  return trainer;
}

function meanOf(a: Float32Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k]!;
  return a.length ? s / a.length : 0;
}
