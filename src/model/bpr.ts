/**
 * trainBpr: the same user and item embeddings, trained for top-N by Bayesian personalised ranking (pairwise, sampled
 * negatives), with per-epoch history, callbacks and early stopping on a held-out ranking metric.
 */
import type { Dataset, DataSplit } from "../data/types";
import type { EpochRecord, Hyperparameters, MfWeights, TrainedModel } from "./types";
import { IdMap } from "../data/idmap";
import { fingerprintInteractions, indexInteractions, type IndexedRatings } from "../data/indexed";
import { InvalidArgumentError } from "../errors";
import { createRng } from "../random";
import { checkInteger, checkNumber } from "../validate";
import { withDefaults } from "../util";
import { randomWeights } from "./init";
import { ratedItemsFromRows } from "./rated-items";
import { bprEpoch, sampleNegative, softplusNeg, tripleMargin, type BprParameters, type Positives } from "./bpr-kernel";

/** Everything that decides a BPR run. */
export interface BprHyperparameters {
  readonly dim: number;
  readonly epochs: number;
  /** SGD step size. */
  readonly learningRate: number;
  /** L2 on every parameter a step touches (cornac's lambda_reg). */
  readonly l2: number;
  /** Standard deviation of the normal initialisation of the factors (item biases start at 0). */
  readonly initStd: number;
  readonly seed: number;
  /** Stop when validation NDCG@k has not improved for this many epochs (0 = never) and keep the best epoch. */
  readonly earlyStoppingPatience: number;
  /** Ratings >= this become positive interactions; null = every interaction is one (recommenders' benchmark). */
  readonly minRating: number | null;
  /** List length of the per-epoch validation NDCG. */
  readonly validationK: number;
  /** Sampled triples per epoch, as a multiple of the number of positives (cornac: 1). */
  readonly samplesPerPositive: number;
}

/**
 * Chosen on a seeded validation split of MovieLens 100k's training part (the 75% split again, seed 1; never its test
 * part), NDCG@10 on the validation part. At 64 dimensions: lr 0.01 / L2 0.003 peaked at 0.2546 (epoch 117) and held
 * 0.245 at 200; lr 0.01 / 0.001 (cornac's benchmark setting) peaked at 0.2536 (epoch 117) and fell to 0.238 by 200;
 * lr 0.02 / 0.005 0.251 (epoch 69); lr 0.02 / 0.002 0.248 (67); lr 0.05 / 0.005 0.242 (22); lr 0.05 / 0.001 0.241
 * (22). Then lr 0.01 / 0.003 by dimension: 64 -> 0.2546, 128 -> 0.2568, 200 -> 0.2587 (each peaking near epoch 115;
 * 200 costs about 2.5x the time of 64 per epoch). bench/rank.ts prints the chosen run's curve.
 */
export const DEFAULT_BPR_HYPERPARAMETERS: BprHyperparameters = Object.freeze({
  dim: 200,
  epochs: 120,
  learningRate: 0.01,
  l2: 0.003,
  initStd: 0.01,
  seed: 42,
  earlyStoppingPatience: 0,
  minRating: null,
  validationK: 10,
  samplesPerPositive: 1,
});

const KEYS = Object.keys(DEFAULT_BPR_HYPERPARAMETERS);

/** Fills gaps from the defaults and validates every field, naming the bad one. */
export function resolveBprHyperparameters(partial: Partial<BprHyperparameters> = {}): BprHyperparameters {
  if (partial === null || typeof partial !== "object") throw new InvalidArgumentError("BPR hyperparameters", "an object", partial);
  for (const k of Object.keys(partial))
    if (!KEYS.includes(k)) throw new InvalidArgumentError("BPR hyperparameters", `an object with keys among ${KEYS.join(", ")}`, k);
  const h = withDefaults<BprHyperparameters>(DEFAULT_BPR_HYPERPARAMETERS, partial);
  return Object.freeze({
    dim: checkInteger("hyperparameters.dim", h.dim, 1, 4096),
    epochs: checkInteger("hyperparameters.epochs", h.epochs, 1, 1_000_000),
    learningRate: checkNumber("hyperparameters.learningRate", h.learningRate, 0, 1000, true),
    l2: checkNumber("hyperparameters.l2", h.l2, 0, 10),
    initStd: checkNumber("hyperparameters.initStd", h.initStd, 0, 10),
    seed: checkInteger("hyperparameters.seed", h.seed, 0, 2 ** 32 - 1),
    earlyStoppingPatience: checkInteger("hyperparameters.earlyStoppingPatience", h.earlyStoppingPatience, 0),
    minRating: h.minRating === null ? null : checkNumber("hyperparameters.minRating", h.minRating),
    validationK: checkInteger("hyperparameters.validationK", h.validationK, 1),
    samplesPerPositive: checkNumber("hyperparameters.samplesPerPositive", h.samplesPerPositive, 0, 1000, true),
  });
}

