/** The two named training configurations (fast default, blog-faithful) and the checks every training run's settings pass. */
import type { AdamUpdates, Hyperparameters, OptimizerName, SecondMoment } from "./types";
import { checkInteger, checkNumber, checkOneOf } from "../validate";
import { InvalidArgumentError } from "../errors";
import { withDefaults } from "../util";

/**
 * The configuration `ewb train` uses with no flags, chosen to generalise (on a seeded 80/20 split of MovieLens
 * u1.base and on the default synthetic data; MovieLens' test folds were not looked at): Adam (lazy updates) on
 * mini-batches of 2048, lr 3e-3, per-rating L2 0.1 on the factors instead of weight decay, up to 120 epochs with
 * early stopping after 5 without validation gain (the best epoch's weights kept). Measured on the choosing
 * splits: synthetic val MSE 0.529 (best epoch 36), u1.base split val RMSE 0.919. Alternatives measured there
 * (synthetic MSE / MovieLens RMSE): the previous default (batch 8192, lr 5e-3, weight decay 2e-4, 50 epochs)
 * 0.530 / 0.939; batch 1024, lr 3e-3, per-rating L2 0.12: 0.536 / 0.916; batch 4096, lr 5e-3, per-rating L2 0.1:
 * 0.529 / 0.923; batch 3072: 0.559 / 0.922. bench/train.ts reports the u1..u5 test folds.
 *
 * biasL2 10: nothing regularised the biases (per-rating L2 touches the factors only, and would scale with the count
 * anyway), so an item with one or two 5-star ratings got a bias of +1.2..1.6 and every user's top-10 filled with
 * such items (recommenders' protocol on MovieLens 100k: precision@10 0.008; the recommended items averaged 10
 * training ratings). Re-estimating the biases after training with a shrinkage by count (bias-ridge.ts) fixes the
 * lists and keeps the rating accuracy. Chosen on the same splits plus recommenders' protocol split of the training
 * part again (seed 1; the protocol's test part not looked at), synthetic MSE / u1.base split RMSE / inner P@10:
 * biasL2 0: 0.529 / 0.919 / 0.006; 5: 0.525 / 0.914 / 0.059; 10: 0.527 / 0.919 / 0.074; 15: 0.531 / 0.924 / 0.080;
 * 20: 0.537 / 0.928 / 0.084 (the largest that keeps both rating targets). Also measured there and not taken:
 * weight decay 1e-4 (lazy 0.537 / 0.912 / 0.013, dense 0.538 / 0.911 / 0.076), dense updates alone (0.530 / 0.921 /
 * 0.003), and a count-independent L2 on the biases during training, which the factors of rare items then absorb
 * (biasL2-like 25 in the gradient: 0.530 / 0.921 / 0.011).
 *
 * secondMoment "per-row" (one Adam second moment per embedding row, FBGEMM's partial row-wise Adam): a row's record
 * is 576 bytes at dim 64 instead of 768, and at millions of ratings an epoch is memory-bound, so it costs less (5M
 * ratings, one run: 1,568-1,750 ms CPU per epoch against 2,006-2,873 per weight). Same accuracy: `ewb train` best
 * validation MSE on the default synthetic data over seeds 1-6, mean 0.52375 per row against 0.52365 per weight (on
 * the reference synthetic.csv 0.52248 / 0.52214; seed-to-seed spread about 0.006); MovieLens u1..u5 mean test RMSE
 * 0.9063 per row against 0.9082 (bench/train.ts; the lr was not re-tuned: 0.004 and 0.005 were no better on the
 * choosing splits).
 */
export const DEFAULT_HYPERPARAMETERS: Hyperparameters = Object.freeze({
  dim: 64,
  epochs: 120,
  learningRate: 0.003,
  batchSize: 2048,
  l2: 0,
  l2PerRating: 0.1,
  biasL2: 10,
  optimizer: "adam",
  updates: "lazy",
  secondMoment: "per-row",
  initStd: 0.01,
  seed: 42,
  earlyStoppingPatience: 5,
});

