/**
 * Runs training epochs on a KernelOps heap: full-batch or mini-batch Adam (lazy: each step updates only the
 * rows its batch touched, so an epoch costs O(interactions); or dense: every row every step; the factors' second
 * moment per weight or per row), mini-batch or per-interaction SGD.
 */
import type { Hyperparameters, MfWeights, NetworkWeights } from "./types";
import type { IndexedRatings } from "../data/indexed";
import { makeLayout, readWeights, writeRatings, writeTrainRows, writeWeights } from "./layout";
import { createJsOps } from "./kernel-ops";
import { createWasmOps } from "./kernel-wasm";
import { createRng } from "../random";

/** What every backend's trainer gets. */
export interface TrainingProblem {
  readonly train: IndexedRatings;
  readonly validation: IndexedRatings;
  readonly hyperparameters: Hyperparameters;
  readonly initial: MfWeights;
  /** Seed of the per-epoch shuffles. */
  readonly shuffleSeed: number;
}

/** One backend's training state; `runEpoch` is synchronous for the kernels (an epoch's time is the backend's alone) and async for tf.layers (model.fitDataset). */
export interface EpochTrainer {
  readonly backend: string;
  /** Trains one more epoch; returns the mean training MSE seen during it (before each step). */
  runEpoch(): number | Promise<number>;
  /** [Σ e², Σ |e|] of the current weights on the validation rows. */
  validationErrors(): [number, number];
  /** A copy of the current weights. */
  snapshot(): MfWeights;
  /** A copy of the dense layers (the neural model's trainer only). */
  snapshotNetwork?(): NetworkWeights;
  /** Releases what the trainer holds (tensors for TF.js; nothing for the kernels). */
  dispose(): void;
}

const BETA1 = 0.9,
  BETA2 = 0.999,
  EPS = 1e-8;

/** A trainer over the plain TypeScript ("typed-array") or WebAssembly SIMD ("wasm-kernel") loops. */
export function createKernelTrainer(kind: "typed-array" | "wasm-kernel", problem: TrainingProblem): EpochTrainer {
  const { train, validation, hyperparameters: h, initial } = problem;
  const L = makeLayout(initial.numUsers, initial.numItems, initial.dim, train.length, validation.length, h.secondMoment ?? "per-weight");
  const ops = kind === "wasm-kernel" ? createWasmOps(L) : createJsOps(L, new ArrayBuffer(L.size * 4));
  writeWeights(ops.f32, L, initial);
  writeTrainRows(ops.f32, ops.i32, L, train);
  writeRatings(ops.f32, ops.i32, L.valUsers, L.valItems, L.valRatings, validation);
  const rng = createRng(problem.shuffleSeed);
  const n = train.length;
  const batch = h.batchSize <= 0 || h.batchSize >= n ? n : h.batchSize;
  let step = 0;

  return {
    backend: kind,
    runEpoch(): number {
      if (batch < n) ops.shuffle(rng.nextSeed());
      if (h.optimizer === "sgd" && batch === 1) return ops.sgdPass(0, n, h.learningRate, h.l2) / n;
      let sse = 0;
      const lazy = h.optimizer === "adam" && h.updates !== "dense";
      for (let start = 0; start < n; start += batch) {
        const end = Math.min(n, start + batch);
        const scale = 2 / (end - start),
          reg = (2 * (h.l2PerRating ?? 0)) / (end - start);
        step++;
        const c1 = 1 / (1 - BETA1 ** step),
          c2 = 1 / (1 - BETA2 ** step);
        if (lazy) {
          // Every gradient is zero here: each update zeroes what it used.
          sse += ops.stepLazy(start, end, scale, reg, step, h.learningRate, BETA1, BETA2, EPS, c1, c2, h.l2, 1);
          continue;
        }
        sse += ops.gradient(start, end, scale, reg);

        if (h.optimizer === "adam") {
          ops.adam(h.learningRate, BETA1, BETA2, EPS, c1, c2, h.l2);
        } else {
          ops.sgdStep(h.learningRate, h.l2);
        }
      }
      return sse / n;
    },
    validationErrors: () => ops.errors(L.valUsers, L.valItems, L.valRatings, L.numVal),
    snapshot: () => readWeights(ops.f32, L),
    dispose: () => undefined,
  };
}
