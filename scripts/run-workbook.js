#!/usr/bin/env node
// Runs every notebook in notebooks/ top to bottom, headless, through Jupyter with the project's tslab
// kernel, on the data named by --data (default: the synthetic data), injected into each executed copy's
// parameters cell (the committed notebooks are never changed); writes the executed notebooks, one HTML page
// each, index.html and summary.json to out/workbook/<data name>/; exits non-zero when any cell fails,
// naming the notebook and the cell.
"use strict";
const { spawn, spawnSync } = require("node:child_process");
const os = require("node:os");
const fs = require("node:fs");
const path = require("node:path");
const { installKernel, findJupyterPython, LOCAL_PREFIX, PROJECT } = require("./install-kernel");
const { writeIndex } = require("./report-index");

const DEFAULT_NOTEBOOKS = path.join(PROJECT, "notebooks");
const WORKBOOK_ROOT = path.join(PROJECT, "out", "workbook");
const RESULTS_MIME = "application/vnd.ewb.results+json";
const CELL_TIMEOUT_S = 600;

const USAGE = `usage: node scripts/run-workbook.js [--data <path>|synthetic|mysql] [--format auto|csv|movielens]
         [--only 00,03] [--out <dir>] [--notebooks <dir>] [--jobs N] [--no-html] [--check-report]
  Executes <notebooks>/NN-*.ipynb (default notebooks/) in order with the tslab kernel on the data --data
  names (default: synthetic; also EWB_DATA / EWB_DATA_FORMAT): a CSV file, a MovieLens file or folder, or
  "mysql" (MYSQL_URL). It is set in each executed copy's parameters cell (DATA, DATA_FORMAT), never in the
  committed notebook. Writes to <dir> (default out/workbook/<data name>): executed notebooks, NN-*.html,
  index.html, summary.json, and the models the notebooks train. --jobs: kernels at a time (default 2); a
  notebook waits for those named in its metadata.workbook.after. --check-report: then run
  scripts/check-report.js on <dir> (what npm run workbook does).`;

function parseArgs(argv) {
  const opts = {
    only: null,
    out: null,
    notebooks: DEFAULT_NOTEBOOKS,
    html: true,
    jobs: 2,
    data: process.env.EWB_DATA || "synthetic",
    format: process.env.EWB_DATA_FORMAT || "auto",
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--only") opts.only = (argv[++i] || "").split(",").filter(Boolean);
    else if (a === "--data") opts.data = argv[++i] || "";
    else if (a === "--format") opts.format = argv[++i] || "";
    else if (a === "--out") opts.out = path.resolve(argv[++i] || "");
    else if (a === "--notebooks") opts.notebooks = path.resolve(argv[++i] || "");
    else if (a === "--no-html") opts.html = false;
    else if (a === "--check-report") opts.checkReport = true;
    else if (a === "--jobs") {
      opts.jobs = Number(argv[++i]);
      if (!Number.isInteger(opts.jobs) || opts.jobs < 1) {
        console.error(`run-workbook: expected --jobs to be a positive integer, but got ${JSON.stringify(argv[i])}`);
        process.exit(2);
      }
    } else if (a === "-h" || a === "--help") {
      console.log(USAGE);
      process.exit(0);
    } else {
      console.error(`run-workbook: unknown argument ${JSON.stringify(a)}\n${USAGE}`);
      process.exit(2);
    }
  }
  // A path is made absolute here: the kernels run in the notebooks' folder.
  if (!/^(synthetic(:\d+)?|mysql)$/.test(opts.data)) opts.data = path.resolve(opts.data);
  return opts;
}

/**
 * The data's short name (out/workbook/<name>), from the library's own rule (src/notebook/workbook.ts), so
 * the runner and the notebooks agree; fails with the library's message when --data/--format are wrong.
 */
function dataName(data, format) {
  const code = `const w = require(${JSON.stringify(path.join(PROJECT, "src", "notebook", "workbook.ts"))});
process.stdout.write(w.resolveWorkbookSource({ data: process.argv[1], format: process.argv[2] }).name);`;
  const r = spawnSync(process.execPath, ["-r", "tsx/cjs", "-e", code, data, format], { cwd: PROJECT, encoding: "utf8" });
  if (r.status !== 0) throw new Error((r.stderr.split("\n").find((l) => /Error:/.test(l)) || r.stderr).trim());
  return r.stdout.trim();
}

