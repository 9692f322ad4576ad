/**
 * Child process of bench/data.ts: loads one file with one reader and prints {ms, cpuMs (user + system CPU time: steadier than wall time on a shared machine), maxRssMB, rows, users, items} as
 * JSON, so each load's peak RSS is its own. Usage: node -r tsx/cjs bench/data-load.ts <file> csv|movielens [srcDir]
 * (srcDir: another checkout's src/, to measure an older reader the same way).
 */
import * as path from "node:path";

async function main(): Promise<void> {
  const [file, format, srcDir] = process.argv.slice(2);
  const src = path.resolve(srcDir ?? path.join(__dirname, "..", "src"));
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  /* eslint-disable @typescript-eslint/no-require-imports */
  const ds =
    format === "movielens"
      ? await (require(path.join(src, "data", "movielens")) as typeof import("../src/data/movielens")).readMovieLens(file!)
      : await (require(path.join(src, "data", "csv")) as typeof import("../src/data/csv")).readInteractionsCsv(file!);
  const ms = performance.now() - t;
  const c = process.cpuUsage(cpu0);
  const cpuMs = (c.user + c.system) / 1000;
  const columnar = (ds as { indexed?: { length: number } }).indexed;
  const rows = columnar ? columnar.length : ds.interactions.length;
  const users = (ds as { userIds?: { size: number } }).userIds?.size ?? ds.users.length;
  const items = (ds as { itemIds?: { size: number } }).itemIds?.size ?? ds.items.length;
  console.log(JSON.stringify({ ms, cpuMs, maxRssMB: process.resourceUsage().maxRSS / 1024, rows, users, items }));
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exitCode = 1;
});
