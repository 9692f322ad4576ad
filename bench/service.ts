/** Load test of the REST service: autocannon against `ewb serve` in a child process on loopback, POST /recommend top-10. */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { generateSyntheticDataset, DEFAULT_SEED } from "../src/data/generate";
import { randomSplit } from "../src/data/split";
import { trainModel } from "../src/model/train";
import { saveModel } from "../src/model/persist";

/** The part of autocannon's API used here (it ships no types; @types/autocannon is not installed). */
interface AutocannonResult {
  readonly requests: { readonly average: number; readonly total: number };
  readonly latency: { readonly p50: number; readonly p90: number; readonly p99: number; readonly average: number; readonly max: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require("autocannon") as (options: Record<string, unknown>) => Promise<AutocannonResult>;

const REPO = path.resolve(__dirname, "..");
/** The targets. */
const TARGET = { reqPerSec: 10_000, p99Ms: 5, rssMb: 200 };
/** Seed 002's claim, for comparison: 100+ QPS at 50 ms average. */
const SEED_CLAIM = { reqPerSec: 100, meanMs: 50 };

export interface ServiceBenchOptions {
  /** Seconds of measured load per configuration (default 30, or BENCH_SERVICE_SECONDS, or --seconds N). */
  readonly seconds?: number;
  /** Concurrent connections (default 10). */
  readonly connections?: number;
}

interface Row {
  readonly mode: string;
  readonly reqPerSec: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
  readonly total: number;
  readonly errors: number;
  readonly rssMb: number;
  readonly peakRssMb: number;
  readonly serverCpuShare: number;
  readonly loaderCpuShare: number;
  /** Server CPU time per request: 1e6 / this is what one core could serve if nothing else ran. */
  readonly serverCpuUsPerRequest: number;
}

/** Runs the load test on the default synthetic data's trained model and prints one table. */
export async function run(options: ServiceBenchOptions = {}): Promise<void> {
  const seconds = options.seconds ?? secondsFromEnvOrArgs() ?? 30;
  const connections = options.connections ?? 10;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ewb-bench-service-"));
  try {
    const t0 = Date.now();
    const dataset = generateSyntheticDataset({ seed: DEFAULT_SEED });
    const split = randomSplit(dataset.interactions, { validationFraction: 0.2, seed: 42 });
    const model = await trainModel(split, dataset);
    const modelDir = path.join(tmp, "model");
    saveModel(model, modelDir);
    const users = model.userIds.toArray();
    console.log(`service bench: model ${users.length} users x ${model.itemIds.size} items, dim ${model.weights.dim} (trained in ${((Date.now() - t0) / 1000).toFixed(1)} s); ` +
      `${seconds} s of POST /recommend top-10 per mode, ${connections} connections, autocannon in this process, server in a child`);
    const rows: Row[] = [];
    for (const [mode, flag] of [["precomputed lists (default)", "on"], ["computed per request", "off"]] as const) {
      rows.push(await measure(mode, modelDir, flag, users, seconds, connections));
    }
    printTable(rows);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function measure(mode: string, modelDir: string, precompute: string, users: readonly string[], seconds: number, connections: number): Promise<Row> {
  const { child, url } = await startServer(modelDir, precompute);
  try {
    // Each connection cycles through every user in turn (a sequence autocannon prebuilds once, so the load
    // generator spends its CPU on sending, not on building requests).
    const requests = users.map((u) => ({ body: JSON.stringify({ user_id: u, top_n: 10, exclude_rated: true }) }));
    const load = (duration: number) => autocannon({
      url: `${url}/recommend`, method: "POST", connections, duration,
      headers: { "content-type": "application/json" }, requests,
    });
    await load(2); // warm-up: JIT, socket pools
    const cpu0 = cpuSeconds(child.pid as number), self0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const r = await load(seconds);
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = cpuSeconds(child.pid as number) - cpu0;
    const self = process.cpuUsage(self0);
    const status = fs.readFileSync(`/proc/${child.pid}/status`, "utf8");
    const kb = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
    return {
      mode, reqPerSec: r.requests.average, p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, mean: r.latency.average, max: r.latency.max,
      total: r.requests.total, errors: r.errors + r.timeouts + r.non2xx, rssMb: kb("VmRSS") / 1024, peakRssMb: kb("VmHWM") / 1024, serverCpuShare: cpu / wall,
      loaderCpuShare: (self.user + self.system) / 1e6 / wall, serverCpuUsPerRequest: (cpu * 1e6) / r.requests.total,
    };
  } finally {
    await stopServer(child);
  }
}

/** `ewb serve` through the same CLI entry point users run, on port 0; resolves when it announces its URL. */
function startServer(modelDir: string, precompute: string): Promise<{ child: ChildProcess; url: string }> {
  const argv = ["serve", "--model", modelDir, "--port", "0", "--precompute", precompute];
  const script = `require(${JSON.stringify(path.join(REPO, "src/cli/main"))}).main(${JSON.stringify(argv)}).then((c) => { process.exitCode = c; });`;
  const child = spawn(process.execPath, ["-r", "tsx/cjs", "-e", script], { cwd: REPO, stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((resolve, reject) => {
    let err = "";
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`ewb serve did not start in 60 s:\n${err}`)); }, 60_000);
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] as string });
      }
    });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`ewb serve exited with ${code}:\n${err}`)); });
  });
}

