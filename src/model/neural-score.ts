/**
 * The neural model's forward pass over plain typed arrays (no TF.js): what the service, `ewb evaluate` and the
 * notebooks call to score with a saved neural model. Equal to the tf.layers model's predict (a test checks).
 */
import type { MfWeights, NetworkWeights, TrainedModel } from "./types";
import { InvalidArgumentError } from "../errors";
import { predictMany } from "./predict";

/** The first layer splits into a user part and an item part: concat(p, q)·W = p·W_user + q·W_item. */
interface Prepared {
  /** Item part of the first layer for every item, [numItems, units1] row-major. */
  readonly itemPart: Float32Array;
}
const prepared = new WeakMap<NetworkWeights, Prepared>();

function prepare(weights: MfWeights, network: NetworkWeights): Prepared {
  const hit = prepared.get(network);
  if (hit && hit.itemPart.length === weights.numItems * network.dense[0]!.units) return hit;
  checkNetwork(weights, network);
  const d = weights.dim,
    first = network.dense[0]!,
    h = first.units,
    W = first.kernel,
    Q = weights.itemFactors;
  const itemPart = new Float32Array(weights.numItems * h);
  for (let i = 0; i < weights.numItems; i++) {
    const o = i * h,
      qo = i * d;
    for (let k = 0; k < d; k++) {
      const q = Q[qo + k]!,
        wo = (d + k) * h;
      if (q === 0) continue;
      for (let j = 0; j < h; j++) itemPart[o + j]! += q * W[wo + j]!;
    }
  }
  const p = { itemPart };
  prepared.set(network, p);
  return p;
}

/** User part of the first layer plus its bias: p_u·W_user + b. */
function userPart(weights: MfWeights, network: NetworkWeights, u: number): Float32Array {
  const d = weights.dim,
    first = network.dense[0]!,
    h = first.units,
    W = first.kernel,
    P = weights.userFactors;
  const out = Float32Array.from(first.bias);
  const po = u * d;
  for (let k = 0; k < d; k++) {
    const p = P[po + k]!,
      wo = k * h;
    for (let j = 0; j < h; j++) out[j]! += p * W[wo + j]!;
  }
  return out;
}

/** The layers after the first on one hidden vector (ReLU already applied), to the predicted rating. */
function rest(network: NetworkWeights, x0: Float32Array, scratch: Float32Array[]): number {
  let x = x0;
  for (let l = 1; l < network.dense.length; l++) {
    const L = network.dense[l]!,
      last = l === network.dense.length - 1;
    const y = scratch[l]!;
    y.set(L.bias);
    for (let k = 0; k < L.inputs; k++) {
      const v = x[k]!;
      if (v === 0) continue;
      const wo = k * L.units;
      for (let j = 0; j < L.units; j++) y[j]! += v * L.kernel[wo + j]!;
    }
    if (!last) for (let j = 0; j < L.units; j++) if (y[j]! < 0) y[j] = 0;
    x = y;
  }
  return x[0]!;
}

function scratchFor(network: NetworkWeights): Float32Array[] {
  return network.dense.map((L) => new Float32Array(L.units));
}

/**
 * The predicted rating of every item for user index `u`, batched over the catalogue: the first layer's item
 * part is computed once per model (cached), so a user costs numItems × (units₁ + the later layers) multiply-adds.
 */
export function neuralScoreItems(weights: MfWeights, network: NetworkWeights, u: number, out: Float32Array = new Float32Array(weights.numItems)): Float32Array {
  if (!(Number.isInteger(u) && u >= 0 && u < weights.numUsers)) throw new InvalidArgumentError("user index", `an integer in 0..${weights.numUsers - 1}`, u);
  if (out.length !== weights.numItems) throw new InvalidArgumentError("out", `a Float32Array of length ${weights.numItems}`, out.length);
  const { itemPart } = prepare(weights, network);
  const h = network.dense[0]!.units;
  const up = userPart(weights, network, u);
  const hidden = new Float32Array(h),
    scratch = scratchFor(network);
  for (let i = 0; i < weights.numItems; i++) {
    const o = i * h;
    for (let j = 0; j < h; j++) {
      const v = up[j]! + itemPart[o + j]!;
      hidden[j] = v > 0 ? v : 0;
    }
    out[i] = rest(network, hidden, scratch);
  }
  return out;
}

