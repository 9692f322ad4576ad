/** Plotly figures as plain data, and the colours the charts share. */
import type { Config, Layout, PlotData } from "plotly.js";

/**
 * A Plotly figure as plain, JSON-serialisable data, typed by plotly.js' own declarations: what every chart builder
 * returns and what `showFigure` draws (also under the Plotly MIME type, for JupyterLab's renderer).
 */
export interface Figure {
  /** Traces (scatter, bar and heatmap: what the builders draw; PlotData is plotly.js' type for these). */
  readonly data: Partial<PlotData>[];
  readonly layout: Partial<Layout>;
  readonly config?: Partial<Config>;
}

/** One colour per known group/category, the same in every chart; others get the fallback palette in order. */
export const GROUP_COLOURS: Readonly<Record<string, string>> = {
  tech: "#1f77b4",
  fashion: "#d62728",
  sports: "#2ca02c",
  "fashion+sports": "#9467bd",
};

const FALLBACK = ["#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/** The colour of a label: its fixed colour, else the fallback palette by position among `others`. */
export function colourFor(label: string, position: number): string {
  return GROUP_COLOURS[label] ?? (FALLBACK[position % FALLBACK.length] as string);
}
