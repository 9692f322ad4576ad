/** `ewb evaluate`: a saved model and the baselines, side by side, on the held-out part of a dataset or a test file. */
import type { Command } from "../command";
import { numberOption, stringOption, UsageError } from "../command";
import { DATA_OPTIONS, dataSourceFromOptions } from "../data-options";
import { describeSource, loadDataset } from "../../data/load";
import { fingerprintIndexed, type IndexedRatings } from "../../data/indexed";
import { assignedRows, SPLIT_TRAIN, SPLIT_VALIDATION } from "../../data/split";
import { InvalidArgumentError } from "../../errors";
import { loadModel } from "../../model/persist";
import {
  evaluateIndexed,
  indexTranslation,
  splitAssignment,
  splitByModelAssignment,
  translateRows,
  DEFAULT_K,
  DEFAULT_RELEVANCE_THRESHOLD,
  type EvaluationRow,
  type RecordedSplit,
} from "../../evaluate/report";
import type { Objective } from "../../model/types";
import { STRATIFIED_SEED } from "../../data/stratified-split";
import { formatProtocolTable, runRecommendersProtocol } from "../../evaluate/protocol";

const { data, mysql, format, test } = DATA_OPTIONS;
const tablePrefix = DATA_OPTIONS["table-prefix"];

