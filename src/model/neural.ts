/**
 * The neural variant of the source essays as a tf.layers model: user and item embeddings concatenated, dense
 * hidden layers with ReLU (and dropout), a dense output that is the predicted rating.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import type { MfWeights, NeuralConfig, NetworkWeights } from "./types";
import type { Tf } from "./tfjs-loader";
import { customLayers } from "./layers-custom";
import { installSparseGatherGradient } from "./tfjs-gather-gradient";
import { installWasmSpeedups } from "./tfjs-wasm-speedups";
import { MF_LAYER_NAMES } from "./layers-mf";
import { createRng } from "../random";
import { InvalidArgumentError } from "../errors";
import { checkInteger, checkNumber } from "../validate";

/**
 * The essays' `CollaborativeFilteringModel` (003: embeddings of 100, one hidden layer of 50, Adam lr 1e-3,
 * MSE), with the embedding size of the MF model (`Hyperparameters.dim`) so the two compare on equal vectors.
 * The essay's hidden layer has no activation (two stacked linear maps are still linear); ReLU as in its 004 MLP.
 */
export const DEFAULT_NEURAL_CONFIG: NeuralConfig = Object.freeze({ hiddenSizes: Object.freeze([50]) as readonly number[], dropout: 0 });

/** Validates a neural configuration, naming the bad field. */
export function resolveNeuralConfig(partial: Partial<NeuralConfig> = {}): NeuralConfig {
  if (partial === null || typeof partial !== "object") throw new InvalidArgumentError("neural", "an object", partial);
  const hiddenSizes = partial.hiddenSizes ?? DEFAULT_NEURAL_CONFIG.hiddenSizes;
  if (!Array.isArray(hiddenSizes) || hiddenSizes.length === 0)
    throw new InvalidArgumentError("neural.hiddenSizes", "a non-empty array of layer sizes", hiddenSizes);
  hiddenSizes.forEach((h, k) => checkInteger(`neural.hiddenSizes[${k}]`, h, 1, 65536));
  const dropout = checkNumber("neural.dropout", partial.dropout ?? DEFAULT_NEURAL_CONFIG.dropout, 0, 0.95);
  return Object.freeze({ hiddenSizes: Object.freeze([...hiddenSizes]), dropout });
}

/** Names of the dense layers: hidden_1, hidden_2, ..., then "rating". */
export function denseLayerNames(config: NeuralConfig): string[] {
  return [...config.hiddenSizes.map((_, k) => `hidden_${k + 1}`), "rating"];
}

export interface NeuralBuildOptions {
  /** The initial embeddings (factors; the biases of MfWeights are not part of this model). */
  readonly initial: MfWeights;
  readonly config: NeuralConfig;
  /** Seeds the dense layers' Glorot initialisation and the dropout masks. */
  readonly seed: number;
  /** Initial bias of the output unit (the mean training rating starts the model at the global-mean baseline). */
  readonly outputBias: number;
}

/**
 * Builds the network: inputs `user` and `item` (int32, [batch, 1]), output [batch, 1]. Deterministic for
 * the same options. The caller disposes it. L2 is not part of the network: the optimizer applies it
 * (tfjs-optimizer.ts, gradient + l2·w as the kernels apply it).
 */
