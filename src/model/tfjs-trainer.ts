/** The TF.js trainer (native, wasm or cpu backend): same model, loss and optimiser as the kernels, as tensors. */
import type * as tfTypes from "@tensorflow/tfjs";
import type { MfWeights } from "./types";
import type { EpochTrainer, TrainingProblem } from "./kernel-trainer";
import { loadTfjs, type TfjsBackendName } from "./tfjs-loader";
import { gatherRows } from "./embedding-lookup";
import { createRng } from "../random";
import { shuffleTogether } from "./shuffle";

/**
 * Trains with TF.js variables and `tf.train.adam` / `tf.train.sgd`. L2 enters the loss as (l2/2)·Σw² over all
 * parameters, whose gradient l2·w is exactly the kernels' coupled weight decay; the per-rating L2 as
 * l2PerRating · mean over the batch of (|p_u|² + |q_i|²) on the looked-up rows. Written for a GPU: the training
 * and validation rows are uploaded once, an epoch uploads one permutation and gathers each batch on the device,
 * the epoch's loss is summed on the device and read once (no read per step). Every step runs inside tf.tidy;
 * `dispose` releases the variables, the data and the optimiser, so training leaves no tensors behind.
 */
export async function createTfjsTrainer(backend: TfjsBackendName, problem: TrainingProblem): Promise<EpochTrainer> {
  const tf = await loadTfjs(backend);
  const { train, validation, hyperparameters: h, initial } = problem;
  const { numUsers, numItems, dim } = initial;
  // Inside tidy so the initial-value tensors are released; variables survive a tidy.
  const vars = tf.tidy(() => ({
    P: tf.variable(tf.tensor2d(initial.userFactors, [numUsers, dim]), true),
    Q: tf.variable(tf.tensor2d(initial.itemFactors, [numItems, dim]), true),
    bu: tf.variable(tf.tensor1d(initial.userBias), true),
    bi: tf.variable(tf.tensor1d(initial.itemBias), true),
    g: tf.variable(tf.scalar(initial.globalBias), true),
  }));
  const varList = [vars.P, vars.Q, vars.bu, vars.bi, vars.g];
  const optimizer = h.optimizer === "adam" ? tf.train.adam(h.learningRate, 0.9, 0.999, 1e-8) : tf.train.sgd(h.learningRate);
  const n = train.length;
  const batch = h.batchSize <= 0 || h.batchSize >= n ? n : h.batchSize;
  const rng = createRng(problem.shuffleSeed);
  const order = new Int32Array(n);
  for (let k = 0; k < n; k++) order[k] = k;
  // On the device once: the training rows, the validation rows. Per epoch only the permutation is uploaded;
  // each step gathers its batch on the device, and the epoch's loss is summed there and read once.
  const data = {
    users: tf.tensor1d(train.users, "int32"),
    items: tf.tensor1d(train.items, "int32"),
    ratings: tf.tensor1d(train.ratings),
  };
  const nv = validation.length;
  const val =
    nv > 0 ? { users: tf.tensor1d(validation.users, "int32"), items: tf.tensor1d(validation.items, "int32"), ratings: tf.tensor1d(validation.ratings) } : null;

  /** Predictions, plus the looked-up factor rows (the per-rating L2 needs them). */
  const forward = (u: tfTypes.Tensor1D, i: tfTypes.Tensor1D, trainable: boolean): { pred: tfTypes.Tensor1D; pu: tfTypes.Tensor2D; qi: tfTypes.Tensor2D } => {
    const look = <R extends tfTypes.Rank>(t: tfTypes.Tensor<R>, idx: tfTypes.Tensor1D): tfTypes.Tensor<R> =>
      trainable ? gatherRows(tf, t, idx) : tf.gather(t, idx);
    const pu = look(vars.P, u),
      qi = look(vars.Q, i);
    const dot = tf.sum(tf.mul(pu, qi), 1) as tfTypes.Tensor1D;
    return { pred: tf.add(tf.add(tf.add(dot, look(vars.bu, u)), look(vars.bi, i)), vars.g) as tfTypes.Tensor1D, pu, qi };
  };
  const perRating = h.l2PerRating ?? 0;

  return {
    backend,
    runEpoch(): number {
      if (batch < n) shuffleTogether(rng.nextSeed(), order);
      const perm = tf.tensor1d(order, "int32");
      let sse: tfTypes.Scalar = tf.scalar(0);
      try {
        for (let start = 0; start < n; start += batch) {
          const end = Math.min(n, start + batch),
            size = end - start;
          const next = tf.tidy(() => {
            const rows = size === n ? perm : tf.slice(perm, start, size);
            const u = tf.gather(data.users, rows),
              i = tf.gather(data.items, rows),
              r = tf.gather(data.ratings, rows);
            let dataLoss: tfTypes.Scalar = tf.scalar(0);
            optimizer.minimize(
              (): tfTypes.Scalar => {
                const { pred, pu, qi } = forward(u, i, true);
                // Kept: minimize() disposes everything its closure made except the returned loss.
                dataLoss = tf.keep(tf.mean(tf.square(tf.sub(pred, r))) as tfTypes.Scalar);
                let loss: tfTypes.Scalar = tf.clone(dataLoss); // minimize() disposes what it gets back
                if (h.l2 > 0) loss = tf.add(loss, tf.mul(h.l2 / 2, tf.addN(varList.map((v) => tf.sum(tf.square(v)))))) as tfTypes.Scalar;
                if (perRating > 0) loss = tf.add(loss, tf.mul(perRating / size, tf.add(tf.sum(tf.square(pu)), tf.sum(tf.square(qi))))) as tfTypes.Scalar;
                return loss;
              },
              false,
              varList,
            );
            const sum = tf.add(sse, tf.mul(dataLoss, size)) as tfTypes.Scalar;
            dataLoss.dispose();
            return sum;
          });
          sse.dispose();
          sse = next;
        }
        return sse.dataSync()[0]! / n; // the epoch's one read from the device
      } finally {
        sse.dispose();
        perm.dispose();
      }
    },
    validationErrors(): [number, number] {
      if (!val) return [0, 0];
      const out = tf.tidy(() => {
        const e = tf.sub(forward(val.users, val.items, false).pred, val.ratings);
        return tf.stack([tf.sum(tf.square(e)), tf.sum(tf.abs(e))]);
      });
      const [se, ae] = out.dataSync();
      out.dispose();
      return [se!, ae!];
    },
    snapshot(): MfWeights {
      return {
        dim,
        numUsers,
        numItems,
        userFactors: Float32Array.from(vars.P.dataSync()),
        itemFactors: Float32Array.from(vars.Q.dataSync()),
        userBias: Float32Array.from(vars.bu.dataSync()),
        itemBias: Float32Array.from(vars.bi.dataSync()),
        globalBias: vars.g.dataSync()[0]!,
      };
    },
    dispose(): void {
      optimizer.dispose();
      for (const v of varList) v.dispose();
      tf.dispose([data.users, data.items, data.ratings]);
      if (val) tf.dispose([val.users, val.items, val.ratings]);
    },
  };
}
