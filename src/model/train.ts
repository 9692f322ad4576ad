/** trainModel: biased matrix factorisation trained on any backend, with per-epoch history, callbacks and early stopping. */
import type { Dataset, DataSplit } from "../data/types";
import type { EpochRecord, Hyperparameters, MfWeights, ModelType, NetworkWeights, NeuralConfig, TrainedModel } from "./types";
import { IdMap } from "../data/idmap";
import { concatRows, fingerprintIndexed, indexedSplit, indexInteractions, selectRows, type IndexedRatings } from "../data/indexed";
import { splitOfRows } from "../data/split";
import { InvalidArgumentError, WorkbookError } from "../errors";
import { createRng } from "../random";
import { randomWeights } from "./init";
import { resolveHyperparameters } from "./hyperparameters";
import { parseBackend, selectBackend, type BackendName } from "./backend";
import { createKernelTrainer, type EpochTrainer, type TrainingProblem } from "./kernel-trainer";
import { ratedItemsFromRows } from "./rated-items";
import { ridgeBiases } from "./bias-ridge";

export { DEFAULT_HYPERPARAMETERS, BLOG_HYPERPARAMETERS, resolveHyperparameters } from "./hyperparameters";

/**
 * A loss above this many times max(1, (max rating − min rating)²) of the training data counts as divergence.
 * Predicting the mean rating costs at most (range/2)², so a bound 400x that far above it is never reached by
 * a run that is learning; the divergent runs measured reach 1e5-1e14 or non-finite numbers within an epoch or two.
 */
export const DIVERGENCE_FACTOR = 100;

/** Training produced a non-finite or exploding loss or non-finite weights: nothing is returned (so nothing is saved). */
export class TrainingDivergedError extends WorkbookError {
  /** 0-based epoch at which the divergence was seen. */
  readonly epoch: number;
  constructor(epoch: number, message: string) {
    super("TRAINING_DIVERGED", message);
    this.epoch = epoch;
  }
}

export interface TrainOptions {
  /** A backend name (see BACKENDS); default: `selectBackend()` (EWB_BACKEND, else the fastest available). */
  readonly backend?: string;
  /** Called after every epoch with its record; return `false` to stop training after this epoch. */
  readonly onEpochEnd?: (record: EpochRecord) => void | boolean;
  /** "mf" (default) or "neural" (the tf.layers network of src/model/neural.ts; trains on a TF.js backend). */
  readonly modelType?: ModelType;
  /** Train the MF model as a tf.layers model with model.fitDataset (src/model/layers-mf.ts) instead of the kernels. */
  readonly layers?: boolean;
  /** Hidden sizes and dropout of the neural model (default DEFAULT_NEURAL_CONFIG). */
  readonly neural?: Partial<NeuralConfig>;
}

/**
 * Trains biased MF on `split.train`, validating on `split.validation` after every epoch.
 *
 * The ID maps cover `dataset.users` and `dataset.items` (sorted raw IDs), so indices are stable for a dataset.
 * A training row with an unknown ID throws `UnknownIdError`; validation rows with IDs the dataset lacks (a
 * separate test file) are skipped. Factors start from N(0, initStd²) and all biases from 0, global bias included,
 * as in the blog's PyTorch model: Adam's second moments then remember the large first gradients, which damps
 * later steps (measured: starting the global bias at the mean overfits, val MSE 0.60 instead of 0.53). Loss: MSE + L2 applied like PyTorch's weight_decay (gradient + l2·w). With
 * `earlyStoppingPatience` > 0, training stops when validation loss has not improved for that many epochs and
 * the best epoch's weights are returned. The same seed, data and backend give bit-identical weights.
 * Never prints; `onEpochEnd` is the place for progress.
 */
