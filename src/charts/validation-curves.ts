/** Validation loss per epoch of several models in one chart (notebook 07: MF beside the neural model). */
import type { EpochRecord } from "../model/types";
import { InvalidArgumentError } from "../errors";
import type { Figure } from "./types";

/** One model's curve: its name (the legend entry) and its per-epoch history. */
export interface ValidationCurve {
  readonly name: string;
  readonly history: readonly EpochRecord[];
}

const COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

/** One line per model: validation MSE against the epoch. Histories without validation figures (a refit) are refused. */
export function validationCurvesFigure(curves: readonly ValidationCurve[], options: { title?: string; logY?: boolean } = {}): Figure {
  if (!Array.isArray(curves) || curves.length === 0) throw new InvalidArgumentError("curves", "a non-empty array of { name, history }", curves);
  const data: Record<string, unknown>[] = curves.map((c: ValidationCurve, j) => {
    const history: readonly EpochRecord[] | undefined = c?.history;
    if (typeof c?.name !== "string" || !history || history.length === 0)
      throw new InvalidArgumentError(`curves[${j}]`, "{ name, history } with a non-empty history", c);
    history.forEach((h, e) => {
      if (!Number.isFinite(h?.epoch) || !Number.isFinite(h?.valLoss))
        throw new InvalidArgumentError(`curves[${j}].history[${e}]`, "an epoch record with a finite valLoss", h);
    });
    return {
      type: "scatter",
      mode: "lines+markers",
      name: c.name,
      x: history.map((h) => h.epoch),
      y: history.map((h) => h.valLoss),
      line: { color: COLOURS[j % COLOURS.length] },
      marker: { size: 4 },
    };
  });
  return {
    data,
    layout: {
      title: { text: options.title ?? "Validation MSE per epoch" },
      xaxis: { title: { text: "epoch" } },
      // As lossFigure: log ticks at 1, 2, 5 per decade, written as values.
      yaxis: { title: { text: "validation MSE" }, ...(options.logY ? { type: "log", dtick: "D2", tickformat: ".2~g" } : {}) },
      // At the right (Plotly's default place): a horizontal legend under the plot sits on the x axis title.
      legend: { x: 1.02, y: 1, xanchor: "left" },
    },
  };
}
