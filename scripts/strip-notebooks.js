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

function main() {
  const check = process.argv.includes("--check");
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith(".ipynb")).sort();
  const dirty = [];
  for (const f of files) {
    const file = path.join(DIR, f);
    const nb = JSON.parse(fs.readFileSync(file, "utf8"));
    if (!strip(nb)) continue;
    dirty.push(f);
    // Same layout as Jupyter writes (one-space indent, trailing newline) to keep diffs small.
    if (!check) fs.writeFileSync(file, JSON.stringify(nb, null, 1) + "\n");
  }
  if (check && dirty.length > 0) {
    console.error(`notebooks with outputs (run node scripts/strip-notebooks.js): ${dirty.join(", ")}`);
    process.exit(1);
  }
  console.log(dirty.length ? `stripped: ${dirty.join(", ")}` : `clean: ${files.length} notebook(s)`);
}

module.exports = { strip };
if (require.main === module) main();