export const evaluateCommand: Command = {
  name: "evaluate",
  summary: "RMSE, MAE and ranking metrics (precision/recall/NDCG/hit rate@k, coverage) of a model next to global-mean, bias-only and popularity baselines",
  usage:
    "--model <dir> (--data <file> | --mysql) [--test <file>] [--k 10] [--relevant 4]\n" +
    "       --protocol recommenders (--data <file> | --mysql) [--objective mse,bpr] [--stratify item|user] [--relevant all|<rating>] [--seed 42]",
  options: {
    model: { type: "string", placeholder: "<dir>", description: "model directory written by `ewb train`" },
    ...(data ? { data } : {}),
    ...(mysql ? { mysql } : {}),
    ...(tablePrefix ? { "table-prefix": tablePrefix } : {}),
    ...(format ? { format } : {}),
    ...(test ? { test: { ...test, description: "held-out file; without it, the rows of --data the model did not train on are held out" } } : {}),
    k: { type: "string", placeholder: "<n>", description: "list length of the ranking metrics", default: String(DEFAULT_K) },
    relevant: {
      type: "string",
      placeholder: "<rating>",
      description: "held-out ratings at least this count as relevant (with --protocol: default all, every held-out row)",
      default: String(DEFAULT_RELEVANCE_THRESHOLD),
    },
    protocol: {
      type: "string",
      placeholder: "recommenders",
      description: "recommenders' benchmark protocol: stratified 75/25 split, each objective trained with its defaults, top-k among unseen items (no --model)",
    },
    objective: { type: "string", placeholder: "mse,bpr", description: "with --protocol: the objectives to train", default: "mse,bpr" },
    stratify: {
      type: "string",
      placeholder: "item|user",
      description: "with --protocol: stratify the split by item (the benchmark notebook) or user",
      default: "item",
    },
    seed: { type: "string", placeholder: "<n>", description: "with --protocol: seed of the split", default: String(STRATIFIED_SEED) },
  },
  async run(opts, ctx) {
    if (stringOption(opts, "protocol") !== undefined) return runProtocol(opts, ctx);
    const dir = stringOption(opts, "model");
    if (dir === undefined) throw new UsageError("Expected --model <dir>, but got none");
    const k = numberOption(opts, "k", true) ?? DEFAULT_K;
    if (k < 1) throw new UsageError(`Expected --k to be an integer >= 1, but got ${k}`);
    const relevant = numberOption(opts, "relevant") ?? DEFAULT_RELEVANCE_THRESHOLD;
    const model = loadModel(dir);
    const source = dataSourceFromOptions(opts);
    const dataset = await loadDataset(source);
    const testPath = stringOption(opts, "test");
    // Every step on the columnar rows: the split's assignment, its parts copied once and translated to the model's
    // indices (a no-op when the model's maps are the dataset's), no per-row objects.
    let train: IndexedRatings, heldOut: IndexedRatings, trainRowsFound: number, heldOutRows: number, sameData: boolean;
    // What the model was fitted on and how its split was made (absent in older models: the training rows are then
    // the model's rated items, as before).
    const record = (model as { split?: RecordedSplit }).split;
    const fittedOn = (model as { fittedOn?: string }).fittedOn ?? "train";
    const userIndex = indexTranslation(dataset.userIds, model.userIds),
      itemIndex = indexTranslation(dataset.itemIds, model.itemIds);
    if (testPath !== undefined) {
      const fmt = stringOption(opts, "format") ?? "csv";
      const t = await loadDataset(fmt === "movielens" ? { kind: "movielens", path: testPath } : { kind: "csv", path: testPath });
      if (record?.kind === "file" && fittedOn === "all" && fingerprintIndexed(t.indexed, t.userIds, t.itemIds) === record.fingerprint) {
        throw new UsageError(
          `Expected a --test file the model was not fitted on, but ${testPath} is its validation file and the model was refit on all data (fittedOn "all")`,
        );
      }
      sameData = fingerprintIndexed(dataset.indexed, dataset.userIds, dataset.itemIds) === model.dataFingerprint;
      trainRowsFound = dataset.indexed.length;
      train = translateRows(dataset.indexed, userIndex, itemIndex).rows;
      heldOut = translateRows(t.indexed, indexTranslation(t.userIds, model.userIds), indexTranslation(t.itemIds, model.itemIds)).rows;
      heldOutRows = t.indexed.length;
    } else if (fittedOn === "all") {
      throw new UsageError(
        `Expected a model fitted on a training part only, but ${dir} was refit on every interaction (fittedOn "all"): scoring it on its own rows would be meaningless; pass --test <file> with rows it never saw`,
      );
    } else {
      let part: Uint8Array, trainRows: IndexedRatings;
      if (record !== undefined && record.kind !== "file") {
        part = splitAssignment(record, dataset);
        trainRows = assignedRows(dataset.indexed, part, SPLIT_TRAIN);
        if (fingerprintIndexed(trainRows, dataset.userIds, dataset.itemIds) !== model.dataFingerprint) {
          throw new UsageError(
            `Expected the data the model was trained on, but re-creating its ${record.kind} split (seed ${record.seed}) of ${describeSource(source)} gives other training rows (fingerprints differ)`,
          );
        }
        sameData = true;
      } else {
        part = splitByModelAssignment(model, dataset);
        trainRows = assignedRows(dataset.indexed, part, SPLIT_TRAIN);
        if (trainRows.length === dataset.indexed.length)
          throw new UsageError(`Expected rows the model did not train on in ${describeSource(source)}, but it trained on all of them; pass --test <file>`);
        sameData = fingerprintIndexed(trainRows, dataset.userIds, dataset.itemIds) === model.dataFingerprint;
      }
      const heldRows = assignedRows(dataset.indexed, part, SPLIT_VALIDATION);
      heldOutRows = heldRows.length;
      trainRowsFound = trainRows.length;
      train = translateRows(trainRows, userIndex, itemIndex, true).rows;
      heldOut = translateRows(heldRows, userIndex, itemIndex, true).rows;
    }
    if (!sameData)
      ctx.io.stderr.write("ewb evaluate: note: the training rows found here are not exactly the rows the model was trained on (fingerprints differ)\n");
    // evaluateModel's checks of the parts as they were found (before rows of unknown users or items are left out).
    if (trainRowsFound === 0) throw new InvalidArgumentError("train", "a non-empty array of interactions", []);
    if (heldOutRows === 0) throw new InvalidArgumentError("heldOut", "a non-empty array of interactions", []);
    const report = evaluateIndexed(model, train, heldOut, { k, relevanceThreshold: relevant, dataset, skippedUnknown: heldOutRows - heldOut.length });
    if (report.skippedUnknown > 0)
      ctx.io.stderr.write(`ewb evaluate: ${report.skippedUnknown} held-out rows have a user or item the model does not know; left out\n`);
    if (!ctx.json)
      ctx.io.stdout.write(
        formatReport(report.rows, k) +
          report.notes.map((n) => `Note: ${n}\n`).join("") +
          `(${report.heldOut} held-out ratings; ranking over ${report.rankedUsers} users with a held-out rating >= ${relevant}; rated training items excluded from every list)\n`,
      );
    return { model: dir, source: describeSource(source), ...(testPath !== undefined ? { test: testPath } : {}), trainingRowsMatchModel: sameData, ...report };
  },
};

