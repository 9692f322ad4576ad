/**
 * Recommendation speed on the default data and model: top-10 for all 1000 users with rated items excluded (target
 * <= 4 ms; PyTorch batched 4.2-5.0 ms) and one user (target p99 <= 0.1 ms; PyTorch 0.05 ms median, 0.1 ms p99).
 * Variants run interleaved in one process so that load on the machine hits them alike: compare them as ratios.
 */
import * as os from "node:os";
import { generateSyntheticDataset } from "../src/data/generate";
import { randomSplit } from "../src/data/split";
import { trainModel } from "../src/model/train";
import type { MfWeights } from "../src/model/types";
import { ratedItemsOf, type RatedItems } from "../src/model/rated-items";
import { topNAllUsers } from "../src/recommend/batch";
import { topNForUserIndex } from "../src/recommend/single";
import { recommendForNewUser } from "../src/recommend/foldin";
import { ItemScorer } from "../src/recommend/scorer";
import { TopKHeap } from "../src/recommend/topk";
import { scoreUnchecked } from "../src/recommend/score";

export interface RecommendBenchRow {
  readonly what: string;
  /** Median of this process's CPU time per call (user + system): less inflated than wall time when other processes load the machine. */
  readonly cpuMedianMs: number;
  readonly medianMs: number;
  readonly p99Ms: number;
  readonly minMs: number;
  readonly runs: number;
}

const now = (): number => performance.now();

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function summary(what: string, ms: number[], cpuMs: number[]): RecommendBenchRow {
  const s = [...ms].sort((a, b) => a - b);
  return { what, cpuMedianMs: median(cpuMs), medianMs: s[Math.floor(s.length / 2)]!, p99Ms: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]!, minMs: s[0]!, runs: s.length };
}

/** The obvious way, for scale: score every pair in double precision in plain TypeScript, keep 10 with a heap. */
function plainAllUsers(w: MfWeights, rated: RatedItems): void {
  const heap = new TopKHeap(10), mask = new Uint8Array(w.numItems), out = new Int32Array(10), sc = new Float64Array(10);
  for (let u = 0; u < w.numUsers; u++) {
    const ex = ratedItemsOf(rated, u);
    for (let j = 0; j < ex.length; j++) mask[ex[j]!] = 1;
    heap.reset();
    for (let i = 0; i < w.numItems; i++) if (mask[i] === 0) heap.push(i, scoreUnchecked(w, u, i));
    heap.drainInto(out, sc);
    for (let j = 0; j < ex.length; j++) mask[ex[j]!] = 0;
  }
}

