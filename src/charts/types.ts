/** Plotly figures as plain data, and the colours the charts share. */

/** A Plotly figure: traces and layout, JSON-serialisable (what `display.raw("application/vnd.plotly.v1+json", f)` takes). */
export interface Figure {
  readonly data: Record<string, unknown>[];
  readonly layout: Record<string, unknown>;
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
