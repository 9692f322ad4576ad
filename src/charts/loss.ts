/** Train and validation loss per epoch as a line chart. */
import type { EpochRecord } from "../model/types";
import { InvalidArgumentError } from "../errors";
import type { Figure } from "./types";

/**
 * Two lines, train loss and validation loss (MSE) against the epoch; a dotted marker at `bestEpoch` when given.
 * @example
 * lossFigure([{ epoch: 0, trainLoss: 3.2, valLoss: 3.1, valRmse: 1.76, valMae: 1.4, seconds: 0.1 }]).data.length //=> 2
 */
export function lossFigure(history: readonly EpochRecord[], options: { title?: string; bestEpoch?: number; logY?: boolean } = {}): Figure {
  if (!Array.isArray(history) || history.length === 0) throw new InvalidArgumentError("history", "a non-empty array of epoch records", history);
  history.forEach((h, j) => {
    if (typeof h !== "object" || h === null || !Number.isFinite(h.epoch) || !Number.isFinite(h.trainLoss) || !Number.isFinite(h.valLoss)) {
      throw new InvalidArgumentError(`history[${j}]`, "an epoch record with finite epoch, trainLoss and valLoss", h);
    }
  });
  const x = history.map((h) => h.epoch);
  const data: Record<string, unknown>[] = [
    { type: "scatter", mode: "lines+markers", name: "train loss", x, y: history.map((h) => h.trainLoss), line: { color: "#1f77b4" } },
    { type: "scatter", mode: "lines+markers", name: "validation loss", x, y: history.map((h) => h.valLoss), line: { color: "#ff7f0e" } },
  ];
  const shapes: Record<string, unknown>[] = [];
  if (options.bestEpoch !== undefined) {
    if (!x.includes(options.bestEpoch)) throw new InvalidArgumentError("options.bestEpoch", "an epoch in the history", options.bestEpoch);
    shapes.push({ type: "line", x0: options.bestEpoch, x1: options.bestEpoch, yref: "paper", y0: 0, y1: 1, line: { dash: "dot", color: "#555" } });
  }
  return {
    data,
    layout: {
      title: { text: options.title ?? "Loss per epoch" },
      xaxis: { title: { text: "epoch" } },
      // A log axis' default ticks label 0.4 as "4" (digits of the decade): ticks at 1, 2, 5 per decade, written as values.
      yaxis: { title: { text: "MSE" }, ...(options.logY ? { type: "log", dtick: "D2", tickformat: ".2~g" } : {}) },
      shapes,
      legend: { orientation: "h" },
    },
  };
}
