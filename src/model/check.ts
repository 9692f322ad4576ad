/** The argument checks of a model's parts, next to their types: every layer above model/ uses these. */
import type { MfWeights, TrainedModel } from "./types";
import { InvalidArgumentError } from "../errors";
import { checkRatedItemsShape } from "./rated-items";

/** The parts of a trained model that scoring and recommending need (a TrainedModel has them all). */
export type ScoringModel = Pick<TrainedModel, "weights" | "userIds" | "itemIds" | "ratedItems">;

/**
 * Checks that `weights` is a consistent MfWeights (array lengths match dim, numUsers, numItems) and returns it.
 * Every public function that takes weights calls this, so a truncated or mismatched model fails with a clear message.
 */
export function checkWeights(weights: unknown, name = "weights"): MfWeights {
  if (typeof weights !== "object" || weights === null) throw new InvalidArgumentError(name, "an MfWeights object", weights);
  const w = weights as Partial<MfWeights>;
  const int = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;
  if (!int(w.dim) || w.dim < 1) throw new InvalidArgumentError(`${name}.dim`, "a positive integer", w.dim);
  if (!int(w.numUsers)) throw new InvalidArgumentError(`${name}.numUsers`, "an integer >= 0", w.numUsers);
  if (!int(w.numItems)) throw new InvalidArgumentError(`${name}.numItems`, "an integer >= 0", w.numItems);
  const arr = (field: keyof MfWeights, len: number): void => {
    const a = w[field];
    if (!(a instanceof Float32Array) || a.length !== len) {
      throw new InvalidArgumentError(`${name}.${field}`, `a Float32Array of length ${len}`, a instanceof Float32Array ? `length ${a.length}` : a);
    }
  };
  arr("userFactors", w.numUsers * w.dim);
  arr("itemFactors", w.numItems * w.dim);
  arr("userBias", w.numUsers);
  arr("itemBias", w.numItems);
  if (typeof w.globalBias !== "number" || !Number.isFinite(w.globalBias)) {
    throw new InvalidArgumentError(`${name}.globalBias`, "a finite number", w.globalBias);
  }
  return w as MfWeights;
}

/**
 * Checks that a model's weights, ID maps and rated items agree in size (O(1) beyond the weights' lengths, so cheap
 * enough for every request) and returns it.
 */
export function checkModel(model: unknown, name = "model"): ScoringModel {
  if (typeof model !== "object" || model === null) throw new InvalidArgumentError(name, "a trained model", model);
  const m = model as Partial<ScoringModel>;
  const w = checkWeights(m.weights, `${name}.weights`);
  if (!m.userIds || m.userIds.size !== w.numUsers) throw new InvalidArgumentError(`${name}.userIds`, `an IdMap of ${w.numUsers} users`, m.userIds?.size);
  if (!m.itemIds || m.itemIds.size !== w.numItems) throw new InvalidArgumentError(`${name}.itemIds`, `an IdMap of ${w.numItems} items`, m.itemIds?.size);
  checkRatedItemsShape(m.ratedItems, w.numUsers, `${name}.ratedItems`);
  return m as ScoringModel;
}