/** BPR's settings in the model's MSE-shaped record (SGD, one triple per step), so every reader of a model can read it. */
export function bprAsHyperparameters(h: BprHyperparameters): Hyperparameters {
  return {
    dim: h.dim,
    epochs: h.epochs,
    learningRate: h.learningRate,
    batchSize: 1,
    l2: h.l2,
    l2PerRating: 0,
    optimizer: "sgd",
    initStd: h.initStd,
    seed: h.seed,
    earlyStoppingPatience: h.earlyStoppingPatience,
  };
}

/**
 * A ranking metric of the current weights on the validation positives (higher is better), e.g. NDCG@10 of each
 * user's top-10 among items unseen in training: `ndcgValidator` in evaluate/topk.ts makes one. It is passed in
 * because top-N scoring lives above the model layer. `weights` is a fresh copy each epoch.
 */
export type ValidationMetric = (weights: MfWeights, train: IndexedRatings, validation: IndexedRatings) => number;

export interface BprTrainOptions {
  /** Called after every epoch with its record; return `false` to stop after this epoch. */
  readonly onEpochEnd?: (record: EpochRecord) => void | boolean;
  /** Recorded as `valNdcg` each epoch and used by early stopping; without it early stopping uses `valAuc`. */
  readonly validationMetric?: ValidationMetric;
}

/**
 * The positive interactions of `train` under the implicit rule: rating >= minRating (every row when null), each
 * (user, item) pair once, with each user's items sorted.
 */
export function implicitPositives(train: IndexedRatings, numUsers: number, minRating: number | null): Positives {
  const keep: IndexedRatings = minRating === null ? train : filterRows(train, (r) => train.ratings[r]! >= minRating);
  const { offsets, items } = ratedItemsFromRows(keep.users, keep.items, numUsers, keep.length);
  const users = new Int32Array(items.length);
  for (let u = 0; u < numUsers; u++) users.fill(u, offsets[u]!, offsets[u + 1]!);
  return { users, items, length: items.length, offsets, itemsOf: items };
}

function filterRows(t: IndexedRatings, keep: (r: number) => boolean): IndexedRatings {
  const rows: number[] = [];
  for (let r = 0; r < t.length; r++) if (keep(r)) rows.push(r);
  return {
    users: Int32Array.from(rows, (r) => t.users[r]!),
    items: Int32Array.from(rows, (r) => t.items[r]!),
    ratings: Float32Array.from(rows, (r) => t.ratings[r]!),
    length: rows.length,
  };
}

/**
 * Trains BPR on `split.train`, validating on `split.validation` after every epoch (when it has rows): `valLoss` is
 * the BPR loss of the validation positives against one fixed sampled negative each, `valAuc` the share of those
 * pairs ranked the right way round (a sampled AUC), `valNdcg` the `validationMetric` when one is given. `trainLoss` is the mean -ln σ(x_uij)
 * over the epoch's samples. Scores are dot(p_u, q_i) + b_i (stored as MfWeights with zero user and global bias, so
 * every recommender and evaluator uses the model unchanged); they rank, they do not predict ratings (valRmse and
 * valMae are NaN). The ID maps cover `dataset.users` / `dataset.items`, as trainModel's do. Same seed, same data:
 * bit-identical weights. Never prints.
 */