/** The workbook's notebooks in running order: NN-name.ipynb, sorted by name. */
function listNotebooks(dir, only) {
  const all = fs
    .readdirSync(dir)
    .filter((f) => /^\d\d-.*\.ipynb$/.test(f))
    .sort();
  if (all.length === 0) throw new Error(`no notebooks named NN-*.ipynb in ${dir}`);
  if (!only) return all;
  const picked = all.filter((f) => only.some((p) => f.startsWith(p)));
  if (picked.length === 0) throw new Error(`--only ${only.join(",")} matches none of ${all.join(", ")}`);
  return picked;
}

function jupyterEnv(outDir) {
  return {
    ...process.env,
    // Where the notebooks write models and files (src/notebook/workbook.ts openWorkbook).
    EWB_WORKBOOK_OUT: outDir,
    JUPYTER_PATH: path.join(LOCAL_PREFIX, "share", "jupyter"),
    // Debian's ipykernel warns about frozen modules on every start; it is noise here.
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
    PYTHONWARNINGS: "ignore",
  };
}

/**
 * Executes one notebook in its own Python process (scripts/execute_notebooks.py, nbclient); resolves with
 * { name, seconds, failedCell, error, html }.
 */
function executeOne(python, dir, file, outDir, html, parameters) {
  return new Promise((resolve, reject) => {
    const args = [
      path.join(__dirname, "execute_notebooks.py"),
      "--out",
      outDir,
      "--timeout",
      String(CELL_TIMEOUT_S),
      "--parameters",
      JSON.stringify(parameters),
    ];
    if (!html) args.push("--no-html");
    const child = spawn(python, [...args, path.join(dir, file)], { cwd: PROJECT, env: jupyterEnv(outDir), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const line = stdout.split("\n").find((l) => l.startsWith("{"));
      if (code === 0 && line) resolve(JSON.parse(line));
      else reject(new Error(`the notebook driver exited with ${code} on ${file}:\n${stderr.trim().split("\n").slice(-15).join("\n")}`));
    });
  });
}

/** The notebooks a notebook must wait for: metadata.workbook.after, a list of name prefixes such as "02". */
function dependencies(dir, file, files) {
  const nb = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
  const after = nb.metadata?.workbook?.after || [];
  return files.filter((f) => f !== file && after.some((p) => f.startsWith(p)));
}

/**
 * Runs the notebooks with up to `jobs` kernels at a time, each starting once the notebooks it depends on
 * have finished (whether they passed or not: each notebook can recreate what it needs). Calls onResult as
 * each one finishes.
 */
async function executeAll(python, dir, files, outDir, html, jobs, parameters, onResult) {
  const deps = new Map(files.map((f) => [f, dependencies(dir, f, files)]));
  const done = new Set();
  const pending = [...files];
  const running = new Map();
  while (pending.length > 0 || running.size > 0) {
    for (let k = 0; k < pending.length && running.size < jobs; ) {
      const f = pending[k];
      if (deps.get(f).every((d) => done.has(d))) {
        pending.splice(k, 1);
        running.set(
          f,
          executeOne(python, dir, f, outDir, html, parameters).then((r) => ({ f, r })),
        );
      } else k++;
    }
    if (running.size === 0) throw new Error(`circular metadata.workbook.after among ${pending.join(", ")}`);
    const { f, r } = await Promise.race(running.values());
    running.delete(f);
    done.add(f);
    onResult(r);
  }
}

function recordedResults(nb) {
  const results = {};
  for (const cell of nb.cells) {
    for (const o of cell.outputs || []) {
      const rec = o.data?.[RESULTS_MIME];
      if (rec && typeof rec.name === "string") results[rec.name] = rec.values;
    }
  }
  return results;
}

/**
 * Takes <out>.lock so two runs (say, two `npm test`s in one working tree) never write the same folder at
 * once: a second run waits for the first. A lock left by a process that is gone is taken over.
 */
