/** What a trained matrix-factorisation model is, as plain typed arrays any module can read without TF.js. */
import type { IdMap } from "../data/idmap";
import type { RatedItems } from "./rated-items";

/**
 * Biased MF weights: prediction(u, i) = dot(userFactors[u], itemFactors[i]) + userBias[u] + itemBias[i] + globalBias.
 * Factor matrices are row-major: row u is `userFactors.subarray(u * dim, (u + 1) * dim)`.
 */
export interface MfWeights {
  readonly dim: number;
  readonly numUsers: number;
  readonly numItems: number;
  readonly userFactors: Float32Array;
  readonly itemFactors: Float32Array;
  readonly userBias: Float32Array;
  readonly itemBias: Float32Array;
  readonly globalBias: number;
}

export type OptimizerName = "adam" | "sgd";

/** Which rows an Adam step updates: only those its batch touched (lazy, the default), or every row (dense). */
export type AdamUpdates = "lazy" | "dense";
/**
 * Adam's second moment of the factor tables: one per weight (Adam as published, PyTorch's and TF.js's), or one per
 * embedding row, the mean of the row's squared gradient (FBGEMM's partial row-wise Adam for embedding tables: the
 * first moment stays per weight). The biases keep theirs per weight either way.
 */
export type SecondMoment = "per-weight" | "per-row";

/** What a model was fitted on: the training part of a split, or every interaction (a refit for serving). */
export type FittedOn = "train" | "all";

/** Everything that decides a training run; saved with the model. */
export interface Hyperparameters {
  readonly dim: number;
  readonly epochs: number;
  readonly learningRate: number;
  /** Mini-batch size; 0 or >= the number of training rows means full batch. */
  readonly batchSize: number;
  /** L2 regularisation strength, applied like PyTorch's weight_decay: every parameter's gradient gets + l2·w. */
  readonly l2: number;
  /**
   * Per-rating L2 on the factors (added later, hence optional; missing means 0): the loss gets
   * l2PerRating · mean over the batch's ratings of (|p_u|² + |q_i|²), so a user or item is regularised in
   * proportion to its number of ratings, as per-interaction SGD does.
   */
  readonly l2PerRating?: number;
  /**
   * Shrinkage of the final bias re-estimation (added later, hence optional; missing means 0 = none): after
   * training, the user and item biases are re-estimated by ridge steps with the factors fixed,
   * b_i = Σ residual / (n_i + biasL2) (see bias-ridge.ts), so an item with few ratings cannot carry a large bias.
   */
  readonly biasL2?: number;
  readonly optimizer: OptimizerName;
  /**
   * Adam's updates (added later, hence optional; missing means "lazy"): "lazy" updates the weights and moments
   * of the rows a batch touched only (epoch cost linear in the interactions), "dense" every row every step.
   */
  readonly updates?: AdamUpdates;
  /**
   * Adam's second moment of the factors (added later, hence optional: resolveHyperparameters fills it from the
   * defaults, and a saved model without it was trained per weight): see SecondMoment. The kernels apply either; the TF.js trainers' Adam is per weight.
   */
  readonly secondMoment?: SecondMoment;
  /** Standard deviation of the normal initialisation of the factors. */
  readonly initStd: number;
  readonly seed: number;
  /** Stop when validation loss has not improved for this many epochs (0 = never) and restore the best epoch. */
  readonly earlyStoppingPatience: number;
}

/** One epoch of training, as the history records it. */
export interface EpochRecord {
  /** 0-based. */
  readonly epoch: number;
  readonly trainLoss: number;
  readonly valLoss: number;
  readonly valRmse: number;
  readonly valMae: number;
  /** Wall-clock seconds of this epoch's training (validation excluded). */
  readonly seconds: number;
  /** Ranking objectives only: share of (held-out positive, sampled negative) pairs scored the right way round. */
  readonly valAuc?: number;
  /** Ranking objectives only: NDCG@k of the validation interactions (top-k among items unseen in training). */
  readonly valNdcg?: number;
}

/**
 * What a model was trained to do: "mse" = predict ratings (squared error); "bpr" = rank the items a user interacted
 * with above the others (Bayesian personalised ranking; its scores are not ratings).
 */
export type Objective = "mse" | "bpr";
/** What kind of model predicts: biased MF (dot + biases) or the neural network over the embeddings. */
export type ModelType = "mf" | "neural";

/** Settings of the neural model (src/model/neural.ts): hidden layer sizes (ReLU) and dropout after each. */
export interface NeuralConfig {
  readonly hiddenSizes: readonly number[];
  readonly dropout: number;
}

/**
 * The dense layers of a neural model, input to output (the embeddings are the model's MfWeights factors).
 * Layer k maps `inputs` to `units`: kernel row-major [inputs, units], then bias; ReLU on all but the last.
 * The first layer's input is concat(user embedding, item embedding).
 */
export interface NetworkWeights {
  readonly config: NeuralConfig;
  readonly dense: readonly {
    readonly name: string;
    readonly inputs: number;
    readonly units: number;
    readonly kernel: Float32Array;
    readonly bias: Float32Array;
  }[];
}

/** A trained model: weights, the ID maps that give them meaning, and how it was made. */
/**
 * How a model's validation rows were chosen, as `ewb train` records it (manifest `split`): a seeded split of the
 * data (fraction = the held-out share) or an explicit test file (its fingerprint).
 */
export type RecordedSplit =
  | { readonly kind: "random" | "per-user"; readonly fraction: number; readonly seed: number; readonly minTrainPerUser?: number }
  | { readonly kind: "stratified"; readonly fraction: number; readonly seed: number; readonly by: "user" | "item" }
  | { readonly kind: "file"; readonly fingerprint: string };

export interface TrainedModel {
  readonly weights: MfWeights;
  readonly userIds: IdMap;
  readonly itemIds: IdMap;
  readonly hyperparameters: Hyperparameters;
  readonly history: readonly EpochRecord[];
  /** Epoch whose weights these are (the best one when early stopping restored it). */
  readonly bestEpoch: number;
  /** The training backend that produced it, e.g. "typed-array", "tfjs-wasm", "tfjs-node-gpu". */
  readonly backend: string;
  /** Fingerprint (hash) of the training data. */
  readonly dataFingerprint: string;
  /** ISO time the training finished. */
  readonly trainedAt: string;
  /** Lowest and highest rating of the data the model was fitted on (optional: older models lack them). */
  readonly ratingMin?: number;
  readonly ratingMax?: number;
  /** "train" (the training part of a split; the default for older models) or "all" (refit on every interaction). */
  readonly fittedOn?: FittedOn;
  /** Missing means "mse" (models saved before ranking objectives existed). */
  readonly objective?: Objective;
  /** Ranking objectives: ratings >= this became the positive interactions; null = every interaction did. */
  readonly implicitMinRating?: number | null;
  /**
   * The items each user rated, as CSR (see rated-items.ts; `ratedItemsOf(model.ratedItems, u)` is user u's sorted
   * row): what "exclude rated" excludes. `trainModel` gives the training rows; `ewb train` saves every row of the
   * data, held-out rows too (a model to serve must not recommend what the user already rated), and then records
   * `split` so the training rows can be re-created.
   */
  readonly ratedItems: RatedItems;
  /** The seeded split the model's training rows came from (set by `ewb train` when `ratedItems` holds more than them). */
  readonly split?: RecordedSplit;
  /** "mf" when absent. A "neural" model predicts with `network` over the factors of `weights` (its biases are 0). */
  readonly modelType?: ModelType;
  /** The dense layers of a neural model. */
  readonly network?: NetworkWeights;
}