export async function trainBpr(
  split: DataSplit,
  dataset: Dataset,
  hyper: Partial<BprHyperparameters> = {},
  options: BprTrainOptions = {},
): Promise<TrainedModel> {
  if (!split || !Array.isArray(split.train) || !Array.isArray(split.validation))
    throw new InvalidArgumentError("split", "a DataSplit with train and validation arrays", split);
  if (!dataset || !Array.isArray(dataset.users) || !Array.isArray(dataset.items))
    throw new InvalidArgumentError("dataset", "a Dataset with users and items arrays", dataset);
  if (options.onEpochEnd !== undefined && typeof options.onEpochEnd !== "function")
    throw new InvalidArgumentError("options.onEpochEnd", "a function", options.onEpochEnd);
  const h = resolveBprHyperparameters(hyper);
  if (options.validationMetric !== undefined && typeof options.validationMetric !== "function")
    throw new InvalidArgumentError("options.validationMetric", "a function", options.validationMetric);
  if (split.train.length === 0) throw new InvalidArgumentError("split.train", "a non-empty array of interactions", split.train);

  const userIds = IdMap.fromIds(
    "user",
    dataset.users.map((u) => u.userId),
  );
  const itemIds = IdMap.fromIds(
    "item",
    dataset.items.map((i) => i.itemId),
  );
  const nU = userIds.size,
    nI = itemIds.size;
  const train = indexInteractions(split.train, userIds, itemIds);
  const validation = indexInteractions(split.validation, userIds, itemIds, { skipUnknown: true });
  const positives = implicitPositives(train, nU, h.minRating);
  if (positives.length === 0) throw new InvalidArgumentError("split.train", `at least one interaction with rating >= ${h.minRating}`, "none");

  const seeds = createRng(h.seed);
  const initSeed = seeds.nextSeed(),
    sampleSeed = seeds.nextSeed(),
    valSeed = seeds.nextSeed();
  const init = randomWeights(nU, nI, h.dim, initSeed, h.initStd, 0);
  const w: BprParameters = { dim: h.dim, numItems: nI, userFactors: init.userFactors, itemFactors: init.itemFactors, itemBias: init.itemBias };
  const weightsNow = (): MfWeights => ({ ...init, userFactors: w.userFactors, itemFactors: w.itemFactors, itemBias: w.itemBias });

  const val = validationTriples(validation, positives, nI, h.minRating, valSeed);
  const rng = createRng(sampleSeed);
  const samples = Math.max(1, Math.round(h.samplesPerPositive * positives.length));

  const history: EpochRecord[] = [];
  let best: { epoch: number; score: number; weights: MfWeights | null } = { epoch: -1, score: -Infinity, weights: null };
  for (let epoch = 0; epoch < h.epochs; epoch++) {
    const t0 = performance.now();
    const trainLoss = bprEpoch(w, positives, samples, h.learningRate, h.l2, rng);
    const seconds = (performance.now() - t0) / 1000;
    let valLoss = NaN,
      valAuc = NaN,
      valNdcg = NaN,
      snapshot: MfWeights | null = null;
    if (val.i.length > 0) {
      let s = 0,
        right = 0;
      for (let t = 0; t < val.i.length; t++) {
        const x = tripleMargin(w, val.u[t]!, val.i[t]!, val.j[t]!);
        s += softplusNeg(x);
        if (x > 0) right++;
      }
      valLoss = s / val.i.length;
      valAuc = right / val.i.length;
      snapshot = copyWeights(weightsNow());
      if (options.validationMetric) valNdcg = options.validationMetric(snapshot, train, val.test);
    }
    const record: EpochRecord = { epoch, trainLoss, valLoss, valRmse: NaN, valMae: NaN, seconds, valAuc, ...(options.validationMetric ? { valNdcg } : {}) };
    history.push(record);
    let stop = false;
    const score = options.validationMetric ? valNdcg : valAuc;
    if (h.earlyStoppingPatience > 0 && Number.isFinite(score)) {
      if (score > best.score) best = { epoch, score, weights: snapshot };
      else if (epoch - best.epoch >= h.earlyStoppingPatience) stop = true;
    }
    // The callback sees every epoch, the one early stopping ends on included.
    if (options.onEpochEnd && options.onEpochEnd(record) === false) stop = true;
    if (stop) break;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const restore = h.earlyStoppingPatience > 0 && best.weights !== null;
  return {
    weights: restore ? best.weights! : copyWeights(weightsNow()),
    userIds,
    itemIds,
    hyperparameters: bprAsHyperparameters(h),
    history,
    bestEpoch: restore ? best.epoch : history.length - 1,
    backend: "typed-array",
    dataFingerprint: fingerprintInteractions(split.train),
    trainedAt: new Date().toISOString(),
    ratedItems: ratedItemsFromRows(train.users, train.items, nU, train.length),
    objective: "bpr",
    implicitMinRating: h.minRating,
  };
}

function copyWeights(w: MfWeights): MfWeights {
  return { ...w, userFactors: w.userFactors.slice(), itemFactors: w.itemFactors.slice(), userBias: w.userBias.slice(), itemBias: w.itemBias.slice() };
}

/** Validation positives (not already training positives) with one seeded negative each, and the rows as a test set. */
function validationTriples(validation: IndexedRatings, positives: Positives, nI: number, minRating: number | null, seed: number) {
  const rng = createRng(seed);
  const u: number[] = [],
    i: number[] = [],
    j: number[] = [];
  for (let r = 0; r < validation.length; r++) {
    if (minRating !== null && validation.ratings[r]! < minRating) continue;
    const uu = validation.users[r]!;
    const neg = sampleNegative(positives, uu, nI, rng);
    if (neg < 0) continue;
    u.push(uu);
    i.push(validation.items[r]!);
    j.push(neg);
  }
  const test = minRating === null ? validation : filterRows(validation, (r) => validation.ratings[r]! >= minRating);
  return { u: Int32Array.from(u), i: Int32Array.from(i), j: Int32Array.from(j), test };
}