async function acquireLock(out) {
  const lock = `${out}.lock`;
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  for (let waited = 0; ; waited++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: "wx" });
      const release = () => {
        try {
          if (fs.readFileSync(lock, "utf8") === String(process.pid)) fs.rmSync(lock);
        } catch {
          // already gone
        }
      };
      process.on("exit", release);
      return;
    } catch (e) {
      if (e.code !== "EEXIST") throw e;
    }
    const holder = Number(fs.readFileSync(lock, "utf8"));
    let alive = false;
    try {
      process.kill(holder, 0);
      alive = true;
    } catch {
      alive = false;
    }
    if (!alive) {
      fs.rmSync(lock, { force: true });
      continue;
    }
    if (waited === 0) console.log(`waiting for another workbook run (pid ${holder}) to finish ...`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const name = dataName(opts.data, opts.format);
  if (!opts.out) opts.out = path.join(WORKBOOK_ROOT, name);
  // The defaults are the committed notebooks' own values: nothing to inject then.
  const parameters = opts.data === "synthetic" && opts.format === "auto" ? {} : { DATA: opts.data, DATA_FORMAT: opts.format };
  const python = findJupyterPython();
  installKernel({ local: true, quiet: true });
  await acquireLock(opts.out);
  fs.mkdirSync(opts.out, { recursive: true });
  const files = listNotebooks(opts.notebooks, opts.only);
  for (const f of files) fs.rmSync(path.join(opts.out, f), { force: true });
  const t0 = Date.now();
  // Timings on a shared 2-core machine mean little without the load they were taken under.
  const loadBefore = os.loadavg()[0];
  const notebooks = [];
  console.log(`workbook on ${name} (${opts.data}${opts.format === "auto" ? "" : `, ${opts.format}`}) -> ${path.relative(PROJECT, opts.out) || opts.out}`);
  await executeAll(python, opts.notebooks, files, opts.out, opts.html, opts.jobs, parameters, (r) => {
    const outFile = path.join(opts.out, r.name);
    const nb = fs.existsSync(outFile) ? JSON.parse(fs.readFileSync(outFile, "utf8")) : { cells: [] };
    const entry = { ...r, ok: r.error == null, results: recordedResults(nb) };
    notebooks.push(entry);
    console.log(`${r.name.padEnd(28)} ${r.seconds.toFixed(1).padStart(5)} s  ${entry.ok ? "ok" : "FAILED"}`);
    if (!entry.ok) {
      const where = r.failedCell == null ? "" : `cell ${r.failedCell}: `;
      console.log(`  ${where}${String(r.error).split("\n").slice(0, 15).join("\n    ")}`);
    }
  });
  notebooks.sort((a, b) => a.name.localeCompare(b.name));
  const totalSeconds = (Date.now() - t0) / 1000;
  const summary = {
    data: { name, data: opts.data, format: opts.format },
    finishedAt: new Date().toISOString(),
    totalSeconds,
    jobs: opts.jobs,
    cpus: os.cpus().length,
    loadAverage1m: { before: loadBefore, after: os.loadavg()[0] },
    notebookSeconds: notebooks.reduce((s, n) => s + n.seconds, 0),
    ok: notebooks.every((n) => n.ok),
    notebooks,
  };
  fs.writeFileSync(path.join(opts.out, "summary.json"), JSON.stringify(summary, null, 2) + "\n");
  if (opts.html) writeIndex(opts.out, summary);
  console.log(
    `total ${totalSeconds.toFixed(1)} s (target: 60 s) with ${opts.jobs} kernel(s) at a time on ${summary.cpus} CPUs, ` +
      `load average ${loadBefore.toFixed(1)} before / ${summary.loadAverage1m.after.toFixed(1)} after; ` +
      `notebooks' own times add up to ${summary.notebookSeconds.toFixed(1)} s; report: ${path.relative(PROJECT, path.join(opts.out, "index.html"))}`,
  );
  if (!summary.ok) {
    console.error(
      `run-workbook: FAILED: ${notebooks
        .filter((n) => !n.ok)
        .map((n) => n.name)
        .join(", ")}`,
    );
    process.exitCode = 1;
  } else if (opts.checkReport && opts.html) {
    // `npm run workbook -- --data X` passes its arguments here, so the report check is started from here too.
    const r = spawnSync(process.execPath, [path.join(__dirname, "check-report.js"), "--dir", opts.out], { stdio: "inherit" });
    if (r.status !== 0) process.exitCode = r.status || 1;
  }
}

main().catch((e) => {
  console.error(`run-workbook: ${e.message}`);
  process.exitCode = 1;
});
