/** The evaluation table: the model and the baselines, scored the same way on the same held-out interactions. */
import type { Dataset, Interaction } from "../data/types";
import type { MfWeights, RecordedSplit } from "../model/types";
import { indexInteractions, type IndexedRatings } from "../data/indexed";
import type { DataSplit } from "../data/types";
import { perUserSplit, randomSplit } from "../data/split";
import { stratifiedSplit } from "../data/stratified-split";
import { ratedItemsFromRows } from "../model/rated-items";
import { InvalidArgumentError } from "../errors";
import { checkInteger, checkNumber } from "../validate";
import { checkModel } from "../model/check";
import { hasRated } from "../model/rated-items";
import type { RecommenderModel } from "../recommend/types";
import { topNAllUsers } from "../recommend/batch";
import { predictUnchecked } from "../model/predict";
import { itemCategoryLabels, userGroupLabels } from "../analysis/groups";
import { mae, rmse } from "./rating";
import { rankingMetrics } from "./ranking";
import { fitBiasOnly, globalMeanWeights, popularityWeights } from "./baselines";
import { preferredCategoryShare } from "./categories";

/** Held-out items rated at least this are "relevant" for the ranking metrics (4 of 5, as recommenders' MovieLens examples). */
export const DEFAULT_RELEVANCE_THRESHOLD = 4;
export const DEFAULT_K = 10;

/** One method's line of the table; null where a metric does not apply (no rating prediction, or a constant ranking). */
export interface EvaluationRow {
  readonly method: string;
  readonly rmse: number | null;
  readonly mae: number | null;
  readonly precision: number | null;
  readonly recall: number | null;
  readonly ndcg: number | null;
  readonly hitRate: number | null;
  readonly coverage: number | null;
  /** Synthetic data only: share of the top-k in the user's group's preferred categories. */
  readonly categoryShare: number | null;
}

export interface EvaluationReport {
  readonly k: number;
  readonly relevanceThreshold: number;
  /** Held-out interactions scored for RMSE/MAE (users and items the model knows). */
  readonly heldOut: number;
  /** Held-out interactions left out because the model does not know their user or item. */
  readonly skippedUnknown: number;
  /** Users with at least one relevant held-out item: the ranking means are over them. */
  readonly rankedUsers: number;
  readonly rows: readonly EvaluationRow[];
  /** Plain-language findings, e.g. when popularity ranks better than the model. */
  readonly notes: readonly string[];
}

/** How a model's validation rows were chosen (manifest `split`); defined with the model. */
export type { RecordedSplit } from "../model/types";

/** Re-creates a recorded seeded split of `interactions` (the same data and record give the same rows). */
export function recreateSplit(record: RecordedSplit, interactions: readonly Interaction[]): DataSplit {
  if (record === null || typeof record !== "object") throw new InvalidArgumentError("split record", "an object with a kind", record);
  switch (record.kind) {
    case "random":
      return randomSplit(interactions, { validationFraction: record.fraction, seed: record.seed });
    case "per-user":
      return perUserSplit(interactions, {
        validationFraction: record.fraction,
        seed: record.seed,
        ...(record.minTrainPerUser !== undefined ? { minTrainPerUser: record.minTrainPerUser } : {}),
      });
    case "stratified":
      return stratifiedSplit(interactions, { ratio: 1 - record.fraction, seed: record.seed, by: record.by });
    default:
      throw new InvalidArgumentError(
        "split record kind",
        '"random", "per-user" or "stratified" (a test file cannot be re-created)',
        (record as { kind?: unknown }).kind,
      );
  }
}

/**
 * Splits interactions into those the model trained on (the pair is in `model.ratedItems`) and the rest, so a model
 * can be evaluated on the data file it came from without knowing the split seed.
 */
export function splitByModel(model: RecommenderModel, interactions: readonly Interaction[]): { train: Interaction[]; heldOut: Interaction[] } {
  checkModel(model);
  if (!Array.isArray(interactions)) throw new InvalidArgumentError("interactions", "an array of interactions", interactions);
  const train: Interaction[] = [],
    heldOut: Interaction[] = [];
  for (const r of interactions) {
    const u = model.userIds.indexOrMinusOne(r.userId),
      i = model.itemIds.indexOrMinusOne(r.itemId);
    if (u >= 0 && i >= 0 && hasRated(model.ratedItems, u, i)) train.push(r);
    else heldOut.push(r);
  }
  return { train, heldOut };
}

/**
 * Evaluates the model and the baselines (bias-only, global mean, popularity; all fitted on `train`) on `heldOut`:
 * RMSE and MAE on every held-out rating the model can score; precision/recall/NDCG/hit rate@k where "relevant" =
 * held-out rating >= relevanceThreshold, over users with at least one relevant item; coverage of the catalogue by
 * everyone's top-k. Every method's top-k excludes the items the user has in `train` (the evaluation split's training
 * rows), and only those: a model whose rated items cover more (every interaction, for serving) is scored the same way.
 * With `dataset` labels (the synthetic data), also the share of the top-k in the user's group's categories.
 */