export function buildNeuralModel(tf: Tf, o: NeuralBuildOptions): tfTypes.LayersModel {
  installSparseGatherGradient(tf);
  installWasmSpeedups(tf);
  const { numUsers, numItems, dim } = o.initial;
  const seeds = createRng(o.seed);
  const user = tf.input({ shape: [1], dtype: "int32", name: "user" });
  const item = tf.input({ shape: [1], dtype: "int32", name: "item" });
  const embed = (name: string, inputDim: number, input: tfTypes.SymbolicTensor): tfTypes.SymbolicTensor =>
    tf.layers
      .flatten({ name: `${name}_flat` })
      .apply(tf.layers.embedding({ name, inputDim, outputDim: dim, inputLength: 1, embeddingsInitializer: "zeros" }).apply(input)) as tfTypes.SymbolicTensor;
  let x = tf.layers
    .concatenate({ name: "concat", axis: 1 })
    .apply([embed(MF_LAYER_NAMES.userEmbedding, numUsers, user), embed(MF_LAYER_NAMES.itemEmbedding, numItems, item)]) as tfTypes.SymbolicTensor;
  const names = denseLayerNames(o.config);
  o.config.hiddenSizes.forEach((units, k) => {
    x = tf.layers
      .dense({
        name: names[k]!,
        units,
        activation: "relu",
        kernelInitializer: tf.initializers.glorotUniform({ seed: seeds.nextSeed() }),
        biasInitializer: "zeros",
      })
      .apply(x) as tfTypes.SymbolicTensor;
    if (o.config.dropout > 0)
      x = customLayers(tf)
        .seededDropout({ name: `dropout_${k + 1}`, rate: o.config.dropout, seed: seeds.nextSeed() })
        .apply(x) as tfTypes.SymbolicTensor;
  });
  const out = tf.layers
    .dense({
      name: "rating",
      units: 1,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seeds.nextSeed() }),
      biasInitializer: tf.initializers.constant({ value: o.outputBias }),
    })
    .apply(x) as tfTypes.SymbolicTensor;
  const model = tf.model({ inputs: [user, item], outputs: out, name: "neural_cf" });
  const set = (name: string, values: Float32Array, shape: number[]): void => {
    const t = tf.tensor(values, shape, "float32");
    try {
      model.getLayer(name).setWeights([t]);
    } finally {
      t.dispose();
    }
  };
  set(MF_LAYER_NAMES.userEmbedding, o.initial.userFactors, [numUsers, dim]);
  set(MF_LAYER_NAMES.itemEmbedding, o.initial.itemFactors, [numItems, dim]);
  return model;
}

/** The embeddings as MfWeights (biases 0: the network has none per user/item) and the dense layers as NetworkWeights. */
export function neuralWeights(model: tfTypes.LayersModel, config: NeuralConfig): { weights: MfWeights; network: NetworkWeights } {
  const read = (name: string, k: number): { values: Float32Array; shape: number[] } => {
    const w = model.getLayer(name).getWeights()[k]!;
    return { values: Float32Array.from(w.dataSync() as Float32Array), shape: w.shape };
  };
  const P = read(MF_LAYER_NAMES.userEmbedding, 0),
    Q = read(MF_LAYER_NAMES.itemEmbedding, 0);
  const [numUsers, dim] = P.shape as [number, number];
  const numItems = Q.shape[0]!;
  const dense = denseLayerNames(config).map((name) => {
    const kernel = read(name, 0),
      bias = read(name, 1);
    return { name, inputs: kernel.shape[0]!, units: kernel.shape[1]!, kernel: kernel.values, bias: bias.values };
  });
  return {
    weights: {
      dim,
      numUsers,
      numItems,
      userFactors: P.values,
      itemFactors: Q.values,
      userBias: new Float32Array(numUsers),
      itemBias: new Float32Array(numItems),
      globalBias: 0,
    },
    network: { config, dense },
  };
}

/** Copies saved weights back into a network built with the same shapes (for predicting with TF.js, or training on). */
export function setNeuralWeights(tf: Tf, model: tfTypes.LayersModel, weights: MfWeights, network: NetworkWeights): void {
  const set = (name: string, tensors: { values: Float32Array; shape: number[] }[]): void => {
    const ts = tensors.map((t) => tf.tensor(t.values, t.shape, "float32"));
    try {
      model.getLayer(name).setWeights(ts);
    } finally {
      tf.dispose(ts);
    }
  };
  set(MF_LAYER_NAMES.userEmbedding, [{ values: weights.userFactors, shape: [weights.numUsers, weights.dim] }]);
  set(MF_LAYER_NAMES.itemEmbedding, [{ values: weights.itemFactors, shape: [weights.numItems, weights.dim] }]);
  for (const d of network.dense)
    set(d.name, [
      { values: d.kernel, shape: [d.inputs, d.units] },
      { values: d.bias, shape: [d.units] },
    ]);
}
