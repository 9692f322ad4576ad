/** The evaluation table: the model and the baselines, scored the same way on the same held-out interactions. */
import type { Dataset, DataSplit, Interaction } from "../data/types";
import type { MfWeights, RecordedSplit } from "../model/types";
import type { IdMap } from "../data/idmap";
import { indexInteractions, type IndexedRatings } from "../data/indexed";
import { perUserSplitAssignment, randomSplitAssignment, splitByAssignment, SPLIT_TRAIN, SPLIT_VALIDATION } from "../data/split";
import { stratifiedSplitAssignment } from "../data/stratified-split";
import { hasRated, ratedItemsFromRows, type RatedItems } from "../model/rated-items";
import { InvalidArgumentError } from "../errors";
import { checkInteger, checkNumber } from "../validate";
import { checkModel } from "../model/check";
import type { RecommenderModel } from "../recommend/types";
import { forEachTopNBlock } from "../recommend/batch";
import { predictUnchecked } from "../model/predict";
import { itemCategoryLabels, userGroupLabels } from "../analysis/groups";
import { mae, rmse } from "./rating";
import { RankingAccumulator } from "./ranking";
import { fitBiasOnly, globalMeanWeights, popularityWeights } from "./baselines";
import { CategoryShareAccumulator } from "./categories";

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

/**
 * Re-creates a recorded seeded split of `data` (the same data and record give the same rows). A Dataset gives the
 * parts as `trainIndexed` / `validationIndexed` too, without per-row objects.
 */
export function recreateSplit(record: RecordedSplit, data: Dataset | readonly Interaction[]): DataSplit {
  return splitByAssignment(data, splitAssignment(record, data));
}

/**
 * `recreateSplit`'s assignment of each row of `data`: SPLIT_TRAIN (0) or SPLIT_VALIDATION (1), without the parts.
 * The one re-creation under `recreateSplit` and `ewb evaluate`.
 */
