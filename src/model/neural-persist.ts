/** How a neural model's dense layers are stored in the model directory: described in the manifest, packed in one section. */
import type { NetworkWeights, NeuralConfig } from "./types";

/** The manifest's `network` field: the configuration and each dense layer's name and shape (values in the "network" section). */
export interface NetworkManifest {
  readonly config: NeuralConfig;
  readonly dense: readonly { readonly name: string; readonly inputs: number; readonly units: number }[];
}

export function describeNetwork(network: NetworkWeights): NetworkManifest {
  return { config: network.config, dense: network.dense.map(({ name, inputs, units }) => ({ name, inputs, units })) };
}

/** All dense parameters in one float32 array: per layer its kernel then its bias, input layer first. */
export function packNetwork(network: NetworkWeights): Float32Array {
  const out = new Float32Array(networkLength(describeNetwork(network)));
  let at = 0;
  for (const L of network.dense) {
    out.set(L.kernel, at);
    at += L.kernel.length;
    out.set(L.bias, at);
    at += L.bias.length;
  }
  return out;
}

export function unpackNetwork(desc: NetworkManifest, values: Float32Array): NetworkWeights {
  let at = 0;
  const dense = desc.dense.map(({ name, inputs, units }) => {
    const kernel = values.slice(at, at + inputs * units);
    at += inputs * units;
    const bias = values.slice(at, at + units);
    at += units;
    return { name, inputs, units, kernel, bias };
  });
  return { config: desc.config, dense };
}

export function networkLength(desc: NetworkManifest): number {
  return desc.dense.reduce((s, L) => s + L.inputs * L.units + L.units, 0);
}

/**
 * Checks a manifest's `network` field against the embedding size; returns the problem as a sentence, or null.
 * The first layer takes concat(user, item embedding) (2·dim inputs), each next one the previous one's units,
 * the last has 1 unit.
 */
export function networkManifestProblem(raw: unknown, dim: number): string | null {
  if (!raw || typeof raw !== "object") return "must be an object with config and dense";
  const n = raw as { config?: { hiddenSizes?: unknown; dropout?: unknown }; dense?: unknown };
  if (!n.config || !Array.isArray(n.config.hiddenSizes) || typeof n.config.dropout !== "number") return "config must have hiddenSizes and dropout";
  if (!Array.isArray(n.dense) || n.dense.length !== n.config.hiddenSizes.length + 1) return "dense must list the hidden layers and the output layer";
  let inputs = 2 * dim;
  for (const [k, L] of (n.dense as { name?: unknown; inputs?: unknown; units?: unknown }[]).entries()) {
    if (!L || typeof L.name !== "string" || L.inputs !== inputs || !Number.isInteger(L.units) || (L.units as number) < 1)
      return `dense[${k}] must be a layer of ${inputs} inputs`;
    inputs = L.units as number;
  }
  return inputs === 1 ? null : "the last dense layer must have 1 unit";
}
