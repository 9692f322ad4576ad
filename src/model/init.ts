/** Seeded initial weights: the "random" half of the random-versus-trained demo and every training run's start. */
import type { MfWeights } from "./types";
import { createRng } from "../random";
import { checkInteger, checkNumber } from "../validate";

/**
 * Factors drawn from N(0, initStd²) with a generator seeded by `seed`; biases 0; global bias `globalBias`.
 * The same arguments always give the same weights.
 *
 * @example
 * const w = randomWeights(1000, 500, 64, 42);
 * w.userFactors.length //=> 64000
 */
export function randomWeights(numUsers: number, numItems: number, dim: number, seed: number, initStd = 0.01, globalBias = 0): MfWeights {
  checkInteger("numUsers", numUsers, 0);
  checkInteger("numItems", numItems, 0);
  checkInteger("dim", dim, 1);
  checkNumber("initStd", initStd, 0);
  checkNumber("globalBias", globalBias);
  const rng = createRng(seed);
  const userFactors = new Float32Array(numUsers * dim);
  const itemFactors = new Float32Array(numItems * dim);
  // Users first, then items, so adding items never changes the users' initial vectors.
  for (let k = 0; k < userFactors.length; k++) userFactors[k] = initStd * rng.normal();
  for (let k = 0; k < itemFactors.length; k++) itemFactors[k] = initStd * rng.normal();
  return {
    dim,
    numUsers,
    numItems,
    userFactors,
    itemFactors,
    userBias: new Float32Array(numUsers),
    itemBias: new Float32Array(numItems),
    globalBias: Math.fround(globalBias),
  };
}
