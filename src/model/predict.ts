/** Predictions and rating-error metrics straight from plain MF weights (no TF.js). */
import type { MfWeights } from "./types";
import type { IndexedRatings } from "../data/indexed";
import { checkInteger } from "../validate";
import { InvalidArgumentError } from "../errors";

/** The rating scale of a model's training data (`TrainedModel.ratingMin` / `ratingMax`). */
export interface RatingScale {
  readonly ratingMin?: number;
  readonly ratingMax?: number;
}

/** `x` clipped to [ratingMin, ratingMax]; unchanged when the scale is unknown (older models). */
export function clipToScale(x: number, scale: RatingScale | undefined): number {
  if (!scale || scale.ratingMin === undefined || scale.ratingMax === undefined) return x;
  return x < scale.ratingMin ? scale.ratingMin : x > scale.ratingMax ? scale.ratingMax : x;
}

/**
 * dot(user u, item i) + user bias + item bias + global bias, for contiguous indices; clipped to the rating
 * scale when one is given (pass the model: a prediction is then always a rating the data could hold).
 */
export function predictRating(weights: MfWeights, u: number, i: number, scale?: RatingScale): number {
  checkInteger("user index", u, 0, weights.numUsers - 1);
  checkInteger("item index", i, 0, weights.numItems - 1);
  return clipToScale(predictUnchecked(weights, u, i), scale);
}

/** Predictions for rows (users[k], items[k]); indices are checked; clipped to `scale` when given. */
export function predictMany(weights: MfWeights, users: Int32Array, items: Int32Array, scale?: RatingScale): Float32Array {
  if (users.length !== items.length) throw new InvalidArgumentError("items", `an Int32Array of length ${users.length} like users`, items);
  const out = new Float32Array(users.length);
  for (let k = 0; k < users.length; k++) {
    const u = users[k] as number,
      i = items[k] as number;
    if (!(u >= 0 && u < weights.numUsers)) checkInteger(`users[${k}]`, u, 0, weights.numUsers - 1);
    if (!(i >= 0 && i < weights.numItems)) checkInteger(`items[${k}]`, i, 0, weights.numItems - 1);
    out[k] = clipToScale(predictUnchecked(weights, u, i), scale);
  }
  return out;
}

/** Mean squared error, its root and mean absolute error of a model on indexed ratings. */
export interface RatingMetrics {
  readonly mse: number;
  readonly rmse: number;
  readonly mae: number;
  readonly count: number;
}

/** Rating errors of `weights` on `data` (NaN metrics for empty data), of predictions clipped to `scale` when given. */
export function evaluateRatings(weights: MfWeights, data: IndexedRatings, scale?: RatingScale): RatingMetrics {
  const pred = predictMany(weights, data.users, data.items, scale);
  return metricsFrom(pred, data.ratings);
}

/** MSE/RMSE/MAE of predictions against ratings. */
export function metricsFrom(pred: ArrayLike<number>, ratings: ArrayLike<number>): RatingMetrics {
  let se = 0,
    ae = 0;
  const n = ratings.length;
  for (let k = 0; k < n; k++) {
    const e = (pred[k] as number) - (ratings[k] as number);
    se += e * e;
    ae += Math.abs(e);
  }
  const mse = n > 0 ? se / n : NaN;
  return { mse, rmse: Math.sqrt(mse), mae: n > 0 ? ae / n : NaN, count: n };
}

/**
 * The one prediction: dot(userFactors[u], itemFactors[i]) + userBias[u] + itemBias[i] + globalBias in double precision,
 * in a fixed order. No argument checks: callers check once, then loop. (Top-N ranks with the f32 SIMD kernel of
 * recommend/scorer.ts, whose scores are this number rounded through f32 arithmetic.)
 */
export function predictUnchecked(w: MfWeights, u: number, i: number): number {
  const d = w.dim,
    uf = w.userFactors,
    itf = w.itemFactors;
  const uo = u * d,
    io = i * d;
  let dot = 0;
  for (let k = 0; k < d; k++) dot += (uf[uo + k] as number) * (itf[io + k] as number);
  return dot + (w.userBias[u] as number) + (w.itemBias[i] as number) + w.globalBias;
}
