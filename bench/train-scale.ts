/**
 * Training cost at real sizes: ms per epoch of the kernel trainer (lazy and dense Adam, default settings) on seeded
 * planted-group data of 50k, 1M, 5M and 20M ratings, each run in its own process (peak RSS is that run's), next to
 * the C SGD reference (a per-interaction SGD loop, mf_sgd.c in the reference folder outside this repository, compiled
 * here with gcc -O2; skipped with a note when absent) and PyTorch (when /usr/bin/python3
 * imports torch) on the same rows. Part of `npm run bench -- train` (bench/train.ts calls runScale()).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { IndexedRatings } from "../src/data/indexed";
import { createKernelTrainer } from "../src/model/kernel-trainer";
import { makeLayout } from "../src/model/layout";
import { resolveHyperparameters } from "../src/model/hyperparameters";
import { randomWeights } from "../src/model/init";
import type { Hyperparameters } from "../src/model/types";

/** Shapes as in issue 11's table. */
export const SCALE_SIZES = [
  { name: "50k", ratings: 50_000, users: 1_000, items: 500 },
  { name: "1M", ratings: 1_000_000, users: 6_000, items: 3_700 },
  { name: "5M", ratings: 5_000_000, users: 50_000, items: 10_000 },
  { name: "20M", ratings: 20_000_000, users: 160_000, items: 60_000 },
] as const;

/**
 * Seeded planted-group ratings straight into typed arrays (no objects per row): users and items fall into 3
 * groups; a user rates items of its group around 4.2 and others around 2.6 (noise sd 0.7, rounded and clipped to
 * 1..5); each user rates about ratings/users items drawn with a 70% preference for its group; item popularity is
 * skewed (item index drawn as floor(n·x²)). Pairs may repeat (harmless for timing). 80/20 split by row.
 */
export function plantedGroups(ratings: number, users: number, items: number, seed = 42): { train: IndexedRatings; validation: IndexedRatings } {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const G = 3;
  const u = new Int32Array(ratings),
    it = new Int32Array(ratings),
    r = new Float32Array(ratings);
  const perGroup = Math.ceil(items / G);
  for (let k = 0; k < ratings; k++) {
    const user = Math.floor((k * users) / ratings);
    const g = user % G;
    const inGroup = next() < 0.7;
    const x = next();
    let item = Math.floor(perGroup * x * x);
    const group = inGroup ? g : (g + 1 + Math.floor(next() * (G - 1))) % G;
    item = Math.min(items - 1, item * G + group);
    const mean = item % G === g ? 4.2 : 2.6;
    u[k] = user;
    it[k] = item;
    r[k] = Math.min(5, Math.max(1, Math.round(mean + 0.7 * normal())));
  }
  const nTrain = Math.floor(ratings * 0.8);
  const order = new Int32Array(ratings);
  for (let k = 0; k < ratings; k++) order[k] = k;
  for (let k = ratings - 1; k > 0; k--) {
    const j = Math.floor(next() * (k + 1));
    const t = order[k]!;
    order[k] = order[j]!;
    order[j] = t;
  }
  const pick = (from: number, to: number): IndexedRatings => {
    const n = to - from;
    const a = { users: new Int32Array(n), items: new Int32Array(n), ratings: new Float32Array(n), length: n };
    for (let k = 0; k < n; k++) {
      const o = order[from + k]!;
      a.users[k] = u[o]!;
      a.items[k] = it[o]!;
      a.ratings[k] = r[o]!;
    }
    return a;
  };
  return { train: pick(0, nTrain), validation: pick(nTrain, ratings) };
}

export interface ScaleChild {
  readonly size: string;
  readonly updates: "lazy" | "dense";
  readonly epochs: number;
  /** Adam's second moment of the factors; default: the defaults' (per row). */
  readonly secondMoment?: "per-row" | "per-weight";
}
export interface ScaleResult {
  readonly msPerEpoch: number;
  readonly cpuMsPerEpoch: number;
  readonly msFirst: number;
  readonly valMse: number;
  readonly peakRssMb: number;
  readonly heapMb: number;
}

