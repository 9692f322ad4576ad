/**
 * TF.js benchmark: ms per epoch of the Layers MF and the neural model on the default synthetic data per available
 * TF.js backend, next to the wasm kernel and the imperative TF.js trainer, with validation MSE/RMSE and P@10 /
 * NDCG@10 for the models trained to the end; and, when /usr/bin/python3 imports torch, the PyTorch version of the
 * same neural model (bench/neural_torch.py) at the same batch size in the same run, with the ratio.
 * Target: the neural model's epoch on tfjs-wasm no slower than PyTorch's CPU epoch (same model, same batch).
 * EWB_BENCH_EPOCHS (default 50) sets the epochs of the quality runs; the timing-only runs use 3 epochs.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { trainModel } from "../src/model/train";
import { DEFAULT_HYPERPARAMETERS as D } from "../src/model/hyperparameters";
import { nativeTfjsAvailable } from "../src/model/backend";
import { generateSyntheticDataset } from "../src/data/generate";
import { randomSplit } from "../src/data/split";
import { indexInteractions } from "../src/data/indexed";
import { evaluateModelQuality } from "../src/evaluate/model-quality";
import type { Hyperparameters, TrainedModel } from "../src/model/types";
import type { Dataset, DataSplit } from "../src/data/types";

const QUALITY_EPOCHS = Number(process.env.EWB_BENCH_EPOCHS ?? 50);
const TIMING_EPOCHS = 3;
const NEURAL = { hiddenSizes: [50], dropout: 0 };

interface Row {
  readonly name: string;
  readonly backend: string;
  readonly batch: number;
  readonly epochs: number;
  readonly msPerEpoch: number;
  readonly valMse?: number;
  readonly valRmse?: number;
  readonly p10?: number;
  readonly ndcg10?: number;
  readonly note?: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
}

async function measure(name: string, split: DataSplit, dataset: Dataset, hyper: Partial<Hyperparameters>, options: Parameters<typeof trainModel>[3], quality: boolean): Promise<Row> {
  const model: TrainedModel = await trainModel(split, dataset, hyper, options);
  // The first epoch includes TF.js's kernel set-up; the median of the rest is the steady state.
  const ms = model.history.slice(model.history.length > 1 ? 1 : 0).map((r) => r.seconds * 1000);
  const row: Row = { name, backend: model.backend, batch: hyper.batchSize ?? D.batchSize, epochs: model.history.length, msPerEpoch: median(ms) };
  if (!quality) return row;
  const q = evaluateModelQuality(model, split, 10);
  return { ...row, valMse: q.valMse, valRmse: q.valRmse, p10: q.ranking.precision, ndcg10: q.ranking.ndcg };
}

function torchAvailable(): boolean {
  const r = spawnSync("/usr/bin/python3", ["-c", "import torch"], { encoding: "utf8" });
  return r.status === 0;
}

function torchRow(split: DataSplit, dataset: Dataset, batch: number, epochs: number): Row | string {
  const users = dataset.users.map((u) => u.userId), items = dataset.items.map((i) => i.itemId);
  const { IdMap } = require("../src/data/idmap") as typeof import("../src/data/idmap");
  const uMap = IdMap.fromIds("user", users), iMap = IdMap.fromIds("item", items);
  const dir = mkdtempSync(path.join(os.tmpdir(), "ewb-bench-torch-"));
  try {
    const write = (file: string, rows: DataSplit["train"]): string => {
      const ix = indexInteractions(rows, uMap, iMap, { skipUnknown: true });
      const lines: string[] = [];
      for (let k = 0; k < ix.length; k++) lines.push(`${ix.users[k]},${ix.items[k]},${ix.ratings[k]}`);
      const p = path.join(dir, file);
      writeFileSync(p, lines.join("\n") + "\n");
      return p;
    };
    const args = [path.join(__dirname, "neural_torch.py"), "--train", write("train.csv", split.train), "--val", write("val.csv", split.validation),
      "--users", String(uMap.size), "--items", String(iMap.size), "--dim", String(D.dim), "--hidden", NEURAL.hiddenSizes.join(","),
      "--epochs", String(epochs), "--batch", String(batch), "--lr", String(D.learningRate), "--wd", String(D.l2), "--init-std", String(D.initStd)];
    const r = spawnSync("/usr/bin/python3", args, { encoding: "utf8", timeout: 600000 });
    if (r.status !== 0) return `PyTorch run failed: ${(r.stderr || r.error?.message || "").trim().split("\n").pop()}`;
    const j = JSON.parse(r.stdout.trim().split("\n").pop()!) as { msPerEpochMedian: number; valMse: number; threads: number; torch: string };
    return { name: "neural (PyTorch)", backend: `torch ${j.torch} cpu, ${j.threads} thread(s)`, batch, epochs, msPerEpoch: j.msPerEpochMedian, valMse: j.valMse, valRmse: Math.sqrt(j.valMse) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const f = (x: number | undefined, d: number): string => (x === undefined || !Number.isFinite(x) ? "" : x.toFixed(d));

export async function run(): Promise<void> {
  const dataset = generateSyntheticDataset();
  const split = randomSplit(dataset.interactions, { seed: 42 });
  console.log(`## tfjs: the Layers MF and the neural model (default synthetic data: ${split.train.length} training rows; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs)`);
  const tfjsBackends = ["tfjs-wasm", "tfjs-cpu", ...(nativeTfjsAvailable("@tensorflow/tfjs-node") ? ["tfjs-node"] : []), ...(nativeTfjsAvailable("@tensorflow/tfjs-node-gpu") ? ["tfjs-node-gpu"] : [])];
  const notes: string[] = [];
  if (!nativeTfjsAvailable("@tensorflow/tfjs-node") && !nativeTfjsAvailable("@tensorflow/tfjs-node-gpu")) notes.push("native TF.js (@tensorflow/tfjs-node, -gpu) is not installed here: no native rows");
  const rows: Row[] = [];
  // The settings a Layers model can train with (dense Adam, no per-rating L2), for the kernel too: same settings.
  const full = { epochs: QUALITY_EPOCHS, updates: "dense" as const, l2PerRating: 0, earlyStoppingPatience: 0 }, short = { ...full, epochs: TIMING_EPOCHS };
  rows.push(await measure("MF kernel", split, dataset, full, { backend: "wasm-kernel" }, true));
  for (const b of tfjsBackends) {
    const quality = b === "tfjs-wasm" || b.startsWith("tfjs-node");
    rows.push(await measure("MF tfjs trainer", split, dataset, short, { backend: b }, false));
    rows.push(await measure("MF Layers", split, dataset, quality ? full : short, { backend: b, layers: true }, quality));
    rows.push(await measure("neural", split, dataset, quality ? full : short, { backend: b, modelType: "neural", neural: NEURAL }, quality));
  }
  // The neural model at the blog's batch size too, where per-step overheads dominate.
  rows.push(await measure("neural", split, dataset, { ...short, batchSize: 256, learningRate: 1e-3 }, { backend: "tfjs-wasm", modelType: "neural", neural: NEURAL }, false));
  const torchRows: Row[] = [];
  if (torchAvailable()) {
    for (const batch of [D.batchSize, 256]) {
      const r = torchRow(split, dataset, batch, batch === D.batchSize ? QUALITY_EPOCHS : TIMING_EPOCHS);
      if (typeof r === "string") notes.push(r);
      else torchRows.push(r);
    }
  } else {
    notes.push("/usr/bin/python3 cannot import torch (Debian: apt-get install python3-torch): no PyTorch rows");
  }
  rows.push(...torchRows);
  console.log("| model | backend | batch | epochs | ms/epoch | val MSE | val RMSE | P@10 | NDCG@10 | vs PyTorch (same batch) |");
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    const torch = r.name === "neural" ? torchRows.find((t) => t.batch === r.batch) : undefined;
    const ratio = torch ? `${(r.msPerEpoch / torch.msPerEpoch).toFixed(2)}x PyTorch's time` : "";
    console.log(`| ${r.name} | ${r.backend} | ${r.batch} | ${r.epochs} | ${f(r.msPerEpoch, 1)} | ${f(r.valMse, 4)} | ${f(r.valRmse, 4)} | ${f(r.p10, 4)} | ${f(r.ndcg10, 4)} | ${ratio} |`);
  }
  const kernel = rows[0]!, layersWasm = rows.find((r) => r.name === "MF Layers" && r.backend === "tfjs-wasm+layers");
  if (layersWasm?.valMse !== undefined && kernel.valMse !== undefined) {
    const d = Math.abs(layersWasm.valMse - kernel.valMse);
    console.log(`MF Layers vs kernel, same settings: |val MSE difference| ${d.toFixed(4)} (target < 0.01: ${d < 0.01 ? "met" : "NOT met"})`);
  }
  const neuralWasm = rows.find((r) => r.name === "neural" && r.backend === "tfjs-wasm+layers" && r.batch === D.batchSize);
  const torchSame = torchRows.find((t) => t.batch === D.batchSize);
  if (neuralWasm && torchSame) {
    const ratio = neuralWasm.msPerEpoch / torchSame.msPerEpoch;
    console.log(`neural on tfjs-wasm vs PyTorch CPU, batch ${D.batchSize}: ${ratio.toFixed(2)}x PyTorch's epoch time (target <= 1: ${ratio <= 1 ? "met" : "NOT met"})`);
  }
  for (const n of notes) console.log(`- ${n}`);
  console.log("- 2 shared cores: timings are noisy; compare ratios within this run");
}

if (require.main === module) void run();
