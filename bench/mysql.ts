/**
 * MySQL at size: `ewb import` of a seeded CSV (file read + one-transaction write) and `MySqlStore.loadDataset`
 * (rows streamed straight into the columnar Dataset, checked by the CSV rules) against the first read (one giant
 * result per table, no checks), at 50k, 1M and 5M ratings. Each step runs in its own process under
 * /usr/bin/time, so its CPU time (user + sys of the client; the server's is not in it) and peak RSS are its own.
 * Needs MYSQL_URL. `BENCH_MYSQL_SIZES=50000,1000000` picks sizes; `BENCH_MYSQL_BASELINE=<checkout>` also runs that
 * checkout's own load step (e.g. a worktree of an older commit) on the same tables in the same run.
 */
import { execFileSync } from "node:child_process";
import { promises as fs, createWriteStream, existsSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Connection, RowDataPacket } from "mysql2/promise";
import { MySqlStore } from "../src/data/mysql";
import { createRng } from "../src/random";

/** The shapes of issue 11's table: ratings = users x per-user items, drawn from `items`. */
const SHAPES: Record<number, { users: number; items: number }> = {
  50_000: { users: 1_000, items: 500 },
  1_000_000: { users: 6_000, items: 3_700 },
  5_000_000: { users: 50_000, items: 10_000 },
};

/** A seeded CSV of `ratings` ratings: each user rates `ratings/users` distinct items (a stride from a random start). */
async function writeCsv(file: string, ratings: number, seed = 11): Promise<void> {
  const { users, items } = SHAPES[ratings] ?? { users: Math.max(1, Math.round(ratings / 50)), items: 500 };
  const per = Math.round(ratings / users);
  const rng = createRng(seed);
  const out = createWriteStream(file);
  const write = (s: string): Promise<void> => new Promise((resolve) => (out.write(s) ? resolve() : out.once("drain", () => resolve())));
  await write("user_id,item_id,rating,timestamp\n");
  let chunk = "";
  for (let u = 0; u < users; u++) {
    const start = rng.int(items);
    for (let k = 0; k < per; k++) chunk += `U${100000 + u},I${10000 + ((start + k * 7) % items)},${1 + rng.int(5)},${1_000_000_000 + rng.int(100_000_000)}\n`;
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = "";
    }
  }
  await write(chunk);
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

/** The read before issue 11: each table in one query result (every row an object at once), sorted, then objects. */
async function loadOneResult(conn: Connection, prefix: string): Promise<number> {
  const [urows] = await conn.query<RowDataPacket[]>(`SELECT user_id, user_group FROM \`${prefix}users\``);
  const [irows] = await conn.query<RowDataPacket[]>(`SELECT item_id, category FROM \`${prefix}items\``);
  const [rrows] = await conn.query<RowDataPacket[]>(`SELECT user_id, item_id, rating, timestamp, row_order FROM \`${prefix}interactions\``);
  rrows.sort((a, b) => Number(a.row_order) - Number(b.row_order));
  const users = urows.map((r) => (r.user_group == null ? { userId: String(r.user_id) } : { userId: String(r.user_id), group: String(r.user_group) }));
  const items = irows.map((r) => (r.category == null ? { itemId: String(r.item_id) } : { itemId: String(r.item_id), category: String(r.category) }));
  const interactions = rrows.map((r) => {
    const base = { userId: String(r.user_id), itemId: String(r.item_id), rating: Number(r.rating) };
    return r.timestamp == null ? base : { ...base, timestamp: Number(r.timestamp) };
  });
  return users.length > 0 && items.length > 0 ? interactions.length : 0;
}

/** Child process: one step, printing `{ ms, rows, maxRssMb }` as JSON. */
async function child(step: string, prefix: string, file: string): Promise<void> {
  const t = performance.now();
  let rows = 0;
  if (step === "import") {
    const { main } = require("../src/cli/main") as typeof import("../src/cli/main");
    let out = "";
    const sink = {
      write: (s: string) => {
        out += s;
        return true;
      },
    } as unknown as NodeJS.WritableStream;
    const code = await main(["import", "--data", file, "--table-prefix", prefix, "--batch-size", "5000", "--json"], { stdout: sink, stderr: process.stderr });
    if (code !== 0) throw new Error(`ewb import exited ${code}`);
    const r = JSON.parse(out.trim().split("\n").pop()!) as { interactions: number; seconds: { read: number; write: number } };
    rows = r.interactions;
    process.stdout.write(
      JSON.stringify({
        ms: performance.now() - t,
        rows,
        readMs: r.seconds.read * 1000,
        writeMs: r.seconds.write * 1000,
        maxRssMb: process.resourceUsage().maxRSS / 1024,
      }) + "\n",
    );
    return;
  }
  const store = await MySqlStore.connect(process.env.MYSQL_URL, { tablePrefix: prefix });
  try {
    if (step === "load-stream") rows = (await store.loadDataset()).indexed.length;
    else if (step === "load-one-result") rows = await loadOneResult((store as unknown as { conn: Connection }).conn, prefix);
    else throw new Error(`unknown step ${step}`);
  } finally {
    await store.close();
  }
  process.stdout.write(JSON.stringify({ ms: performance.now() - t, rows, maxRssMb: process.resourceUsage().maxRSS / 1024 }) + "\n");
}

