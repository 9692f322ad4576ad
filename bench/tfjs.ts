/**
 * TF.js benchmark: ms per epoch (CPU time and wall time) of the Layers MF and the neural model on the default synthetic
 * data per available TF.js backend, next to the wasm kernel, with validation MSE/RMSE and P@10 / NDCG@10 for the models
 * trained to the end; the neural model on tfjs-wasm without the workbook's wasm speed-ups (src/model/tfjs-wasm-speedups.ts:
 * the GatherNd gather and the own dense kernels of tfjs-wasm-kernels.ts; in a child process) to show what they are worth;
 * and, when /usr/bin/python3 imports torch, the PyTorch version of the
 * same neural model (bench/neural_torch.py) at the same batch sizes in the same run, on 1 thread and on torch's default,
 * with the ratios. Target: the neural model's epoch on tfjs-wasm no slower than PyTorch's CPU epoch (same model, batch).
 * Same work on both sides: our CPU per epoch is measured between onEpochEnd calls, so it holds the training steps, the
 * validation pass and the copy of the best weights; PyTorch's CPU per epoch holds the same three. Wall times are the
 * training steps alone on both sides (our history's seconds).
 * Settings: what a tf.layers model trains with (dense Adam, no per-rating L2, weight decay 2e-4), batch 2048, lr 3e-3,
 * at most EWB_BENCH_EPOCHS (default 40) epochs with early stopping after 5 for the quality runs; 6 epochs for timing-only runs.
 * EWB_BENCH_TFJS=neural runs only the neural model's timing rows on tfjs-wasm and PyTorch's (the target's figures).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { trainModel, type TrainOptions } from "../src/model/train";
import { DEFAULT_HYPERPARAMETERS as D, BLOG_HYPERPARAMETERS } from "../src/model/hyperparameters";
import { nativeTfjsAvailable } from "../src/model/backend";
import { generateSyntheticDataset } from "../src/data/generate";
import { randomSplit } from "../src/data/split";
import { indexInteractions } from "../src/data/indexed";
import { IdMap } from "../src/data/idmap";
import { evaluateModelQuality } from "../src/evaluate/model-quality";
import type { Hyperparameters } from "../src/model/types";
import type { Dataset, DataSplit } from "../src/data/types";

const QUALITY_EPOCHS = Number(process.env.EWB_BENCH_EPOCHS ?? 40);
const TIMING_EPOCHS = 6;
const NEURAL = { hiddenSizes: [50], dropout: 0 };
const SETTINGS: Partial<Hyperparameters> = { updates: "dense", l2PerRating: 0, l2: BLOG_HYPERPARAMETERS.l2, epochs: QUALITY_EPOCHS, earlyStoppingPatience: 5 };

interface Row {
  readonly name: string;
  readonly backend: string;
  readonly batch: number;
  readonly epochs: number;
  /** Median over the epochs after the first (TF.js sets its kernels up in the first). */
  readonly cpuMsPerEpoch: number;
  readonly wallMsPerEpoch: number;
  readonly valMse?: number;
  readonly valRmse?: number;
  readonly p10?: number;
  readonly ndcg10?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
}

function data(): { dataset: Dataset; split: DataSplit } {
  const dataset = generateSyntheticDataset();
  return { dataset, split: randomSplit(dataset.interactions, { seed: 42 }) };
}

async function measure(
  name: string,
  split: DataSplit,
  dataset: Dataset,
  hyper: Partial<Hyperparameters>,
  options: TrainOptions,
  quality: boolean,
): Promise<Row> {
  const cpu: number[] = [];
  let c = process.cpuUsage();
  const model = await trainModel(split, dataset, hyper, {
    ...options,
    onEpochEnd: () => {
      const d = process.cpuUsage(c);
      cpu.push((d.user + d.system) / 1000);
      c = process.cpuUsage();
    },
  });
  const skip = model.history.length > 1 ? 1 : 0;
  const row: Row = {
    name,
    backend: model.backend,
    batch: hyper.batchSize ?? D.batchSize,
    epochs: model.history.length,
    cpuMsPerEpoch: median(cpu.slice(skip)),
    wallMsPerEpoch: median(model.history.slice(skip).map((r) => r.seconds * 1000)),
  };
  if (!quality) return row;
  const q = evaluateModelQuality(model, split, 10);
  return { ...row, valMse: q.valMse, valRmse: q.valRmse, p10: q.ranking.precision, ndcg10: q.ranking.ndcg };
}

