/** Timings of the data layer on the default dataset: generate, CSV write + read, MySQL save + load (50k rows). */
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { generateSyntheticDataset } from "../src/data/generate";
import { formatInteractionsCsv, readInteractionsCsv, writeInteractionsCsv } from "../src/data/csv";
import { loadDanfo } from "../src/data/danfo-io";
import { MySqlStore } from "../src/data/mysql";

export interface DataBenchRow {
  readonly step: string;
  readonly medianMs: number;
  readonly minMs: number;
  readonly runs: number;
}

const now = (): number => performance.now();

async function time(step: string, runs: number, f: () => Promise<unknown> | unknown): Promise<DataBenchRow> {
  const ms: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t = now();
    await f();
    ms.push(now() - t);
  }
  ms.sort((a, b) => a - b);
  return { step, medianMs: ms[Math.floor(ms.length / 2)]!, minMs: ms[0]!, runs };
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
    rows.push(await time("CSV read (danfojs readCSV + checks)", runs, () => readInteractionsCsv(file)));
    rows.push(await time("CSV round-trip (write + read)", runs, async () => { await writeInteractionsCsv(file, ds); await readInteractionsCsv(file); }));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
  if (process.env.MYSQL_URL) {
    const store = await MySqlStore.connect(process.env.MYSQL_URL, { tablePrefix: `ewbbench${process.pid}_` });
    try {
      rows.push(await time("MySQL save (one transaction, 5000-row INSERTs)", runs, () => store.saveDataset(ds)));
      rows.push(await time("MySQL load (interactions in one query)", runs, () => store.loadDataset()));
      rows.push(await time("MySQL round-trip (save + load)", runs, async () => { await store.saveDataset(ds); await store.loadDataset(); }));
    } finally {
      await store.dropTables();
      await store.close();
    }
  }
  return rows;
}

export async function run(): Promise<void> {
  const rows = await benchData(Number(process.env.BENCH_DATA_RUNS ?? 5));
  console.log("| step | median ms | best ms | runs |");
  console.log("|---|---|---|---|");
  for (const r of rows) console.log(`| ${r.step} | ${r.medianMs.toFixed(0)} | ${r.minMs.toFixed(0)} | ${r.runs} |`);
  if (!process.env.MYSQL_URL) console.log("MySQL rows skipped: MYSQL_URL is not set.");
  console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")} on ${os.cpus().length} cores: timings are noisy; compare within one run.`);
}

if (require.main === module) {
  run().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