/** In the child: generate, train `epochs` epochs with the defaults on the wasm kernel, print one JSON line. */
export function scaleChild(spec: ScaleChild): void {
  const size = SCALE_SIZES.find((x) => x.name === spec.size)!;
  const { train, validation } = plantedGroups(size.ratings, size.users, size.items);
  const h: Hyperparameters = resolveHyperparameters({
    updates: spec.updates,
    epochs: spec.epochs,
    ...(spec.secondMoment ? { secondMoment: spec.secondMoment } : {}),
  });
  const initial = randomWeights(size.users, size.items, h.dim, 1, h.initStd, 0);
  const trainer = createKernelTrainer("wasm-kernel", { train, validation, hyperparameters: h, initial, shuffleSeed: 2 });
  const ms: number[] = [],
    cpu: number[] = [];
  for (let e = 0; e < spec.epochs; e++) {
    const t0 = performance.now(),
      c0 = process.cpuUsage();
    trainer.runEpoch();
    ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const [se] = trainer.validationErrors();
  // Mean over the epochs after the first (the first includes compiling and page faults of the heap).
  const rest = ms.length > 1 ? ms.slice(1) : ms,
    cpuRest = cpu.length > 1 ? cpu.slice(1) : cpu;
  const result: ScaleResult = {
    msPerEpoch: rest.reduce((a, b) => a + b, 0) / rest.length,
    cpuMsPerEpoch: cpuRest.reduce((a, b) => a + b, 0) / cpuRest.length,
    msFirst: ms[0]!,
    valMse: se / validation.length,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    // The kernel's whole heap as layout.ts lays it out (the lazy step touches only the first rows of its gradient region).
    heapMb: (4 * makeLayout(size.users, size.items, h.dim, train.length, validation.length, h.secondMoment).size) / 2 ** 20,
  };
  process.stdout.write(JSON.stringify(result) + "\n");
}

/** Runs one measurement in a child process; `checkout` (default: this one) names another checkout's root whose bench/train-scale.ts is run instead (EWB_BENCH_BASELINE). */
export function runScaleChild(spec: ScaleChild, checkout = path.resolve(__dirname, "..")): ScaleResult | string {
  const r = spawnSync(process.execPath, ["--max-old-space-size=6000", "-r", require.resolve("tsx/cjs"), path.join(checkout, "bench", "train-scale.ts")], {
    env: { ...process.env, EWB_BENCH_SCALE_CHILD: JSON.stringify(spec) },
    encoding: "utf8",
    timeout: 20 * 60 * 1000,
  });
  try {
    return JSON.parse((r.stdout ?? "").trim().split("\n").pop() ?? "") as ScaleResult;
  } catch {
    return `failed (${(r.stderr ?? "").trim().split("\n").slice(-1)[0] ?? `status ${r.status}`})`;
  }
}

function writeTsv(file: string, d: IndexedRatings): void {
  const fd = openSync(file, "w");
  try {
    const chunk = 100_000;
    for (let k = 0; k < d.length; k += chunk) {
      let out = "";
      for (let j = k; j < Math.min(d.length, k + chunk); j++) out += `${d.users[j]}\t${d.items[j]}\t${d.ratings[j]}\n`;
      writeSync(fd, out);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The C SGD reference at one size (per-interaction SGD, K 64, lr 0.01, reg 0.05, init 0.01): its own wall ms per epoch,
 * and CPU ms per epoch as (CPU of a 4-epoch run − CPU of a 1-epoch run) / 3 from /usr/bin/time (so loading the TSV
 * files cancels out; each C epoch also scores the validation rows, about a tenth of its work), peak RSS; or why not.
 */
export function runC(
  exe: string,
  tmp: string,
  size: (typeof SCALE_SIZES)[number],
): { msPerEpoch: number; cpuMsPerEpoch: number; valMse: number; peakRssMb: number } | string {
  const { train, validation } = plantedGroups(size.ratings, size.users, size.items);
  const tr = path.join(tmp, `c-train-${size.name}.tsv`),
    va = path.join(tmp, `c-val-${size.name}.tsv`);
  writeTsv(tr, train);
  writeTsv(va, validation);
  const timed = existsSync("/usr/bin/time");
  const run = (epochs: number): { out: string; cpuMs: number; rssMb: number } | string => {
    const args = [tr, va, "64", String(epochs), "0.01", "0.05", "1", "0.01"];
    const r = timed
      ? spawnSync("/usr/bin/time", ["-f", "EWB_TIME %U %S %M", exe, ...args], { encoding: "utf8", timeout: 20 * 60 * 1000 })
      : spawnSync(exe, args, { encoding: "utf8", timeout: 20 * 60 * 1000 });
    if (r.status !== 0) return `failed (${(r.stderr ?? r.stdout ?? "").trim().split("\n").slice(-1)[0]})`;
    const t = /EWB_TIME ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr ?? "");
    return { out: r.stdout ?? "", cpuMs: t ? (Number(t[1]) + Number(t[2])) * 1000 : NaN, rssMb: t ? Number(t[3]) / 1024 : NaN };
  };
  try {
    const one = run(1),
      four = run(4);
    if (typeof one === "string") return one;
    if (typeof four === "string") return four;
    const m = /val_mse ([\d.]+) train_rmse [\d.]+ best_val_rmse [\d.@]+ train_time [\d.]+s per_epoch ([\d.]+)ms/.exec(four.out);
    if (!m) return `failed (no FINAL line: ${four.out.trim().split("\n").slice(-1)[0]})`;
    return { msPerEpoch: Number(m[2]), cpuMsPerEpoch: (four.cpuMs - one.cpuMs) / 3, valMse: Number(m[1]), peakRssMb: four.rssMb };
  } finally {
    rmSync(tr, { force: true });
    rmSync(va, { force: true });
  }
}

const TORCH_SCRIPT = `
import sys, time, json, resource, numpy as np, torch
torch.manual_seed(0); torch.set_num_threads(1)
tr = np.loadtxt(sys.argv[1], delimiter='\\t', dtype=np.float32); nu, ni, epochs, batch = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
u = torch.tensor(tr[:, 0], dtype=torch.long); i = torch.tensor(tr[:, 1], dtype=torch.long); r = torch.tensor(tr[:, 2])
P = torch.nn.Embedding(nu, 64); Q = torch.nn.Embedding(ni, 64); bu = torch.nn.Embedding(nu, 1); bi = torch.nn.Embedding(ni, 1)
for e in (P, Q): torch.nn.init.normal_(e.weight, std=0.01)
for e in (bu, bi): torch.nn.init.zeros_(e.weight)
g = torch.nn.Parameter(torch.zeros(()))
params = [P.weight, Q.weight, bu.weight, bi.weight, g]
opt = torch.optim.Adam(params, lr=3e-3)
times = []
for ep in range(epochs):
    t0 = time.time(); perm = torch.randperm(len(r))
    for s in range(0, len(r), batch):
        idx = perm[s:s + batch]; uu, ii = u[idx], i[idx]
        pred = (P(uu) * Q(ii)).sum(1) + bu(uu).squeeze(1) + bi(ii).squeeze(1) + g
        loss = ((pred - r[idx]) ** 2).mean(); opt.zero_grad(); loss.backward(); opt.step()
    times.append((time.time() - t0) * 1000)
rest = times[1:] or times
print(json.dumps({"msPerEpoch": sum(rest) / len(rest), "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
`;

function torchAvailable(): boolean {
  if (process.env.EWB_BENCH_TORCH === "0") return false;
  return existsSync("/usr/bin/python3") && spawnSync("/usr/bin/python3", ["-c", "import torch, numpy"], { encoding: "utf8" }).status === 0;
}

/** PyTorch Adam at our default batch size, the same model (dense Adam over both tables, as torch.optim.Adam does), 1 thread. */
function runTorch(tmp: string, size: (typeof SCALE_SIZES)[number], epochs: number): { msPerEpoch: number; peakRssMb: number } | string {
  const { train } = plantedGroups(size.ratings, size.users, size.items);
  const tr = path.join(tmp, `t-train-${size.name}.tsv`),
    script = path.join(tmp, "mf_adam.py");
  writeTsv(tr, train);
  writeFileSync(script, TORCH_SCRIPT);
  try {
    const r = spawnSync(
      "/usr/bin/python3",
      [script, tr, String(size.users), String(size.items), String(epochs), String(resolveHyperparameters({}).batchSize)],
      { encoding: "utf8", timeout: 20 * 60 * 1000 },
    );
    try {
      return JSON.parse((r.stdout ?? "").trim().split("\n").pop() ?? "") as { msPerEpoch: number; peakRssMb: number };
    } catch {
      return `failed (${(r.stderr ?? "").trim().split("\n").slice(-1)[0]})`;
    }
  } finally {
    rmSync(tr, { force: true });
  }
}

/** The C SGD reference (mf_sgd.c in the reference folder beside this repository) compiled with gcc -O2 into `tmp`, or why not. */
export function compileCReference(tmp: string): { exe: string } | { note: string } {
  const cSrc = path.join(process.env.EWB_SHARED ?? path.resolve(__dirname, "..", "..", "shared"), "reference", "mf_sgd.c");
  if (!existsSync(cSrc)) return { note: `C reference skipped: ${cSrc} is absent` };
  const exe = path.join(tmp, "mf_sgd");
  const r = spawnSync("gcc", ["-O2", "-o", exe, cSrc, "-lm"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return { note: `C reference skipped: gcc failed (${r.error?.message ?? (r.stderr ?? "").trim().split("\n")[0]})` };
  return { exe };
}

const f = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : "n/a");

/**
 * Prints the scale table. EWB_BENCH_SIZES (e.g. "50k,1M,5M") picks sizes; default 50k, 1M, 5M (20M: ~1 GB, minutes).
 * EWB_BENCH_BASELINE=<another checkout> adds its lazy Adam in the same run (before/after), EWB_BENCH_REPEAT=n runs ours
 * and it alternately n times each (lowest CPU kept); EWB_BENCH_TORCH=0 skips PyTorch.
 */
export function runScale(): void {
  const wanted = (process.env.EWB_BENCH_SIZES ?? "50k,1M,5M").split(",");
  const sizes = SCALE_SIZES.filter((s) => wanted.includes(s.name));
  const tmp = mkdtempSync(path.join(os.tmpdir(), "ewb-bench-scale-"));
  try {
    const compiled = compileCReference(tmp);
    const cExe = "exe" in compiled ? compiled.exe : undefined;
    const cNote = "note" in compiled ? compiled.note : "";
    const torch = torchAvailable();
    const D = resolveHyperparameters({});
    console.log(
      `## Training cost at scale (planted-group data, 80/20 split; default settings: Adam batch ${D.batchSize}, lr ${D.learningRate}, dim ${D.dim}; wasm kernel)`,
    );
    console.log("Each run in its own process; ms/epoch = mean of epochs 2.. (epoch 1 separately). dense = every row every step (before),");
    console.log(
      "lazy = only the rows each batch uses (now the default), with one second moment per row (the default). C = per-interaction SGD (gcc -O2), PyTorch = torch.optim.Adam at the same batch size, 1 thread.",
    );
    console.log(
      "Machine shared by several engineers (2 cores): wall times are noisy; CPU ms per epoch (user + system) is the figure to compare, and the ratios use it.",
    );
    const baseline = process.env.EWB_BENCH_BASELINE;
    if (baseline)
      console.log(
        `Baseline: lazy Adam of the checkout at ${baseline} (its bench/train-scale.ts child), in the same run, alternating with ours ${process.env.EWB_BENCH_REPEAT ?? 1} time(s), lowest CPU of each kept; before/after = its CPU ms per epoch / ours.`,
      );
    console.log(
      `| ratings (users x items) | lazy CPU ms/epoch | dense CPU ms/epoch | dense/lazy | C CPU ms/epoch | lazy/C | lazy wall ms | dense wall ms | C wall ms | lazy 1st epoch wall | PyTorch wall ms | lazy val MSE | C val MSE | lazy peak RSS MB | dense peak RSS MB | C peak RSS MB | heap MB |${baseline ? " baseline lazy CPU ms/epoch | before/after | baseline peak RSS MB |" : ""}`,
    );
    console.log(`|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|${baseline ? "---|---|---|" : ""}`);
    const notes: string[] = [];
    const lazyCpu: Record<string, number> = {},
      cCpu: Record<string, number> = {};
    for (const size of sizes) {
      const epochs = size.ratings >= 5_000_000 ? 3 : 5;
      // Ours and the baseline alternate (A B A B ...), EWB_BENCH_REPEAT times each; the lowest CPU per epoch of each
      // is kept (load from other processes only ever adds CPU time: cache sharing, frequency), so both face the same load.
      const repeat = Math.max(1, Number(process.env.EWB_BENCH_REPEAT ?? 1));
      let lazy: ScaleResult | string = "not run",
        base: ScaleResult | string | undefined = baseline ? "not run" : undefined;
      const best = (a: ScaleResult | string | undefined, b: ScaleResult | string): ScaleResult | string =>
        typeof a !== "object" ? b : typeof b !== "object" || a.cpuMsPerEpoch <= b.cpuMsPerEpoch ? a : b;
      for (let r = 0; r < repeat; r++) {
        lazy = best(lazy, runScaleChild({ size: size.name, updates: "lazy", epochs }));
        if (baseline) base = best(base, runScaleChild({ size: size.name, updates: "lazy", epochs }, baseline));
      }
      // Dense at 20M would take minutes per epoch (every row of 220k x 64 parameters, 10,000 times an epoch).
      const dense =
        size.ratings > 5_000_000 ? "skipped at 20M (minutes per epoch)" : runScaleChild({ size: size.name, updates: "dense", epochs: Math.min(epochs, 3) });
      const B = typeof base === "object" ? base : undefined;
      if (typeof base === "string") notes.push(`${size.name} baseline: ${base}`);
      const c = cExe ? runC(cExe, tmp, size) : cNote;
      const t = torch ? runTorch(tmp, size, 2) : "no torch";
      const L = typeof lazy === "string" ? undefined : lazy,
        D = typeof dense === "string" ? undefined : dense;
      const C = typeof c === "string" ? undefined : c,
        T = typeof t === "string" ? undefined : t;
      if (L) lazyCpu[size.name] = L.cpuMsPerEpoch;
      if (C) cCpu[size.name] = C.cpuMsPerEpoch;
      for (const [what, v] of [
        ["lazy", lazy],
        ["dense", dense],
        ["C", c],
        ["PyTorch", t],
      ] as const)
        if (typeof v === "string" && v !== "no torch") notes.push(`${size.name} ${what}: ${v}`);
      const o = (x: number | undefined, d = 1): string => (x === undefined ? "-" : f(x, d));
      console.log(
        `| ${size.name} (${size.users.toLocaleString("en")} x ${size.items.toLocaleString("en")}) | ${o(L?.cpuMsPerEpoch)} | ${o(D?.cpuMsPerEpoch)} | ${D && L ? f(D.cpuMsPerEpoch / L.cpuMsPerEpoch, 2) : "-"} | ${o(C?.cpuMsPerEpoch)} | ${C && L ? f(L.cpuMsPerEpoch / C.cpuMsPerEpoch, 2) : "-"} | ${o(L?.msPerEpoch)} | ${o(D?.msPerEpoch)} | ${o(C?.msPerEpoch)} | ${o(L?.msFirst)} | ${o(T?.msPerEpoch)} | ${o(L?.valMse, 3)} | ${o(C?.valMse, 3)} | ${o(L?.peakRssMb, 0)} | ${o(D?.peakRssMb, 0)} | ${o(C?.peakRssMb, 0)} | ${o(L?.heapMb, 0)} |${baseline ? ` ${o(B?.cpuMsPerEpoch)} | ${B && L ? f(B.cpuMsPerEpoch / L.cpuMsPerEpoch, 2) : "-"} | ${o(B?.peakRssMb, 0)} |` : ""}`,
      );
    }
    for (const n of [...new Set(notes)]) console.log(`- ${n}`);
    for (const big of ["5M", "20M"]) {
      const x = Number(big.replace("M", ""));
      const l1 = lazyCpu["1M"],
        lb = lazyCpu[big],
        c1 = cCpu["1M"],
        cb = cCpu[big];
      if (l1 && lb)
        console.log(
          `- growth 1M -> ${big} (${x}x the ratings), CPU per epoch: lazy ${f(lb / l1, 2)}x${c1 && cb ? `, C SGD ${f(cb / c1, 2)}x` : ""} (linear: ${x}x)`,
        );
    }
    if (!torch) console.log("- PyTorch skipped: /usr/bin/python3 cannot import torch and numpy (apt-get install -y python3-torch)");
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.env.EWB_BENCH_SCALE_CHILD) {
  try {
    scaleChild(JSON.parse(process.env.EWB_BENCH_SCALE_CHILD) as ScaleChild);
  } catch (e) {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  }
} else if (require.main === module) {
  runScale();
}
