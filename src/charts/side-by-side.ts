/** Puts several Plotly figures side by side in one figure (one panel each), e.g. random beside trained. */
import { InvalidArgumentError } from "../errors";
import type { Figure } from "./types";

type Obj = Record<string, unknown>;

/**
 * One figure with the given figures as panels from left to right. Each panel keeps its traces, axes,
 * shapes and annotations (moved onto its own axes), its title becomes the panel's heading, and only the
 * last panel keeps colour scales, so panels that share a scale show one colour bar.
 */
export function sideBySide(figures: readonly Figure[], options: { title?: string; gap?: number } = {}): Figure {
  if (!Array.isArray(figures) || figures.length === 0) throw new InvalidArgumentError("figures", "a non-empty array of Plotly figures", figures);
  figures.forEach((f, j) => {
    if (f === null || typeof f !== "object" || !Array.isArray(f.data)) throw new InvalidArgumentError(`figures[${j}]`, "a Plotly figure { data: [...] }", f);
  });
  const gap = options.gap ?? 0.08;
  if (!(gap >= 0 && gap < 0.5)) throw new InvalidArgumentError("options.gap", "a number in [0, 0.5)", gap);
  const n = figures.length;
  const width = (1 - gap * (n - 1)) / n;
  const data: Obj[] = [];
  const layout: Obj = { annotations: [], shapes: [] };
  if (options.title) layout.title = { text: options.title };
  figures.forEach((f, j) => {
    const s = j === 0 ? "" : String(j + 1);
    const start = j * (width + gap);
    const end = start + width;
    const fl = (f.layout ?? {}) as Obj;
    const last = j === n - 1;
    for (const t of f.data as Obj[]) {
      const trace: Obj = { ...t, xaxis: `x${s}`, yaxis: `y${s}` };
      if (!last && ("colorscale" in t || t.type === "heatmap")) trace.showscale = false;
      data.push(trace);
    }
    layout[`xaxis${s}`] = { ...renameAxes(fl.xaxis as Obj | undefined, s), domain: [start, end], anchor: `y${s}` };
    layout[`yaxis${s}`] = { ...renameAxes(fl.yaxis as Obj | undefined, s), anchor: `x${s}` };
    for (const shape of (fl.shapes as Obj[] | undefined) ?? []) (layout.shapes as Obj[]).push(onPanel(shape, s, start, end));
    for (const note of (fl.annotations as Obj[] | undefined) ?? []) (layout.annotations as Obj[]).push(onPanel(note, s, start, end));
    const heading = titleText(fl.title);
    if (heading) {
      (layout.annotations as Obj[]).push({
        text: heading,
        showarrow: false,
        xref: "paper",
        yref: "paper",
        x: (start + end) / 2,
        y: 1,
        xanchor: "center",
        yanchor: "bottom",
      });
    }
  });
  return { data, layout };
}

/** An axis' references to "x"/"y" (scaleanchor, matches, overlaying) rewritten to the panel's own axes. */
function renameAxes(axis: Obj | undefined, s: string): Obj {
  if (!axis) return {};
  const out: Obj = { ...axis };
  for (const key of ["scaleanchor", "matches", "overlaying"]) {
    const v = out[key];
    if (v === "x" || v === "y") out[key] = `${v}${s}`;
  }
  delete out.domain;
  delete out.anchor;
  return out;
}

/** A shape or annotation moved onto the panel: data references to its axes, paper x squeezed into its domain. */
function onPanel(item: Obj, s: string, start: number, end: number): Obj {
  const out: Obj = { ...item };
  const xref = (item.xref as string | undefined) ?? "x";
  const yref = (item.yref as string | undefined) ?? "y";
  if (xref === "paper") {
    for (const k of ["x", "x0", "x1"]) if (typeof item[k] === "number") out[k] = start + (end - start) * (item[k] as number);
  } else out.xref = `x${s}`;
  out.yref = yref === "paper" ? "paper" : `y${s}`;
  return out;
}

function titleText(title: unknown): string | undefined {
  if (typeof title === "string") return title;
  if (title && typeof title === "object" && typeof (title as Obj).text === "string") return (title as Obj).text as string;
  return undefined;
}
