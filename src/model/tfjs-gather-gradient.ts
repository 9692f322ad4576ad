/** A row-sparse gradient for TF.js's gather, so `tf.layers.embedding` trains on every backend. */
import type * as tfTypes from "@tensorflow/tfjs";
import type { Tf } from "./tfjs-loader";
import { EWB_SCATTER_ROWS } from "./tfjs-wasm-kernels";

const MARK = Symbol.for("ewb.sparseGatherGradient");

/**
 * Replaces the registered gradient of the `GatherV2` kernel (what `tf.gather` and `tf.layers.embedding` run) for
 * the embedding case (axis 0, no batch dimensions) by a scatterND of the incoming rows into the table's shape:
 * the same values as TF.js's own gradient (rows of repeated indices are summed), but TF.js's version is an
 * UnsortedSegmentSum, which has no kernel on the wasm backend (training an Embedding layer there throws) and
 * loops over every table row on the cpu backend. Every other case is handed to the original gradient.
 * Idempotent; checked on every call, since loading another copy of TF.js (danfojs-node's) registers the
 * original gradients again.
 */
export function installSparseGatherGradient(tf: Tf): void {
  const current = tf.getGradient("GatherV2") as (ReturnType<Tf["getGradient"]> & { [MARK]?: true }) | undefined;
  if (!current) throw new Error("TF.js has no gradient registered for GatherV2 (unexpected TF.js version)");
  if (current[MARK]) return;
  const original = current;
  const config = {
    kernelName: "GatherV2",
    inputsToSave: ["x", "indices"],
    gradFunc: (dy: tfTypes.Tensor | tfTypes.Tensor[], saved: tfTypes.Tensor[], attrs: tfTypes.NamedAttrMap) => {
      const [x, indices] = saved as [tfTypes.Tensor, tfTypes.Tensor];
      const axis = attrs["axis"] as number,
        batchDims = (attrs["batchDims"] as number | undefined) ?? 0;
      if ((axis !== 0 && axis !== -x.rank) || batchDims !== 0) return original.gradFunc(dy, saved, attrs);
      const g = dy as tfTypes.Tensor;
      return {
        x: () => {
          // On tfjs-wasm with the workbook's kernels: the same sums in one kernel call (tfjs-wasm-kernels.ts).
          const inner = x.shape.slice(1);
          if (
            tf.getBackend() === "wasm" &&
            x.dtype === "float32" &&
            g.dtype === "float32" &&
            indices.dtype === "int32" &&
            inner.reduce((p, q) => p * q, 1) % 4 === 0 &&
            tf.getKernel(EWB_SCATTER_ROWS, "wasm")
          )
            return tf.engine().runKernel(EWB_SCATTER_ROWS, { indices, dy: g }, { rows: x.shape[0]!, innerShape: inner }) as tfTypes.Tensor;
          const flat = tf.reshape(indices, [indices.size, 1]);
          const rows = tf.reshape(g, [indices.size, ...x.shape.slice(1)]);
          return tf.scatterND(flat, rows, x.shape);
        },
        indices: () => tf.zerosLike(indices),
      };
    },
  };
  tf.registerGradient(config);
  (tf.getGradient("GatherV2") as unknown as { [MARK]?: true })[MARK] = true;
}
