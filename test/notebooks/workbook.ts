/** Shared by the notebook tests: is Jupyter here, and an up-to-date executed workbook in out/workbook. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");
/** Where `npm run workbook` puts the synthetic run. */
export const WORKBOOK_OUT = path.join(ROOT, "out", "workbook", "synthetic");
export { ML100K } from "../ml100k";
/** Where the MovieLens run goes. */
export const ML100K_OUT = path.join(ROOT, "out", "workbook", "ml-100k");

/** What scripts/run-workbook.js writes to summary.json. */
export interface WorkbookSummary {
  ok: boolean;
  totalSeconds: number;
  notebooks: {
    name: string;
    seconds: number;
    ok: boolean;
    failedCell: number | null;
    error: string | null;
    results: Record<string, Record<string, unknown>>;
  }[];
}

/**
 * Undefined when a Python with jupyter_client, nbconvert and nbclient exists; otherwise why the tests skip.
 * EWB_SKIP_WORKBOOK=1 skips them on purpose (a quick local run); CI never sets it.
 */
export function jupyterSkipReason(): string | undefined {
  if (process.env.EWB_SKIP_WORKBOOK === "1") return "EWB_SKIP_WORKBOOK=1 is set";
  for (const py of [process.env.JUPYTER_PYTHON, "/usr/bin/python3", "python3"]) {
    if (!py) continue;
    if (spawnSync(py, ["-c", "import jupyter_client, nbconvert, nbclient"], { stdio: "ignore" }).status === 0) return undefined;
  }
  return "no Python with Jupyter (nbconvert, nbclient): run scripts/setup-system.sh";
}

/** Newest modification time (ms) of the files under `dir` whose names match `re`. */
function newestMtime(dir: string, re: RegExp): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && !e.isSymbolicLink()) newest = Math.max(newest, newestMtime(p, re));
    else if (e.isFile() && re.test(e.name)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Why out/workbook must be (re)made: missing, or older than a notebook or a source file it runs;
 * undefined when it is up to date.
 */
export function workbookStaleReason(out: string = WORKBOOK_OUT): string | undefined {
  const SUMMARY = path.join(out, "summary.json");
  if (!fs.existsSync(SUMMARY)) return `${path.relative(ROOT, SUMMARY)} is missing`;
  const ran = new Set((JSON.parse(fs.readFileSync(SUMMARY, "utf8")) as WorkbookSummary).notebooks.map((n) => n.name));
  const all = fs.readdirSync(path.join(ROOT, "notebooks")).filter((f) => /^\d\d-.*\.ipynb$/.test(f));
  const missing = all.filter((f) => !ran.has(f));
  if (missing.length > 0) return `the last run left out ${missing.join(", ")}`;
  const made = fs.statSync(SUMMARY).mtimeMs;
  if (newestMtime(path.join(ROOT, "notebooks"), /\.ipynb$/) > made) return "a notebook changed since the last run";
  if (newestMtime(path.join(ROOT, "src"), /\.ts$/) > made) return "src/ changed since the last run";
  return undefined;
}

/**
 * Runs `node scripts/run-workbook.js` when out/workbook is missing or stale (so `npm test` covers the
 * notebooks on its own), then returns its summary. The runner's own failure is reported by the tests
 * that read the summary, with the failing cell's message.
 */
export function ensureWorkbook(log: (s: string) => void, data: string[] = [], out: string = WORKBOOK_OUT): WorkbookSummary {
  const SUMMARY = path.join(out, "summary.json");
  const stale = workbookStaleReason(out);
  if (stale) {
    log(`running the workbook${data.length ? ` ${data.join(" ")}` : ""} (${stale}) ...`);
    const r = spawnSync(process.execPath, [path.join(ROOT, "scripts", "run-workbook.js"), ...data, "--out", out], { cwd: ROOT, encoding: "utf8" });
    log(
      r.stdout
        .trim()
        .split("\n")
        .map((l) => `        ${l}`)
        .join("\n"),
    );
    if (!fs.existsSync(SUMMARY)) throw new Error(`run-workbook wrote no summary (exit ${r.status}):\n${r.stderr}`);
  }
  return JSON.parse(fs.readFileSync(SUMMARY, "utf8")) as WorkbookSummary;
}