export async function trainModel(split: DataSplit, dataset: Dataset, hyper: Partial<Hyperparameters> = {}, options: TrainOptions = {}): Promise<TrainedModel> {
  // A split with indexed rows is checked on those (reading `split.train` would build one object per row).
  if (!split || typeof split !== "object" || (split.trainIndexed === undefined && (!Array.isArray(split.train) || !Array.isArray(split.validation)))) {
    throw new InvalidArgumentError("split", "a DataSplit with train and validation arrays", split);
  }
  if (!dataset || typeof dataset !== "object" || (!(dataset.userIds instanceof IdMap) && (!Array.isArray(dataset.users) || !Array.isArray(dataset.items)))) {
    throw new InvalidArgumentError("dataset", "a Dataset with users and items arrays", dataset);
  }
  if (options.onEpochEnd !== undefined && typeof options.onEpochEnd !== "function") {
    throw new InvalidArgumentError("options.onEpochEnd", "a function", options.onEpochEnd);
  }
  const modelType = options.modelType ?? "mf";
  if (modelType !== "mf" && modelType !== "neural") throw new InvalidArgumentError("options.modelType", '"mf" or "neural"', modelType);
  const onLayers = modelType === "neural" || options.layers === true;
  const backend: BackendName =
    options.backend === undefined ? (onLayers ? selectTfjsBackend() : selectBackend()) : parseBackend(options.backend, "options.backend");
  if (onLayers && !backend.startsWith("tfjs-"))
    throw new InvalidArgumentError(
      "options.backend",
      `a TF.js backend for a tf.layers model (${modelType === "neural" ? "the neural model" : "--layers"})`,
      backend,
    );
  // tf.layers has no per-rating L2 (no activity regularisers): a Layers model's default is 0; asking for it is refused.
  // TF.js's Adam updates every row (dense): a Layers model's default; lazy updates are refused.
  // A network has no biases to re-estimate: its default biasL2 is 0.
  // TF.js's Adam keeps a second moment per weight: on every TF.js backend that is the default; per row is refused.
  const onTfjs = backend.startsWith("tfjs-");
  if (onTfjs && hyper.secondMoment === "per-row")
    throw new InvalidArgumentError(
      "hyperparameters.secondMoment",
      `"per-weight" on a TF.js backend (${backend}: TF.js's Adam keeps one per weight)`,
      hyper.secondMoment,
    );
  const h = resolveHyperparameters(
    onLayers
      ? {
          ...hyper,
          l2PerRating: hyper.l2PerRating ?? 0,
          updates: hyper.updates ?? "dense",
          secondMoment: "per-weight",
          ...(modelType === "neural" ? { biasL2: hyper.biasL2 ?? 0 } : {}),
        }
      : onTfjs
        ? { ...hyper, secondMoment: "per-weight" }
        : hyper,
  );
  // The dataset's maps and the split's indexed rows over them (indexedSplit indexes a hand-made split's objects).
  const userIds =
    dataset.userIds instanceof IdMap
      ? dataset.userIds
      : IdMap.fromIds(
          "user",
          dataset.users.map((u) => u.userId),
        );
  const itemIds =
    dataset.itemIds instanceof IdMap
      ? dataset.itemIds
      : IdMap.fromIds(
          "item",
          dataset.items.map((i) => i.itemId),
        );
  const { train, validation } =
    dataset.userIds instanceof IdMap
      ? indexedSplit(dataset, split)
      : {
          train: indexInteractions(split.train, userIds, itemIds),
          validation: indexInteractions(split.validation, userIds, itemIds, { skipUnknown: true }),
        };
  if (train.length === 0) throw new InvalidArgumentError("split.train", "a non-empty array of interactions", split.trainIndexed ? "none" : split.train);

  const seeds = createRng(h.seed);
  const initSeed = seeds.nextSeed(),
    shuffleSeed = seeds.nextSeed();
  // SGD keeps the global bias fixed at the training mean (Funk / Surprise); Adam learns it from 0 (see above).
  const initial = randomWeights(userIds.size, itemIds.size, h.dim, initSeed, h.initStd, h.optimizer === "sgd" ? meanOf(train.ratings) : 0);
  const problem: TrainingProblem = { train, validation, hyperparameters: h, initial, shuffleSeed };
  const trainer = await createTrainer(backend, problem, onLayers ? { modelType, neural: options.neural ?? {} } : undefined);

  const [minRating, maxRating] = rangeOf(train.ratings);
  const bound = DIVERGENCE_FACTOR * Math.max(1, (maxRating - minRating) ** 2);
  const history: EpochRecord[] = [];
  let best: { epoch: number; loss: number; weights: MfWeights | null; network?: NetworkWeights } = { epoch: -1, loss: Infinity, weights: null };
  try {
    for (let epoch = 0; epoch < h.epochs; epoch++) {
      const t0 = performance.now();
      const trainLoss = await trainer.runEpoch();
      const seconds = (performance.now() - t0) / 1000;
      const [se, ae] = trainer.validationErrors();
      const nv = validation.length;
      const record: EpochRecord = {
        epoch,
        trainLoss,
        valLoss: nv ? se / nv : NaN,
        valRmse: nv ? Math.sqrt(se / nv) : NaN,
        valMae: nv ? ae / nv : NaN,
        seconds,
      };
      checkDivergence(record, nv > 0, bound, h);
      history.push(record);
      let stop = false;
      const patience = h.earlyStoppingPatience;
      if (patience > 0 && nv > 0) {
        if (record.valLoss < best.loss)
          best = { epoch, loss: record.valLoss, weights: trainer.snapshot(), ...(trainer.snapshotNetwork ? { network: trainer.snapshotNetwork() } : {}) };
        else if (epoch - best.epoch >= patience) stop = true;
      }
      // The stopping epoch is reported too: one callback per history record.
      if (options.onEpochEnd && options.onEpochEnd(record) === false) stop = true;
      if (stop) break;
      // Let timers and I/O (a progress bar, a notebook display) run between epochs.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const restore = h.earlyStoppingPatience > 0 && best.weights !== null;
    const raw = restore ? best.weights! : trainer.snapshot();
    checkFiniteWeights(raw, restore ? best.epoch : history.length - 1, h);
    // Centring is an MF identity (dot + biases); a network's embeddings are used as they are. Then the biases are
    // re-estimated with shrinkage around the centred model (centred again: the user biases moved).
    const centred = modelType === "neural" ? raw : centreOnMean(raw, train);
    const biasL2 = h.biasL2 ?? 0;
    const weights = modelType === "neural" || biasL2 === 0 ? centred : centreOnMean(ridgeBiases(centred, train, { itemL2: biasL2, userL2: biasL2 }), train);
    const network = trainer.snapshotNetwork ? (restore ? best.network : trainer.snapshotNetwork()) : undefined;
    return {
      weights,
      userIds,
      itemIds,
      hyperparameters: h,
      history,
      ratingMin: minRating,
      ratingMax: maxRating,
      fittedOn: "train",
      bestEpoch: restore ? best.epoch : history.length - 1,
      backend: trainer.backend,
      dataFingerprint: fingerprintIndexed(train, userIds, itemIds),
      trainedAt: new Date().toISOString(),
      ratedItems: ratedItemsFromRows(train.users, train.items, userIds.size, train.length),
      ...(modelType === "neural" ? { modelType, network: network! } : {}),
    };
  } finally {
    trainer.dispose();
  }
}

/**
 * Trains on `split` as `trainModel` does (validation picks the epochs: the best epoch with early stopping, else
 * all of them), then trains again from the same start on every interaction, training and validation rows
 * (validation rows whose user or item the dataset lacks are left out), for exactly that many epochs: the model
 * to serve. Returns both: `validated` (fittedOn "train", its validation figures honest) and `final` (fittedOn
 * "all", its history without validation figures: every row was trained on).
 */
export async function trainAndRefit(
  split: DataSplit,
  dataset: Dataset,
  hyper: Partial<Hyperparameters> = {},
  options: TrainOptions & { readonly onRefitStart?: (epochs: number) => void; readonly onRefitEpochEnd?: (record: EpochRecord) => void } = {},
): Promise<{ validated: TrainedModel; final: TrainedModel }> {
  const validated = await trainModel(split, dataset, hyper, options);
  // Training rows, then the validation rows the dataset's maps know, as typed arrays (no row objects).
  const { train, validation } = indexedSplit(dataset, split);
  const all = concatRows(train, validation);
  const h = { ...validated.hyperparameters, epochs: validated.bestEpoch + 1, earlyStoppingPatience: 0 };
  options.onRefitStart?.(h.epochs);
  const refit = await trainModel(splitOfRows(dataset, all, selectRows(all, new Int32Array(0))), dataset, h, {
    ...(options.backend !== undefined ? { backend: options.backend } : {}),
    ...(options.modelType !== undefined ? { modelType: options.modelType } : {}),
    ...(options.layers !== undefined ? { layers: options.layers } : {}),
    ...(options.neural !== undefined ? { neural: options.neural } : {}),
    ...(options.onRefitEpochEnd ? { onEpochEnd: options.onRefitEpochEnd } : {}),
  });
  return { validated, final: { ...refit, fittedOn: "all" } };
}

/** The TF.js backend a tf.layers model trains on when none is asked for: native TF.js when it loads, else tfjs-wasm. */
function selectTfjsBackend(): BackendName {
  const b = selectBackend();
  return b.startsWith("tfjs-") ? b : "tfjs-wasm";
}

async function createTrainer(
  backend: BackendName,
  problem: TrainingProblem,
  layers?: { modelType: ModelType; neural: Partial<NeuralConfig> },
): Promise<EpochTrainer> {
  if (layers) {
    // Lazy and locally typed for the same reasons as the TF.js trainer below.
    const { createLayersTrainer } = require("./layers-trainer") as {
      createLayersTrainer(
        backend: BackendName,
        problem: TrainingProblem,
        spec: { kind: "mf" } | { kind: "neural"; config: NeuralConfig },
      ): Promise<EpochTrainer>;
    };
    const { resolveNeuralConfig } = require("./neural") as { resolveNeuralConfig(p: Partial<NeuralConfig>): NeuralConfig };
    return createLayersTrainer(
      backend,
      problem,
      layers.modelType === "neural" ? { kind: "neural", config: resolveNeuralConfig(layers.neural) } : { kind: "mf" },
    );
  }
  if (backend === "wasm-kernel" || backend === "typed-array") return createKernelTrainer(backend, problem);
  // Loaded lazily: TF.js costs ~100 MB of RSS and a second of start-up that the kernels do not need.
  // A plain require (not import()): it stays lazy and resolves the same under tsx, tslab and compiled CommonJS.
  // Typed here rather than with `typeof import(...)`, which makes tslab load TF.js's types in every notebook (~1.2 s).
  const { createTfjsTrainer } = require("./tfjs-trainer") as {
    createTfjsTrainer(backend: BackendName, problem: TrainingProblem): Promise<EpochTrainer>;
  };
  return createTfjsTrainer(backend, problem);
}

/**
 * The same predictions with biases that mean what they say: global bias = the training mean μ, user biases
 * offsets averaging 0 over the training rows, user vectors centred on the average user, and item bias i = the
 * average user's predicted rating of i minus μ. A user with no ratings (zero vector, zero bias) is thereby the
 * average user: a cold-start prediction μ + b_i lands on the rating scale.
 *
 * Adam learns better from a global bias of 0 (measured on the default data: val MSE 0.53, against 0.59-0.80
 * for a global bias fixed or started at the mean, over lr 1e-3..5e-3, batch 256..8192, L2 and per-rating L2,
 * init std 0.01-0.1, with or without biases): the early all-negative errors pull every user vector along one
 * common direction that then carries most of the mean. This re-expresses the trained weights exactly: with p̄
 * and b̄ the mean user vector and user bias over the training rows, p_u ← p_u − p̄, b_u ← b_u − b̄,
 * b_i ← g + b̄ + b_i + p̄·q_i − μ, g ← μ; every prediction g + b_u + b_i + p_u·q_i is unchanged up to float32
 * rounding; item vectors are untouched. (Also measured: choosing p̄ by least squares to bring μ + b_i nearest
 * the item means (RMS 0.12 from them on the default data, against 0.78 for the average user) moves the user
 * vectors off their centre and blurs the group structure the similarity analysis shows.)
 */
export function centreOnMean(w: MfWeights, train: IndexedRatings): MfWeights {
  const n = train.length,
    d = w.dim;
  if (n === 0) return w;
  const pbar = new Float64Array(d);
  let bbar = 0,
    mu = 0;
  for (let k = 0; k < n; k++) {
    const u = train.users[k]!;
    for (let j = 0, o = u * d; j < d; j++) pbar[j]! += w.userFactors[o + j]!;
    bbar += w.userBias[u]!;
    mu += train.ratings[k]!;
  }
  for (let j = 0; j < d; j++) pbar[j]! /= n;
  bbar /= n;
  mu /= n;
  const userFactors = new Float32Array(w.userFactors.length);
  for (let u = 0; u < w.numUsers; u++) for (let j = 0, o = u * d; j < d; j++) userFactors[o + j] = w.userFactors[o + j]! - pbar[j]!;
  const userBias = Float32Array.from(w.userBias, (b) => b - bbar);
  const itemBias = new Float32Array(w.numItems);
  for (let i = 0; i < w.numItems; i++) {
    let dot = 0;
    for (let j = 0, o = i * d; j < d; j++) dot += pbar[j]! * w.itemFactors[o + j]!;
    itemBias[i] = w.globalBias + bbar + w.itemBias[i]! + dot - mu;
  }
  return { ...w, userFactors, userBias, itemBias, itemFactors: w.itemFactors, globalBias: Math.fround(mu) };
}

function rangeOf(a: Float32Array): [number, number] {
  let lo = Infinity,
    hi = -Infinity;
  for (let k = 0; k < a.length; k++) {
    const r = a[k]!;
    if (r < lo) lo = r;
    if (r > hi) hi = r;
  }
  return [lo, hi];
}

function likelyCause(h: Hyperparameters): string {
  const causes = [`the learning rate (${h.learningRate}) is too high for ${h.optimizer}${h.optimizer === "sgd" ? " (try 0.001-0.05)" : " (try 0.001-0.01)"}`];
  if (h.initStd > 1) causes.push(`the initial weights are too large (initStd ${h.initStd}; try 0.01-0.1)`);
  return `likely cause: ${causes.join(", or ")}. No model was returned or saved`;
}

/** Throws TrainingDivergedError when an epoch's loss is not finite or exceeds `bound`. */
function checkDivergence(r: EpochRecord, hasValidation: boolean, bound: number, h: Hyperparameters): void {
  const at = `Training diverged at epoch ${r.epoch + 1} of ${h.epochs}`;
  for (const [name, loss] of [["training", r.trainLoss], ...(hasValidation ? [["validation", r.valLoss]] : [])] as const) {
    if (!Number.isFinite(loss)) throw new TrainingDivergedError(r.epoch, `${at}: the ${name} MSE is not a finite number (${loss}); ${likelyCause(h)}`);
  }
  // The end-of-epoch loss (validation when there is any) must stay below the bound; the training loss is
  // measured during the epoch, from the weights before each step, so a large start is not divergence.
  const [name, loss] = hasValidation ? ["validation", r.valLoss] : ["training", r.trainLoss];
  if (loss > bound) {
    throw new TrainingDivergedError(
      r.epoch,
      `${at}: the ${name} MSE ${loss.toPrecision(3)} exceeds the divergence bound ${bound} (${DIVERGENCE_FACTOR} × the squared rating range); ${likelyCause(h)}`,
    );
  }
}

function checkFiniteWeights(w: MfWeights, epoch: number, h: Hyperparameters): void {
  const finite = (a: Float32Array): boolean => {
    for (let k = 0; k < a.length; k++) if (!Number.isFinite(a[k]!)) return false;
    return true;
  };
  if (!Number.isFinite(w.globalBias) || !finite(w.userFactors) || !finite(w.itemFactors) || !finite(w.userBias) || !finite(w.itemBias)) {
    throw new TrainingDivergedError(epoch, `Training diverged at epoch ${epoch + 1} of ${h.epochs}: the weights hold non-finite numbers; ${likelyCause(h)}`);
  }
}

function meanOf(a: Float32Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k]!;
  return a.length ? s / a.length : 0;
}