/** Predicted ratings for rows (users[k], items[k]) of a neural model. */
export function neuralPredictMany(weights: MfWeights, network: NetworkWeights, users: Int32Array, items: Int32Array): Float32Array {
  if (users.length !== items.length) throw new InvalidArgumentError("items", `an Int32Array of length ${users.length} like users`, items);
  const { itemPart } = prepare(weights, network);
  const h = network.dense[0]!.units;
  const out = new Float32Array(users.length);
  const hidden = new Float32Array(h),
    scratch = scratchFor(network);
  let lastUser = -1,
    up: Float32Array = new Float32Array(h);
  for (let k = 0; k < users.length; k++) {
    const u = users[k]!,
      i = items[k]!;
    if (!(u >= 0 && u < weights.numUsers)) throw new InvalidArgumentError(`users[${k}]`, `an integer in 0..${weights.numUsers - 1}`, u);
    if (!(i >= 0 && i < weights.numItems)) throw new InvalidArgumentError(`items[${k}]`, `an integer in 0..${weights.numItems - 1}`, i);
    if (u !== lastUser) {
      up = userPart(weights, network, u);
      lastUser = u;
    }
    const o = i * h;
    for (let j = 0; j < h; j++) {
      const v = up[j]! + itemPart[o + j]!;
      hidden[j] = v > 0 ? v : 0;
    }
    out[k] = rest(network, hidden, scratch);
  }
  return out;
}

/** Predictions of any saved model, MF or neural, for rows (users[k], items[k]). */
export function predictModel(model: Pick<TrainedModel, "weights" | "modelType" | "network">, users: Int32Array, items: Int32Array): Float32Array {
  if ((model.modelType ?? "mf") === "neural") {
    if (!model.network) throw new InvalidArgumentError("model.network", "the dense layers of a neural model", model.network);
    return neuralPredictMany(model.weights, model.network, users, items);
  }
  return predictMany(model.weights, users, items);
}

function checkNetwork(weights: MfWeights, network: NetworkWeights): void {
  const dense = network?.dense;
  if (!Array.isArray(dense) || dense.length < 2) throw new InvalidArgumentError("network.dense", "hidden layers and an output layer", dense);
  let inputs = 2 * weights.dim;
  dense.forEach((L, l) => {
    if (L.inputs !== inputs) throw new InvalidArgumentError(`network.dense[${l}].inputs`, String(inputs), L.inputs);
    if (L.kernel.length !== L.inputs * L.units) throw new InvalidArgumentError(`network.dense[${l}].kernel`, `length ${L.inputs * L.units}`, L.kernel.length);
    if (L.bias.length !== L.units) throw new InvalidArgumentError(`network.dense[${l}].bias`, `length ${L.units}`, L.bias.length);
    inputs = L.units;
  });
  if (inputs !== 1) throw new InvalidArgumentError("network.dense", "a last layer of 1 unit", inputs);
}

/**
 * The predicted rating of every item for user index `u`, for any saved model: the network for a neural model,
 * dot + biases for MF. This is the one call the service (or any top-N code) needs to score with either type.
 */
export function scoreItemsForUser(
  model: Pick<TrainedModel, "weights" | "modelType" | "network">,
  u: number,
  out: Float32Array = new Float32Array(model.weights.numItems),
): Float32Array {
  const w = model.weights;
  if ((model.modelType ?? "mf") === "neural") {
    if (!model.network) throw new InvalidArgumentError("model.network", "the dense layers of a neural model", model.network);
    return neuralScoreItems(w, model.network, u, out);
  }
  if (!(Number.isInteger(u) && u >= 0 && u < w.numUsers)) throw new InvalidArgumentError("user index", `an integer in 0..${w.numUsers - 1}`, u);
  const d = w.dim,
    po = u * d,
    base = w.userBias[u]! + w.globalBias;
  for (let i = 0; i < w.numItems; i++) {
    let dot = 0;
    const qo = i * d;
    for (let k = 0; k < d; k++) dot += w.userFactors[po + k]! * w.itemFactors[qo + k]!;
    out[i] = dot + w.itemBias[i]! + base;
  }
  return out;
}