export function splitAssignment(record: RecordedSplit, data: Dataset | readonly Interaction[]): Uint8Array {
  if (record === null || typeof record !== "object") throw new InvalidArgumentError("split record", "an object with a kind", record);
  switch (record.kind) {
    case "random":
      return randomSplitAssignment(data, { validationFraction: record.fraction, seed: record.seed });
    case "per-user":
      return perUserSplitAssignment(data, {
        validationFraction: record.fraction,
        seed: record.seed,
        ...(record.minTrainPerUser !== undefined ? { minTrainPerUser: record.minTrainPerUser } : {}),
      });
    case "stratified":
      // STRATIFIED_TRAIN / STRATIFIED_TEST are 0 / 1 too; a recorded split drops no rows (minRows 1).
      return stratifiedSplitAssignment(data, { ratio: 1 - record.fraction, seed: record.seed, by: record.by });
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
  const part = new Uint8Array(interactions.length);
  interactions.forEach((r, k) => {
    const u = model.userIds.indexOrMinusOne(r.userId),
      i = model.itemIds.indexOrMinusOne(r.itemId);
    part[k] = u >= 0 && i >= 0 && hasRated(model.ratedItems, u, i) ? SPLIT_TRAIN : SPLIT_VALIDATION;
  });
  const s = splitByAssignment(interactions, part);
  return { train: s.train as Interaction[], heldOut: s.validation as Interaction[] };
}

/**
 * `splitByModel` of a Dataset's rows, as an assignment (SPLIT_TRAIN: the model rated the pair; SPLIT_VALIDATION:
 * held out): IDs are looked up once per distinct ID, not per row.
 */
export function splitByModelAssignment(model: RecommenderModel, dataset: Pick<Dataset, "indexed" | "userIds" | "itemIds">): Uint8Array {
  checkModel(model);
  const uT = indexTranslation(dataset.userIds, model.userIds),
    iT = indexTranslation(dataset.itemIds, model.itemIds);
  const d = dataset.indexed;
  const part = new Uint8Array(d.length);
  for (let r = 0; r < d.length; r++) {
    const u = uT ? uT[d.users[r]!]! : d.users[r]!,
      i = iT ? iT[d.items[r]!]! : d.items[r]!;
    part[r] = u >= 0 && i >= 0 && hasRated(model.ratedItems, u, i) ? SPLIT_TRAIN : SPLIT_VALIDATION;
  }
  return part;
}

/**
 * Index k of `from` as an index of `to` (the same raw ID), -1 where `to` lacks it; null when both hold the same IDs
 * (no translation needed). One lookup per ID.
 */
export function indexTranslation(from: IdMap, to: IdMap): Int32Array | null {
  if (from === to) return null;
  const a = from.toArray(),
    b = to.toArray();
  if (a.length === b.length && a.every((id, k) => id === b[k])) return null;
  const out = new Int32Array(a.length);
  for (let k = 0; k < a.length; k++) out[k] = to.indexOrMinusOne(a[k]!);
  return out;
}

/**
 * The rows of `rows` whose user and item `userIndex` / `itemIndex` translate (null: the same index), as rows over
 * the translated indices, and how many were dropped for an unknown ID. With `inPlace` the arrays of `rows` are
 * reused (the caller owns them); otherwise untranslated rows are returned as they are and translated ones copied.
 */
export function translateRows(
  rows: IndexedRatings,
  userIndex: Int32Array | null,
  itemIndex: Int32Array | null,
  inPlace = false,
): { rows: IndexedRatings; unknown: number } {
  if (userIndex === null && itemIndex === null) return { rows, unknown: 0 };
  const n = rows.length;
  const users = inPlace ? (rows.users as Int32Array) : new Int32Array(n),
    items = inPlace ? (rows.items as Int32Array) : new Int32Array(n),
    ratings = inPlace ? (rows.ratings as Float32Array) : new Float32Array(n);
  let k = 0;
  for (let r = 0; r < n; r++) {
    const u = userIndex ? userIndex[rows.users[r]!]! : rows.users[r]!,
      i = itemIndex ? itemIndex[rows.items[r]!]! : rows.items[r]!;
    if (u < 0 || i < 0) continue;
    users[k] = u;
    items[k] = i;
    ratings[k] = rows.ratings[r]!;
    k++;
  }
  return { rows: { users, items, ratings, length: k }, unknown: n - k };
}

/** What `evaluateModel` and `evaluateIndexed` take beyond the rows. */
export interface EvaluationOptions {
  readonly k?: number;
  readonly relevanceThreshold?: number;
  /** The dataset's labels (synthetic data): adds the own-group category share. */
  readonly dataset?: Pick<Dataset, "users" | "items">;
}

/**
 * Evaluates the model and the baselines (bias-only, global mean, popularity; all fitted on `train`) on `heldOut`:
 * RMSE and MAE on every held-out rating the model can score; precision/recall/NDCG/hit rate@k where "relevant" =
 * held-out rating >= relevanceThreshold, over users with at least one relevant item; coverage of the catalogue by
 * everyone's top-k. Every method's top-k excludes the items the user has in `train` (the evaluation split's training
 * rows), and only those: a model whose rated items cover more (every interaction, for serving) is scored the same way.
 * With `dataset` labels (the synthetic data), also the share of the top-k in the user's group's categories.
 * Rows whose user or item the model does not know are left out (counted in `skippedUnknown`); the work is
 * {@link evaluateIndexed}'s.
 */
export function evaluateModel(
  model: RecommenderModel,
  train: readonly Interaction[],
  heldOut: readonly Interaction[],
  options: EvaluationOptions = {},
): EvaluationReport {
  checkMfModel(model);
  if (!Array.isArray(train) || train.length === 0) throw new InvalidArgumentError("train", "a non-empty array of interactions", train);
  if (!Array.isArray(heldOut) || heldOut.length === 0) throw new InvalidArgumentError("heldOut", "a non-empty array of interactions", heldOut);
  if (typeof options !== "object" || options === null) throw new InvalidArgumentError("options", "an object", options);
  checkEvaluationOptions(options);
  const trainIdx = indexInteractions(train, model.userIds, model.itemIds, { skipUnknown: true });
  const test = indexInteractions(heldOut, model.userIds, model.itemIds, { skipUnknown: true });
  return evaluateIndexed(model, trainIdx, test, { ...options, skippedUnknown: heldOut.length - test.length });
}

/**
 * `evaluateModel` on columnar rows over the model's indices (e.g. `translateRows` of a split's parts): the same
 * report, with no per-row or per-user objects. Relevant and excluded items are CSR rows over the users; the top-k
 * lists stream through in blocks of users, so memory is the rows, the CSR and one block of lists. `skippedUnknown`
 * is reported as given (held-out rows the caller dropped for an unknown ID).
 */
export function evaluateIndexed(
  model: RecommenderModel,
  train: IndexedRatings,
  heldOut: IndexedRatings,
  options: EvaluationOptions & { readonly skippedUnknown?: number } = {},
): EvaluationReport {
  checkMfModel(model);
  if (typeof options !== "object" || options === null) throw new InvalidArgumentError("options", "an object", options);
  const { k, threshold } = checkEvaluationOptions(options);
  const skippedUnknown = checkInteger("options.skippedUnknown", options.skippedUnknown ?? 0, 0);
  const w = model.weights;
  checkRows("train", train);
  checkRows("heldOut", heldOut);
  if (train.length === 0) throw new InvalidArgumentError("train", "interactions of users and items the model knows", "none known");
  if (heldOut.length === 0) throw new InvalidArgumentError("heldOut", "interactions of users and items the model knows", "none known");
  for (let r = 0; r < heldOut.length; r++) {
    const u = heldOut.users[r]!,
      i = heldOut.items[r]!;
    if (!(u >= 0 && u < w.numUsers)) throw new InvalidArgumentError(`heldOut.users[${r}]`, `a user index in [0, ${w.numUsers})`, u);
    if (!(i >= 0 && i < w.numItems)) throw new InvalidArgumentError(`heldOut.items[${r}]`, `an item index in [0, ${w.numItems})`, i);
  }
  // The baselines check the training indices (located errors) before anything is built from them.
  const methods: { method: string; weights: MfWeights; rates: boolean; ranks: boolean }[] = [
    { method: "matrix factorisation", weights: w, rates: true, ranks: true },
    { method: "bias-only baseline", weights: fitBiasOnly(train, w.numUsers, w.numItems), rates: true, ranks: true },
    { method: "global mean baseline", weights: globalMeanWeights(train, w.numUsers, w.numItems), rates: true, ranks: false },
    { method: "popularity baseline", weights: popularityWeights(train, w.numUsers, w.numItems), rates: false, ranks: true },
  ];
  const relevant = relevantItems(heldOut, threshold, w.numUsers);
  const exclude = ratedItemsFromRows(train.users, train.items, w.numUsers, train.length);
  let labels: { groups: (string | undefined)[]; cats: (string | undefined)[] } | undefined;
  if (options.dataset) {
    const groups = userGroupLabels(model.userIds, options.dataset),
      cats = itemCategoryLabels(model.itemIds, options.dataset);
    if (groups.some((g) => g !== undefined) && cats.some((c) => c !== undefined)) labels = { groups, cats };
  }
  const rows: EvaluationRow[] = methods.map((m) => {
    let r: number | null = null,
      a: number | null = null;
    if (m.rates) {
      const pred = predictAll(m.weights, heldOut);
      r = rmse(pred, heldOut.ratings.subarray(0, heldOut.length));
      a = mae(pred, heldOut.ratings.subarray(0, heldOut.length));
    }
    if (!m.ranks) return { method: m.method, rmse: r, mae: a, precision: null, recall: null, ndcg: null, hitRate: null, coverage: null, categoryShare: null };
    const acc = new RankingAccumulator(k, w.numItems);
    const share = labels ? new CategoryShareAccumulator(labels.groups, labels.cats) : undefined;
    forEachTopNBlock(m.weights, k, { exclude }, (block) => {
      for (let row = 0; row < block.users.length; row++) {
        const u = block.users[row]!,
          count = block.counts[row]!;
        acc.addUserCsr(u, block.items, row * k, count, relevant);
        share?.add(u, block.items, row * k, count);
      }
    });
    const rm = acc.result();
    return {
      method: m.method,
      rmse: r,
      mae: a,
      precision: rm.precision,
      recall: rm.recall,
      ndcg: rm.ndcg,
      hitRate: rm.hitRate,
      coverage: rm.coverage,
      categoryShare: share ? share.result().share : null,
    };
  });
  let rankedUsers = 0;
  for (let u = 0; u < w.numUsers; u++) if (relevant.offsets[u + 1]! > relevant.offsets[u]!) rankedUsers++;
  return { k, relevanceThreshold: threshold, heldOut: heldOut.length, skippedUnknown, rankedUsers, rows, notes: findings(rows, k) };
}

/**
 * Each user's relevant held-out items (rating >= threshold; a pair held out twice counts once) as CSR rows over
 * `numUsers` users: one Int32Array of items and one of offsets, not a Set per user.
 */
export function relevantItems(heldOut: IndexedRatings, threshold: number, numUsers: number): RatedItems {
  let n = 0;
  for (let r = 0; r < heldOut.length; r++) if (heldOut.ratings[r]! >= threshold) n++;
  const users = new Int32Array(n),
    items = new Int32Array(n);
  for (let r = 0, j = 0; r < heldOut.length; r++) {
    if (!(heldOut.ratings[r]! >= threshold)) continue;
    users[j] = heldOut.users[r]!;
    items[j++] = heldOut.items[r]!;
  }
  return ratedItemsFromRows(users, items, numUsers, n);
}

function checkMfModel(model: RecommenderModel): void {
  checkModel(model);
  // Issue 13: this report scores with the MF formula; a neural model is evaluated by src/evaluate/model-quality.ts.
  if ((model as { modelType?: string }).modelType === "neural")
    throw new InvalidArgumentError(
      "model",
      "an MF model (this evaluation scores with dot + biases; evaluate a neural model with evaluateModelQuality, as notebook 07-neural-vs-mf does)",
      "neural",
    );
}

function checkEvaluationOptions(options: EvaluationOptions): { k: number; threshold: number } {
  return {
    k: checkInteger("options.k", options.k ?? DEFAULT_K, 1),
    threshold: checkNumber("options.relevanceThreshold", options.relevanceThreshold ?? DEFAULT_RELEVANCE_THRESHOLD),
  };
}

function checkRows(name: string, rows: IndexedRatings): void {
  if (
    typeof rows !== "object" ||
    rows === null ||
    !(rows.users instanceof Int32Array) ||
    !(rows.items instanceof Int32Array) ||
    !(rows.ratings instanceof Float32Array) ||
    !Number.isInteger(rows.length) ||
    rows.length < 0 ||
    rows.length > rows.users.length ||
    rows.length > rows.items.length ||
    rows.length > rows.ratings.length
  )
    throw new InvalidArgumentError(name, "IndexedRatings {users, items, ratings, length} over the model's indices", rows);
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
