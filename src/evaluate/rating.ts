/** Rating-prediction error metrics with checked input: MSE, RMSE, MAE (computed by model/predict.ts metricsFrom, the one implementation). */
import { InvalidArgumentError } from "../errors";
import { metricsFrom } from "../model/predict";

function checkPair(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  for (const [name, a] of [
    ["predicted", predicted],
    ["actual", actual],
  ] as const) {
    if (a === null || typeof a !== "object" || typeof a.length !== "number") throw new InvalidArgumentError(name, "an array of numbers", a);
  }
  if (predicted.length !== actual.length)
    throw new InvalidArgumentError("actual", `an array of length ${predicted.length} (as predicted)`, `length ${actual.length}`);
  if (predicted.length === 0) throw new InvalidArgumentError("predicted", "a non-empty array", "an empty one");
  for (let i = 0; i < predicted.length; i++) {
    if (!Number.isFinite(predicted[i])) throw new InvalidArgumentError(`predicted[${i}]`, "a finite number", predicted[i]);
    if (!Number.isFinite(actual[i])) throw new InvalidArgumentError(`actual[${i}]`, "a finite number", actual[i]);
  }
  return predicted.length;
}

/** Mean squared error. @example mse([3, 4], [2, 4]) //=> 0.5 */
export function mse(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  checkPair(predicted, actual);
  return metricsFrom(predicted, actual).mse;
}

/** Root mean squared error. @example rmse([3, 4], [1, 4]) //=> 1.4142135623730951 */
export function rmse(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  return Math.sqrt(mse(predicted, actual));
}

/** Mean absolute error. @example mae([3, 4], [1, 5]) //=> 1.5 */
export function mae(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  checkPair(predicted, actual);
  return metricsFrom(predicted, actual).mae;
}
