/**
 * End to end at scale (issue 11): one planted MovieLens-format ratings.csv (bench/planted-data.ts, default 25M) through
 * the command line as a user would run it: `ewb train --epochs 1 --no-refit`, `ewb evaluate` of that model, and
 * `ewb serve` of it (start-up, RSS, POST /recommend req/s). Each command is its own process under /usr/bin/time:
 * CPU (user + sys) and peak RSS are its own. A step that fails (e.g. out of memory) is reported, not hidden.
 * `BENCH_E2E_SIZE=5M` picks another shape of SCALE_SHAPES; `BENCH_E2E_SECONDS` the load test's length (default 10).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, promises as fs, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SCALE_SHAPES, plantedFile } from "./planted-data";
import { createRng } from "../src/random";

const REPO = path.join(__dirname, "..");
/** autocannon ships no types; the part used here. */
const autocannon = require("autocannon") as (
  o: Record<string, unknown>,
) => Promise<{ requests: { average: number }; latency: { p99: number }; non2xx: number }>;

/** node argv running `ewb <args>` from this checkout's sources. */
export function ewbArgv(args: string[]): string[] {
  const script = `require(${JSON.stringify(path.join(REPO, "src/cli/main"))}).main(${JSON.stringify(args)}).then((c) => { process.exitCode = c; });`;
  return ["--max-old-space-size=12288", "-r", "tsx/cjs", "-e", script];
}

export interface Timed {
  ok: boolean;
  wallS: number;
  cpuS: number;
  maxRssMb: number;
  stdout: string;
  error?: string;
}

/** `ewb <args>` in its own process under /usr/bin/time: wall, CPU (user + sys) and peak RSS are that command's own. */
export function ewb(args: string[]): Timed {
  const timeFile = path.join(os.tmpdir(), `ewb-e2e-time-${process.pid}`);
  const node = [process.execPath, ...ewbArgv(args)];
  const t = performance.now();
  let stdout = "",
    error: string | undefined;
  try {
    stdout = execFileSync("/usr/bin/time", ["-o", timeFile, "-f", "%U %S %M", ...node], {
      cwd: REPO,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 << 20,
    });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    error = (err.stderr ?? err.message)
      .trim()
      .split("\n")
      .filter((l) => !/^\s*$/.test(l))
      .slice(-3)
      .join(" / ");
  }
  const wallS = (performance.now() - t) / 1000;
  const line = existsSync(timeFile) ? readFileSync(timeFile, "utf8").trim().split("\n").pop()! : "NaN NaN NaN";
  rmSync(timeFile, { force: true });
  const [user, sys, maxKb] = line.split(" ").map(Number);
  return { ok: error === undefined, wallS, cpuS: user! + sys!, maxRssMb: maxKb! / 1024, stdout, ...(error ? { error } : {}) };
}

/** A field of /proc/<pid>/status (VmRSS, VmHWM) in MB. */
export function procStatus(pid: number, field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? NaN) / 1024;
}

/** `ewb serve` of `modelDir` on a free port; resolves once it prints its URL (startS: spawn to listening). */
export function serve(modelDir: string): Promise<{ child: ChildProcess; url: string; startS: number }> {
  const t = performance.now();
  const child = spawn(process.execPath, ewbArgv(["serve", "--model", modelDir, "--port", "0"]), { cwd: REPO, stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((resolve, reject) => {
    let err = "";
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve({ child, url: m[1]!, startS: (performance.now() - t) / 1000 });
    });
    child.on("exit", (code) => reject(new Error(`ewb serve exited with ${code}: ${err.trim().split("\n").slice(-2).join(" / ")}`)));
  });
}

