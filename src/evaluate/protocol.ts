/**
 * recommenders' MovieLens benchmark protocol on any ratings: stratified 75/25 split (seed 42), each objective trained
 * with its default settings on the 75%, top-k among items the user has no training row for, every held-out
 * interaction relevant, and the metrics of examples/06_benchmarks (MAP, NDCG@k, precision@k, recall@k) plus more.
 */
import type { DataSplit, Dataset } from "../data/types";
import type { EpochRecord, Hyperparameters, MfWeights, Objective, TrainedModel } from "../model/types";
import { indexInteractions, type IndexedRatings } from "../data/indexed";
import { InvalidArgumentError } from "../errors";
import { checkInteger, checkNumber, checkOneOf } from "../validate";
import { stratifiedSplit, STRATIFIED_SEED, STRATIFIED_TRAIN_RATIO } from "../data/stratified-split";
import { randomSplit } from "../data/split";
import { trainModel } from "../model/train";
import { trainBpr, type BprHyperparameters } from "../model/bpr";
import { evaluateRatings } from "../model/predict";
import { popularityWeights } from "./baselines";
import { candidateExclusions, heldOutRanking } from "./topk";
import { topNForUserIndex } from "../recommend/single";
import { topNAllUsers } from "../recommend/batch";
import { ratedItemsOf } from "../model/rated-items";

export interface ProtocolOptions {
  /** Training share per group; default 0.75. */
  readonly ratio?: number;
  /** Split seed; default 42 (recommenders' SEED). */
  readonly seed?: number;
  /**
   * Stratify by "item" (default: what recommenders' benchmark notebook does, `filter_by="item"`, and where its
   * published numbers come from) or by "user" (`python_stratified_split`'s own default).
   */
  readonly by?: "user" | "item";
  readonly k?: number;
  /** null (default) = every held-out interaction is relevant (the benchmark); a number = held-out rating >= it. */
  readonly minRating?: number | null;
  /** Which objectives to train (default both), each with its defaults unless settings are given. */
  readonly objectives?: readonly Objective[];
  readonly mse?: Partial<Hyperparameters>;
  readonly bpr?: Partial<BprHyperparameters>;
  /** Progress of each training run. */
  readonly onEpochEnd?: (objective: Objective, record: EpochRecord) => void;
}

/** One line of the protocol table; null where a number does not apply (RMSE of a ranking-only method). */
export interface ProtocolRow {
  readonly method: string;
  readonly precision: number;
  readonly recall: number;
  readonly ndcg: number;
  /** recommenders' `map` (the benchmark table's "MAP"). */
  readonly map: number;
  readonly mapAtK: number;
  readonly f1: number;
  readonly hitRate: number;
  readonly coverage: number;
  readonly rmse: number | null;
  readonly msPerEpoch: number | null;
  readonly epochs: number | null;
}

export interface ProtocolReport {
  readonly k: number;
  readonly by: "user" | "item";
  readonly ratio: number;
  readonly seed: number;
  readonly minRating: number | null;
  readonly trainRows: number;
  readonly testRows: number;
  /** Users the ranking means are over (a training row and a relevant held-out row). */
  readonly users: number;
  readonly rows: readonly ProtocolRow[];
  /** The trained models, for a closer look (top-10 of a user, embeddings). */
  readonly models: Readonly<Partial<Record<Objective, TrainedModel>>>;
  /** The split the models were trained and scored on (`validation` = the test part). */
  readonly split: DataSplit;
  /** The popularity baseline's weights (training counts as item bias). */
  readonly popularity: MfWeights;
}

/**
 * Runs the protocol on `dataset` (every interaction; the split is made here) and returns the table: each objective's
 * model and the popularity baseline (training counts), scored identically. Each objective is trained as `ewb train`
 * would train it on the training part alone with its defaults (MSE: early stopping on a seeded 20% of that part). RMSE only for the MSE model (the BPR
 * score and popularity count are not ratings).
 */
