/** The two small custom layers the workbook's tf.layers models need, registered for (de)serialisation. */
import type * as tfTypes from "@tensorflow/tfjs";
import type { Tf } from "./tfjs-loader";

interface CustomLayers {
  /**
   * Adds one trainable scalar (the global bias, started at `init`) to its input. `l2` (a regulariser l2 · b²) is read
   * from saved configs; the workbook's models leave it 0 and let the optimizer apply L2 (tfjs-optimizer.ts).
   */
  globalBias(args: { name: string; init: number; l2?: number }): tfTypes.layers.Layer;
  /**
   * Dropout with a seeded mask that changes every training step (seed, seed+1, ...): `tf.layers.dropout`'s own
   * `seed` gives the same mask at every step, and without it the mask comes from Math.random (not reproducible).
   * Identity at inference, inverted scaling (÷ (1 - rate)) in training, as tf.layers.dropout.
   */
  seededDropout(args: { name: string; rate: number; seed: number }): tfTypes.layers.Layer;
}

const cache = new WeakMap<object, CustomLayers>();

/** The custom layer factories for this TF.js instance (the classes are defined once per instance and registered). */
export function customLayers(tf: Tf): CustomLayers {
  const hit = cache.get(tf);
  if (hit) return hit;

  class GlobalBias extends tf.layers.Layer {
    static className = "EwbGlobalBias";
    private readonly init: number;
    private readonly l2: number;
    private bias: tfTypes.LayerVariable | null = null;
    constructor(args: { name?: string; init?: number; l2?: number; trainable?: boolean }) {
      super(args);
      this.init = args.init ?? 0;
      this.l2 = args.l2 ?? 0;
    }
    override build(): void {
      this.bias = this.addWeight(
        "bias",
        [1],
        "float32",
        tf.initializers.constant({ value: this.init }),
        this.l2 > 0 ? tf.regularizers.l2({ l2: this.l2 }) : undefined,
        true,
      );
      this.built = true;
    }
    override call(inputs: tfTypes.Tensor | tfTypes.Tensor[]): tfTypes.Tensor {
      return tf.tidy(() => tf.add(Array.isArray(inputs) ? inputs[0]! : inputs, this.bias!.read()));
    }
    override getConfig(): tfTypes.serialization.ConfigDict {
      return { ...super.getConfig(), init: this.init, l2: this.l2 };
    }
  }

  class SeededDropout extends tf.layers.Layer {
    static className = "EwbSeededDropout";
    private readonly rate: number;
    private readonly seed: number;
    private step = 0;
    constructor(args: { name?: string; rate: number; seed: number; trainable?: boolean }) {
      super(args);
      this.rate = args.rate;
      this.seed = args.seed;
    }
    override call(inputs: tfTypes.Tensor | tfTypes.Tensor[], kwargs: Record<string, unknown>): tfTypes.Tensor {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      if (kwargs["training"] !== true || this.rate <= 0) return tf.clone(x);
      const seed = (this.seed + this.step++) >>> 0;
      return tf.tidy(() => {
        const keep = tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, "float32", seed), this.rate), "float32");
        return tf.mul(x, tf.mul(keep, 1 / (1 - this.rate)));
      });
    }
    override getConfig(): tfTypes.serialization.ConfigDict {
      return { ...super.getConfig(), rate: this.rate, seed: this.seed };
    }
  }

  tf.serialization.registerClass(GlobalBias);
  tf.serialization.registerClass(SeededDropout);
  const made: CustomLayers = {
    globalBias: (args) => new GlobalBias(args),
    seededDropout: (args) => new SeededDropout(args),
  };
  cache.set(tf, made);
  return made;
}