/** Measures every variant; `rounds` interleaved rounds of the all-users variants. */
export async function benchRecommend(rounds = 30): Promise<{ rows: RecommendBenchRow[]; notes: string[] }> {
  const dataset = generateSyntheticDataset();
  const split = randomSplit(dataset.interactions, { validationFraction: 0.2, seed: 42 });
  const model = await trainModel(split, dataset);
  const w = model.weights, rated = model.ratedItems;
  const notes: string[] = [];
  let t = now();
  const pruned = new ItemScorer(w, { prune: true });
  const buildMs = now() - t;
  t = now();
  new ItemScorer(w, { prune: false });
  const buildBruteMs = now() - t;
  ItemScorer.for(w, true);
  ItemScorer.for(w, false);
  notes.push(`kernel: ${pruned.kernel}; ${pruned.numClusters} item clusters; scorer build (once per model): ${buildMs.toFixed(1)} ms clustered, ${buildBruteMs.toFixed(1)} ms plain`);
  // Same answers, whichever variant (checked here too, not only in the tests).
  const a = topNAllUsers(w, 10, { exclude: rated, strategy: "pruned" }), b = topNAllUsers(w, 10, { exclude: rated, strategy: "brute" });
  if (a.items.some((x, j) => x !== b.items[j])) throw new Error("pruned and brute-force top-10 differ");
  const variants: [string, () => void][] = [
    ["all 1000 users, top-10, rated excluded: wasm SIMD + cluster pruning (default)", () => topNAllUsers(w, 10, { exclude: rated, strategy: "pruned" })],
    ["all 1000 users, top-10, rated excluded: wasm SIMD, every item scored", () => topNAllUsers(w, 10, { exclude: rated, strategy: "brute" })],
    ["all 1000 users, top-10, rated excluded: plain TypeScript, every item (f64)", () => plainAllUsers(w, rated)],
  ];
  const times = variants.map(() => [] as number[]), cpu = variants.map(() => [] as number[]);
  for (let r = 0; r < 3; r++) for (const [, f] of variants) f(); // warm-up
  for (let r = 0; r < rounds; r++) {
    variants.forEach(([, f], j) => {
      const c0 = process.cpuUsage(), t0 = now();
      f();
      times[j]!.push(now() - t0);
      const c = process.cpuUsage(c0);
      cpu[j]!.push((c.user + c.system) / 1000);
    });
  }
  const rows = variants.map(([what], j) => summary(what, times[j]!, cpu[j]!));
  // Single calls are too short for cpuUsage's resolution: CPU time per call is measured over blocks of 1000 calls.
  const perCall = (calls: number, f: (r: number) => void): { wall: number[]; cpu: number[] } => {
    const wall: number[] = [], cpuPer: number[] = [];
    for (let block = 0; block < calls / 1000; block++) {
      const c0 = process.cpuUsage();
      for (let r = block * 1000; r < (block + 1) * 1000; r++) {
        const t0 = now();
        f(r);
        wall.push(now() - t0);
      }
      const c = process.cpuUsage(c0);
      cpuPer.push((c.user + c.system) / 1000 / 1000);
    }
    return { wall: wall.slice(1000), cpu: cpuPer.slice(1) };
  };
  const one = perCall(21000, (r) => {
    const u = (r * 7919) % w.numUsers;
    topNForUserIndex(w, u, 10, ratedItemsOf(rated, u));
  });
  rows.push(summary("one user, top-10, rated excluded", one.wall, one.cpu));
  const pairs = split.train.filter((x) => x.userId === model.userIds.id(0)).map((x) => ({ itemId: x.itemId, rating: x.rating }));
  const fold = perCall(4000, () => recommendForNewUser(model, pairs, { top: 10 }));
  rows.push(summary(`new user from ${pairs.length} ratings: fold-in (65x65 Cholesky) + top-10`, fold.wall, fold.cpu));
  return { rows, notes };
}

export async function run(): Promise<void> {
  const { rows, notes } = await benchRecommend();
  console.log("## Recommendation (default data and model, 1000 users x 500 items, dim 64)");
  console.log("| what | CPU ms (median) | wall median ms | wall p99 ms | wall best ms | runs |");
  console.log("|---|---|---|---|---|---|");
  for (const r of rows) console.log(`| ${r.what} | ${r.cpuMedianMs.toFixed(3)} | ${r.medianMs.toFixed(3)} | ${r.p99Ms.toFixed(3)} | ${r.minMs.toFixed(3)} | ${r.runs} |`);
  const all = rows[0]!, single = rows[3]!;
  console.log(`Targets: all users <= 4 ms (wall median ${all.medianMs.toFixed(2)} ms, CPU ${all.cpuMedianMs.toFixed(2)} ms: ${all.medianMs <= 4 ? "met" : all.cpuMedianMs <= 4 ? "met in CPU time, not in wall time on this loaded machine" : "NOT met"}); ` +
    `one user p99 <= 0.1 ms (wall p99 ${single.p99Ms.toFixed(3)} ms: ${single.p99Ms <= 0.1 ? "met" : "NOT met"}). PyTorch reference: 4.2-5.0 ms batched, 0.05 ms median / 0.1 ms p99 per user.`);
  for (const n of notes) console.log(n);
  console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")} on ${os.cpus().length} cores: timings are noisy; compare within one run.`);
}

if (require.main === module) {
  run().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
