/** Top-N for one user of a neural model: the whole catalogue scored by the network in one batch, then a heap. */
import type { MfWeights, NetworkWeights } from "./types";
import { neuralScoreItems } from "./neural-score";
import { TopKHeap } from "../topk";

/** True when `model` is a neural model with its dense layers (what the recommenders branch on). */
export function isNeuralModel(model: unknown): model is { readonly weights: MfWeights; readonly modelType: "neural"; readonly network: NetworkWeights } {
  const m = model as { modelType?: unknown; network?: unknown } | null;
  return !!m && m.modelType === "neural" && !!m.network;
}

/**
 * The n best items for user index `u` by the network's predicted rating, best first (ties to the lower index,
 * as for MF), leaving out the item indices in `exclude`. A user with no training ratings still gets the
 * network's scores (its embedding stayed near the start, so they are close to the population's).
 */
export function neuralTopN(
  model: { readonly weights: MfWeights; readonly network: NetworkWeights },
  u: number,
  n: number,
  exclude?: ArrayLike<number>,
): { items: Int32Array; scores: Float64Array } {
  const ni = model.weights.numItems;
  const scores = neuralScoreItems(model.weights, model.network, u);
  const skip = new Uint8Array(ni);
  if (exclude) for (let k = 0; k < exclude.length; k++) skip[exclude[k]!] = 1;
  const heap = new TopKHeap(Math.min(n, Math.max(1, ni)));
  for (let i = 0; i < ni; i++) if (skip[i] === 0) heap.push(i, scores[i]!);
  const size = Math.min(n, ni);
  const items = new Int32Array(size),
    out = new Float64Array(size);
  const got = heap.drainInto(items, out);
  return { items: items.slice(0, got), scores: out.slice(0, got) };
}
