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

/** Colours for labels without a fixed one, in order; after them, the cycle starts again with another marker symbol. */
const FALLBACK = ["#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39"];
const SYMBOLS = ["circle", "square", "diamond", "cross", "x", "triangle-up", "star", "hexagon"];

/** How a label is drawn: its colour, and a marker symbol that tells apart labels whose colours repeat. */
export interface LabelStyle {
  readonly colour: string;
  readonly symbol: string;
}

/**
 * The style of each label in `order`: a known group's fixed colour (GROUP_COLOURS), otherwise the fallback palette
 * in order among the labels without a fixed colour. With more such labels than colours, the palette repeats with
 * the next marker symbol, so no two labels look alike until colours x symbols (80) run out.
 */
export function labelStyles(order: readonly string[]): Map<string, LabelStyle> {
  const styles = new Map<string, LabelStyle>();
  let others = 0;
  for (const label of order) {
    if (styles.has(label)) continue;
    const fixed = GROUP_COLOURS[label];
    if (fixed !== undefined) {
      styles.set(label, { colour: fixed, symbol: SYMBOLS[0] as string });
      continue;
    }
    const round = Math.floor(others / FALLBACK.length);
    styles.set(label, { colour: FALLBACK[others % FALLBACK.length] as string, symbol: SYMBOLS[round % SYMBOLS.length] as string });
    others++;
  }
  return styles;
}