/**
 * The blog's own way (seed 000 / reference run A3): mini-batches of 256 in shuffled order, Adam at lr 1e-3,
 * L2 2e-4. About 156 optimiser steps per epoch instead of one.
 */
export const BLOG_HYPERPARAMETERS: Hyperparameters = Object.freeze({
  ...DEFAULT_HYPERPARAMETERS,
  epochs: 50,
  learningRate: 1e-3,
  batchSize: 256,
  l2: 2e-4,
  l2PerRating: 0,
  biasL2: 0,
  updates: "dense",
  secondMoment: "per-weight",
  earlyStoppingPatience: 0,
});

const OPTIMIZERS: readonly OptimizerName[] = ["adam", "sgd"];
const UPDATES: readonly AdamUpdates[] = ["lazy", "dense"];
const SECOND_MOMENTS: readonly SecondMoment[] = ["per-weight", "per-row"];
const KEYS = Object.keys(DEFAULT_HYPERPARAMETERS) as (keyof Hyperparameters)[];

/**
 * Fills the gaps of `partial` from `base` (the defaults) and validates every field, naming the bad one:
 * `Expected hyperparameters.learningRate to be a finite number > 0, but got -1`.
 */
export function resolveHyperparameters(partial: Partial<Hyperparameters> = {}, base: Hyperparameters = DEFAULT_HYPERPARAMETERS): Hyperparameters {
  if (partial === null || typeof partial !== "object") throw new InvalidArgumentError("hyperparameters", "an object", partial);
  for (const k of Object.keys(partial)) {
    if (!(KEYS as string[]).includes(k)) throw new InvalidArgumentError("hyperparameters", `an object with keys among ${KEYS.join(", ")}`, k);
  }
  const h = withDefaults<Hyperparameters>(base, partial);
  return Object.freeze({
    dim: checkInteger("hyperparameters.dim", h.dim, 1, 4096),
    epochs: checkInteger("hyperparameters.epochs", h.epochs, 1, 1_000_000),
    learningRate: checkNumber("hyperparameters.learningRate", h.learningRate, 0, 1000, true),
    batchSize: checkInteger("hyperparameters.batchSize", h.batchSize, 0),
    l2: checkNumber("hyperparameters.l2", h.l2, 0, 10),
    l2PerRating: checkNumber("hyperparameters.l2PerRating", h.l2PerRating ?? 0, 0, 100),
    biasL2: checkNumber("hyperparameters.biasL2", h.biasL2 ?? 0, 0, 1e6),
    optimizer: checkOneOf("hyperparameters.optimizer", h.optimizer, OPTIMIZERS),
    updates: checkOneOf("hyperparameters.updates", h.updates ?? "lazy", UPDATES),
    secondMoment: checkOneOf("hyperparameters.secondMoment", h.secondMoment ?? "per-weight", SECOND_MOMENTS),
    initStd: checkNumber("hyperparameters.initStd", h.initStd, 0, 10),
    seed: checkInteger("hyperparameters.seed", h.seed, 0, 2 ** 32 - 1),
    earlyStoppingPatience: checkInteger("hyperparameters.earlyStoppingPatience", h.earlyStoppingPatience, 0),
  });
}

/**
 * The settings a saved model records, resolved: fields added after a model was saved mean what training did
 * before they existed (no per-rating L2, no bias re-estimation, dense Adam updates, a second moment per weight), not today's defaults; the rest as
 * `resolveHyperparameters`.
 */
export function resolveSavedHyperparameters(saved: Partial<Hyperparameters>): Hyperparameters {
  if (saved === null || typeof saved !== "object") return resolveHyperparameters(saved);
  return resolveHyperparameters({
    ...saved,
    l2PerRating: saved.l2PerRating ?? 0,
    biasL2: saved.biasL2 ?? 0,
    updates: saved.updates ?? "dense",
    secondMoment: saved.secondMoment ?? "per-weight",
  });
}