export async function runRecommendersProtocol(dataset: Dataset, options: ProtocolOptions = {}): Promise<ProtocolReport> {
  if (!dataset || !Array.isArray(dataset.interactions)) throw new InvalidArgumentError("dataset", "a Dataset", dataset);
  if (typeof options !== "object" || options === null) throw new InvalidArgumentError("options", "an object", options);
  const k = checkInteger("options.k", options.k ?? 10, 1);
  const by = checkOneOf("options.by", options.by ?? "item", ["user", "item"] as const);
  const ratio = options.ratio ?? STRATIFIED_TRAIN_RATIO,
    seed = options.seed ?? STRATIFIED_SEED;
  const minRating = options.minRating ?? null;
  const objectives = options.objectives ?? ["mse", "bpr"];
  objectives.forEach((o, j) => checkOneOf(`options.objectives[${j}]`, o, ["mse", "bpr"] as const));
  const split = stratifiedSplit(dataset.interactions, { ratio, seed, by });
  if (split.validation.length === 0)
    throw new InvalidArgumentError("dataset", "enough rows per group for a held-out part", `${split.train.length} training rows and no test rows`);
  const fit = { train: split.train, validation: [] };
  const rows: ProtocolRow[] = [];
  const models: Partial<Record<Objective, TrainedModel>> = {};
  let trainIdx: IndexedRatings | undefined,
    testIdx: IndexedRatings | undefined,
    users = 0;
  const score = (method: string, w: MfWeights, extra: { rmse: number | null; model?: TrainedModel }): void => {
    const r = heldOutRanking(w, trainIdx!, testIdx!, { k, minRating });
    users = r.users;
    const h = extra.model?.history;
    rows.push({
      method,
      precision: r.precision,
      recall: r.recall,
      ndcg: r.ndcg,
      map: r.map,
      mapAtK: r.mapAtK,
      f1: r.f1,
      hitRate: r.hitRate,
      coverage: r.coverage,
      rmse: extra.rmse,
      msPerEpoch: h && h.length > 0 ? (h.reduce((s, e) => s + e.seconds, 0) / h.length) * 1000 : null,
      epochs: h ? h.length : null,
    });
  };
  for (const objective of objectives) {
    const onEpochEnd = options.onEpochEnd ? (r: EpochRecord): void => options.onEpochEnd!(objective, r) : undefined;
    // The MSE defaults stop early on validation loss, as `ewb train` does: its validation rows come from the training
    // part (randomSplit's defaults), never from the test part. BPR's defaults train a fixed number of epochs.
    const model =
      objective === "mse"
        ? await trainModel(randomSplit(split.train), dataset, options.mse ?? {}, onEpochEnd ? { onEpochEnd } : {})
        : await trainBpr(fit, dataset, options.bpr ?? {}, onEpochEnd ? { onEpochEnd } : {});
    models[objective] = model;
    trainIdx ??= indexInteractions(split.train, model.userIds, model.itemIds);
    testIdx ??= indexInteractions(split.validation, model.userIds, model.itemIds);
    score(objective === "mse" ? "MF (MSE)" : "MF (BPR)", model.weights, {
      rmse: objective === "mse" ? evaluateRatings(model.weights, testIdx).rmse : null,
      model,
    });
  }
  const any = Object.values(models)[0];
  if (!any) throw new InvalidArgumentError("options.objectives", "at least one objective", objectives);
  const popularity = popularityWeights(trainIdx!, any.weights.numUsers, any.weights.numItems);
  score("popularity", popularity, { rmse: null });
  return { k, by, ratio, seed, minRating, trainRows: split.train.length, testRows: split.validation.length, users, rows, models, split, popularity };
}

/**
 * The same models scored again with another relevance rule (e.g. `minRating` 4: only held-out ratings >= 4 count),
 * without retraining. Rows in the report's order; RMSE and timings carried over.
 */
