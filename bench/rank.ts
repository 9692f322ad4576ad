/**
 * Ranking benchmark: recommenders' MovieLens 100k protocol (stratified 75/25 split, seed 42, top-10 among unseen items,
 * every held-out interaction relevant) with each objective's DEFAULT settings, next to popularity and the published
 * numbers; ms per epoch of BPR and MSE side by side; and the validation curve the BPR defaults were chosen on (a seeded
 * split of the training part only, never the test part).
 */
import { existsSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readMovieLens } from "../src/data/movielens";
import { stratifiedSplit } from "../src/data/stratified-split";
import { runRecommendersProtocol, formatProtocolTable, type ProtocolReport } from "../src/evaluate/protocol";
import { trainBpr, DEFAULT_BPR_HYPERPARAMETERS } from "../src/model/bpr";
import { ndcgValidator } from "../src/evaluate/topk";

/** ../shared/datasets/ml-100k beside the project (never copied into it), or the folder EWB_ML100K names. */
const ML100K = path.join(path.resolve(process.env.EWB_ML100K ?? path.join(__dirname, "..", "..", "shared", "datasets", "ml-100k")), "u.data");

/** recommenders' examples/06_benchmarks/movielens.ipynb, MovieLens 100k, k = 10 (cornac BPR: k=200, 200 iterations). */
const PUBLISHED = [
  { method: "BPR (cornac, published)", precision: 0.388653, recall: 0.216555, ndcg: 0.444991, map: 0.133977 },
  { method: "BiVAE (published)", precision: 0.412, recall: null, ndcg: 0.475, map: null },
  { method: "SAR (published)", precision: 0.340615, recall: 0.185377, ndcg: 0.393819, map: 0.114038 },
];

const TARGETS = { bprPrecision: 0.39, bprNdcg: 0.44 };

export async function run(): Promise<void> {
  console.log("## Ranking: recommenders' MovieLens 100k protocol, default settings\n");
  if (!existsSync(ML100K)) {
    console.log(`- skipped: ${ML100K} is absent (MovieLens 100k is read from ../shared/datasets/ml-100k or EWB_ML100K, never copied).`);
    return;
  }
  const dataset = await readMovieLens(ML100K, "auto");
  const reports: ProtocolReport[] = [];
  for (const by of ["item", "user"] as const) {
    const t = performance.now();
    const r = await runRecommendersProtocol(dataset, { by });
    reports.push(r);
    console.log(
      `### stratified by ${by} (${r.trainRows} train / ${r.testRows} test rows, ${r.users} users, ${((performance.now() - t) / 1000).toFixed(1)} s)\n`,
    );
    console.log("```\n" + formatProtocolTable(r) + "```\n");
  }
  console.log("Published (recommenders' benchmark table, stratified by item):\n");
  console.log("| method | P@10 | R@10 | NDCG@10 | MAP |\n|---|---|---|---|---|");
  const f = (x: number | null): string => (x === null ? "-" : x.toFixed(4));
  for (const p of PUBLISHED) console.log(`| ${p.method} | ${f(p.precision)} | ${f(p.recall)} | ${f(p.ndcg)} | ${f(p.map)} |`);

  const main = reports[0]!;
  const bpr = main.rows.find((r) => r.method === "MF (BPR)")!,
    mse = main.rows.find((r) => r.method === "MF (MSE)")!,
    pop = main.rows.find((r) => r.method === "popularity")!;
  const mark = (ok: boolean): string => (ok ? "met" : "NOT met");
  console.log("\n| target (stratified by item) | measured | |\n|---|---|---|");
  console.log(`| BPR precision@10 >= ${TARGETS.bprPrecision} | ${bpr.precision.toFixed(4)} | ${mark(bpr.precision >= TARGETS.bprPrecision)} |`);
  console.log(`| BPR NDCG@10 >= ${TARGETS.bprNdcg} | ${bpr.ndcg.toFixed(4)} | ${mark(bpr.ndcg >= TARGETS.bprNdcg)} |`);
  console.log(
    `| BPR well above popularity (NDCG@10) | ${bpr.ndcg.toFixed(4)} vs ${pop.ndcg.toFixed(4)} (x${(bpr.ndcg / pop.ndcg).toFixed(2)}) | ${mark(bpr.ndcg > 1.3 * pop.ndcg)} |`,
  );
  console.log(
    `| ms/epoch BPR vs MSE (one run) | ${bpr.msPerEpoch!.toFixed(1)} vs ${mse.msPerEpoch!.toFixed(1)} (x${(bpr.msPerEpoch! / mse.msPerEpoch!).toFixed(2)}; BPR ${bpr.epochs} epochs, MSE ${mse.epochs}) | |`,
  );

  // How the BPR defaults were chosen: the training part split again (seed 1); the test part is never used.
  const outer = stratifiedSplit(dataset.interactions, { by: "item" });
  const inner = stratifiedSplit(outer.train, { by: "item", seed: 1 });
  const m = await trainBpr(inner, dataset, {}, { validationMetric: ndcgValidator({ k: 10 }) });
  const curve = m.history.map((r) => r.valNdcg!);
  const best = curve.indexOf(Math.max(...curve));
  const at = [9, 24, 49, 99, 149, 199]
    .filter((e) => e < curve.length)
    .map((e) => `epoch ${e + 1}: ${curve[e]!.toFixed(4)}`)
    .join(", ");
  console.log(
    `\nBPR defaults ${JSON.stringify(DEFAULT_BPR_HYPERPARAMETERS)} on the validation split (75% of the training part): ` +
      `NDCG@10 ${at}; best epoch ${best + 1} (${curve[best]!.toFixed(4)}). Lower than on the test part because each user has fewer held-out items there.`,
  );
  console.log(
    `load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")} on ${os.cpus().length} cores: timings are noisy; compare within one run.`,
  );
}
