/**
 * Two replacements that keep tf.layers training on tfjs-wasm's fast paths: the gradient of matMul (the dense
 * layers' backward pass) and the forward embedding lookup (gather along axis 0). Measured on the neural model
 * (synthetic data, batch 2048, one thread, CPU time): 843 -> 524 ms per epoch with the gradient, ~300-360 ms with the
 * gather too; bench/tfjs.ts measures the model with and without them in one run.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import type { Tf } from "./tfjs-loader";

const MARK = Symbol.for("ewb.wasmSpeedups");
type Marked = { [MARK]?: true };

/**
 * Installs both (idempotent; cheap to call before every epoch, which the Layers trainer does because loading
 * another copy of TF.js registers the original gradients again). The gradient applies on the wasm backend only;
 * the gather kernel is registered for the wasm backend only, and only once that backend is active.
 */
export function installWasmSpeedups(tf: Tf): void {
  // For measuring what they are worth (bench/tfjs.ts runs one row without them): EWB_TFJS_WASM_SPEEDUPS=0 leaves TF.js's own.
  if (process.env.EWB_TFJS_WASM_SPEEDUPS === "0") return;
  installWasmMatMulGradient(tf);
  if (tf.getBackend() === "wasm") installWasmGatherKernel(tf);
}

/**
 * Replaces the registered gradient of the `BatchMatMul` kernel (what `tf.matMul` and `tf.layers.dense` run while
 * training) by the same products with their transposes materialised first, on the wasm backend. TF.js's own
 * gradient of y = x·W asks for dx = dy·Wᵀ and dW = xᵀ·dy as matMuls with `transposeB` / `transposeA`; tfjs-wasm
 * runs those through a generic loop instead of XNNPACK's, measured about 5x slower at the neural model's
 * 2048 x 128 x 50 (12.2 and 12.9 ms against 4.5 and 2.5 ms for transpose + plain matMul, CPU time, one thread).
 * Same values up to float32 summation order. On other backends (cpu, native TensorFlow, where a transposed
 * operand costs nothing) TF.js's original gradient runs.
 */
export function installWasmMatMulGradient(tf: Tf): void {
  const current = tf.getGradient("BatchMatMul") as (ReturnType<Tf["getGradient"]> & Marked) | undefined;
  if (!current) throw new Error("TF.js has no gradient registered for BatchMatMul (unexpected TF.js version)");
  if (current[MARK]) return;
  const original = current;
  /**
   * p·q (p, q transposed when asked) with only untransposed operands reaching the wasm kernel, by the cheaper of
   * two identities: transpose the operands, or compute (qᵀ·pᵀ)ᵀ, whichever copies fewer elements (for dW = xᵀ·dy
   * of a [2048, 128] x and [2048, 50] dy the second: 109k elements copied instead of 262k).
   */
  const mm = (p: tfTypes.Tensor, q: tfTypes.Tensor, tp: boolean, tq: boolean): tfTypes.Tensor => {
    if (!tp && !tq) return tf.matMul(p, q);
    const [pr, pc] = p.shape.slice(-2) as [number, number],
      [qr, qc] = q.shape.slice(-2) as [number, number];
    const m = tp ? pc : pr,
      n = tq ? qr : qc;
    // Direct: copy the transposed operands. Swapped: (q'ᵀ·p'ᵀ)ᵀ copies the operands that are NOT transposed, and the m x n result.
    const direct = (tp ? pr * pc : 0) + (tq ? qr * qc : 0);
    const swapped = (tp ? 0 : pr * pc) + (tq ? 0 : qr * qc) + m * n;
    if (direct <= swapped || p.rank !== 2 || q.rank !== 2) return tf.matMul(tp ? swapLast(tf, p) : p, tq ? swapLast(tf, q) : q);
    return swapLast(tf, tf.matMul(tq ? q : swapLast(tf, q), tp ? p : swapLast(tf, p)));
  };
  tf.registerGradient({
    kernelName: "BatchMatMul",
    inputsToSave: ["a", "b"],
    gradFunc: (dy: tfTypes.Tensor | tfTypes.Tensor[], saved: tfTypes.Tensor[], attrs: tfTypes.NamedAttrMap) => {
      if (tf.getBackend() !== "wasm") return original.gradFunc(dy, saved, attrs);
      const [a, b] = saved as [tfTypes.Tensor, tfTypes.Tensor];
      const g = dy as tfTypes.Tensor;
      const tA = attrs["transposeA"] === true,
        tB = attrs["transposeB"] === true;
      // The four cases of TF.js's BatchMatMul_grad, same products.
      if (!tA && !tB) return { a: () => mm(g, b, false, true), b: () => mm(a, g, true, false) };
      if (!tA && tB) return { a: () => mm(g, b, false, false), b: () => mm(g, a, true, false) };
      if (tA && !tB) return { a: () => mm(b, g, false, true), b: () => mm(a, g, false, false) };
      return { a: () => mm(b, g, true, true), b: () => mm(g, a, true, true) };
    },
  });
  (tf.getGradient("BatchMatMul") as unknown as Marked)[MARK] = true;
}

