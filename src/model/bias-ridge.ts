/** Ridge re-estimation of user and item biases with everything else held fixed (Koren's shrunk baseline estimates). */
import type { MfWeights } from "./types";
import type { IndexedRatings } from "../data/indexed";
import { InvalidArgumentError } from "../errors";
import { checkInteger, checkNumber } from "../validate";

export interface BiasRidgeOptions {
  /** Shrinkage of the item biases (a count, not a per-rating weight); default 10. */
  readonly itemL2?: number;
  /** Shrinkage of the user biases; default 10. */
  readonly userL2?: number;
  /** Alternating rounds (items, then users); default 3. */
  readonly rounds?: number;
}

/**
 * Re-estimates the biases of `w` on the rows of `train` by alternating ridge steps, holding the global bias and
 * the factors fixed: with e = r − g − b_u − p_u·q_i summed over an item's n_i training rows,
 * b_i = Σ (r − g − b_u − p_u·q_i) / (n_i + itemL2), then likewise each user's bias. The shrinkage is a count,
 * independent of how many ratings a row has: an item with one rating keeps 1/(1 + itemL2) of its residual, one
 * with 500 ratings nearly all of it (per-rating L2, which scales with the count, cannot do this). With zero
 * factors this is exactly the bias-only baseline (Surprise's BaselineOnly ALS). Users or items without a
 * training row keep their bias. Returns new weights; `w` is not changed.
 */
export function ridgeBiases(w: MfWeights, train: IndexedRatings, options: BiasRidgeOptions = {}): MfWeights {
  if (typeof options !== "object" || options === null) throw new InvalidArgumentError("options", "an object", options);
  const itemL2 = checkNumber("options.itemL2", options.itemL2 ?? 10, 0);
  const userL2 = checkNumber("options.userL2", options.userL2 ?? 10, 0);
  const rounds = checkInteger("options.rounds", options.rounds ?? 3, 1);
  const d = w.dim,
    n = train.length,
    nU = w.numUsers,
    nI = w.numItems;
  // The part of each prediction that stays fixed: g + p_u·q_i.
  const fixed = new Float64Array(n);
  const nu = new Float64Array(nU),
    ni = new Float64Array(nI);
  for (let k = 0; k < n; k++) {
    const u = train.users[k]!,
      i = train.items[k]!;
    if (!(u >= 0 && u < nU)) throw new InvalidArgumentError(`train.users[${k}]`, `a user index in [0, ${nU})`, u);
    if (!(i >= 0 && i < nI)) throw new InvalidArgumentError(`train.items[${k}]`, `an item index in [0, ${nI})`, i);
    let dot = 0;
    for (let j = 0, uo = u * d, io = i * d; j < d; j++) dot += w.userFactors[uo + j]! * w.itemFactors[io + j]!;
    fixed[k] = w.globalBias + dot;
    nu[u]!++;
    ni[i]!++;
  }
  const bu = Float64Array.from(w.userBias),
    bi = Float64Array.from(w.itemBias);
  const acc = new Float64Array(Math.max(nU, nI));
  for (let round = 0; round < rounds; round++) {
    acc.fill(0);
    for (let k = 0; k < n; k++) acc[train.items[k]!]! += train.ratings[k]! - fixed[k]! - bu[train.users[k]!]!;
    for (let i = 0; i < nI; i++) if (ni[i]! > 0) bi[i] = acc[i]! / (ni[i]! + itemL2);
    acc.fill(0);
    for (let k = 0; k < n; k++) acc[train.users[k]!]! += train.ratings[k]! - fixed[k]! - bi[train.items[k]!]!;
    for (let u = 0; u < nU; u++) if (nu[u]! > 0) bu[u] = acc[u]! / (nu[u]! + userL2);
  }
  return { ...w, userBias: Float32Array.from(bu), itemBias: Float32Array.from(bi) };
}