export function rescoreProtocol(report: ProtocolReport, options: { minRating?: number | null; k?: number } = {}): ProtocolRow[] {
  const k = checkInteger("options.k", options.k ?? report.k, 1);
  const any = Object.values(report.models)[0]!;
  const train = indexInteractions(report.split.train, any.userIds, any.itemIds),
    test = indexInteractions(report.split.validation, any.userIds, any.itemIds);
  return report.rows.map((row) => {
    const r = heldOutRanking(weightsOfRow(report, row.method), train, test, { k, minRating: options.minRating ?? null });
    return { ...row, precision: r.precision, recall: r.recall, ndcg: r.ndcg, map: r.map, mapAtK: r.mapAtK, f1: r.f1, hitRate: r.hitRate, coverage: r.coverage };
  });
}

/** The table as fixed-width text, "-" where a number does not apply. */
export function formatProtocolTable(report: ProtocolReport): string {
  const k = report.k;
  const cols: [string, keyof ProtocolRow, number][] = [
    [`P@${k}`, "precision", 4],
    [`R@${k}`, "recall", 4],
    [`NDCG@${k}`, "ndcg", 4],
    ["MAP", "map", 4],
    [`MAP@${k}`, "mapAtK", 4],
    [`F1@${k}`, "f1", 4],
    [`HR@${k}`, "hitRate", 4],
    ["coverage", "coverage", 4],
    ["RMSE", "rmse", 4],
    ["ms/epoch", "msPerEpoch", 1],
  ];
  const w0 = Math.max(6, ...report.rows.map((r) => r.method.length));
  const lines = [["method".padEnd(w0), ...cols.map(([h]) => h.padStart(9))].join("  ")];
  for (const r of report.rows) {
    lines.push(
      [
        r.method.padEnd(w0),
        ...cols.map(([, key, d]) => {
          const v = r[key];
          return (typeof v === "number" && Number.isFinite(v) ? v.toFixed(d) : "-").padStart(9);
        }),
      ].join("  "),
    );
  }
  return lines.join("\n") + "\n";
}

/** One rank of {@link userTopLists}: each method's item there (raw ID) and whether the user has it in the test part. */
export interface UserTopRow {
  readonly rank: number;
  readonly [method: string]: string | number;
}

/** The weights behind one row of the report (its method name). */
function weightsOfRow(report: ProtocolReport, method: string): MfWeights {
  if (method === "popularity") return report.popularity;
  const m = method === "MF (MSE)" ? report.models.mse : report.models.bpr;
  if (!m) throw new InvalidArgumentError("method", "a method of the report", method);
  return m.weights;
}

/**
 * The top-k of one user (raw ID) from every method of the report, side by side: rank, then per method the item
 * (its raw ID, or `nameOf(id)`, e.g. a film's title) with " *" appended when it is one of the user's held-out
 * interactions (a hit under the protocol).
 */
export function userTopLists(report: ProtocolReport, userId: string, k = report.k, nameOf: (itemId: string) => string = (id) => id): UserTopRow[] {
  const any = Object.values(report.models)[0]!;
  const u = any.userIds.index(userId);
  checkInteger("k", k, 1);
  const train = indexInteractions(report.split.train, any.userIds, any.itemIds),
    test = indexInteractions(report.split.validation, any.userIds, any.itemIds);
  const held = new Set<number>();
  for (let r = 0; r < test.length; r++) if (test.users[r] === u) held.add(test.items[r]!);
  const exclude = candidateExclusions(train, any.weights.numUsers, any.weights.numItems);
  const lists = report.rows.map((row) => ({
    method: row.method,
    items: topNForUserIndex(weightsOfRow(report, row.method), u, k, ratedItemsOf(exclude, u)).items,
  }));
  return Array.from({ length: k }, (_, j) => {
    const row: Record<string, string | number> = { rank: j + 1 };
    for (const l of lists) {
      const i = l.items[j];
      row[l.method] = i === undefined ? "" : `${nameOf(any.itemIds.id(i))}${held.has(i) ? " *" : ""}`;
    }
    return row as UserTopRow;
  });
}

