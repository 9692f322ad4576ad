/**
 * The optimizers the tf.layers models compile with: TF.js's Adam and SGD with coupled L2 (the gradient gets l2·w
 * before the update, as the kernels apply L2 and as PyTorch's `weight_decay` does). That is the gradient of the
 * (l2/2)·Σw² regulariser a layer would carry, without the regulariser's forward and backward ops per weight at every
 * step. On tfjs-wasm the whole Adam step (every variable, both moments, β^t) is one kernel call (`EwbAdam`,
 * tfjs-wasm-kernels.ts), operation for operation TF.js's AdamOptimizer; on other backends TF.js's own update runs.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import type { Tf } from "./tfjs-loader";
import { EWB_ADAM } from "./tfjs-wasm-kernels";
import { InvalidArgumentError } from "../errors";

export interface OptimizerSettings {
  readonly optimizer: "adam" | "sgd";
  readonly learningRate: number;
  /** Coupled L2: the update uses gradient + l2·w on every trainable variable. */
  readonly l2: number;
}

type NamedGradients = tfTypes.NamedTensorMap | { name: string; tensor: tfTypes.Tensor }[];

function entries(g: NamedGradients): { name: string; tensor: tfTypes.Tensor | null }[] {
  return Array.isArray(g) ? g.map((e) => ({ name: e.name, tensor: e.tensor ?? null })) : Object.keys(g).map((name) => ({ name, tensor: g[name] ?? null }));
}

/** The registered variable of a gradient's name (what TF.js's optimizers update). */
function variableOf(tf: Tf, name: string): tfTypes.Variable {
  const v = (tf.engine() as unknown as { registeredVariables: Record<string, tfTypes.Variable> }).registeredVariables[name];
  if (!v) throw new Error(`no registered variable named ${name}`);
  return v;
}

/** gradient + l2·w for each entry (new tensors; the caller disposes them). */
function withL2(tf: Tf, grads: { name: string; tensor: tfTypes.Tensor | null }[], l2: number): { name: string; tensor: tfTypes.Tensor }[] {
  return grads
    .filter((e): e is { name: string; tensor: tfTypes.Tensor } => e.tensor !== null)
    .map((e) => ({ name: e.name, tensor: tf.tidy(() => tf.add(e.tensor, tf.mul(tf.scalar(l2), variableOf(tf, e.name)))) }));
}

const classes = new WeakMap<object, { Adam: new (lr: number, l2: number) => tfTypes.Optimizer; Sgd: new (lr: number, l2: number) => tfTypes.Optimizer }>();