function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.removeAllListeners("exit");
    child.on("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** User + system CPU seconds of a process, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
}

function printTable(rows: readonly Row[]): void {
  const ok = (b: boolean): string => (b ? "ok" : "MISSED");
  console.log("");
  console.log("| mode | req/s | p50 ms | p90 ms | p99 ms | mean ms | max ms | requests | errors | server RSS MB (peak) | server CPU | server CPU µs/req | autocannon CPU |");
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    console.log(`| ${r.mode} | ${Math.round(r.reqPerSec)} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.mean.toFixed(2)} | ${r.max} | ${r.total} | ${r.errors} | ${r.rssMb.toFixed(0)} (${r.peakRssMb.toFixed(0)}) | ${(100 * r.serverCpuShare).toFixed(0)}% | ${r.serverCpuUsPerRequest.toFixed(0)} | ${(100 * r.loaderCpuShare).toFixed(0)}% |`);
  }
  const d = rows[0] as Row;
  console.log("");
  console.log(`targets (default mode): >= ${TARGET.reqPerSec} req/s ${ok(d.reqPerSec >= TARGET.reqPerSec)}; p99 <= ${TARGET.p99Ms} ms ${ok(d.p99 <= TARGET.p99Ms)}; ` +
    `zero errors ${ok(d.errors === 0)}; RSS <= ${TARGET.rssMb} MB ${ok(d.peakRssMb <= TARGET.rssMb)}`);
  console.log(`vs seed 002's claim (${SEED_CLAIM.reqPerSec}+ QPS at ${SEED_CLAIM.meanMs} ms mean): ${(d.reqPerSec / SEED_CLAIM.reqPerSec).toFixed(0)}x the throughput, ` +
    `${(SEED_CLAIM.meanMs / Math.max(d.mean, 1e-3)).toFixed(0)}x lower mean latency; per-request mode ${(rows[1] ? rows[1].reqPerSec / d.reqPerSec : NaN).toFixed(2)}x the default's req/s`);
  console.log(`one server core's capacity by CPU time: ${Math.round(1e6 / d.serverCpuUsPerRequest)} req/s (default mode), ${rows[1] ? Math.round(1e6 / rows[1].serverCpuUsPerRequest) : NaN} req/s (per-request mode)`);
  console.log(`load average during the run: ${os.loadavg().map((x) => x.toFixed(1)).join(" ")} on ${os.cpus().length} cores (other work on the machine lowers req/s and raises p99)`);
  console.log("latencies are autocannon's (millisecond resolution); load generator and server share the machine's cores.");
}

function secondsFromEnvOrArgs(): number | undefined {
  const i = process.argv.indexOf("--seconds");
  const raw = i >= 0 ? process.argv[i + 1] : process.env.BENCH_SERVICE_SECONDS;
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`Expected --seconds / BENCH_SERVICE_SECONDS to be a positive number, but got ${JSON.stringify(raw)}`);
  return n;
}

if (require.main === module) {
  run().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
