/**
 * The one WebAssembly loader for the project's hand-written kernels (training: src/model/wasm/mf-kernel.wat,
 * scoring: src/recommend/wasm/score-kernel.wat): compiles embedded base64 bytes once per kernel, straight to
 * optimised code, and instantiates a kernel over a fixed-size memory of its own.
 */

/** The part of the WebAssembly JS API used here (the project's lib settings have no DOM types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (d: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** Bytes per WebAssembly memory page. */
export const WASM_PAGE_BYTES = 65536;

const compiled = new Map<string, object | null>();

/**
 * The compiled module of `base64`, or null when this runtime lacks WebAssembly (SIMD) and the bytes do not compile.
 * Compiled with V8's optimising compiler from the start: V8 otherwise starts in its baseline compiler (Liftoff)
 * and tiers up only after calls return, which made the first 5-6 training epochs ~30% slower (measured). The flag
 * is read at compile time and restored right after.
 */
export function compileKernel(base64: string): object | null {
  let mod = compiled.get(base64);
  if (mod === undefined) {
    const v8 = optionalV8();
    v8?.setFlagsFromString("--no-liftoff");
    try {
      mod = WA ? new WA.Module(Buffer.from(base64, "base64")) : null;
    } catch {
      mod = null;
    } finally {
      v8?.setFlagsFromString("--liftoff");
    }
    compiled.set(base64, mod);
  }
  return mod;
}

/** A kernel instance: its exports and its memory (which never grows, so views of `memory.buffer` stay attached). */
export interface KernelInstance<E> {
  readonly exports: E;
  readonly memory: { readonly buffer: ArrayBuffer };
}

/** Instantiates the kernel of `base64` over a fresh memory of at least `bytes` bytes; throws when WebAssembly SIMD is unavailable. */
export function instantiateKernel<E>(base64: string, bytes: number): KernelInstance<E> {
  const mod = compileKernel(base64);
  if (!mod || !WA) throw new Error("WebAssembly SIMD is not available in this runtime");
  const pages = Math.max(1, Math.ceil(bytes / WASM_PAGE_BYTES));
  const memory = new WA.Memory({ initial: pages, maximum: pages });
  return { exports: new WA.Instance(mod, { env: { memory } }).exports as E, memory };
}

function optionalV8(): { setFlagsFromString(flags: string): void } | undefined {
  try {
    return require("node:v8") as { setFlagsFromString(flags: string): void };
  } catch {
    return undefined;
  }
}
