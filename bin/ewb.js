#!/usr/bin/env node
// The `ewb` command line: runs the compiled CLI (built by `npm ci` through the `prepare` script).
"use strict";
const path = require("node:path");
const fs = require("node:fs");
const compiled = path.join(__dirname, "..", "dist", "src", "cli", "main.js");
if (!fs.existsSync(compiled)) {
  process.stderr.write(`ewb: ${compiled} is missing; run \`npm run build\` (npm ci does it) first.\n`);
  process.exit(1);
}
require(compiled)
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`ewb: ${err?.stack ? err.stack : err}\n`);
      process.exitCode = 1;
    },
  );
