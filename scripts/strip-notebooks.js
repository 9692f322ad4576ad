#!/usr/bin/env node
// Removes outputs, execution counts and run metadata from notebooks so they are committed clean;
// with --check, changes nothing and exits 1 listing the notebooks that still carry outputs.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const DIR = path.resolve(__dirname, "..", "notebooks");

/** Returns the notebook without outputs, counts or per-run metadata, and whether anything changed. */
function strip(nb) {
  let changed = false;
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code") continue;
    if ((cell.outputs || []).length > 0 || cell.execution_count != null) changed = true;
    cell.outputs = [];
    cell.execution_count = null;
    if (cell.metadata && ("execution" in cell.metadata || "collapsed" in cell.metadata || "scrolled" in cell.metadata)) {
      delete cell.metadata.execution;
      delete cell.metadata.collapsed;
      delete cell.metadata.scrolled;
      changed = true;
    }
  }
  return changed;
}

/**
 * A notebook file's text without outputs, in the layout Jupyter writes (keys in their order, one-space indent,
 * trailing newline): for a notebook saved by Jupyter whose code did not change, exactly the committed bytes.
 */
function stripText(text) {
  const nb = JSON.parse(text);
  strip(nb);
  return JSON.stringify(nb, null, 1) + "\n";
}

function main() {
  const check = process.argv.includes("--check");
  const files = fs
    .readdirSync(DIR)
    .filter((f) => f.endsWith(".ipynb"))
    .sort();
  const dirty = [];
  for (const f of files) {
    const file = path.join(DIR, f);
    const text = fs.readFileSync(file, "utf8");
    if (!strip(JSON.parse(text))) continue;
    dirty.push(f);
    if (!check) fs.writeFileSync(file, stripText(text));
  }
  if (check && dirty.length > 0) {
    console.error(`notebooks with outputs (run node scripts/strip-notebooks.js): ${dirty.join(", ")}`);
    process.exit(1);
  }
  console.log(dirty.length ? `stripped: ${dirty.join(", ")}` : `clean: ${files.length} notebook(s)`);
}

module.exports = { strip, stripText };
if (require.main === module) main();