/** How popular the items a method recommends are (its top-k lists over the ranked users). */
export interface RecommendedPopularity {
  readonly method: string;
  /** Mean number of training interactions of a recommended item (an item in many lists counts each time). */
  readonly meanTrainingCount: number;
  /** Median of the same. */
  readonly medianTrainingCount: number;
  /** Share of recommended items among the most-interacted `headShare` of the training items (default 10 %). */
  readonly headShare: number;
  /** Share of recommended items with fewer than 10 training interactions. */
  readonly rareShare: number;
}

/**
 * What each method's top-k lists are made of, measured by the training counts of the recommended items: every
 * user with a training row gets a list (as in the report), items unseen in training excluded. A rating model that
 * recommends rarely-rated items scores low on the protocol however well it predicts ratings.
 */
export function recommendedPopularity(report: ProtocolReport, headShare = 0.1): RecommendedPopularity[] {
  checkNumber("headShare", headShare, 0, 1);
  const any = Object.values(report.models)[0]!;
  const nU = any.weights.numUsers,
    nI = any.weights.numItems,
    k = report.k;
  const train = indexInteractions(report.split.train, any.userIds, any.itemIds);
  const count = new Float64Array(nI),
    hasTrain = new Uint8Array(nU);
  for (let r = 0; r < train.length; r++) {
    count[train.items[r]!]!++;
    hasTrain[train.users[r]!] = 1;
  }
  const trained = Array.from({ length: nI }, (_, i) => i)
    .filter((i) => count[i]! > 0)
    .sort((a, b) => count[b]! - count[a]! || a - b);
  const head = new Uint8Array(nI);
  for (const i of trained.slice(0, Math.max(1, Math.round(headShare * trained.length)))) head[i] = 1;
  const users = Int32Array.from({ length: nU }, (_, u) => u).filter((u) => hasTrain[u] === 1);
  const exclude = candidateExclusions(train, nU, nI);
  return report.rows.map((row) => {
    const top = topNAllUsers(weightsOfRow(report, row.method), k, { exclude, users });
    const counts: number[] = [];
    let inHead = 0,
      rare = 0;
    for (let x = 0; x < users.length; x++) {
      for (let j = 0; j < top.counts[x]!; j++) {
        const i = top.items[x * k + j]!;
        counts.push(count[i]!);
        inHead += head[i]!;
        if (count[i]! < 10) rare++;
      }
    }
    const n = counts.length;
    counts.sort((a, b) => a - b);
    const median = n === 0 ? NaN : n % 2 ? counts[(n - 1) / 2]! : (counts[n / 2 - 1]! + counts[n / 2]!) / 2;
    return {
      method: row.method,
      meanTrainingCount: n ? counts.reduce((a, b) => a + b, 0) / n : NaN,
      medianTrainingCount: median,
      headShare: n ? inHead / n : NaN,
      rareShare: n ? rare / n : NaN,
    };
  });
}

/** The first user (by raw ID) with at least `minHeldOut` held-out interactions: the user a notebook shows lists for. */
export function sampleUser(report: ProtocolReport, minHeldOut = 5): string {
  checkInteger("minHeldOut", minHeldOut, 1);
  const n = new Map<string, number>();
  for (const r of report.split.validation) n.set(r.userId, (n.get(r.userId) ?? 0) + 1);
  const any = Object.values(report.models)[0]!;
  const id = any.userIds.toArray().find((u) => (n.get(u) ?? 0) >= minHeldOut);
  if (id === undefined) throw new InvalidArgumentError("report", `a user with at least ${minHeldOut} held-out interactions`, "none");
  return id;
}