/** The neural model on tfjs-wasm with TF.js's own gradient and gather kernel, in a child process (they are process-wide). */
function withoutSpeedups(batch: number): Row | string {
  const r = spawnSync(process.execPath, ["--expose-gc", "-r", "tsx/cjs", __filename, "--child-no-speedups", String(batch)], {
    encoding: "utf8",
    timeout: 600000,
    env: { ...process.env, EWB_TFJS_WASM_SPEEDUPS: "0" },
  });
  if (r.status !== 0) return `the run without the wasm speed-ups failed: ${(r.stderr || "").trim().split("\n").pop()}`;
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Row;
}

function torchAvailable(): boolean {
  return spawnSync("/usr/bin/python3", ["-c", "import torch"], { encoding: "utf8" }).status === 0;
}

interface TorchRow extends Row {
  readonly threads: number;
}

function torchRows(split: DataSplit, dataset: Dataset, runs: readonly { batch: number; epochs: number; threads: number }[]): (TorchRow | string)[] {
  const uMap = IdMap.fromIds(
      "user",
      dataset.users.map((u) => u.userId),
    ),
    iMap = IdMap.fromIds(
      "item",
      dataset.items.map((i) => i.itemId),
    );
  const dir = mkdtempSync(path.join(os.tmpdir(), "ewb-bench-torch-"));
  try {
    const write = (file: string, rows: DataSplit["train"]): string => {
      const ix = indexInteractions(rows, uMap, iMap, { skipUnknown: true });
      const lines: string[] = [];
      for (let k = 0; k < ix.length; k++) lines.push(`${ix.users[k]},${ix.items[k]},${ix.ratings[k]}`);
      const p = path.join(dir, file);
      writeFileSync(p, `${lines.join("\n")}\n`);
      return p;
    };
    const train = write("train.csv", split.train),
      val = write("val.csv", split.validation);
    return runs.map(({ batch, epochs, threads }) => {
      const args = [
        path.join(__dirname, "neural_torch.py"),
        "--train",
        train,
        "--val",
        val,
        "--users",
        String(uMap.size),
        "--items",
        String(iMap.size),
        "--dim",
        String(D.dim),
        "--hidden",
        NEURAL.hiddenSizes.join(","),
        "--epochs",
        String(epochs),
        "--batch",
        String(batch),
        "--lr",
        String(batch <= 256 ? 1e-3 : D.learningRate),
        "--wd",
        String(SETTINGS.l2),
        "--init-std",
        String(D.initStd),
        "--threads",
        String(threads),
      ];
      // torch.set_num_threads does not reach the BLAS and OpenMP pools Debian's torch also starts (measured: CPU time
      // twice the wall time on "1 thread"), so a fixed thread count is also set where those pools read it, before import.
      const pools = threads > 0 ? { OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) } : {};
      const r = spawnSync("/usr/bin/python3", args, { encoding: "utf8", timeout: 900000, env: { ...process.env, ...pools } });
      if (r.status !== 0) return `PyTorch run failed: ${(r.stderr || r.error?.message || "").trim().split("\n").pop()}`;
      const j = JSON.parse(r.stdout.trim().split("\n").pop()!) as {
        msPerEpochMedian: number;
        cpuMsPerEpochMedian: number;
        valMse: number;
        threads: number;
        torch: string;
      };
      return {
        name: "neural (PyTorch)",
        backend: `torch ${j.torch} cpu, ${j.threads} thread(s)`,
        threads: j.threads,
        batch,
        epochs,
        cpuMsPerEpoch: j.cpuMsPerEpochMedian,
        wallMsPerEpoch: j.msPerEpochMedian,
        valMse: j.valMse,
        valRmse: Math.sqrt(j.valMse),
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const f = (x: number | undefined, d: number): string => (x === undefined || !Number.isFinite(x) ? "" : x.toFixed(d));

export async function run(): Promise<void> {
  const { dataset, split } = data();
  console.log(
    `## tfjs: the Layers MF and the neural model (default synthetic data: ${split.train.length} training rows; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs; Node ${process.versions.node})`,
  );
  const tfjsBackends = [
    "tfjs-wasm",
    "tfjs-cpu",
    ...(nativeTfjsAvailable("@tensorflow/tfjs-node") ? ["tfjs-node"] : []),
    ...(nativeTfjsAvailable("@tensorflow/tfjs-node-gpu") ? ["tfjs-node-gpu"] : []),
  ];
  const notes: string[] = [];
  if (!nativeTfjsAvailable("@tensorflow/tfjs-node") && !nativeTfjsAvailable("@tensorflow/tfjs-node-gpu"))
    notes.push("native TF.js (@tensorflow/tfjs-node, -gpu) is not installed here: no native rows");
  const rows: Row[] = [];
  const short = { ...SETTINGS, epochs: TIMING_EPOCHS, earlyStoppingPatience: 0 };
  const neuralOnly = process.env.EWB_BENCH_TFJS === "neural";
  let neuralEpochs = TIMING_EPOCHS;
  if (neuralOnly) rows.push(await measure("neural", split, dataset, short, { backend: "tfjs-wasm", modelType: "neural", neural: NEURAL }, false));
  // The kernel with the same settings as the Layers models: same-settings comparison.
  else rows.push(await measure("MF kernel", split, dataset, SETTINGS, { backend: "wasm-kernel" }, true));
  for (const b of neuralOnly ? [] : tfjsBackends) {
    const quality = b !== "tfjs-cpu";
    rows.push(await measure("MF Layers", split, dataset, quality ? SETTINGS : short, { backend: b, layers: true }, quality));
    const n = await measure("neural", split, dataset, quality ? SETTINGS : short, { backend: b, modelType: "neural", neural: NEURAL }, quality);
    if (b === "tfjs-wasm") neuralEpochs = n.epochs;
    rows.push(n);
  }
  // The neural model at the blog's batch size too, where per-step overheads dominate.
  rows.push(
    await measure(
      "neural",
      split,
      dataset,
      { ...short, batchSize: 256, learningRate: 1e-3 },
      { backend: "tfjs-wasm", modelType: "neural", neural: NEURAL },
      false,
    ),
  );
  const plain = withoutSpeedups(D.batchSize);
  if (typeof plain === "string") notes.push(plain);
  else rows.push({ ...plain, name: "neural, TF.js's own kernels (EWB_TFJS_WASM_SPEEDUPS=0)" });
  let torch: TorchRow[] = [];
  if (torchAvailable()) {
    const got = torchRows(split, dataset, [
      { batch: D.batchSize, epochs: neuralEpochs, threads: 1 },
      { batch: D.batchSize, epochs: TIMING_EPOCHS, threads: 0 },
      { batch: 256, epochs: TIMING_EPOCHS, threads: 1 },
      { batch: 256, epochs: TIMING_EPOCHS, threads: 0 },
    ]);
    for (const r of got) if (typeof r === "string") notes.push(r);
    torch = got.filter((r): r is TorchRow => typeof r !== "string");
  } else {
    notes.push("/usr/bin/python3 cannot import torch (Debian: apt-get install python3-torch): no PyTorch rows");
  }
  rows.push(...torch);
  console.log(
    "| model | backend | batch | epochs | CPU ms/epoch | wall ms/epoch | val MSE | val RMSE | P@10 | NDCG@10 | CPU time vs PyTorch 1 thread (same batch) |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|---|");
  const torch1 = (batch: number) => torch.find((t) => t.batch === batch && t.threads === 1);
  for (const r of rows) {
    const t = r.name.startsWith("neural") && !r.name.includes("PyTorch") ? torch1(r.batch) : undefined;
    const ratio = t ? `${(r.cpuMsPerEpoch / t.cpuMsPerEpoch).toFixed(2)}x` : "";
    console.log(
      `| ${r.name} | ${r.backend} | ${r.batch} | ${r.epochs} | ${f(r.cpuMsPerEpoch, 1)} | ${f(r.wallMsPerEpoch, 1)} | ${f(r.valMse, 4)} | ${f(r.valRmse, 4)} | ${f(r.p10, 4)} | ${f(r.ndcg10, 4)} | ${ratio} |`,
    );
  }
  const kernel = rows[0]!,
    layersWasm = rows.find((r) => r.name === "MF Layers" && r.backend === "tfjs-wasm+layers");
  if (layersWasm?.valMse !== undefined && kernel.valMse !== undefined) {
    const d = Math.abs(layersWasm.valMse - kernel.valMse);
    console.log(`MF Layers vs kernel, same settings: |val MSE difference| ${d.toFixed(4)} (target < 0.01: ${d < 0.01 ? "met" : "NOT met"})`);
  }
  for (const batch of [D.batchSize, 256]) {
    const n = rows.find((r) => r.name === "neural" && r.backend === "tfjs-wasm+layers" && r.batch === batch);
    const t1 = torch1(batch),
      tn = torch.find((t) => t.batch === batch && t.threads !== 1);
    if (!n || !t1) continue;
    const cpuRatio = n.cpuMsPerEpoch / t1.cpuMsPerEpoch;
    console.log(
      `neural on tfjs-wasm vs PyTorch CPU, batch ${batch}: CPU time ${cpuRatio.toFixed(2)}x PyTorch's on 1 thread (target <= 1: ${cpuRatio <= 1 ? "met" : "NOT met"})` +
        (tn ? `; wall time ${(n.wallMsPerEpoch / tn.wallMsPerEpoch).toFixed(2)}x PyTorch's on its default ${tn.threads} threads` : ""),
    );
  }
  const n2048 = rows.find((r) => r.name === "neural" && r.backend === "tfjs-wasm+layers" && r.batch === D.batchSize),
    p = rows.find((r) => r.name.startsWith("neural, TF.js's own"));
  if (n2048 && p)
    console.log(
      `the wasm speed-ups: neural epoch ${p.cpuMsPerEpoch.toFixed(0)} -> ${n2048.cpuMsPerEpoch.toFixed(0)} ms CPU (${(p.cpuMsPerEpoch / n2048.cpuMsPerEpoch).toFixed(2)}x)`,
    );
  notes.push(
    "tfjs-wasm runs single-threaded in Node: tfjs-backend-wasm 4.22 disables its threaded build there (WASM_HAS_MULTITHREAD_SUPPORT is false under Node, tensorflow/tfjs#3830); forcing it fails to start the workers (blob: URLs)",
  );
  for (const n of notes) console.log(`- ${n}`);
  console.log("- 2 shared cores: timings are noisy; compare the ratios within this run (CPU time is the fairer figure under load)");
}

async function child(): Promise<void> {
  const { dataset, split } = data();
  const batch = Number(process.argv[process.argv.indexOf("--child-no-speedups") + 1]);
  const row = await measure(
    "neural",
    split,
    dataset,
    { ...SETTINGS, epochs: TIMING_EPOCHS, earlyStoppingPatience: 0, batchSize: batch },
    { backend: "tfjs-wasm", modelType: "neural", neural: NEURAL },
    false,
  );
  console.log(JSON.stringify(row));
}

if (require.main === module) void (process.argv.includes("--child-no-speedups") ? child() : run());
