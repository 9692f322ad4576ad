/** Small weights and models for the analysis, recommend and evaluate tests (no training needed). */
import type { MfWeights, TrainedModel } from "../../src/model/types";
import { IdMap } from "../../src/data/idmap";
import { createRng } from "../../src/random";
import { ratedItemsFromLists } from "../../src/model/rated-items";

/** Seeded N(0, std) weights of the given shape. */
export function randomTestWeights(numUsers: number, numItems: number, dim: number, seed = 1, std = 0.5): MfWeights {
  const rng = createRng(seed);
  const f = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal() * std);
  return {
    dim,
    numUsers,
    numItems,
    userFactors: f(numUsers * dim),
    itemFactors: f(numItems * dim),
    userBias: f(numUsers),
    itemBias: f(numItems),
    globalBias: 3.5,
  };
}

/** Weights with planted group structure: users and items are their group's centre plus noise. */
export function plantedWeights(userGroups: readonly number[], itemGroups: readonly number[], dim: number, seed = 2, noise = 0.1): MfWeights {
  const rng = createRng(seed);
  const groups = Math.max(...userGroups, ...itemGroups) + 1;
  const centres = Array.from({ length: groups }, () => Array.from({ length: dim }, () => rng.normal()));
  const rows = (gs: readonly number[]): Float32Array => {
    const out = new Float32Array(gs.length * dim);
    gs.forEach((g, r) => {
      for (let k = 0; k < dim; k++) out[r * dim + k] = (centres[g]![k] as number) + rng.normal() * noise;
    });
    return out;
  };
  return {
    dim,
    numUsers: userGroups.length,
    numItems: itemGroups.length,
    userFactors: rows(userGroups),
    itemFactors: rows(itemGroups),
    userBias: new Float32Array(userGroups.length),
    itemBias: Float32Array.from(itemGroups, () => rng.normal() * 0.1),
    globalBias: 3,
  };
}

/** A TrainedModel around `weights` with IDs U000.., I000.. and seeded rated lists of `ratedPerUser` items. */
export function testModel(weights: MfWeights, ratedPerUser = 3, seed = 3): TrainedModel {
  const rng = createRng(seed);
  const pad = (p: string, i: number): string => `${p}${String(i).padStart(4, "0")}`;
  const ratedItems = ratedItemsFromLists(
    Array.from({ length: weights.numUsers }, () => {
      const s = new Set<number>();
      while (s.size < Math.min(ratedPerUser, weights.numItems)) s.add(rng.int(weights.numItems));
      return Int32Array.from([...s]).sort();
    }),
  );
  return {
    weights,
    userIds: IdMap.fromIds(
      "user",
      Array.from({ length: weights.numUsers }, (_, i) => pad("U", i)),
    ),
    itemIds: IdMap.fromIds(
      "item",
      Array.from({ length: weights.numItems }, (_, i) => pad("I", i)),
    ),
    hyperparameters: {
      dim: weights.dim,
      epochs: 1,
      learningRate: 0.01,
      batchSize: 0,
      l2: 0,
      optimizer: "adam",
      initStd: 0.01,
      seed: 0,
      earlyStoppingPatience: 0,
    },
    history: [],
    bestEpoch: 0,
    backend: "test",
    dataFingerprint: "test",
    trainedAt: "2026-01-01T00:00:00Z",
    ratedItems,
  };
}
