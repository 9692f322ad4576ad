/** Predicted ratings in double precision, for the rating metrics (the recommenders use the f32 kernel in scorer.ts). */
import type { MfWeights } from "../model/types";

/**
 * Predicted rating of user u for item i: dot(userFactors[u], itemFactors[i]) + userBias[u] + itemBias[i] + globalBias,
 * accumulated in double precision in a fixed order. No argument checks: callers check once, then loop.
 */
export function scoreUnchecked(w: MfWeights, u: number, i: number): number {
  const d = w.dim, uf = w.userFactors, itf = w.itemFactors;
  const uo = u * d, io = i * d;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let k = 0;
  for (; k + 3 < d; k += 4) {
    s0 += (uf[uo + k] as number) * (itf[io + k] as number);
    s1 += (uf[uo + k + 1] as number) * (itf[io + k + 1] as number);
    s2 += (uf[uo + k + 2] as number) * (itf[io + k + 2] as number);
    s3 += (uf[uo + k + 3] as number) * (itf[io + k + 3] as number);
  }
  for (; k < d; k++) s0 += (uf[uo + k] as number) * (itf[io + k] as number);
  return (s0 + s1) + (s2 + s3) + (w.userBias[u] as number) + (w.itemBias[i] as number) + w.globalBias;
}