export function evaluateModel(
  model: RecommenderModel,
  train: readonly Interaction[],
  heldOut: readonly Interaction[],
  options: { k?: number; relevanceThreshold?: number; dataset?: Pick<Dataset, "users" | "items"> } = {},
): EvaluationReport {
  checkModel(model);
  // Issue 13: this report scores with the MF formula; a neural model is evaluated by src/evaluate/model-quality.ts.
  if ((model as { modelType?: string }).modelType === "neural")
    throw new InvalidArgumentError(
      "model",
      "an MF model (this evaluation scores with dot + biases; evaluate a neural model with evaluateModelQuality, as notebook 07-neural-vs-mf does)",
      "neural",
    );
  if (!Array.isArray(train) || train.length === 0) throw new InvalidArgumentError("train", "a non-empty array of interactions", train);
  if (!Array.isArray(heldOut) || heldOut.length === 0) throw new InvalidArgumentError("heldOut", "a non-empty array of interactions", heldOut);
  if (typeof options !== "object" || options === null) throw new InvalidArgumentError("options", "an object", options);
  const k = checkInteger("options.k", options.k ?? DEFAULT_K, 1);
  const threshold = checkNumber("options.relevanceThreshold", options.relevanceThreshold ?? DEFAULT_RELEVANCE_THRESHOLD);
  const w = model.weights;
  const trainIdx = indexInteractions(train, model.userIds, model.itemIds, { skipUnknown: true });
  if (trainIdx.length === 0) throw new InvalidArgumentError("train", "interactions of users and items the model knows", "none known");
  const test = indexInteractions(heldOut, model.userIds, model.itemIds, { skipUnknown: true });
  if (test.length === 0) throw new InvalidArgumentError("heldOut", "interactions of users and items the model knows", "none known");
  const relevant: Set<number>[] = Array.from({ length: w.numUsers }, () => new Set<number>());
  for (let r = 0; r < test.length; r++) if ((test.ratings[r] as number) >= threshold) relevant[test.users[r] as number]!.add(test.items[r] as number);
  const exclude = ratedItemsFromRows(trainIdx.users, trainIdx.items, w.numUsers, trainIdx.length);
  let labels: { groups: (string | undefined)[]; cats: (string | undefined)[] } | undefined;
  if (options.dataset) {
    const groups = userGroupLabels(model.userIds, options.dataset),
      cats = itemCategoryLabels(model.itemIds, options.dataset);
    if (groups.some((g) => g !== undefined) && cats.some((c) => c !== undefined)) labels = { groups, cats };
  }
  const methods: { method: string; weights: MfWeights; rates: boolean; ranks: boolean }[] = [
    { method: "matrix factorisation", weights: w, rates: true, ranks: true },
    { method: "bias-only baseline", weights: fitBiasOnly(trainIdx, w.numUsers, w.numItems), rates: true, ranks: true },
    { method: "global mean baseline", weights: globalMeanWeights(trainIdx, w.numUsers, w.numItems), rates: true, ranks: false },
    { method: "popularity baseline", weights: popularityWeights(trainIdx, w.numUsers, w.numItems), rates: false, ranks: true },
  ];
  const rows: EvaluationRow[] = methods.map((m) => {
    let r: number | null = null,
      a: number | null = null;
    if (m.rates) {
      const pred = predictAll(m.weights, test);
      r = rmse(pred, test.ratings);
      a = mae(pred, test.ratings);
    }
    if (!m.ranks) return { method: m.method, rmse: r, mae: a, precision: null, recall: null, ndcg: null, hitRate: null, coverage: null, categoryShare: null };
    const top = topNAllUsers(m.weights, k, { exclude });
    const lists = Array.from({ length: w.numUsers }, (_, u) => top.items.subarray(u * k, u * k + (top.counts[u] as number)));
    const rm = rankingMetrics(lists, relevant, k, w.numItems);
    const share = labels ? preferredCategoryShare(lists, labels.groups, labels.cats).share : null;
    return {
      method: m.method,
      rmse: r,
      mae: a,
      precision: rm.precision,
      recall: rm.recall,
      ndcg: rm.ndcg,
      hitRate: rm.hitRate,
      coverage: rm.coverage,
      categoryShare: share,
    };
  });
  const rankedUsers = relevant.filter((s) => s.size > 0).length;
  return { k, relevanceThreshold: threshold, heldOut: test.length, skippedUnknown: heldOut.length - test.length, rankedUsers, rows, notes: findings(rows, k) };
}

function predictAll(w: MfWeights, test: IndexedRatings): Float64Array {
  const out = new Float64Array(test.length);
  for (let r = 0; r < test.length; r++) out[r] = predictUnchecked(w, test.users[r] as number, test.items[r] as number);
  return out;
}

function findings(rows: readonly EvaluationRow[], k: number): string[] {
  const notes: string[] = [];
  const mf = rows[0],
    pop = rows.find((r) => r.method === "popularity baseline"),
    bias = rows.find((r) => r.method === "bias-only baseline");
  if (mf && pop && mf.precision !== null && pop.precision !== null && pop.precision > mf.precision) {
    notes.push(
      `Popularity ranks better than the model: precision@${k} ${pop.precision.toFixed(4)} vs ${mf.precision.toFixed(4)}. ` +
        "An MSE-trained model optimises rating error, not ranking, and is known to lose to popularity on top-k metrics.",
    );
  }
  if (mf && bias && mf.rmse !== null && bias.rmse !== null && bias.rmse <= mf.rmse) {
    notes.push(`The bias-only baseline predicts ratings as well as or better than the model: RMSE ${bias.rmse.toFixed(4)} vs ${mf.rmse.toFixed(4)}.`);
  }
  return notes;
}
