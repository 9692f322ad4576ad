/**
 * Recommendation speed on the default data and model: top-10 for all 1000 users with rated items excluded (target
 * <= 4 ms; PyTorch batched 4.2-5.0 ms) and one user (target p99 <= 0.1 ms; PyTorch 0.05 ms median, 0.1 ms p99);
 * then the blocked path at 160,000 users x 60,000 items x 64 (seeded random weights, 125 rated items per user as CSR):
 * time per user on a sample of blocks, projected to all users, and the memory it holds.
 * Variants run interleaved in one process so that load on the machine hits them alike: compare them as ratios
 * (the plain TypeScript loop is the yardstick that stays the same across versions of the scorer).
 * EWB_BENCH_FULL=1 scores all 160,000 users at scale instead of a sample (minutes).
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
import { TopKHeap } from "../src/topk";
import { createRng } from "../src/random";
import { randomTestWeights } from "../test/analysis/fixtures";
import { ratedItemsFromRows } from "../src/model/rated-items";
import { predictUnchecked } from "../src/model/predict";

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
  return {
    what,
    cpuMedianMs: median(cpuMs),
    medianMs: s[Math.floor(s.length / 2)]!,
    p99Ms: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]!,
    minMs: s[0]!,
    runs: s.length,
  };
}

/** The obvious way, for scale: score every pair in double precision in plain TypeScript, keep 10 with a heap. */
function plainAllUsers(w: MfWeights, rated: RatedItems): void {
  const heap = new TopKHeap(10),
    mask = new Uint8Array(w.numItems),
    out = new Int32Array(10),
    sc = new Float64Array(10);
  for (let u = 0; u < w.numUsers; u++) {
    const ex = ratedItemsOf(rated, u);
    for (let j = 0; j < ex.length; j++) mask[ex[j]!] = 1;
    heap.reset();
    for (let i = 0; i < w.numItems; i++) if (mask[i] === 0) heap.push(i, predictUnchecked(w, u, i));
    heap.drainInto(out, sc);
    for (let j = 0; j < ex.length; j++) mask[ex[j]!] = 0;
  }
}

