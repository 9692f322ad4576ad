/** Metric bars: the model against the baselines, one group of bars per metric. */
import type { EvaluationReport, EvaluationRow } from "../evaluate/report";
import { InvalidArgumentError } from "../errors";
import type { Figure } from "./types";
import { round } from "../util";

type Metric = Exclude<keyof EvaluationRow, "method">;
const LABELS: Record<Metric, string> = {
  rmse: "RMSE",
  mae: "MAE",
  precision: "precision@k",
  recall: "recall@k",
  ndcg: "NDCG@k",
  hitRate: "hit rate@k",
  coverage: "coverage",
  categoryShare: "own-group share",
};
const METHOD_COLOURS = ["#1f77b4", "#ff7f0e", "#7f7f7f", "#2ca02c", "#9467bd"];

/**
 * Grouped bars, one trace per method; a metric that does not apply to a method (null) has no bar rather than a 0.
 * Default metrics: the ranking ones (precision, recall, NDCG, hit rate, coverage); pass ["rmse", "mae"] for errors.
 */
export function metricBarsFigure(report: EvaluationReport, options: { metrics?: readonly Metric[]; title?: string } = {}): Figure {
  if (typeof report !== "object" || report === null || !Array.isArray(report.rows) || report.rows.length === 0) {
    throw new InvalidArgumentError("report", "an EvaluationReport with rows", report);
  }
  const metrics = options.metrics ?? (["precision", "recall", "ndcg", "hitRate", "coverage"] as const);
  metrics.forEach((m, j) => {
    if (!(m in LABELS)) throw new InvalidArgumentError(`options.metrics[${j}]`, `one of ${Object.keys(LABELS).join(", ")}`, m);
  });
  const x = metrics.map((m) => LABELS[m].replace("@k", `@${report.k}`));
  // A method with none of these metrics (popularity has no RMSE) gets no trace, so the legend lists only drawn bars;
  // each method keeps its colour whichever others are left out.
  const data = report.rows
    .map((row, j) => ({
      type: "bar" as const,
      name: row.method,
      x,
      y: metrics.map((m) => (row[m] === null ? null : round(row[m] as number, 4))),
      marker: { color: METHOD_COLOURS[j % METHOD_COLOURS.length] },
    }))
    .filter((trace) => trace.y.some((v) => v !== null));
  return {
    data,
    layout: {
      title: { text: options.title ?? `Model vs baselines (k = ${report.k}, relevant = rating >= ${report.relevanceThreshold})` },
      barmode: "group" as const,
    },
  };
}
