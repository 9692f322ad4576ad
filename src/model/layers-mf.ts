/** Biased matrix factorisation as a tf.layers model, and its weights converted both ways with the kernel's MfWeights. */
import type * as tfTypes from "@tensorflow/tfjs";
import type { MfWeights } from "./types";
import type { Tf } from "./tfjs-loader";
import { customLayers } from "./layers-custom";
import { installSparseGatherGradient } from "./tfjs-gather-gradient";
import { installWasmSpeedups } from "./tfjs-wasm-speedups";
import { InvalidArgumentError } from "../errors";

/** Layer names of the Layers MF model (what `model.summary()` shows and the weight conversion reads). */
export const MF_LAYER_NAMES = Object.freeze({
  userEmbedding: "user_embedding",
  itemEmbedding: "item_embedding",
  userBias: "user_bias",
  itemBias: "item_bias",
  globalBias: "global_bias",
});

/**
 * The biased MF model as a `tf.LayersModel` with inputs `user` and `item` (int32 indices, shape [batch, 1]) and
 * output [batch, 1] = dot(user_embedding[u], item_embedding[i]) + user_bias[u] + item_bias[i] + global_bias,
 * built from `weights` (use `randomWeights` for a fresh start, or a trained model's weights). For the default
 * data (1000 users, 500 items, 64 dimensions) `model.summary()` counts 96,000 embedding parameters plus
 * 1,000 + 500 + 1 biases. Also installs the sparse gather gradient (see tfjs-gather-gradient.ts) so the
 * embeddings train on the wasm backend. The caller disposes the model (`model.dispose()`). L2 is not part of the
 * model: the optimizer applies it (tfjs-optimizer.ts, gradient + l2·w as the kernels apply it).
 */
export function buildLayersMf(tf: Tf, weights: MfWeights): tfTypes.LayersModel {
  checkWeights(weights);
  installSparseGatherGradient(tf);
  installWasmSpeedups(tf);
  const { numUsers, numItems, dim } = weights;
  const user = tf.input({ shape: [1], dtype: "int32", name: "user" });
  const item = tf.input({ shape: [1], dtype: "int32", name: "item" });
  const embed = (name: string, inputDim: number, outputDim: number, input: tfTypes.SymbolicTensor): tfTypes.SymbolicTensor =>
    tf.layers
      .flatten({ name: `${name}_flat` })
      .apply(tf.layers.embedding({ name, inputDim, outputDim, inputLength: 1, embeddingsInitializer: "zeros" }).apply(input)) as tfTypes.SymbolicTensor;
  const N = MF_LAYER_NAMES;
  const pu = embed(N.userEmbedding, numUsers, dim, user);
  const qi = embed(N.itemEmbedding, numItems, dim, item);
  const bu = embed(N.userBias, numUsers, 1, user);
  const bi = embed(N.itemBias, numItems, 1, item);
  const dot = tf.layers.dot({ axes: 1, name: "dot" }).apply([pu, qi]) as tfTypes.SymbolicTensor;
  const sum = tf.layers.add({ name: "add_biases" }).apply([dot, bu, bi]) as tfTypes.SymbolicTensor;
  const rating = customLayers(tf).globalBias({ name: N.globalBias, init: 0 }).apply(sum) as tfTypes.SymbolicTensor;
  const model = tf.model({ inputs: [user, item], outputs: rating, name: "biased_mf" });
  setLayersMfWeights(tf, model, weights);
  return model;
}

/**
 * The parameters of a Layers MF by kind, as `model.summary()` counts them: the two embedding tables (the blog's
 * "96,000 parameters" for 1000 users, 500 items, 64 dimensions), the per-user and per-item biases and the global bias.
 */
export function layersMfParameterCounts(model: tfTypes.LayersModel): { embeddings: number; biases: number; total: number } {
  const N = MF_LAYER_NAMES;
  const count = (...names: string[]): number => names.reduce((s, n) => s + model.getLayer(n).countParams(), 0);
  return { embeddings: count(N.userEmbedding, N.itemEmbedding), biases: count(N.userBias, N.itemBias, N.globalBias), total: model.countParams() };
}

/** Copies `weights` into a model built by `buildLayersMf` (shapes must match). */
export function setLayersMfWeights(tf: Tf, model: tfTypes.LayersModel, weights: MfWeights): void {
  checkWeights(weights);
  const { numUsers, numItems, dim } = weights;
  const N = MF_LAYER_NAMES;
  const set = (name: string, values: Float32Array | number[], shape: number[]): void => {
    const t = tf.tensor(values, shape, "float32");
    try {
      model.getLayer(name).setWeights([t]);
    } finally {
      t.dispose();
    }
  };
  set(N.userEmbedding, weights.userFactors, [numUsers, dim]);
  set(N.itemEmbedding, weights.itemFactors, [numItems, dim]);
  set(N.userBias, weights.userBias, [numUsers, 1]);
  set(N.itemBias, weights.itemBias, [numItems, 1]);
  set(N.globalBias, [weights.globalBias], [1]);
}

/** The model's current weights as MfWeights (copies; the model keeps its own). Exact: float32 in, float32 out. */
export function layersMfWeights(model: tfTypes.LayersModel): MfWeights {
  const N = MF_LAYER_NAMES;
  const read = (name: string): { values: Float32Array; shape: number[] } => {
    const w = model.getLayer(name).getWeights()[0]!;
    return { values: Float32Array.from(w.dataSync() as Float32Array), shape: w.shape };
  };
  const P = read(N.userEmbedding),
    Q = read(N.itemEmbedding);
  const [numUsers, dim] = P.shape as [number, number];
  const numItems = Q.shape[0]!;
  return {
    dim,
    numUsers,
    numItems,
    userFactors: P.values,
    itemFactors: Q.values,
    userBias: read(N.userBias).values,
    itemBias: read(N.itemBias).values,
    globalBias: read(N.globalBias).values[0]!,
  };
}

/** Predictions of a Layers MF (or any two-input model of this workbook) for rows (users[k], items[k]), read once. */
export function predictWithLayers(tf: Tf, model: tfTypes.LayersModel, users: Int32Array, items: Int32Array): Float32Array {
  if (users.length !== items.length) throw new InvalidArgumentError("items", `an Int32Array of length ${users.length} like users`, items);
  const out = tf.tidy(() => {
    const u = tf.tensor2d(users, [users.length, 1], "int32");
    const i = tf.tensor2d(items, [items.length, 1], "int32");
    return model.predict([u, i], { batchSize: Math.max(1, users.length) }) as tfTypes.Tensor; // inputs in order: user, item
  });
  try {
    return Float32Array.from(out.dataSync() as Float32Array);
  } finally {
    out.dispose();
  }
}

function checkWeights(w: MfWeights): void {
  if (!w || typeof w !== "object") throw new InvalidArgumentError("weights", "MfWeights", w);
  if (w.userFactors.length !== w.numUsers * w.dim) throw new InvalidArgumentError("weights.userFactors", `length ${w.numUsers * w.dim}`, w.userFactors.length);
  if (w.itemFactors.length !== w.numItems * w.dim) throw new InvalidArgumentError("weights.itemFactors", `length ${w.numItems * w.dim}`, w.itemFactors.length);
  if (w.userBias.length !== w.numUsers) throw new InvalidArgumentError("weights.userBias", `length ${w.numUsers}`, w.userBias.length);
  if (w.itemBias.length !== w.numItems) throw new InvalidArgumentError("weights.itemBias", `length ${w.numItems}`, w.itemBias.length);
}
