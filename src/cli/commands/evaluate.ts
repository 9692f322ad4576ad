/** `ewb evaluate`: a saved model and the baselines, side by side, on the held-out part of a dataset or a test file. */
import type { Command } from "../command";
import { numberOption, stringOption, UsageError } from "../command";
import { DATA_OPTIONS, dataSourceFromOptions } from "../data-options";
import { describeSource, loadDataset } from "../../data/load";
import { fingerprintInteractions } from "../../data/indexed";
import { loadModel } from "../../model/persist";
import {
  evaluateModel,
  recreateSplit,
  splitByModel,
  DEFAULT_K,
  DEFAULT_RELEVANCE_THRESHOLD,
  type EvaluationRow,
  type RecordedSplit,
} from "../../evaluate/report";
import type { Interaction } from "../../data/types";
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
    let train: readonly Interaction[], heldOut: readonly Interaction[];
    // What the model was fitted on and how its split was made (absent in older models: the training rows are then
    // the model's rated items, as before).
    const record = (model as { split?: RecordedSplit }).split;
    const fittedOn = (model as { fittedOn?: string }).fittedOn ?? "train";
    if (testPath !== undefined) {
      const fmt = stringOption(opts, "format") ?? "csv";
      const t = await loadDataset(fmt === "movielens" ? { kind: "movielens", path: testPath } : { kind: "csv", path: testPath });
      if (record?.kind === "file" && fittedOn === "all" && fingerprintInteractions(t.interactions) === record.fingerprint) {
        throw new UsageError(
          `Expected a --test file the model was not fitted on, but ${testPath} is its validation file and the model was refit on all data (fittedOn "all")`,
        );
      }
      train = dataset.interactions;
      heldOut = t.interactions;
    } else if (fittedOn === "all") {
      throw new UsageError(
        `Expected a model fitted on a training part only, but ${dir} was refit on every interaction (fittedOn "all"): scoring it on its own rows would be meaningless; pass --test <file> with rows it never saw`,
      );
    } else if (record !== undefined && record.kind !== "file") {
      const s = recreateSplit(record, dataset.interactions);
      if (fingerprintInteractions(s.train) !== model.dataFingerprint) {
        throw new UsageError(
          `Expected the data the model was trained on, but re-creating its ${record.kind} split (seed ${record.seed}) of ${describeSource(source)} gives other training rows (fingerprints differ)`,
        );
      }
      train = s.train;
      heldOut = s.validation;
    } else {
      const s = splitByModel(model, dataset.interactions);
      train = s.train;
      heldOut = s.heldOut;
      if (heldOut.length === 0)
        throw new UsageError(`Expected rows the model did not train on in ${describeSource(source)}, but it trained on all of them; pass --test <file>`);
    }
    const sameData = fingerprintInteractions(train) === model.dataFingerprint;
    if (!sameData)
      ctx.io.stderr.write("ewb evaluate: note: the training rows found here are not exactly the rows the model was trained on (fingerprints differ)\n");
    const report = evaluateModel(model, train, heldOut, { k, relevanceThreshold: relevant, dataset });
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