/** Measures every variant; `rounds` interleaved rounds of the all-users variants. */
export async function benchRecommend(rounds = 30): Promise<{ rows: RecommendBenchRow[]; notes: string[] }> {
  const dataset = generateSyntheticDataset();
  const split = randomSplit(dataset.interactions, { validationFraction: 0.2, seed: 42 });
  const model = await trainModel(split, dataset);
  const w = model.weights,
    rated = model.ratedItems;
  const notes: string[] = [];
  const t = now();
  new ItemScorer(w);
  notes.push(
    `scorer: WebAssembly SIMD, every item scored (2 users x 4 items per tile, one-pass bound for the selection); build (once per model) ${(now() - t).toFixed(1)} ms`,
  );
  const tfMatMul = await tfjsMatMul(w);
  const variants: [string, () => void][] = [
    ["all 1000 users, top-10, rated excluded: wasm SIMD block matrix product + heap (default)", () => topNAllUsers(w, 10, { exclude: rated })],
    ["all 1000 users, top-10, rated excluded: plain TypeScript, every item (f64)", () => plainAllUsers(w, rated)],
  ];
  if (tfMatMul) variants.push(["TF.js wasm matMul alone (1000x64 by 64x500, no bias, no top-N)", tfMatMul]);
  const times = variants.map(() => [] as number[]),
    cpu = variants.map(() => [] as number[]);
  for (let r = 0; r < 3; r++) for (const [, f] of variants) f(); // warm-up
  for (let r = 0; r < rounds; r++) {
    variants.forEach(([, f], j) => {
      const c0 = process.cpuUsage(),
        t0 = now();
      f();
      times[j]!.push(now() - t0);
      const c = process.cpuUsage(c0);
      cpu[j]!.push((c.user + c.system) / 1000);
    });
  }
  const rows = variants.map(([what], j) => summary(what, times[j]!, cpu[j]!));
  // Single calls are too short for cpuUsage's resolution: CPU time per call is measured over blocks of 1000 calls.
  const perCall = (calls: number, f: (r: number) => void): { wall: number[]; cpu: number[] } => {
    const wall: number[] = [],
      cpuPer: number[] = [];
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
  const rw = randomTestWeights(w.numUsers, w.numItems, w.dim, 11);
  const oneRandom = perCall(11000, (r) => topNForUserIndex(rw, (r * 7919) % rw.numUsers, 10));
  rows.push(summary("one user, top-10, random weights (same shape)", oneRandom.wall, oneRandom.cpu));
  const pairs = split.train.filter((x) => x.userId === model.userIds.id(0)).map((x) => ({ itemId: x.itemId, rating: x.rating }));
  const fold = perCall(4000, () => recommendForNewUser(model, pairs, { top: 10 }));
  rows.push(summary(`new user from ${pairs.length} ratings: fold-in (65x65 Cholesky) + top-10`, fold.wall, fold.cpu));
  return { rows, notes };
}

/** TF.js's wasm matMul of the user and item factors, if TF.js loads: the floor of any TF.js top-N (it still needs biases, exclusion, top-k). */
async function tfjsMatMul(w: MfWeights): Promise<(() => void) | undefined> {
  try {
    const tf = require("@tensorflow/tfjs") as typeof import("@tensorflow/tfjs");
    require("@tensorflow/tfjs-backend-wasm");
    await tf.setBackend("wasm");
    const u = tf.tensor2d(w.userFactors, [w.numUsers, w.dim]),
      q = tf.tensor2d(w.itemFactors, [w.numItems, w.dim]);
    return () => {
      const s = tf.matMul(u, q, false, true);
      s.dataSync();
      s.dispose();
    };
  } catch {
    return undefined;
  }
}

export interface ScaleResult {
  readonly users: number;
  readonly items: number;
  readonly dim: number;
  readonly scoredUsers: number;
  readonly msPerUser: number;
  /** CPU time (user + system) per user: less inflated than wall time when other processes load the machine. */
  readonly cpuMsPerUser: number;
  readonly projectedAllUsersS: number;
  readonly blockUsers: number;
  readonly scorerMb: number;
  readonly ratedMb: number;
  readonly rssBeforeMb: number;
  readonly rssPeakMb: number;
}

/** The blocked path at 160k users x 60k items x 64: a sample of users (or all with EWB_BENCH_FULL=1), memory held. */
export function benchScale(numUsers = 160_000, numItems = 60_000, dim = 64, ratedPerUser = 125): ScaleResult {
  const w = randomTestWeights(numUsers, numItems, dim, 5);
  const rng = createRng(6),
    rows = numUsers * ratedPerUser;
  let users: Int32Array | null = new Int32Array(rows),
    items: Int32Array | null = new Int32Array(rows);
  for (let k = 0; k < rows; k++) {
    users[k] = Math.floor(k / ratedPerUser);
    items[k] = rng.int(numItems);
  }
  const rated = ratedItemsFromRows(users, items, numUsers);
  users = items = null;
  (globalThis as { gc?: () => void }).gc?.();
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const scorer = ItemScorer.for(w);
  const full = process.env.EWB_BENCH_FULL === "1";
  const sample = full ? numUsers : Math.min(numUsers, scorer.blockUsers * 40);
  const chosen = Int32Array.from({ length: sample }, (_, r) => (full ? r : (r * 7919) % numUsers));
  const t0 = now(),
    c0 = process.cpuUsage();
  for (let start = 0; start < sample; start += 10 * scorer.blockUsers) {
    topNAllUsers(w, 10, { exclude: rated, users: chosen.subarray(start, Math.min(sample, start + 10 * scorer.blockUsers)) });
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const ms = now() - t0,
    c = process.cpuUsage(c0),
    cpuMs = (c.user + c.system) / 1000;
  return {
    users: numUsers,
    items: numItems,
    dim,
    scoredUsers: sample,
    msPerUser: ms / sample,
    cpuMsPerUser: cpuMs / sample,
    projectedAllUsersS: ((cpuMs / sample) * numUsers) / 1000,
    blockUsers: scorer.blockUsers,
    scorerMb: scorer.memoryBytes / 2 ** 20,
    ratedMb: (rated.items.byteLength + rated.offsets.byteLength) / 2 ** 20,
    rssBeforeMb: rss0 / 2 ** 20,
    rssPeakMb: peak / 2 ** 20,
  };
}

export async function run(): Promise<void> {
  const { rows, notes } = await benchRecommend();
  console.log("## Recommendation (default data and model, 1000 users x 500 items, dim 64)");
  console.log("| what | CPU ms (median) | wall median ms | wall p99 ms | wall best ms | runs |");
  console.log("|---|---|---|---|---|---|");
  for (const r of rows)
    console.log(`| ${r.what} | ${r.cpuMedianMs.toFixed(3)} | ${r.medianMs.toFixed(3)} | ${r.p99Ms.toFixed(3)} | ${r.minMs.toFixed(3)} | ${r.runs} |`);
  const all = rows[0]!,
    plain = rows[1]!,
    single = rows.find((r) => r.what.startsWith("one user, top-10, rated"))!;
  console.log(`Ratio to the plain TypeScript loop (CPU medians, same run): ${(all.cpuMedianMs / plain.cpuMedianMs).toFixed(3)}.`);
  console.log(
    `Targets: all users <= 4 ms (wall median ${all.medianMs.toFixed(2)} ms, CPU ${all.cpuMedianMs.toFixed(2)} ms: ${all.medianMs <= 4 ? "met" : all.cpuMedianMs <= 4 ? "met in CPU time, not in wall time on this loaded machine" : "NOT met"}); ` +
      `one user p99 <= 0.1 ms (wall p99 ${single.p99Ms.toFixed(3)} ms: ${single.p99Ms <= 0.1 ? "met" : "NOT met"}). PyTorch reference: 4.2-5.0 ms batched, 0.05 ms median / 0.1 ms p99 per user.`,
  );
  for (const n of notes) console.log(n);
  const sc = benchScale();
  console.log(
    `## Blocked top-10 at ${sc.users.toLocaleString("en")} users x ${sc.items.toLocaleString("en")} items x ${sc.dim}, 125 rated items per user excluded (CSR)`,
  );
  console.log(
    "| users scored | CPU ms per user | wall ms per user | projected CPU, all users | users per block | scorer memory | rated items (CSR) | RSS before -> peak |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  console.log(
    `| ${sc.scoredUsers.toLocaleString("en")} | ${sc.cpuMsPerUser.toFixed(3)} | ${sc.msPerUser.toFixed(3)} | ${sc.projectedAllUsersS.toFixed(0)} s | ${sc.blockUsers} | ${sc.scorerMb.toFixed(1)} MB | ${sc.ratedMb.toFixed(1)} MB | ${sc.rssBeforeMb.toFixed(0)} -> ${sc.rssPeakMb.toFixed(0)} MB |`,
  );
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
    process.exit(1);
  });
}