interface StepResult {
  ms: number;
  rows: number;
  maxRssMb: number;
  cpuS: number;
  readMs?: number;
  writeMs?: number;
}

/** One step in its own process (of this checkout, or of `root`'s bench/mysql.ts), timed by /usr/bin/time when present. */
function runChild(step: string, prefix: string, file: string, root = path.join(__dirname, "..")): StepResult {
  const timeFile = path.join(os.tmpdir(), `ewb-bench-mysql-time-${process.pid}`);
  const node = [process.execPath, "--max-old-space-size=8192", "-r", "tsx/cjs", path.join(root, "bench", "mysql.ts"), "--child", step, prefix, file];
  const timed = existsSync("/usr/bin/time");
  const [cmd, ...args] = timed ? ["/usr/bin/time", "-o", timeFile, "-f", "%U %S %M", ...node] : node;
  const out = execFileSync(cmd!, args, { cwd: root, env: process.env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 20 });
  const r = JSON.parse(out.trim().split("\n").pop()!) as StepResult;
  if (timed) {
    const [user, sys, maxKb] = readFileSync(timeFile, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
    rmSync(timeFile, { force: true });
    return { ...r, cpuS: user! + sys!, maxRssMb: maxKb! / 1024 };
  }
  return { ...r, cpuS: Number.NaN };
}

export async function run(): Promise<void> {
  if (!process.env.MYSQL_URL) {
    console.log("MySQL bench skipped: MYSQL_URL is not set.");
    return;
  }
  const sizes = (process.env.BENCH_MYSQL_SIZES ?? "50000,1000000,5000000").split(",").map(Number);
  const prefix = `ewbbm${process.pid}_`;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "ewb-bench-mysql-"));
  const s = (ms: number): string => (ms / 1000).toFixed(1);
  const baseline = process.env.BENCH_MYSQL_BASELINE;
  const cell = (r: StepResult): string => `${s(r.ms)} / ${r.cpuS.toFixed(1)} / ${r.maxRssMb.toFixed(0)}`;
  console.log(
    `| ratings | import: wall s (file read / DB write) / CPU s / peak RSS MB | load, one result, no checks: wall s / CPU s / peak RSS MB |${baseline ? ` load, ${baseline}: wall / CPU / RSS |` : ""} load, streamed into columns + checked: wall / CPU / RSS |${baseline ? " CPU ratio, RSS ratio (columns / baseline) |" : ""}`,
  );
  console.log(`|---|---|---|${baseline ? "---|" : ""}---|${baseline ? "---|" : ""}`);
  try {
    for (const n of sizes) {
      const file = path.join(dir, `r${n}.csv`);
      await writeCsv(file, n);
      const imp = runChild("import", prefix, file);
      const before = runChild("load-one-result", prefix, file);
      const base = baseline ? runChild("load-stream", prefix, file, baseline) : undefined;
      const after = runChild("load-stream", prefix, file);
      if (before.rows !== imp.rows || after.rows !== imp.rows || (base && base.rows !== imp.rows)) {
        throw new Error(`row counts differ: import ${imp.rows}, one result ${before.rows}, baseline ${base?.rows}, columns ${after.rows}`);
      }
      console.log(
        `| ${imp.rows.toLocaleString("en")} | ${s(imp.ms)} (${s(imp.readMs!)} / ${s(imp.writeMs!)}) / ${imp.cpuS.toFixed(1)} / ${imp.maxRssMb.toFixed(0)} | ${cell(before)} |${base ? ` ${cell(base)} |` : ""} ${cell(after)} |${base ? ` ${(after.cpuS / base.cpuS).toFixed(2)}, ${(after.maxRssMb / base.maxRssMb).toFixed(2)} |` : ""}`,
      );
      await fs.rm(file, { force: true });
    }
  } finally {
    const store = await MySqlStore.connect(process.env.MYSQL_URL, { tablePrefix: prefix });
    await store.dropTables();
    await store.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
  console.log(
    `load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")} on ${os.cpus().length} cores (shared machine: noisy); each step is its own process (peak RSS = its maxRSS), MariaDB on the same machine.`,
  );
}

if (require.main === module) {
  const [flag, step, prefix, file] = process.argv.slice(2);
  (flag === "--child" ? child(step!, prefix!, file!) : run()).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