/** `--protocol recommenders`: split, train each objective with its defaults, score, print the table. */
async function runProtocol(opts: Readonly<Record<string, unknown>>, ctx: Parameters<Command["run"]>[1]): Promise<object> {
  const protocol = stringOption(opts, "protocol");
  if (protocol !== "recommenders") throw new UsageError(`Expected --protocol to be recommenders, but got ${JSON.stringify(protocol)}`);
  if (stringOption(opts, "model") !== undefined)
    throw new UsageError("Expected no --model with --protocol: the protocol trains each objective on its own split");
  if (stringOption(opts, "test") !== undefined) throw new UsageError("Expected no --test with --protocol: the protocol makes its own stratified split");
  const k = numberOption(opts, "k", true) ?? DEFAULT_K;
  if (k < 1) throw new UsageError(`Expected --k to be an integer >= 1, but got ${k}`);
  const rel = stringOption(opts, "relevant") ?? "all";
  const minRating = rel === "all" ? null : Number(rel);
  if (minRating !== null && !Number.isFinite(minRating)) throw new UsageError(`Expected --relevant to be all or a rating, but got ${JSON.stringify(rel)}`);
  const by = stringOption(opts, "stratify") ?? "item";
  if (by !== "item" && by !== "user") throw new UsageError(`Expected --stratify to be item or user, but got ${JSON.stringify(by)}`);
  const objectives = (stringOption(opts, "objective") ?? "mse,bpr").split(",").map((o) => o.trim());
  for (const o of objectives) if (o !== "mse" && o !== "bpr") throw new UsageError(`Expected --objective to list mse and/or bpr, but got ${JSON.stringify(o)}`);
  const seed = numberOption(opts, "seed", true) ?? STRATIFIED_SEED;
  const source = dataSourceFromOptions(opts);
  const dataset = await loadDataset(source);
  const report = await runRecommendersProtocol(dataset, {
    k,
    by,
    seed,
    minRating,
    objectives: objectives as Objective[],
    onEpochEnd: (o, r) => {
      ctx.io.stderr.write(`\rtraining ${o}: epoch ${r.epoch + 1}, loss ${r.trainLoss.toFixed(4)}   `);
    },
  });
  ctx.io.stderr.write("\n");
  if (!ctx.json) {
    ctx.io.stdout.write(
      formatProtocolTable(report) +
        `(recommenders' protocol on ${describeSource(source)}: stratified by ${report.by}, ${report.trainRows} training / ${report.testRows} test rows, seed ${report.seed}; ` +
        `top-${k} among items each user has no training row for; relevant = ${minRating === null ? "every held-out interaction" : `held-out rating >= ${minRating}`}; ${report.users} users)\n`,
    );
  }
  const { models: _models, split: _split, popularity: _popularity, ...rest } = report;
  return { source: describeSource(source), protocol, ...rest };
}

/** The table as fixed-width text: one line per method, "-" where a metric does not apply. */
export function formatReport(rows: readonly EvaluationRow[], k: number): string {
  const cols: [string, keyof EvaluationRow][] = [
    ["RMSE", "rmse"],
    ["MAE", "mae"],
    [`P@${k}`, "precision"],
    [`R@${k}`, "recall"],
    [`NDCG@${k}`, "ndcg"],
    [`HR@${k}`, "hitRate"],
    ["coverage", "coverage"],
    ["own-group", "categoryShare"],
  ];
  const showShare = rows.some((r) => r.categoryShare !== null);
  const used = showShare ? cols : cols.slice(0, -1);
  const w0 = Math.max(...rows.map((r) => r.method.length), 6);
  const lines = [["method".padEnd(w0), ...used.map(([h]) => h.padStart(9))].join("  ")];
  for (const r of rows) {
    lines.push(
      [
        r.method.padEnd(w0),
        ...used.map(([, key]) => {
          const v = r[key];
          return (typeof v === "number" ? v.toFixed(4) : "-").padStart(9);
        }),
      ].join("  "),
    );
  }
  return lines.join("\n") + "\n";
}
