/** The WebAssembly SIMD implementation of KernelOps (the "wasm-kernel" backend): same loops as kernel-ops.ts, 4 lanes at a time. */
import type { HeapLayout } from "./layout";
import type { KernelOps } from "./kernel-ops";
import { MF_KERNEL_WASM_BASE64 } from "./wasm/mf-kernel-bytes";
import { compileKernel, instantiateKernel, WASM_PAGE_BYTES } from "../wasm/load";

interface KernelExports {
  init(
    stride: number,
    rec: number,
    dim: number,
    perRow: number,
    q: number,
    bu: number,
    bi: number,
    g: number,
    paramsEnd: number,
    grad: number,
    gradItems: number,
    trainRows: number,
  ): void;
  gradient(start: number, end: number, scale: number, reg: number): number;
  initLazy(markU: number, markI: number, listU: number, listI: number, counts: number, touchAhead: number): void;
  gradientTouched(start: number, end: number, scale: number, reg: number, stamp: number): number;
  adamLazy(lr: number, b1: number, b2: number, eps: number, c1: number, c2: number, l2: number, learnGlobal: number): void;
  stepLazy: KernelOps["stepLazy"];
  adam(lr: number, b1: number, b2: number, eps: number, c1: number, c2: number, l2: number): void;
  sgdStep(lr: number, l2: number): void;
  sgdPass(start: number, end: number, lr: number, l2: number): number;
  errors(users: number, items: number, ratings: number, n: number): [number, number];
  shuffle(seed: number, n: number): void;
}

/** The compiled kernel, or null when this runtime lacks WebAssembly SIMD (then the typed-array backend is used). */
export function wasmKernelModule(): object | null {
  return compileKernel(MF_KERNEL_WASM_BASE64);
}

/**
 * Factor records above this many bytes in all: the lazy step touches each listed record's lines before its gradient
 * and Adam passes (many misses in flight at once). Measured in one process, alternating epochs: 1M ratings (10 MB of
 * records) 305 -> 277 ms per epoch, 5M (61 MB) 4,009 -> 3,293; on tables that fit the cache it only costs (5M ratings
 * on 2,100 x 2,100: 850 -> 950), so small tables skip it. It never changes a result.
 */
export const TOUCH_AHEAD_MIN_BYTES = 4 * 2 ** 20;

/** Instantiates the kernel over a fresh memory sized for `L`; throws when WebAssembly SIMD is unavailable. */
export function createWasmOps(L: HeapLayout, options: { touchAhead?: boolean } = {}): KernelOps {
  const { exports: x, memory } = instantiateKernel<KernelExports>(MF_KERNEL_WASM_BASE64, L.size * 4 + WASM_PAGE_BYTES);
  x.init(L.stride, L.rec, L.dim, L.secondMoment === "per-row" ? 1 : 0, L.q, L.bu, L.bi, L.g, L.paramsEnd, L.grad, L.gradItems, L.trainRows);
  x.initLazy(L.markU, L.markI, L.listU, L.listI, L.counts, (options.touchAhead ?? L.bu * 4 > TOUCH_AHEAD_MIN_BYTES) ? 1 : 0);
  // The memory never grows (maximum = initial), so these views stay attached.
  const f32 = new Float32Array(memory.buffer, 0, L.size);
  const i32 = new Int32Array(memory.buffer, 0, L.size);
  return {
    f32,
    i32,
    gradient: (start, end, scale, reg) => x.gradient(start, end, scale, reg),
    gradientTouched: (start, end, scale, reg, stamp) => x.gradientTouched(start, end, scale, reg, stamp),
    adamLazy: (lr, b1, b2, eps, c1, c2, l2, learnGlobal) => x.adamLazy(lr, b1, b2, eps, c1, c2, l2, learnGlobal),
    stepLazy: (start, end, scale, reg, stamp, lr, b1, b2, eps, c1, c2, l2, learnGlobal) =>
      x.stepLazy(start, end, scale, reg, stamp, lr, b1, b2, eps, c1, c2, l2, learnGlobal),
    adam: (lr, b1, b2, eps, c1, c2, l2) => x.adam(lr, b1, b2, eps, c1, c2, l2),
    sgdStep: (lr, l2) => x.sgdStep(lr, l2),
    sgdPass: (start, end, lr, l2) => x.sgdPass(start, end, lr, l2),
    errors: (users, items, ratings, n) => x.errors(users, items, ratings, n),
    shuffle: (seed) => x.shuffle(seed | 0, L.numTrain),
  };
}
