/**
 * Shows Plotly figures (offline, in JupyterLab and in nbconvert's HTML) and records key numbers in a tslab
 * notebook; re-exports the table and live-output helpers so a notebook needs one import.
 */
import * as fs from "node:fs";
import { InvalidArgumentError } from "../errors";
import { checkInteger, checkString } from "../validate";
import { sessionState, writeBundle, type MimeBundle } from "./kernel";
import type { Figure } from "../charts/types";

export type { MimeBundle } from "./kernel";
export { showTable, tableBundle, tableRows, type TableLike, type TableOptions } from "./table";
export { createLiveOutput, trainingProgress, lossSparklineSvg, type LiveOutput } from "./live";

/**
 * What `showFigure` draws: a figure from the chart builders in src/charts (typed by plotly.js' declarations), or a
 * figure written as a plain object in a notebook cell. The second form is accepted because those declarations
 * are narrower than plotly.js itself (they reject `mode: "markers+text"` and per-point `textposition` arrays,
 * both of which plotly.js draws), so a valid figure written in a cell would not type-check.
 */
export type PlotlyFigure = Figure | { readonly data: readonly object[]; readonly layout?: object; readonly config?: object };

/** The MIME type JupyterLab's and VS Code's Plotly renderers read. */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";
/** The MIME type under which a notebook records its key numbers for test/notebooks/executed.test.ts. */
export const RESULTS_MIME = "application/vnd.ewb.results+json";

/**
 * The output bundle for one figure: Plotly JSON for JupyterLab, and HTML that draws the same figure with
 * the plotly.js already loaded into the page (see {@link plotlyLoaderBundle}) for nbconvert's HTML report,
 * plus a text fallback.
 */
export function figureBundle(figure: PlotlyFigure, divId: string, height = 420): MimeBundle {
  checkFigure(figure);
  checkString("divId", divId);
  if (!/^[A-Za-z][\w-]*$/.test(divId)) throw new InvalidArgumentError("divId", "an HTML id of letters, digits, _ and -", divId);
  checkInteger("height", height, 50, 5000);
  const config = { responsive: true, displaylogo: false, ...(figure.config ?? {}) };
  const spec = { data: figure.data, layout: figure.layout ?? {}, config };
  const title = figureTitle(figure);
  // The figure goes into a <script>: escaping "<" keeps a "</script>" inside a label from ending it early.
  const json = JSON.stringify(spec).replace(/</g, "\\u003c");
  // An untrusted notebook (opened, not run) drops the script: the div then shows one line saying what is missing,
  // not a blank box. The script gives the div its height and replaces that line with the chart.
  const fallback = `Chart${title ? ` "${escapeHtml(title)}"` : ""}: drawn when the notebook is trusted or this cell is run.`;
  const html =
    `<div id="${divId}" class="ewb-plot" style="width:100%"><span class="ewb-plot-fallback">${fallback}</span></div>\n` +
    `<script type="text/javascript">(function () {\n` +
    `  var el = document.getElementById(${JSON.stringify(divId)}), spec = ${json};\n` +
    `  if (!window.Plotly) { el.textContent = "plotly.js is not loaded in this page: run the notebook from the top."; return; }\n` +
    `  el.textContent = ""; el.style.height = "${height}px";\n` +
    `  window.Plotly.newPlot(el, spec.data, spec.layout, spec.config);\n` +
    `})();</script>`;
  return {
    [PLOTLY_MIME]: { data: figure.data, layout: figure.layout ?? {}, config },
    "text/html": html,
    "text/plain": `<Plotly figure${title ? `: ${title}` : ""}, ${figure.data.length} trace(s)>`,
  };
}

/**
 * The output that inlines the plotly.js bundle into the page once, so the HTML of later figures can draw
 * without a network. A CDN <script src> would not work offline.
 */
export function plotlyLoaderBundle(bundleSource: string): MimeBundle {
  checkString("bundleSource", bundleSource);
  // A literal "</script" in the bundle would end the tag early; in JS strings and regexes "<\/" means the same.
  const safe = bundleSource.replace(/<\/script/gi, "<\\/script");
  return {
    "text/html": `<script type="text/javascript">\n${safe}\n</script>`,
    "text/plain": "<plotly.js loaded inline for the HTML charts below>",
  };
}

/** The output that records a notebook's key numbers: machine-readable JSON plus a readable text copy. */
export function resultsBundle(name: string, values: Readonly<Record<string, unknown>>): MimeBundle {
  checkString("name", name);
  if (values === null || typeof values !== "object" || Array.isArray(values)) {
    throw new InvalidArgumentError("values", "an object of named results", values);
  }
  const record = { name, values };
  // Round-trip now so a NaN or a cycle fails here, in the notebook, rather than as a silent null later.
  const text = JSON.stringify(record, null, 2);
  for (const [k, v] of Object.entries(values)) {
    if (typeof v === "number" && !Number.isFinite(v)) throw new InvalidArgumentError(`values.${k}`, "a finite number", v);
  }
  return { [RESULTS_MIME]: JSON.parse(text) as object, "text/plain": text };
}

/** Displays a Plotly figure in the running tslab kernel (loading plotly.js into the page first, once). */
export function showFigure(figure: PlotlyFigure, options: { height?: number } = {}): void {
  const bundle = figureBundle(figure, nextDivId(), options.height ?? 420);
  const state = sessionState();
  if (!state.plotlyLoaded) {
    writeBundle(plotlyLoaderBundle(readPlotlyBundle()));
    state.plotlyLoaded = true;
  }
  writeBundle(bundle);
}

/** Displays a notebook's key numbers under {@link RESULTS_MIME} so tests of the executed notebook can read them. */
export function recordResults(name: string, values: Readonly<Record<string, unknown>>): void {
  writeBundle(resultsBundle(name, values));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] as string);
}

/** Reads the plotly.js-dist-min bundle from node_modules. */
export function readPlotlyBundle(): string {
  const file = require.resolve("plotly.js-dist-min");
  return fs.readFileSync(file, "utf8");
}

function nextDivId(): string {
  const state = sessionState();
  state.figures += 1;
  // The pid keeps ids unique when several notebooks share one browser page (JupyterLab).
  return `ewb-plot-${process.pid}-${state.figures}`;
}

function checkFigure(figure: PlotlyFigure): void {
  if (figure === null || typeof figure !== "object" || !Array.isArray(figure.data)) {
    throw new InvalidArgumentError("figure", "a Plotly figure { data: [...], layout?: {...} }", figure);
  }
}

function figureTitle(figure: PlotlyFigure): string | undefined {
  const t = (figure.layout as { title?: unknown } | undefined)?.title;
  if (typeof t === "string") return t;
  if (t && typeof t === "object" && typeof (t as { text?: unknown }).text === "string") return (t as { text: string }).text;
  return undefined;
}