/** Stops a server started by serve() and waits for it to exit. */
export function stopServe(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    child.removeAllListeners("exit");
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.on("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

export async function run(): Promise<void> {
  const size = process.env.BENCH_E2E_SIZE ?? "25M";
  const shape = SCALE_SHAPES[size];
  if (!shape) throw new Error(`unknown BENCH_E2E_SIZE ${size}; one of ${Object.keys(SCALE_SHAPES).join(", ")}`);
  const seconds = Number(process.env.BENCH_E2E_SECONDS ?? 10);
  const { file, movielens: ml } = await plantedFile(size);
  const work = await fs.mkdtemp(path.join(os.tmpdir(), "ewb-e2e-"));
  const model = path.join(work, "model");
  const fmt = ml ? ["--format", "movielens"] : [];
  const rows: string[] = [];
  const cell = (r: Timed): string =>
    r.ok
      ? `${r.wallS.toFixed(1)} s / ${r.cpuS.toFixed(1)} s / ${r.maxRssMb.toFixed(0)} MB`
      : `failed after ${r.wallS.toFixed(0)} s (${r.maxRssMb.toFixed(0)} MB): ${r.error}`;
  try {
    const train = ewb(["train", "--data", file, ...fmt, "--epochs", "1", "--no-refit", "--model", model, "--json"]);
    let detail = "";
    if (train.ok) {
      const j = JSON.parse(train.stdout.trim().split("\n").pop()!) as {
        loadSeconds: number;
        msPerEpoch: number;
        valRmse: number;
        backend: string;
        data: { train: number };
      };
      detail = `load ${j.loadSeconds.toFixed(1)} s, 1 epoch ${(j.msPerEpoch / 1000).toFixed(1)} s (${j.backend}), val RMSE ${j.valRmse.toFixed(3)}, ${j.data.train} training rows`;
    }
    rows.push(`| ewb train --epochs 1 --no-refit | ${cell(train)} | ${detail} |`);
    if (train.ok) {
      const ev = ewb(["evaluate", "--model", model, "--data", file, ...fmt, "--json"]);
      rows.push(`| ewb evaluate (held-out 20%) | ${cell(ev)} | ${ev.ok ? "" : "see error"} |`);
      const sizeMb = (await fs.readdir(model)).reduce((s, f) => s + readFileSync(path.join(model, f)).length, 0) / 2 ** 20;
      const { child, url, startS } = await serve(model);
      try {
        const rss = procStatus(child.pid!, "VmRSS");
        const users = (JSON.parse(readFileSync(path.join(model, "manifest.json"), "utf8")) as { numUsers: number }).numUsers;
        const rng = createRng(5);
        // The planted IDs (bench/planted-data.ts): user u is 1 + 3u in ratings.csv, U<100000 + 7u> in the CSV.
        const ids = Array.from({ length: 2000 }, () => {
          const u = rng.int(users);
          return ml ? String(1 + 3 * u) : `U${100000 + 7 * u}`;
        });
        const requests = ids.map((id) => ({ body: JSON.stringify({ user_id: id, top_n: 10, exclude_rated: true }) }));
        const r = await autocannon({
          url: `${url}/recommend`,
          method: "POST",
          connections: 4,
          duration: seconds,
          headers: { "content-type": "application/json" },
          requests,
        });
        rows.push(
          `| ewb serve | start-up ${startS.toFixed(1)} s, RSS ${rss.toFixed(0)} MB (model ${sizeMb.toFixed(0)} MB) | POST /recommend top-10: ${Math.round(r.requests.average)} req/s, p99 ${r.latency.p99} ms, ${r.non2xx} non-2xx |`,
        );
      } finally {
        await stopServe(child);
      }
    }
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
  console.log(`End to end on ${file} (${shape.ratings.toLocaleString("en")} ratings, ${shape.users} x ${shape.items}), each command its own process:`);
  console.log("| step | wall / CPU / peak RSS | detail |");
  console.log("|---|---|---|");
  for (const r of rows) console.log(r);
  console.log(
    `load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")} on ${os.cpus().length} cores (shared machine: wall times are noisy)`,
  );
}

if (require.main === module) {
  run().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
