/** Shows Plotly figures, live-updating lines and recorded key numbers in a tslab notebook, offline. */
import * as fs from "node:fs";
import { InvalidArgumentError, WorkbookError } from "../errors";
import { checkInteger, checkString } from "../validate";

/** A Plotly figure as plain data (what the chart builders in src/charts return). */
export interface PlotlyFigure {
  readonly data: readonly object[];
  readonly layout?: object;
  readonly config?: object;
}

/** One Jupyter output: MIME type -> value (JSON MIME types take objects, the rest strings). */
export type MimeBundle = Record<string, string | object>;

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
  const html =
    `<div id="${divId}" class="ewb-plot" style="width:100%;height:${height}px"></div>\n` +
    `<script type="text/javascript">(function () {\n` +
    `  var el = document.getElementById(${JSON.stringify(divId)}), spec = ${json};\n` +
    `  if (!window.Plotly) { el.textContent = "plotly.js is not loaded in this page: run the notebook from the top."; return; }\n` +
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

/** Options for {@link tableBundle}. */
export interface TableOptions {
  /** Shown above the table. */
  readonly caption?: string;
  /** Decimal places for non-integer numbers (default 3). */
  readonly digits?: number;
  /** Show at most this many rows (default 20); the text says how many were left out. */
  readonly maxRows?: number;
}

/**
 * An HTML table plus an aligned text copy for rows of plain records (e.g. `dfd.toJSON(df)` of a danfojs
 * DataFrame); columns are the union of the rows' keys in first-seen order.
 */
export function tableBundle(rows: readonly object[], options: TableOptions = {}): MimeBundle {
  if (!Array.isArray(rows)) throw new InvalidArgumentError("rows", "an array of records", rows);
  const digits = checkInteger("digits", options.digits ?? 3, 0, 12);
  const maxRows = checkInteger("maxRows", options.maxRows ?? 20, 1);
  const columns: string[] = [];
  rows.forEach((r, i) => {
    if (r === null || typeof r !== "object" || Array.isArray(r)) throw new InvalidArgumentError(`rows[${i}]`, "a record (object)", r);
    for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  });
  const fmt = (v: unknown): string =>
    typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(digits)) : v === undefined || v === null ? "" : String(v);
  const shown = rows.slice(0, maxRows).map((r) => columns.map((c) => fmt((r as Record<string, unknown>)[c])));
  const more = rows.length - shown.length;
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const caption = options.caption ? `<caption style="text-align:left;font-weight:bold">${esc(options.caption)}</caption>` : "";
  const head = `<tr>${columns.map((c) => `<th>${esc(c)}</th>`).join("")}</tr>`;
  const body = shown.map((cells) => `<tr>${cells.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`).join("");
  const note = more > 0 ? `<p>… ${more} more row(s)</p>` : "";
  const widths = columns.map((c, j) => Math.max(c.length, ...shown.map((cells) => (cells[j] ?? "").length)));
  const line = (cells: readonly string[]) => cells.map((c, j) => c.padStart(widths[j] ?? 0)).join("  ");
  const text = [options.caption ?? "", line(columns), ...shown.map(line), more > 0 ? `… ${more} more row(s)` : ""].filter((l) => l !== "").join("\n");
  return { "text/html": `<table class="ewb-table">${caption}${head}${body}</table>${note}`, "text/plain": text };
}

/** What {@link showTable} takes: records (any objects), or a table with `columns` and row `values` (a danfojs DataFrame). */
export type TableLike = readonly object[] | { readonly columns: readonly string[]; readonly values: readonly unknown[] };

/** Turns a danfojs-style frame (columns + row arrays) into records; passes records through. */
export function tableRows(table: TableLike): readonly object[] {
  if (Array.isArray(table)) return table;
  const t = table as { columns?: unknown; values?: unknown };
  if (t && Array.isArray(t.columns) && Array.isArray(t.values)) {
    const cols = t.columns as string[];
    return (t.values as unknown[]).map((row) => {
      const cells = Array.isArray(row) ? row : [row];
      return Object.fromEntries(cols.map((c, j) => [c, cells[j]]));
    });
  }
  throw new InvalidArgumentError("table", "an array of records or a DataFrame (columns and values)", table);
}