/** The tensor with its last two axes swapped (a matrix transpose per batch entry). */
function swapLast(tf: Tf, t: tfTypes.Tensor): tfTypes.Tensor {
  const r = t.rank;
  const perm = Array.from({ length: r }, (_, k) => k);
  perm[r - 1] = r - 2;
  perm[r - 2] = r - 1;
  return tf.transpose(t, perm);
}

interface KernelArgs {
  inputs: Record<string, tfTypes.TensorInfo>;
  backend: { readSync(dataId: unknown): ArrayLike<number>; disposeData(dataId: unknown): boolean };
  attrs: Record<string, unknown>;
}
type KernelFunc = (args: KernelArgs) => tfTypes.TensorInfo;

/**
 * Replaces tfjs-wasm's `GatherV2` kernel, for the embedding case (axis 0, no batch dimensions), by its `GatherNd`
 * kernel on the indices reshaped to [..., 1]: the same rows in the same shape. tfjs-wasm's Gather walks element by
 * element; measured 7.1 ms against 0.44 ms for 2048 rows of a [1000, 64] table (CPU time). Indices are checked
 * as the original kernel checks them (same message); every other case runs the original kernel.
 */
export function installWasmGatherKernel(tf: Tf): void {
  const config = tf.getKernel("GatherV2", "wasm") as (ReturnType<Tf["getKernel"]> & Marked) | undefined;
  if (!config) throw new Error("tfjs-wasm has no GatherV2 kernel registered (is the wasm backend loaded?)");
  if ((config.kernelFunc as unknown as Marked)[MARK]) return;
  const gatherNd = tf.getKernel("GatherNd", "wasm")?.kernelFunc as unknown as KernelFunc | undefined;
  const reshape = tf.getKernel("Reshape", "wasm")?.kernelFunc as unknown as KernelFunc | undefined;
  if (!gatherNd || !reshape) return; // an unexpected tfjs-wasm: keep its own kernel
  const original = config.kernelFunc as unknown as KernelFunc;
  const kernelFunc = (args: KernelArgs): tfTypes.TensorInfo => {
    const { x, indices } = args.inputs as { x: tfTypes.TensorInfo; indices: tfTypes.TensorInfo };
    const axis = Number(args.attrs["axis"] ?? 0),
      batchDims = Number(args.attrs["batchDims"] ?? 0);
    if ((axis !== 0 && axis !== -x.shape.length) || batchDims !== 0 || x.shape.length < 1 || indices.dtype !== "int32") return original(args);
    const rows = x.shape[0]!;
    const vals = args.backend.readSync(indices.dataId);
    for (let k = 0; k < vals.length; k++) {
      const v = vals[k]!;
      if (!(v >= 0 && v <= rows - 1)) throw new Error(`GatherV2: the index value ${v} is not in [0, ${rows - 1}]`);
    }
    const column = reshape({ inputs: { x: indices }, backend: args.backend, attrs: { shape: [...indices.shape, 1] } });
    try {
      return gatherNd({ inputs: { params: x, indices: column }, backend: args.backend, attrs: {} });
    } finally {
      args.backend.disposeData(column.dataId);
    }
  };
  (kernelFunc as unknown as Marked)[MARK] = true;
  tf.unregisterKernel("GatherV2", "wasm");
  tf.registerKernel({ ...config, kernelFunc: kernelFunc as unknown as typeof config.kernelFunc });
}
