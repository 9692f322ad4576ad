/** The WebAssembly SIMD implementation of KernelOps (the "wasm-kernel" backend): same loops as kernel-ops.ts, 4 lanes at a time. */
import type { HeapLayout } from "./layout";
import type { KernelOps } from "./kernel-ops";
import { MF_KERNEL_WASM_BASE64 } from "./wasm/mf-kernel-bytes";

interface KernelExports {
  init(stride: number, q: number, bu: number, bi: number, g: number, np: number, tu: number, ti: number, tr: number): void;
  gradient(start: number, end: number, scale: number, reg: number): number;
  adam(lr: number, b1: number, b2: number, eps: number, c1: number, c2: number, l2: number): void;
  sgdStep(lr: number, l2: number): void;
  sgdPass(start: number, end: number, lr: number, l2: number): number;
  errors(users: number, items: number, ratings: number, n: number): [number, number];
  shuffle(seed: number, n: number): void;
}

/** The part of the WebAssembly JS API used here (the project's lib settings have no DOM types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (d: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | null | undefined;

/** The compiled kernel, or null when this runtime lacks WebAssembly SIMD (then the typed-array backend is used). */
export function wasmKernelModule(): object | null {
  if (compiled === undefined) {
    // Compiled straight to optimised code: V8 otherwise starts in its baseline compiler (Liftoff) and tiers
    // up only after calls return, which made the first 5-6 epochs of a run ~30% slower and the first one
    // 12-24 ms instead of ~5 (measured). The flag is read at compile time and restored right after.
    const v8 = optionalV8();
    v8?.setFlagsFromString("--no-liftoff");
    try {
      compiled = new WA.Module(Buffer.from(MF_KERNEL_WASM_BASE64, "base64"));
    } catch {
      compiled = null;
    } finally {
      v8?.setFlagsFromString("--liftoff");
    }
  }
  return compiled;
}

function optionalV8(): { setFlagsFromString(flags: string): void } | undefined {
  try {
    return require("node:v8") as { setFlagsFromString(flags: string): void };
  } catch {
    return undefined;
  }
}

/** Instantiates the kernel over a fresh memory sized for `L`; throws when WebAssembly SIMD is unavailable. */
export function createWasmOps(L: HeapLayout): KernelOps {
  const mod = wasmKernelModule();
  if (!mod) throw new Error("WebAssembly SIMD is not available in this runtime");
  const pages = Math.ceil((L.size * 4) / 65536) + 1;
  const memory = new WA.Memory({ initial: pages, maximum: pages });
  const x = new WA.Instance(mod, { env: { memory } }).exports as unknown as KernelExports;
  x.init(L.stride, L.q, L.bu, L.bi, L.g, L.numParams, L.trainUsers, L.trainItems, L.trainRatings);
  // The memory never grows (maximum = initial), so these views stay attached.
  const f32 = new Float32Array(memory.buffer, 0, L.size);
  const i32 = new Int32Array(memory.buffer, 0, L.size);
  return {
    f32,
    i32,
    gradient: (start, end, scale, reg) => x.gradient(start, end, scale, reg),
    adam: (lr, b1, b2, eps, c1, c2, l2) => x.adam(lr, b1, b2, eps, c1, c2, l2),
    sgdStep: (lr, l2) => x.sgdStep(lr, l2),
    sgdPass: (start, end, lr, l2) => x.sgdPass(start, end, lr, l2),
    errors: (users, items, ratings, n) => x.errors(users, items, ratings, n),
    shuffle: (seed) => x.shuffle(seed | 0, L.numTrain),
  };
}