/** Displays records or a danfojs DataFrame as a table in the running tslab kernel. */
export function showTable(table: TableLike, options: TableOptions = {}): void {
  writeBundle(tableBundle(tableRows(table), options));
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

/** One output area that each {@link LiveOutput.update} overwrites (e.g. the loss line during training). */
export interface LiveOutput {
  /** Replaces the area's content with `text`, or with `html` where the front end shows HTML (text stays the fallback). */
  update(text: string, html?: string): void;
}

/** Creates a live output area in the running tslab kernel. */
export function createLiveOutput(): LiveOutput {
  const area = requireTslab().newDisplay();
  // A display id of our own, for the multi-MIME path: the first write creates the output, later ones replace it.
  const displayId = `ewb-live-${process.pid}-${++sessionState().figures}`;
  let written = false;
  return {
    update: (text: string, html?: string) => {
      checkString("text", text, true);
      const writer = internalWriter();
      if (html !== undefined && writer) {
        writer({ data: { "text/html": checkString("html", html), "text/plain": text }, metadata: {}, transient: { display_id: displayId } }, written);
        written = true;
        return;
      }
      inKernel("a live output", () => area.text(text));
    },
  };
}

/**
 * An `onEpochEnd` callback for trainModel that shows the losses live in one output area: a line of numbers
 * and a sparkline of both losses so far (blue train, orange validation), rewritten after every epoch.
 */
export function trainingProgress(epochs: number, label = ""): (record: { epoch: number; trainLoss: number; valLoss: number }) => void {
  checkInteger("epochs", epochs, 1);
  const live = createLiveOutput();
  const seen: { trainLoss: number; valLoss: number }[] = [];
  return (r) => {
    seen.push({ trainLoss: r.trainLoss, valLoss: r.valLoss });
    const text = `${label ? `${label}: ` : ""}epoch ${r.epoch + 1}/${epochs}   train MSE ${r.trainLoss.toFixed(4)}   validation MSE ${r.valLoss.toFixed(4)}`;
    live.update(text, `<div>${lossSparklineSvg(seen, epochs)}<br><code>${text.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</code></div>`);
  };
}

/**
 * A small SVG of train and validation loss so far (log scale), for a live output during training: no
 * JavaScript, so it shows in every front end and in the HTML report. `epochs` is the planned total.
 */
export function lossSparklineSvg(history: readonly { trainLoss: number; valLoss: number }[], epochs: number, options: { width?: number; height?: number } = {}): string {
  if (!Array.isArray(history)) throw new InvalidArgumentError("history", "an array of epoch records", history);
  checkInteger("epochs", epochs, 1);
  const width = checkInteger("width", options.width ?? 360, 50);
  const height = checkInteger("height", options.height ?? 90, 30);
  const values = history.flatMap((h) => [h.trainLoss, h.valLoss]).filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.log(values.length ? Math.min(...values) : 1);
  const hi = Math.log(values.length ? Math.max(...values) : 10);
  const pad = 4;
  const x = (e: number) => pad + ((width - 2 * pad) * e) / Math.max(1, epochs - 1);
  const y = (v: number) => pad + (height - 2 * pad) * (hi === lo ? 0.5 : (hi - Math.log(v)) / (hi - lo));
  const line = (key: "trainLoss" | "valLoss") =>
    history
      .map((h, e) => [e, h[key]] as const)
      .filter(([, v]) => Number.isFinite(v) && v > 0)
      .map(([e, v]) => `${x(e).toFixed(1)},${y(v).toFixed(1)}`)
      .join(" ");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" class="ewb-sparkline">` +
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#fafafa" stroke="#ddd"/>` +
    `<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${line("trainLoss")}"/>` +
    `<polyline fill="none" stroke="#ff7f0e" stroke-width="1.5" points="${line("valLoss")}"/>` +
    `</svg>`
  );
}

/** Reads the plotly.js-dist-min bundle from node_modules. */
export function readPlotlyBundle(): string {
  const file = require.resolve("plotly.js-dist-min");
  return fs.readFileSync(file, "utf8");
}

type DisplayWriter = (data: { data: MimeBundle; metadata: object; transient: object }, update: boolean) => void;

/**
 * Writes one multi-MIME output. tslab's public API writes one MIME type per output, so this uses the
 * kernel's internal writer (tslab/dist/jupyter, not public API) and falls back to HTML only.
 */
function writeBundle(bundle: MimeBundle): void {
  const writer = internalWriter();
  if (writer) {
    writer({ data: bundle, metadata: {}, transient: {} }, false);
    return;
  }
  const tslab = requireTslab();
  const html = bundle["text/html"];
  inKernel("a notebook display", () => {
    if (typeof html === "string") tslab.display.html(html);
    else tslab.display.text(String(bundle["text/plain"] ?? JSON.stringify(bundle)));
  });
}

/** The kernel's current display writer, found among loaded modules (the kernel's own copy of tslab). */
function internalWriter(): DisplayWriter | undefined {
  for (const [key, mod] of Object.entries(require.cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(key)) continue;
    const w = (mod?.exports as { lastWriteDisplayData?: unknown } | undefined)?.lastWriteDisplayData;
    if (typeof w === "function") return w as DisplayWriter;
  }
  return undefined;
}

function requireTslab(): typeof import("tslab") {
  // Under the kernel, require("tslab") is hooked to the kernel's own module.
  return require("tslab") as typeof import("tslab");
}

/** Runs a tslab display call, turning its bare "Not ready" (no kernel running) into a clear error. */
function inKernel<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Error && /not ready/i.test(e.message)) {
      throw new WorkbookError("NO_KERNEL", `Expected ${what} to run inside a tslab Jupyter kernel, but no kernel is running`, { cause: e });
    }
    throw e;
  }
}

interface SessionState {
  plotlyLoaded: boolean;
  figures: number;
}

/** Per-kernel state on globalThis, so it survives tslab re-evaluating this module after an edit. */
function sessionState(): SessionState {
  const g = globalThis as { __ewbNotebookDisplay?: SessionState };
  g.__ewbNotebookDisplay ??= { plotlyLoaded: false, figures: 0 };
  return g.__ewbNotebookDisplay;
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
