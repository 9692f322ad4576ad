// The workbook report's index page: one row per notebook (time, status, link) and each notebook's recorded
// numbers as readable tables, rounded for a reader (the full-precision values stay in summary.json).
"use strict";
const fs = require("node:fs");
const path = require("node:path");

function escapeHtml(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

/**
 * A number as a reader wants it: integers as they are, others to 4 significant
 * digits without trailing zeros; NaN and infinities by name.
 * @example formatNumber(0.529802429453128) //=> "0.5298"; formatNumber(49970) //=> "49970"
 */
function formatNumber(x) {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "NaN" : x > 0 ? "∞" : "−∞";
  if (Number.isInteger(x)) return String(x);
  const abs = Math.abs(x);
  if (abs >= 1e6 || abs < 1e-4) return x.toExponential(3).replace(/\.?0+e/, "e");
  const digits = Math.max(0, 3 - Math.floor(Math.log10(abs)));
  return Number(x.toFixed(Math.min(digits, 6))).toString();
}

const isPlainObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const isScalar = (v) => v === null || ["number", "string", "boolean"].includes(typeof v);

/** A value as HTML: scalars formatted, arrays of scalars joined, objects as nested tables. */
function valueHtml(v) {
  if (v === null || v === undefined) return "<i>none</i>";
  if (typeof v === "number") return formatNumber(v);
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "string") return escapeHtml(v);
  if (Array.isArray(v)) {
    if (v.every(isScalar)) return v.map(valueHtml).join(", ");
    if (v.every(isPlainObject)) return recordsTable(v);
    return v.map(valueHtml).join("<br>");
  }
  return keyValueTable(v);
}

/** An object as a two-column table, key then value (values may themselves be tables). */
function keyValueTable(obj) {
  const rows = Object.entries(obj).map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${valueHtml(v)}</td></tr>`);
  return `<table class="kv">${rows.join("")}</table>`;
}

/** An array of objects with scalar fields as one table, a column per field (the union, in first-seen order). */
function recordsTable(records) {
  const cols = [];
  for (const r of records) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  const head = `<tr>${cols.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr>`;
  const body = records.map((r) => `<tr>${cols.map((c) => `<td>${valueHtml(r[c])}</td>`).join("")}</tr>`).join("");
  return `<table class="records">${head}${body}</table>`;
}

/** Each named result set of one notebook under a heading of its own. */
function resultsHtml(results) {
  const names = Object.keys(results || {});
  if (names.length === 0) return "<i>no recorded numbers</i>";
  return names.map((name) => `<h3>${escapeHtml(name)}</h3>${valueHtml(results[name])}`).join("");
}

/** The index page's HTML for a run summary (as scripts/run-workbook.js writes it to summary.json). */
function indexHtml(summary) {
  const rows = summary.notebooks
    .map((n) => {
      const status = n.ok
        ? "ok"
        : `<b>FAILED</b> ${n.failedCell == null ? "" : `cell ${n.failedCell}: `}${escapeHtml(String(n.error).split("\n").slice(0, 3).join(" "))}`;
      const link = n.html ? `<a href="${escapeHtml(n.html)}">${escapeHtml(n.name)}</a>` : escapeHtml(n.name);
      return `<tr><td>${link}</td><td class="num">${n.seconds.toFixed(1)} s</td><td>${status}</td><td>${resultsHtml(n.results)}</td></tr>`;
    })
    .join("\n");
  const load = summary.loadAverage1m;
  const dataset = summary.dataset ? ` on <b>${escapeHtml(summary.dataset)}</b>` : "";
  return `<!doctype html><html><head><meta charset="utf-8"><title>Embedding workbook report</title>
<style>
body{font-family:sans-serif;margin:2em;color:#222}
table{border-collapse:collapse}
td,th{border-bottom:1px solid #ddd;padding:.3em .6em;vertical-align:top;text-align:left}
th{font-weight:600}
table.kv th{font-weight:normal;color:#555;white-space:nowrap}
table.kv td,table.records td{font-variant-numeric:tabular-nums}
table.records th{border-bottom:2px solid #bbb}
h3{font-size:1em;margin:.2em 0 .4em}
.num{text-align:right;white-space:nowrap}
</style></head>
<body><h1>Embedding workbook</h1><p>Executed${dataset} ${escapeHtml(summary.finishedAt)} in ${summary.totalSeconds.toFixed(1)} s with the tslab kernel,
${summary.jobs} notebook(s) at a time on ${summary.cpus} CPUs (1-minute load average ${load.before.toFixed(1)} before, ${load.after.toFixed(1)} after).
Numbers are rounded to 4 significant digits; <a href="summary.json">summary.json</a> has them in full.</p>
<table><tr><th>notebook</th><th>time</th><th>status</th><th>recorded numbers</th></tr>
${rows}
</table></body></html>
`;
}

/** Writes index.html for the run summary into outDir. */
function writeIndex(outDir, summary) {
  fs.writeFileSync(path.join(outDir, "index.html"), indexHtml(summary));
}

module.exports = { writeIndex, indexHtml, formatNumber };
