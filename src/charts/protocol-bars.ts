/** Bars of recommenders' protocol table: every method side by side, one group of bars per metric. */
import type { ProtocolReport, ProtocolRow } from "../evaluate/protocol";
import { InvalidArgumentError } from "../errors";
import type { Figure } from "./types";
import { round } from "../util";

type ProtocolMetric = "precision" | "recall" | "ndcg" | "map" | "mapAtK" | "f1" | "hitRate" | "coverage";
const LABELS: Record<ProtocolMetric, string> = {
  precision: "precision@k",
  recall: "recall@k",
  ndcg: "NDCG@k",
  map: "MAP",
  mapAtK: "MAP@k",
  f1: "F1@k",
  hitRate: "hit rate@k",
  coverage: "coverage",
};
const COLOURS: Record<string, string> = { "MF (MSE)": "#1f77b4", "MF (BPR)": "#d62728", popularity: "#7f7f7f" };

/** Grouped bars (default: precision, recall, NDCG and MAP at k), one trace per method of the report. */
export function protocolBarsFigure(report: Pick<ProtocolReport, "k" | "rows">, options: { metrics?: readonly ProtocolMetric[]; title?: string } = {}): Figure {
  if (typeof report !== "object" || report === null || !Array.isArray(report.rows) || report.rows.length === 0) {
    throw new InvalidArgumentError("report", "a ProtocolReport with rows", report);
  }
  const metrics = options.metrics ?? (["precision", "recall", "ndcg", "mapAtK"] as const);
  metrics.forEach((m, j) => {
    if (!(m in LABELS)) throw new InvalidArgumentError(`options.metrics[${j}]`, `one of ${Object.keys(LABELS).join(", ")}`, m);
  });
  const x = metrics.map((m) => LABELS[m].replace("@k", `@${report.k}`));
  const data = report.rows.map((row: ProtocolRow, j) => ({
    type: "bar" as const,
    name: row.method,
    x,
    y: metrics.map((m) => round(row[m], 4)),
    marker: { color: COLOURS[row.method] ?? ["#2ca02c", "#9467bd", "#8c564b"][j % 3]! },
  }));
  return {
    data,
    layout: { title: { text: options.title ?? `Top-${report.k} lists on the held-out interactions (higher is better)` }, barmode: "group" as const },
  };
}
