/**
 * The blog's first lesson in TF.js terms: an index picks a row of a `tf.layers.embedding` table. Seeded so the
 * table starts from exactly the vectors training starts from (`randomWeights`), and read back as plain matrices
 * for the analyses.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import type { MfWeights } from "./types";
import type { Tf } from "./tfjs-loader";
import { createRng } from "../random";
import { InvalidArgumentError } from "../errors";
import { checkInteger, checkNumber } from "../validate";

export interface SeededEmbeddingOptions {
  readonly name: string;
  /** Rows of the table: the number of IDs (the IdMap's size). */
  readonly inputDim: number;
  /** Length of each vector (the blog's 64). */
  readonly outputDim: number;
  readonly seed: number;
  /** Standard deviation of the N(0, std²) start (the training setting `initStd`). */
  readonly stddev: number;
  /**
   * Normal draws of the seeded generator to skip first: 0 for the user table, numUsers × dim for the item
   * table, which makes the two tables exactly `randomWeights(numUsers, numItems, dim, seed, stddev)`'s factors.
   */
  readonly skip?: number;
}

/** What `embeddingsInitializer` accepts besides a name. */
type Initializer = ReturnType<Tf["initializers"]["zeros"]>;
/** TF.js's Initializer base class: not exported by name, but it is the parent class of every built-in initializer. */
interface InitializerBase {
  new (): { apply(shape: number[], dtype?: tfTypes.DataType): tfTypes.Tensor; getConfig(): tfTypes.serialization.ConfigDict };
}
const initializerCache = new WeakMap<object, new (args: { seed: number; stddev: number; skip: number }) => Initializer>();

/**
 * A TF.js initializer drawing N(0, stddev²) from the workbook's seeded generator (src/random.ts), after `skip`
 * draws. TF.js's own `randomNormal({seed})` is seeded too, but by another generator: these draws are the ones the
 * kernels start training from, so "the layer before training" and "the model at epoch 0" are the same numbers.
 */
export function seededNormalInitializer(tf: Tf, args: { seed: number; stddev: number; skip?: number }): Initializer {
  let Cls = initializerCache.get(tf);
  if (!Cls) {
    const Base = Object.getPrototypeOf(tf.initializers.zeros().constructor) as InitializerBase;
    class EwbSeededNormal extends Base {
      static className = "EwbSeededNormal";
      static fromConfig<T>(cls: new (a: { seed: number; stddev: number; skip: number }) => T, config: tfTypes.serialization.ConfigDict): T {
        return new cls({ seed: Number(config["seed"]), stddev: Number(config["stddev"]), skip: Number(config["skip"] ?? 0) });
      }
      private readonly a: { seed: number; stddev: number; skip: number };
      constructor(a: { seed: number; stddev: number; skip: number }) {
        super();
        this.a = a;
      }
      override apply(shape: number[], dtype?: tfTypes.DataType): tfTypes.Tensor {
        const rng = createRng(this.a.seed);
        for (let k = 0; k < this.a.skip; k++) rng.normal();
        const n = shape.reduce((x, y) => x * y, 1);
        const values = new Float32Array(n);
        for (let k = 0; k < n; k++) values[k] = this.a.stddev * rng.normal();
        return tf.tensor(values, shape, dtype ?? "float32");
      }
      override getConfig(): tfTypes.serialization.ConfigDict {
        return { ...this.a };
      }
    }
    tf.serialization.registerClass(EwbSeededNormal as unknown as Parameters<Tf["serialization"]["registerClass"]>[0]);
    Cls = EwbSeededNormal as unknown as new (a: { seed: number; stddev: number; skip: number }) => Initializer;
    initializerCache.set(tf, Cls);
  }
  return new Cls({
    seed: checkInteger("seed", args.seed, 0, 2 ** 32 - 1),
    stddev: checkNumber("stddev", args.stddev, 0),
    skip: checkInteger("skip", args.skip ?? 0, 0),
  });
}

/**
 * `tf.layers.embedding({ inputDim, outputDim, embeddingsInitializer: seeded })`, built (its table exists and
 * can be read). The caller disposes it (`layer.dispose()`).
 */
export function seededEmbeddingLayer(tf: Tf, o: SeededEmbeddingOptions): tfTypes.layers.Layer {
  checkInteger("inputDim", o.inputDim, 1);
  checkInteger("outputDim", o.outputDim, 1);
  const layer = tf.layers.embedding({
    name: o.name,
    inputDim: o.inputDim,
    outputDim: o.outputDim,
    embeddingsInitializer: seededNormalInitializer(tf, { seed: o.seed, stddev: o.stddev, skip: o.skip ?? 0 }),
  });
  layer.apply(tf.input({ shape: [1], dtype: "int32" })); // builds the table (and lets dispose() free it)
  return layer;
}

/**
 * The vector of one index: `layer.apply(tf.tensor2d([[index]], [1, 1], "int32"))` squeezed to a 1-d tf.Tensor
 * of length outputDim. Intermediate tensors are freed; the caller disposes the result.
 */
export function embeddingVector(tf: Tf, layer: tfTypes.layers.Layer, index: number): tfTypes.Tensor1D {
  const rows = embeddingRows(layer);
  if (!(Number.isInteger(index) && index >= 0 && index < rows)) throw new InvalidArgumentError("index", `an integer in 0..${rows - 1}`, index);
  return tf.tidy(() => {
    const out = layer.apply(tf.tensor2d([index], [1, 1], "int32")) as tfTypes.Tensor;
    return tf.reshape(out, [out.shape[out.shape.length - 1]!]) as tfTypes.Tensor1D;
  });
}

/** The number of rows (IDs) of an embedding layer's table. */
export function embeddingRows(layer: tfTypes.layers.Layer): number {
  const w = layer.getWeights()[0];
  if (w?.rank !== 2) throw new InvalidArgumentError("layer", "a built embedding layer (one [rows, dim] weight)", layer?.name);
  return w.shape[0]!;
}

/** A copy of the layer's table as a row-major matrix { rows, dim, data } (what the analyses read). */
export function embeddingTable(layer: tfTypes.layers.Layer): { rows: number; dim: number; data: Float32Array } {
  const w = layer.getWeights()[0];
  if (w?.rank !== 2) throw new InvalidArgumentError("layer", "a built embedding layer (one [rows, dim] weight)", layer?.name);
  return { rows: w.shape[0]!, dim: w.shape[1]!, data: Float32Array.from(w.dataSync() as Float32Array) };
}

/** User and item embedding layers read back as MfWeights (biases 0), for the analyses that take a model's weights. */
export function weightsFromEmbeddingLayers(user: tfTypes.layers.Layer, item: tfTypes.layers.Layer): MfWeights {
  const U = embeddingTable(user),
    I = embeddingTable(item);
  if (U.dim !== I.dim) throw new InvalidArgumentError("item layer", `vectors of length ${U.dim} like the user layer's`, I.dim);
  return {
    dim: U.dim,
    numUsers: U.rows,
    numItems: I.rows,
    userFactors: U.data,
    itemFactors: I.data,
    userBias: new Float32Array(U.rows),
    itemBias: new Float32Array(I.rows),
    globalBias: 0,
  };
}
