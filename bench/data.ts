/**
 * The data layer's bench: (1) timings on the default dataset (generate, CSV write + read, MySQL save + load, 50k rows);
 * (2) the reader choice: the hand-written streaming scanner (src/data/delimited.ts) against csv-parse and papaparse
 * (streaming, same file, records counted, nothing kept) and the whole checked load; (3) with BENCH_DATA_SCALE=1M,5M,20M,25M
 * the load time and peak RSS of `readInteractionsCsv` / `readMovieLens` on planted-group files of those sizes, each
 * load in its own process (BENCH_DATA_OLD_SRC=<an older checkout's src/> adds that reader, at the sizes in BENCH_DATA_OLD_AT,
 * default 1M, for before/after in the same run).
 */
import { spawnSync } from "node:child_process";
import { createReadStream, existsSync, promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { generateSyntheticDataset } from "../src/data/generate";
import { formatInteractionsCsv, readInteractionsCsv, writeInteractionsCsv } from "../src/data/csv";
import { readDelimited } from "../src/data/delimited";
import { loadDanfo } from "../src/data/danfo-io";
import { MySqlStore } from "../src/data/mysql";
import { SCALE_SHAPES, plantedFile, writePlantedRatings } from "./planted-data";

export interface DataBenchRow {
  readonly step: string;
  readonly medianMs: number;
  readonly minMs: number;
  readonly runs: number;
  /** Median user + system CPU time of the process (all threads): steadier than wall time on a shared machine. */
  readonly cpuMs?: number;
}

const now = (): number => performance.now();

async function time(step: string, runs: number, f: () => Promise<unknown> | unknown): Promise<DataBenchRow> {
  const ms: number[] = [],
    cpu: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t = now(),
      c = process.cpuUsage();
    await f();
    ms.push(now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  ms.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  return { step, medianMs: ms[Math.floor(ms.length / 2)]!, minMs: ms[0]!, runs, cpuMs: cpu[Math.floor(cpu.length / 2)]! };
}

/** Runs every step `runs` times (MySQL only when MYSQL_URL is set) and returns median and best times. */
export async function benchData(runs = 5): Promise<DataBenchRow[]> {
  const rows: DataBenchRow[] = [];
  const t0 = now();
  loadDanfo();
  rows.push({ step: "load danfojs-node (once per process)", medianMs: now() - t0, minMs: now() - t0, runs: 1 });
  const ds = generateSyntheticDataset();
  rows.push(await time(`generate (${ds.interactions.length} ratings)`, runs, () => generateSyntheticDataset()));
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "ewb-bench-"));
  try {
    const file = path.join(dir, "synthetic.csv");
    rows.push(await time("CSV format (danfojs toCSV)", runs, () => formatInteractionsCsv(ds)));
    rows.push(await time("CSV write (format + atomic write)", runs, () => writeInteractionsCsv(file, ds)));
    rows.push(await time("CSV read (streaming scanner + checks, columnar)", runs, () => readInteractionsCsv(file)));
    rows.push(
      await time("CSV read + object views (interactions, users, items)", runs, async () => {
        const back = await readInteractionsCsv(file);
        return [back.interactions.length, back.users.length, back.items.length];
      }),
    );
    rows.push(
      await time("CSV round-trip (write + read)", runs, async () => {
        await writeInteractionsCsv(file, ds);
        await readInteractionsCsv(file);
      }),
    );
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
  if (process.env.MYSQL_URL) {
    const store = await MySqlStore.connect(process.env.MYSQL_URL, { tablePrefix: `ewbbench${process.pid}_` });
    try {
      rows.push(await time("MySQL save (one transaction, 5000-row INSERTs)", runs, () => store.saveDataset(ds)));
      rows.push(await time("MySQL load", runs, () => store.loadDataset()));
      rows.push(
        await time("MySQL round-trip (save + load)", runs, async () => {
          await store.saveDataset(ds);
          await store.loadDataset();
        }),
      );
    } finally {
      await store.dropTables();
      await store.close();
    }
  }
  return rows;
}

/** Records of a CSV file counted by each parser, streaming, nothing kept: what choosing the reader rests on. */
export async function benchParsers(file: string, runs = 3): Promise<DataBenchRow[]> {
  const rows: DataBenchRow[] = [];
  let expected = -1;
  const check = (name: string, n: number): void => {
    if (expected < 0) expected = n;
    else if (n !== expected) throw new Error(`${name} counted ${n} records, the scanner ${expected}`);
  };
  rows.push(
    await time("parse: hand-written scanner (src/data/delimited.ts)", runs, async () => {
      let n = 0;
      await readDelimited(file, { delimiter: "," }, () => {
        n++;
      });
      check("scanner", n);
    }),
  );
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parse } = require("csv-parse") as typeof import("csv-parse");
  rows.push(
    await time("parse: csv-parse (stream, records as arrays)", runs, async () => {
      let n = 0;
      const parser = createReadStream(file).pipe(parse({ relax_column_count: true, skip_empty_lines: true }));
      for await (const _ of parser) n++;
      check("csv-parse", n);
    }),
  );
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Papa = require("papaparse") as typeof import("papaparse");
  rows.push(
    await time(
      "parse: papaparse (stream, chunk callback)",
      runs,
      () =>
        new Promise<void>((resolve, reject) => {
          let n = 0;
          Papa.parse(
            createReadStream(file) as never,
            {
              header: false,
              dynamicTyping: false,
              skipEmptyLines: true,
              chunk: (r: { data: unknown[] }) => {
                n += r.data.length;
              },
              complete: () => {
                try {
                  check("papaparse", n);
                  resolve();
                } catch (e) {
                  reject(e);
                }
              },
              error: reject,
            } as never,
          );
        }),
    ),
  );
  const duck = duckdb();
  if (duck) {
    rows.push(
      await time("parse: DuckDB read_csv (2 threads) + columns fetched into JS", runs, async () => {
        const inst = await duck.DuckDBInstance.create(":memory:", { threads: "2" });
        const con = await inst.connect();
        const reader = await con.runAndReadAll(
          `SELECT user_id, item_id, rating FROM read_csv('${file.replace(/'/g, "''")}', header=true, ` +
            "columns={'user_id':'VARCHAR','item_id':'VARCHAR','rating':'DOUBLE'})",
        );
        check("DuckDB", reader.getColumns()[0]!.length + 1); // + the header, which the others count as a record
        con.closeSync?.();
      }),
    );
  } else {
    console.log(
      "DuckDB row skipped: @duckdb/node-api is not a dependency (70 MB); to measure it: npm i --prefix /tmp/duckdb @duckdb/node-api and BENCH_DUCKDB_DIR=/tmp/duckdb.",
    );
  }
  rows.push(await time("load: readInteractionsCsv (scanner + every check, typed arrays)", runs, () => readInteractionsCsv(file)));
  return rows;
}

