/** Embedding lookup (row gather) whose gradient touches only the looked-up rows. */
import type * as tfTypes from "@tensorflow/tfjs";
import type { Tf } from "./tfjs-loader";

/**
 * `tf.gather(table, indices)` with a custom gradient: a scatterND of the incoming gradient rows into the
 * table's shape, which sums rows of repeated indices. TF.js's own gather gradient (UnsortedSegmentSum) loops
 * over every table row on the cpu backend (minutes per epoch) and has no kernel on wasm.
 * Works for 1-D tables (biases) and 2-D tables (factors).
 */
export function gatherRows<R extends tfTypes.Rank>(tf: Tf, table: tfTypes.Tensor<R>, indices: tfTypes.Tensor1D): tfTypes.Tensor<R> {
  const lookup = tf.customGrad(((t: tfTypes.Tensor) => {
    const value = tf.gather(t, indices);
    const gradFunc = (dy: tfTypes.Tensor): tfTypes.Tensor => tf.tidy(() => tf.scatterND(indices.expandDims(1), dy, t.shape));
    return { value, gradFunc };
  }) as unknown as Parameters<Tf["customGrad"]>[0]);
  return lookup(table) as tfTypes.Tensor<R>;
}