function classesFor(tf: Tf): { Adam: new (lr: number, l2: number) => tfTypes.Optimizer; Sgd: new (lr: number, l2: number) => tfTypes.Optimizer } {
  const hit = classes.get(tf);
  if (hit) return hit;

  interface AdamState {
    accBeta1: tfTypes.Variable;
    accBeta2: tfTypes.Variable;
    accumulatedFirstMoment: ({ originalName: string; variable: tfTypes.Variable } | undefined)[];
    accumulatedSecondMoment: ({ originalName: string; variable: tfTypes.Variable } | undefined)[];
    learningRate: number;
    beta1: number;
    beta2: number;
    epsilon: number;
    incrementIterations(): void;
  }

  /** TF.js's Adam (β1 0.9, β2 0.999, ε 1e-8) with coupled L2; one fused kernel call per step on tfjs-wasm. */
  class EwbAdam extends tf.AdamOptimizer {
    static override get className(): string {
      return "EwbAdam";
    }
    readonly l2: number;
    constructor(learningRate: number, l2: number) {
      super(learningRate, 0.9, 0.999, 1e-8);
      this.l2 = l2;
    }
    override applyGradients(variableGradients: NamedGradients): void {
      const grads = entries(variableGradients);
      // The fused step when tfjs-wasm is active and the workbook's kernels are installed (installWasmSpeedups).
      if (tf.getBackend() === "wasm" && tf.getKernel(EWB_ADAM, "wasm")) {
        this.fusedStep(grads);
        return;
      }
      if (this.l2 === 0) {
        super.applyGradients(variableGradients as Parameters<tfTypes.AdamOptimizer["applyGradients"]>[0]);
        return;
      }
      const g = withL2(tf, grads, this.l2);
      try {
        super.applyGradients(g);
      } finally {
        tf.dispose(g.map((e) => e.tensor));
      }
    }
    /** The same step as AdamOptimizer.applyGradients (same moments, same order, same β^t variables), as one kernel. */
    private fusedStep(grads: { name: string; tensor: tfTypes.Tensor | null }[]): void {
      const s = this as unknown as AdamState;
      const inputs: Record<string, tfTypes.Tensor> = { accBeta1: s.accBeta1, accBeta2: s.accBeta2 };
      const targets: { value: tfTypes.Variable; m: tfTypes.Variable; v: tfTypes.Variable }[] = [];
      grads.forEach(({ name, tensor }, i) => {
        const value = variableOf(tf, name);
        // As TF.js: the moments are created for every variable in the list, in its order, before a missing gradient is skipped.
        s.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        s.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        if (tensor === null) return;
        const j = targets.length;
        const m = s.accumulatedFirstMoment[i]!.variable,
          v = s.accumulatedSecondMoment[i]!.variable;
        inputs[`w${j}`] = value;
        inputs[`g${j}`] = tensor;
        inputs[`m${j}`] = m;
        inputs[`v${j}`] = v;
        targets.push({ value, m, v });
      });
      const outs = tf.engine().runKernel(
        EWB_ADAM,
        inputs as unknown as tfTypes.NamedTensorMap,
        {
          count: targets.length,
          learningRate: s.learningRate,
          beta1: s.beta1,
          beta2: s.beta2,
          epsilon: s.epsilon,
          l2: this.l2,
        } as unknown as tfTypes.NamedAttrMap,
      ) as unknown as tfTypes.Tensor[];
      try {
        targets.forEach((t, j) => {
          t.value.assign(outs[3 * j]!);
          t.m.assign(outs[3 * j + 1]!);
          t.v.assign(outs[3 * j + 2]!);
        });
        s.accBeta1.assign(outs[3 * targets.length]!);
        s.accBeta2.assign(outs[3 * targets.length + 1]!);
      } finally {
        tf.dispose(outs);
      }
      s.incrementIterations();
    }
    override getConfig(): tfTypes.serialization.ConfigDict {
      return { learningRate: (this as unknown as AdamState).learningRate, l2: this.l2 };
    }
    static override fromConfig<T extends tfTypes.serialization.Serializable>(
      cls: tfTypes.serialization.SerializableConstructor<T>,
      config: tfTypes.serialization.ConfigDict,
    ): T {
      return new (cls as unknown as new (lr: number, l2: number) => T)(Number(config["learningRate"]), Number(config["l2"] ?? 0));
    }
  }

  /** TF.js's SGD with coupled L2. */
  class EwbSgd extends tf.SGDOptimizer {
    static override get className(): string {
      return "EwbSgd";
    }
    readonly l2: number;
    constructor(learningRate: number, l2: number) {
      super(learningRate);
      this.l2 = l2;
    }
    override applyGradients(variableGradients: NamedGradients): void {
      if (this.l2 === 0) {
        super.applyGradients(variableGradients as Parameters<tfTypes.SGDOptimizer["applyGradients"]>[0]);
        return;
      }
      const g = withL2(tf, entries(variableGradients), this.l2);
      try {
        super.applyGradients(g);
      } finally {
        tf.dispose(g.map((e) => e.tensor));
      }
    }
    override getConfig(): tfTypes.serialization.ConfigDict {
      return { learningRate: this.learningRate, l2: this.l2 };
    }
    static override fromConfig<T extends tfTypes.serialization.Serializable>(
      cls: tfTypes.serialization.SerializableConstructor<T>,
      config: tfTypes.serialization.ConfigDict,
    ): T {
      return new (cls as unknown as new (lr: number, l2: number) => T)(Number(config["learningRate"]), Number(config["l2"] ?? 0));
    }
  }

  tf.serialization.registerClass(EwbAdam);
  tf.serialization.registerClass(EwbSgd);
  const made = { Adam: EwbAdam, Sgd: EwbSgd };
  classes.set(tf, made);
  return made;
}

/** The optimizer a tf.layers model compiles with (the caller disposes it). */
export function createOptimizer(tf: Tf, s: OptimizerSettings): tfTypes.Optimizer {
  if (!(s.l2 >= 0 && Number.isFinite(s.l2))) throw new InvalidArgumentError("hyperparameters.l2", "a finite number >= 0", s.l2);
  const { Adam, Sgd } = classesFor(tf);
  return s.optimizer === "adam" ? new Adam(s.learningRate, s.l2) : new Sgd(s.learningRate, s.l2);
}