interface DuckDb {
  DuckDBInstance: {
    create(
      path: string,
      options: Record<string, string>,
    ): Promise<{
      connect(): Promise<{
        runAndReadAll(sql: string): Promise<{ getColumns(): unknown[][] }>;
        closeSync?(): void;
      }>;
    }>;
  };
}

/** @duckdb/node-api from BENCH_DUCKDB_DIR (it is not a project dependency), or undefined. */
function duckdb(): DuckDb | undefined {
  const dir = process.env.BENCH_DUCKDB_DIR;
  if (!dir) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(require.resolve("@duckdb/node-api", { paths: [dir] })) as DuckDb;
}

export interface ScaleRow {
  readonly size: string;
  readonly reader: string;
  readonly rows: number;
  readonly users: number;
  readonly items: number;
  readonly fileMB: number;
  readonly ms: number;
  readonly cpuMs: number;
  readonly maxRssMB: number;
}

export interface ChildLoad {
  readonly ms: number;
  readonly cpuMs: number;
  readonly maxRssMB: number;
  readonly rows: number;
  readonly users: number;
  readonly items: number;
}

/** One load of `file` by readInteractionsCsv / readMovieLens (of `srcDir`, default this checkout's src/) in its own process (bench/data-load.ts). */
export function loadInChild(file: string, format: "csv" | "movielens", srcDir?: string): ChildLoad {
  const r = spawnSync(process.execPath, ["-r", "tsx/cjs", path.join(__dirname, "data-load.ts"), file, format, ...(srcDir ? [srcDir] : [])], {
    cwd: path.join(__dirname, ".."),
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`loading ${file} failed: ${r.stderr.trim().split("\n")[0]}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as ChildLoad;
}

/** Loads each size's file (generated once into the temp folder) in a fresh process; returns time and peak RSS. */
export async function benchScale(sizes: readonly string[], oldSrc?: string, oldAt: readonly string[] = ["1M"]): Promise<ScaleRow[]> {
  const out: ScaleRow[] = [];
  for (const size of sizes) {
    const { file, movielens: ml } = await plantedFile(size);
    const fileMB = (await fs.stat(file)).size / 2 ** 20;
    const readers: [string, string | undefined][] = [["streaming (this checkout)", undefined]];
    if (oldSrc && oldAt.includes(size)) readers.unshift([`old (${oldSrc})`, oldSrc]);
    for (const [reader, src] of readers) out.push({ size, reader, fileMB, ...loadInChild(file, ml ? "movielens" : "csv", src) });
  }
  return out;
}

/** The reader choice at BENCH_DATA_PARSE_SIZE (default 1M). */
async function runParsers(): Promise<void> {
  const parserSize = process.env.BENCH_DATA_PARSE_SIZE ?? "1M";
  const shape = SCALE_SHAPES[parserSize]!;
  const pfile = path.join(os.tmpdir(), "ewb-scale", `planted-${parserSize}.csv`);
  await fs.mkdir(path.dirname(pfile), { recursive: true });
  if (!existsSync(pfile)) await writePlantedRatings(pfile, { ...shape, format: "csv" });
  const parsers = await benchParsers(pfile, Number(process.env.BENCH_DATA_RUNS ?? 3));
  const base = parsers[0]!.cpuMs!;
  console.log(`\nReader choice on ${pfile} (${shape.ratings} rows):`);
  console.log("| parser | median wall ms | best wall ms | median CPU ms | runs | CPU vs scanner |");
  console.log("|---|---|---|---|---|---|");
  for (const r of parsers) {
    console.log(`| ${r.step} | ${r.medianMs.toFixed(0)} | ${r.minMs.toFixed(0)} | ${r.cpuMs!.toFixed(0)} | ${r.runs} | ${(r.cpuMs! / base).toFixed(2)}x |`);
  }
}

export async function run(): Promise<void> {
  const rows = process.env.BENCH_DATA_SKIP_50K ? [] : await benchData(Number(process.env.BENCH_DATA_RUNS ?? 5));
  console.log("| step | median ms | best ms | median CPU ms | runs |");
  console.log("|---|---|---|---|---|");
  for (const r of rows)
    console.log(`| ${r.step} | ${r.medianMs.toFixed(0)} | ${r.minMs.toFixed(0)} | ${r.cpuMs === undefined ? "" : r.cpuMs.toFixed(0)} | ${r.runs} |`);
  if (!process.env.MYSQL_URL) console.log("MySQL rows skipped: MYSQL_URL is not set.");

  if (!process.env.BENCH_DATA_SKIP_PARSERS) await runParsers();
  const sizes = (process.env.BENCH_DATA_SCALE ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (sizes.length > 0) {
    const oldAt = (process.env.BENCH_DATA_OLD_AT ?? "1M").split(",").map((x) => x.trim());
    const scale = await benchScale(sizes, process.env.BENCH_DATA_OLD_SRC, oldAt);
    console.log("\nLoad at scale (each in its own process):");
    console.log("| size | reader | rows | users x items | file MB | load s (wall) | load s (CPU) | peak RSS MB |");
    console.log("|---|---|---|---|---|---|---|---|");
    for (const r of scale) {
      console.log(
        `| ${r.size} | ${r.reader} | ${r.rows} | ${r.users} x ${r.items} | ${r.fileMB.toFixed(0)} | ${(r.ms / 1000).toFixed(1)} | ${(r.cpuMs / 1000).toFixed(1)} | ${r.maxRssMB.toFixed(0)} |`,
      );
    }
  } else {
    console.log(
      "Load at scale skipped: set BENCH_DATA_SCALE=1M,5M,20M,25M (and BENCH_DATA_OLD_SRC=<old src/> for the old reader, at BENCH_DATA_OLD_AT=1M,... sizes).",
    );
  }
  console.log(
    `load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")} on ${os.cpus().length} cores: timings are noisy; compare within one run.`,
  );
}

if (require.main === module) {
  run().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
