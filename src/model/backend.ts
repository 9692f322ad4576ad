/** Which training backend to use: native TF.js when it really loads, else the fastest measured here; EWB_BACKEND forces one. */
import { InvalidArgumentError } from "../errors";
import { wasmKernelModule } from "./kernel-wasm";

/**
 * Every backend a model can be trained on.
 * - "wasm-kernel": the WebAssembly SIMD loops of src/model/wasm/mf-kernel.wat (fastest measured on these CPUs).
 * - "typed-array": the same loops in plain TypeScript over Float32Arrays.
 * - "tfjs-node-gpu" / "tfjs-node": TF.js on native TensorFlow (only where the native binding really loads).
 * - "tfjs-wasm", "tfjs-cpu": TF.js's WebAssembly and pure-JS backends.
 */
export const BACKENDS = ["wasm-kernel", "typed-array", "tfjs-node-gpu", "tfjs-node", "tfjs-wasm", "tfjs-cpu"] as const;
export type BackendName = (typeof BACKENDS)[number];

/** The environment variable that forces a backend (any of `BACKENDS`). */
export const BACKEND_ENV = "EWB_BACKEND";

/**
 * The backend training uses when none is asked for: `EWB_BACKEND` if set (validated), else native TF.js on a
 * GPU, else native TF.js on the CPU, else the measured order on 2-core CPUs (bench/train.ts):
 * wasm-kernel (≈1-2 ms/epoch) > typed-array (≈15 ms) > tfjs-wasm > tfjs-cpu.
 */
export function selectBackend(
  env: Readonly<Record<string, string | undefined>> = process.env,
  probe: { native(pkg: NativePackage): boolean; wasm(): boolean } = { native: nativeTfjsAvailable, wasm: () => wasmKernelModule() !== null },
): BackendName {
  const forced = env[BACKEND_ENV];
  if (forced !== undefined && forced !== "") return parseBackend(forced, BACKEND_ENV);
  if (probe.native("@tensorflow/tfjs-node-gpu")) return "tfjs-node-gpu";
  if (probe.native("@tensorflow/tfjs-node")) return "tfjs-node";
  return probe.wasm() ? "wasm-kernel" : "typed-array";
}

/** Validates a backend name given by a user (`where` names the option or variable in the message). */
export function parseBackend(name: unknown, where = "backend"): BackendName {
  if (typeof name !== "string" || !(BACKENDS as readonly string[]).includes(name)) {
    throw new InvalidArgumentError(where, `one of ${BACKENDS.join(", ")}`, name);
  }
  return name as BackendName;
}

const nativeCache = new Map<string, boolean>();

/** The native TF.js packages (real bindings only where their install script could fetch libtensorflow). */
export type NativePackage = "@tensorflow/tfjs-node" | "@tensorflow/tfjs-node-gpu";

/**
 * True when `pkg` is the real native binding and registers TF.js's "tensorflow" backend. A successful require
 * proves nothing here: danfojs-node's override installs plain @tensorflow/tfjs under the tfjs-node name, so
 * the package's own name is checked first (cheap) and the backend registration after loading. `load` stands in
 * for require (tests give a fake; only the real require is cached).
 */
export function nativeTfjsAvailable(pkg: NativePackage, load: (id: string) => unknown = require): boolean {
  const cache = load === require;
  const cached = cache ? nativeCache.get(pkg) : undefined;
  if (cached !== undefined) return cached;
  let ok = false;
  try {
    const meta = load(`${pkg}/package.json`) as { name?: string };
    if (meta.name === pkg) {
      const tf = load(pkg) as { findBackend(name: string): unknown };
      ok = tf.findBackend("tensorflow") != null;
    }
  } catch {
    ok = false;
  }
  if (cache) nativeCache.set(pkg, ok);
  return ok;
}
