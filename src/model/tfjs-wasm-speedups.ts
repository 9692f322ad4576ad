/**
 * What keeps tf.layers training on tfjs-wasm fast: the forward embedding lookup (gather along axis 0) through
 * GatherNd, and the workbook's own dense-layer kernels (tfjs-wasm-kernels.ts: matrix products, copy-free Identity,
 * Concat/SplitV, the ReLU gradient, the fused Adam step). bench/tfjs.ts measures the model with and without them.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import type { Tf } from "./tfjs-loader";
import { gatherRows, installWasmDenseKernels, type KernelArgs as DenseKernelArgs } from "./tfjs-wasm-kernels";

const MARK = Symbol.for("ewb.wasmSpeedups");
type Marked = { [MARK]?: true };

/**
 * Installs them (idempotent; cheap to call before every epoch, which the Layers trainer does because loading
 * another copy of TF.js registers the original kernels and gradients again). Kernels are registered for the wasm
 * backend only, and only once that backend is active; the ReLU gradient falls back to TF.js's own elsewhere.
 */
export function installWasmSpeedups(tf: Tf): void {
  // For measuring what they are worth (bench/tfjs.ts runs one row without them): EWB_TFJS_WASM_SPEEDUPS=0 leaves TF.js's own.
  if (process.env.EWB_TFJS_WASM_SPEEDUPS === "0") return;
  if (tf.getBackend() !== "wasm") return;
  installWasmGatherKernel(tf);
  installWasmDenseKernels(tf);
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
    // Float32 rows of a multiple of 4 values (the embeddings): the workbook's own row copies, checks included.
    const fast = gatherRows(args as unknown as DenseKernelArgs);
    if (fast) return fast;
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
