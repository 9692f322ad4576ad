/**
 * The workbook's own tfjs-wasm kernels for training dense layers (src/model/wasm/dense-kernel.wat), registered on the
 * "wasm" backend under TF.js's kernel names, so a tf.layers model trained with model.fit runs them without knowing:
 * - `BatchMatMul` and `_FusedMatMul` (float32; bias of one value or one per column; linear or ReLU): a register-blocked
 *   SIMD product that reads transposed operands through strides, so the backward pass's Aᵀ·B and A·Bᵀ cost what A·B
 *   costs (tfjs-wasm runs those through a generic loop; XNNPACK's plain product is also slower here);
 * - `Identity` without a copy (the engine clones every tensor it saves for the backward pass; tfjs-wasm copies each,
 *   whole embedding tables included): the output shares the input's memory, as tfjs-wasm's own Reshape does;
 * - `Concat` and `SplitV` (concatenating the two embeddings and splitting the gradient back) as row copies;
 * - `Sum` over leading axes (a bias gradient) in one pass (tfjs-wasm transposes the input first);
 * - `EwbReluGrad` (the gradient of ReLU in one pass instead of Step, Cast and Multiply) and `EwbAdam` (one Adam step
 *   over all variables in one kernel call; see tfjs-optimizer.ts);
 * - `EwbScatterRows` (the embedding lookup's gradient, tfjs-gather-gradient.ts, in one call) and the lookup itself as row
 *   copies (`gatherRows`, used by tfjs-wasm-speedups.ts);
 * - `EwbMeanGrad` (a mean's gradient in one kernel) and Multiply's gradient without casting float32 to float32: the MSE
 *   loss's backward pass in fewer kernel calls, the same values.
 * The module imports tfjs-wasm's memory, so the kernels read and write tensors where they are. Any case they do not
 * cover (other dtypes, shapes, activations) runs tfjs-wasm's original kernel.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import type { Tf } from "./tfjs-loader";
import { DENSE_KERNEL_WASM_BASE64 } from "./wasm/dense-kernel-bytes";
import { compileKernel } from "../wasm/load";

/** The WebAssembly memory object tfjs-wasm exports (the project's lib settings have no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
const WA = (globalThis as unknown as { WebAssembly?: { Instance: new (module: object, imports: object) => { exports: unknown } } }).WebAssembly;

const MARK = Symbol.for("ewb.wasmDenseKernels");
type Marked = { [MARK]?: true };

interface DenseExports {
  gemm(
    a: number,
    sAm: number,
    sAk: number,
    b: number,
    sBk: number,
    sBn: number,
    c: number,
    M: number,
    K: number,
    N: number,
    bias: number,
    biasN: number,
    relu: number,
    scratch: number,
  ): void;
  copy_rows(src: number, sSrc: number, dst: number, sDst: number, rows: number, nbytes: number): void;
  relu_grad(dy: number, x: number, out: number, n: number): void;
  sum_rows(x: number, rows: number, inner: number, out: number): void;
  gather_rows(table: number, rows: number, nbytes: number, idx: number, n: number, out: number): number;
  scatter_add_rows(dy: number, idx: number, n: number, inner: number, out: number, rows: number): void;
  mean_grad(dy: number, outer: number, inner: number, n: number, out: number): void;
  adam(
    w: number,
    g: number,
    m: number,
    v: number,
    ow: number,
    om: number,
    ov: number,
    n: number,
    l2: number,
    b1: number,
    omb1: number,
    b2: number,
    omb2: number,
    c1: number,
    c2: number,
    eps: number,
    nlr: number,
  ): void;
}

/** What the kernels use of tfjs-wasm's BackendWasm (stable across 3.x/4.x). */
interface WasmBackend {
  wasm: { asm: { memory: WasmMemory }; _malloc(n: number): number; _free(p: number): void; HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: unknown): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tfTypes.DataType): tfTypes.TensorInfo;
  incRef(dataId: unknown): void;
  disposeData(dataId: unknown): boolean;
}

export interface KernelArgs {
  inputs: Record<string, tfTypes.TensorInfo>;
  backend: WasmBackend;
  attrs: Record<string, unknown>;
}
type KernelFunc = (args: KernelArgs) => tfTypes.TensorInfo | tfTypes.TensorInfo[];

/** Our module, instantiated once per tfjs-wasm memory, with a scratch block from tfjs-wasm's malloc. */
interface Instance {
  readonly k: DenseExports;
  readonly memory: WasmMemory;
  scratch: number;
  scratchBytes: number;
}
const instances = new WeakMap<object, Instance>();

function instanceFor(backend: WasmBackend): Instance {
  const hit = instances.get(backend.wasm);
  if (hit) return hit;
  const memory = backend.wasm.asm.memory;
  const mod = compileKernel(DENSE_KERNEL_WASM_BASE64);
  if (!mod || !WA) throw new Error("WebAssembly SIMD is not available in this runtime");
  const k = new WA.Instance(mod, { env: { memory } }).exports as unknown as DenseExports;
  const made: Instance = { k, memory, scratch: 0, scratchBytes: 0 };
  instances.set(backend.wasm, made);
  return made;
}

/** A scratch block of at least `bytes` (kept and grown; tfjs-wasm's malloc keeps it out of every tensor's way). */
function scratch(backend: WasmBackend, inst: Instance, bytes: number): number {
  if (inst.scratchBytes < bytes) {
    if (inst.scratch) backend.wasm._free(inst.scratch);
    const size = Math.max(bytes, 2 * inst.scratchBytes, 1 << 16);
    inst.scratch = backend.wasm._malloc(size) >>> 0;
    if (!inst.scratch) throw new Error(`tfjs-wasm could not allocate ${size} bytes of scratch memory for the dense kernels`);
    inst.scratchBytes = size;
  }
  return inst.scratch;
}

const offsetOf = (backend: WasmBackend, t: tfTypes.TensorInfo): number => backend.dataIdMap.get(t.dataId)!.memoryOffset >>> 0;
const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * C = act(op(A)·op(B) + bias) for one matrix pair, all float32 at byte addresses: A is [M, K] ([K, M] if tA), B is
 * [K, N] ([N, K] if tB), C is [M, N]. bias: address and length (1: one value for all; N: one per column), or null.
 * One call into the module, which packs B into 8-column panels (and a transposed A into 4-row blocks) in the scratch block.
 */
function gemm(
  backend: WasmBackend,
  inst: Instance,
  a: number,
  b: number,
  c: number,
  M: number,
  K: number,
  N: number,
  tA: boolean,
  tB: boolean,
  bias: { at: number; size: number } | null,
  relu: boolean,
): void {
  const sAm = tA ? 4 : 4 * K,
    sAk = tA ? 4 * M : 4;
  const sBk = tB ? 4 : 4 * N,
    sBn = tB ? 4 * K : 4;
  const panels = Math.ceil(N / 8);
  const base = scratch(backend, inst, panels * (32 * K + 32) + 16 * K + 16);
  inst.k.gemm(a, sAm, sAk, b, sBk, sBn, c, M, K, N, bias ? bias.at : 0, bias ? bias.size : 0, relu ? 1 : 0, (base + 15) & ~15);
}

/** The batch shape of a batched product when our kernel covers it (equal batch shapes, or one side a single matrix); else null. */
function batchPlan(tf: Tf, a: tfTypes.TensorInfo, b: tfTypes.TensorInfo): { outBatch: number[]; na: number; nb: number } | null {
  const ba = a.shape.slice(0, -2),
    bb = b.shape.slice(0, -2);
  const na = sizeOf(ba),
    nb = sizeOf(bb);
  let outBatch: number[];
  try {
    outBatch = tf.backend_util.assertAndGetBroadcastShape(ba, bb);
  } catch {
    return null;
  }
  const n = sizeOf(outBatch);
  const same = ba.length === bb.length && ba.every((d, i) => d === bb[i]);
  if (!(same || (na === 1 && nb === n) || (nb === 1 && na === n))) return null;
  return { outBatch, na, nb };
}

function matMulKernel(tf: Tf, original: KernelFunc, fused: boolean): KernelFunc {
  return (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tfTypes.TensorInfo | undefined>;
    const tA = args.attrs["transposeA"] === true,
      tB = args.attrs["transposeB"] === true;
    const activation = fused ? String(args.attrs["activation"] ?? "linear") : "linear";
    if (!a || !b || a.dtype !== "float32" || b.dtype !== "float32" || a.shape.length < 2 || b.shape.length < 2) return original(args);
    if (preluActivationWeights || (activation !== "linear" && activation !== "relu")) return original(args);
    const M = a.shape[a.shape.length - (tA ? 1 : 2)]!,
      K = a.shape[a.shape.length - (tA ? 2 : 1)]!;
    const Kb = b.shape[b.shape.length - (tB ? 1 : 2)]!,
      N = b.shape[b.shape.length - (tB ? 2 : 1)]!;
    if (K !== Kb) return original(args); // its message
    const plan = batchPlan(tf, a, b);
    if (!plan) return original(args);
    let biasInfo: { at: number; size: number } | null = null;
    if (bias) {
      const size = sizeOf(bias.shape);
      if (bias.dtype !== "float32" || !(size === 1 || (size === N && bias.shape[bias.shape.length - 1] === N))) return original(args);
      biasInfo = { at: offsetOf(args.backend, bias), size };
    }
    const backend = args.backend;
    const inst = instanceFor(backend);
    const out = backend.makeOutput([...plan.outBatch, M, N], "float32");
    if (M * N === 0) return out;
    const pa = offsetOf(backend, a),
      pb = offsetOf(backend, b),
      pc = offsetOf(backend, out);
    const n = sizeOf(plan.outBatch);
    for (let q = 0; q < n; q++) {
      gemm(
        backend,
        inst,
        pa + (plan.na === 1 ? 0 : q * 4 * M * K),
        pb + (plan.nb === 1 ? 0 : q * 4 * K * N),
        pc + q * 4 * M * N,
        M,
        K,
        N,
        tA,
        tB,
        biasInfo,
        activation === "relu",
      );
    }
    return out;
  };
}

/** Identity sharing the input's memory (reference-counted, as tfjs-wasm's Reshape shares it). */
function identityKernel(original: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tfTypes.TensorInfo };
    if (x.dtype === "string") return original(args);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

const BYTES: Partial<Record<tfTypes.DataType, number>> = { float32: 4, int32: 4, bool: 1 };

function concatKernel(tf: Tf, original: KernelFunc): KernelFunc {
  return (args) => {
    const inputs = args.inputs as unknown as tfTypes.TensorInfo[];
    if (!Array.isArray(inputs) || inputs.length < 2) return original(args);
    const dtype = inputs[0]!.dtype,
      bpe = BYTES[dtype];
    if (!bpe || inputs.some((t) => t.dtype !== dtype || t.shape.length !== inputs[0]!.shape.length)) return original(args);
    const rank = inputs[0]!.shape.length;
    const axis = tf.util.parseAxisParam(args.attrs["axis"] as number, inputs[0]!.shape)[0]!;
    for (const t of inputs) for (let d = 0; d < rank; d++) if (d !== axis && t.shape[d] !== inputs[0]!.shape[d]) return original(args);
    const outer = sizeOf(inputs[0]!.shape.slice(0, axis));
    const inner = inputs.map((t) => sizeOf(t.shape.slice(axis)));
    const total = inner.reduce((x, y) => x + y, 0);
    const shape = [...inputs[0]!.shape];
    shape[axis] = inputs.reduce((s, t) => s + t.shape[axis]!, 0);
    const backend = args.backend;
    const out = backend.makeOutput(shape, dtype);
    if (outer * total === 0) return out;
    const { k } = instanceFor(backend);
    const po = offsetOf(backend, out);
    let col = 0;
    inputs.forEach((t, j) => {
      if (inner[j]! > 0) k.copy_rows(offsetOf(backend, t), inner[j]! * bpe, po + col * bpe, total * bpe, outer, inner[j]! * bpe);
      col += inner[j]!;
    });
    return out;
  };
}

function splitKernel(tf: Tf, original: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tfTypes.TensorInfo };
    const bpe = BYTES[x.dtype];
    if (!bpe) return original(args);
    const axis = tf.util.parseAxisParam(args.attrs["axis"] as number, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as unknown as tfTypes.Tensor, args.attrs["numOrSizeSplits"] as number | number[], axis);
    const outer = sizeOf(x.shape.slice(0, axis)),
      per = sizeOf(x.shape.slice(axis + 1)),
      total = x.shape[axis]! * per;
    const backend = args.backend;
    const { k } = instanceFor(backend);
    const px = offsetOf(backend, x);
    let col = 0;
    return sizes.map((s) => {
      const shape = [...x.shape];
      shape[axis] = s;
      const out = backend.makeOutput(shape, x.dtype);
      if (outer * s * per > 0) k.copy_rows(px + col * bpe, total * bpe, offsetOf(backend, out), s * per * bpe, outer, s * per * bpe);
      col += s * per;
      return out;
    });
  };
}

/** Sum over leading axes (0..p-1 of a rank > p tensor) as one pass over the rows; tfjs-wasm transposes first. */
function sumKernel(tf: Tf, original: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tfTypes.TensorInfo };
    if (x.dtype !== "float32" || x.shape.length < 2) return original(args);
    const axes = tf.util.parseAxisParam(args.attrs["axis"] as number | number[], x.shape).sort((p, q) => p - q);
    const p = axes.length;
    if (p === 0 || p >= x.shape.length || axes.some((a, i) => a !== i)) return original(args);
    const rest = x.shape.slice(p);
    const shape = args.attrs["keepDims"] === true ? [...x.shape.slice(0, p).map(() => 1), ...rest] : rest;
    const backend = args.backend;
    const out = backend.makeOutput(shape, "float32");
    instanceFor(backend).k.sum_rows(offsetOf(backend, x), sizeOf(x.shape.slice(0, p)), sizeOf(rest), offsetOf(backend, out));
    return out;
  };
}

const reluGradKernel: KernelFunc = (args) => {
  const { dy, x } = args.inputs as { dy: tfTypes.TensorInfo; x: tfTypes.TensorInfo };
  const backend = args.backend;
  const out = backend.makeOutput(x.shape, "float32");
  instanceFor(backend).k.relu_grad(offsetOf(backend, dy), offsetOf(backend, x), offsetOf(backend, out), sizeOf(x.shape));
  return out;
};

/**
 * One Adam step over `count` variables: inputs accBeta1, accBeta2 (β^t, scalars) and w<i>, g<i>, m<i>, v<i>; outputs
 * [w0', m0', v0', w1', ..., β1^(t+1), β2^(t+1)]. The scalars are float32 as TF.js's AdamOptimizer makes them.
 */
const adamKernel: KernelFunc = (args) => {
  const backend = args.backend;
  const { k, memory } = instanceFor(backend);
  const count = args.attrs["count"] as number;
  const f = Math.fround;
  const lr = args.attrs["learningRate"] as number,
    beta1 = args.attrs["beta1"] as number,
    beta2 = args.attrs["beta2"] as number,
    eps = args.attrs["epsilon"] as number,
    l2 = args.attrs["l2"] as number;
  const read = (t: tfTypes.TensorInfo): number => new Float32Array(memory.buffer, offsetOf(backend, t), 1)[0]!;
  const accB1 = read(args.inputs["accBeta1"]!),
    accB2 = read(args.inputs["accBeta2"]!);
  const outs: tfTypes.TensorInfo[] = [];
  for (let i = 0; i < count; i++) {
    const w = args.inputs[`w${i}`]!,
      g = args.inputs[`g${i}`]!,
      m = args.inputs[`m${i}`]!,
      v = args.inputs[`v${i}`]!;
    const ow = backend.makeOutput(w.shape, "float32"),
      om = backend.makeOutput(w.shape, "float32"),
      ov = backend.makeOutput(w.shape, "float32");
    k.adam(
      offsetOf(backend, w),
      offsetOf(backend, g),
      offsetOf(backend, m),
      offsetOf(backend, v),
      offsetOf(backend, ow),
      offsetOf(backend, om),
      offsetOf(backend, ov),
      sizeOf(w.shape),
      f(l2),
      f(beta1),
      f(1 - beta1),
      f(beta2),
      f(1 - beta2),
      f(1 - accB1),
      f(1 - accB2),
      f(eps),
      f(-lr),
    );
    outs.push(ow, om, ov);
  }
  for (const [acc, beta] of [
    [accB1, beta1],
    [accB2, beta2],
  ] as const) {
    const o = backend.makeOutput([], "float32");
    new Float32Array(memory.buffer, offsetOf(backend, o), 1)[0] = f(acc * f(beta));
    outs.push(o);
  }
  return outs;
};

/**
 * The embedding lookup (GatherV2 on axis 0, no batch dimensions) of float32 rows of a multiple of 4 values with int32
 * indices, as one pass of row copies; null for any other case (the caller runs its own kernel). An index outside the
 * table throws tfjs-wasm-speedups.ts's message, naming the first bad value.
 */
export function gatherRows(args: KernelArgs): tfTypes.TensorInfo | null {
  const { x, indices } = args.inputs as { x: tfTypes.TensorInfo; indices: tfTypes.TensorInfo };
  const axis = Number(args.attrs["axis"] ?? 0),
    batchDims = Number(args.attrs["batchDims"] ?? 0);
  if ((axis !== 0 && axis !== -x.shape.length) || batchDims !== 0 || x.shape.length < 2 || x.dtype !== "float32" || indices.dtype !== "int32") return null;
  const inner = sizeOf(x.shape.slice(1));
  if (inner % 4 !== 0) return null;
  const backend = args.backend;
  const inst = instanceFor(backend);
  const rows = x.shape[0]!,
    n = sizeOf(indices.shape);
  const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], "float32");
  if (n * inner === 0) return out;
  const pi = offsetOf(backend, indices);
  const bad = inst.k.gather_rows(offsetOf(backend, x), rows, 4 * inner, pi, n, offsetOf(backend, out));
  if (bad >= 0) {
    backend.disposeData(out.dataId);
    const v = new Int32Array(inst.memory.buffer, pi, n)[bad]!;
    throw new Error(`GatherV2: the index value ${v} is not in [0, ${rows - 1}]`);
  }
  return out;
}

/**
 * The gradient of that lookup: inputs indices (int32, checked by the lookup) and dy ([n, ...inner] float32), attr
 * `rows`; out [rows, ...inner] with out[indices[r]] += dy[r] in order r = 0, 1, ... (ScatterNd's sums, in one call).
 */
const scatterRowsKernel: KernelFunc = (args) => {
  const { indices, dy } = args.inputs as { indices: tfTypes.TensorInfo; dy: tfTypes.TensorInfo };
  const rows = args.attrs["rows"] as number;
  const innerShape = args.attrs["innerShape"] as number[];
  const backend = args.backend;
  const out = backend.makeOutput([rows, ...innerShape], "float32");
  const n = sizeOf(indices.shape),
    inner = sizeOf(innerShape);
  if (rows * inner === 0) return out;
  instanceFor(backend).k.scatter_add_rows(offsetOf(backend, dy), offsetOf(backend, indices), n, inner, offsetOf(backend, out), rows);
  return out;
};

/** The gradient of a mean over trailing axes: input dy (the mean's shape), attr `shape` (the input's); out[i] = dy[i / n] / n. */
const meanGradKernel: KernelFunc = (args) => {
  const { dy } = args.inputs as { dy: tfTypes.TensorInfo };
  const shape = args.attrs["shape"] as number[];
  const backend = args.backend;
  const out = backend.makeOutput(shape, "float32");
  const outer = sizeOf(dy.shape),
    size = sizeOf(shape);
  if (size === 0) return out;
  const inner = size / outer;
  instanceFor(backend).k.mean_grad(offsetOf(backend, dy), outer, inner, Math.fround(inner), offsetOf(backend, out));
  return out;
};

/** The kernel name of the fused Adam step (for tfjs-optimizer.ts). */
export const EWB_ADAM = "EwbAdam";
const EWB_RELU_GRAD = "EwbReluGrad";
/** The kernel name of the embedding lookup's gradient (for tfjs-gather-gradient.ts). */
export const EWB_SCATTER_ROWS = "EwbScatterRows";
const EWB_MEAN_GRAD = "EwbMeanGrad";

function replace(tf: Tf, name: string, make: (original: KernelFunc) => KernelFunc): void {
  const config = tf.getKernel(name, "wasm");
  if (!config) return; // an unexpected tfjs-wasm: keep what it has
  if ((config.kernelFunc as unknown as Marked)[MARK]) return;
  const kernelFunc = make(config.kernelFunc as unknown as KernelFunc);
  (kernelFunc as unknown as Marked)[MARK] = true;
  tf.unregisterKernel(name, "wasm");
  tf.registerKernel({ ...config, kernelFunc: kernelFunc as unknown as typeof config.kernelFunc });
}

/**
 * Registers the kernels on the "wasm" backend and the fused ReLU gradient (idempotent; the Layers trainer calls it
 * before every epoch because loading another copy of TF.js registers TF.js's originals again).
 */
export function installWasmDenseKernels(tf: Tf): void {
  if (!tf.getKernel("BatchMatMul", "wasm")) return; // the wasm backend is not loaded
  replace(tf, "BatchMatMul", (o) => matMulKernel(tf, o, false));
  replace(tf, "_FusedMatMul", (o) => matMulKernel(tf, o, true));
  replace(tf, "Identity", identityKernel);
  replace(tf, "Concat", (o) => concatKernel(tf, o));
  replace(tf, "SplitV", (o) => splitKernel(tf, o));
  replace(tf, "Sum", (o) => sumKernel(tf, o));
  if (!tf.getKernel(EWB_ADAM, "wasm")) tf.registerKernel({ kernelName: EWB_ADAM, backendName: "wasm", kernelFunc: adamKernel as never });
  if (!tf.getKernel(EWB_SCATTER_ROWS, "wasm")) tf.registerKernel({ kernelName: EWB_SCATTER_ROWS, backendName: "wasm", kernelFunc: scatterRowsKernel as never });
  if (!tf.getKernel(EWB_MEAN_GRAD, "wasm")) tf.registerKernel({ kernelName: EWB_MEAN_GRAD, backendName: "wasm", kernelFunc: meanGradKernel as never });
  if (!tf.getKernel(EWB_RELU_GRAD, "wasm")) tf.registerKernel({ kernelName: EWB_RELU_GRAD, backendName: "wasm", kernelFunc: reluGradKernel as never });
  installReluGradient(tf);
  installMeanGradient(tf);
  installMultiplyGradient(tf);
}

type GradFunc = (
  dy: tfTypes.Tensor | tfTypes.Tensor[],
  saved: tfTypes.Tensor[],
  attrs: tfTypes.NamedAttrMap,
) => tfTypes.NamedTensorMap | Record<string, () => tfTypes.Tensor>;

/**
 * Replaces `kernelName`'s registered gradient, once per process (marked): `make` gets TF.js's own, for the cases the
 * new one leaves to it.
 */
function overrideGradient(tf: Tf, kernelName: string, inputsToSave: string[], make: (original: GradFunc) => GradFunc): void {
  const current = tf.getGradient(kernelName) as (ReturnType<Tf["getGradient"]> & Marked) | undefined;
  if (!current || current[MARK]) return;
  const original = current.gradFunc as unknown as GradFunc;
  tf.registerGradient({ kernelName, inputsToSave, gradFunc: make(original) as never });
  (tf.getGradient(kernelName) as unknown as Marked)[MARK] = true;
}

/** ReLU's gradient dy · step(x) as one kernel on wasm (TF.js's own elsewhere: Step, Cast, Multiply). */
function installReluGradient(tf: Tf): void {
  overrideGradient(tf, "Relu", ["x"], (original) => (dy, saved, attrs) => {
    const [x] = saved as [tfTypes.Tensor];
    const g = dy as tfTypes.Tensor;
    if (tf.getBackend() !== "wasm" || x.dtype !== "float32" || g.dtype !== "float32") return original(dy, saved, attrs);
    return { x: () => tf.engine().runKernel(EWB_RELU_GRAD, { dy: g, x }) as tfTypes.Tensor };
  });
}

/**
 * Mean's gradient (the MSE loss takes three means per step) as one kernel on wasm when the mean is over trailing axes:
 * TF.js's is Reshape, a ones tensor, Multiply and RealDiv, (dy · 1) / n, the same values. Other cases: TF.js's own.
 */
function installMeanGradient(tf: Tf): void {
  overrideGradient(tf, "Mean", ["x"], (original) => (dy, saved, attrs) => {
    const [x] = saved as [tfTypes.Tensor];
    const g = dy as tfTypes.Tensor;
    const axes = tf.util.parseAxisParam(attrs["axis"] as number | number[], x.shape).sort((p, q) => p - q);
    const trailing = axes.every((a, i) => a === x.rank - axes.length + i);
    if (tf.getBackend() !== "wasm" || g.dtype !== "float32" || !trailing || g.size * sizeOf(axes.map((a) => x.shape[a]!)) !== x.size)
      return original(dy, saved, attrs);
    return { x: () => tf.engine().runKernel(EWB_MEAN_GRAD, { dy: g }, { shape: x.shape }) as tfTypes.Tensor };
  });
}

/**
 * Multiply's gradient without casting float32 operands to float32 (TF.js casts both, one Cast kernel each, a copy on
 * wasm): dy·b and dy·a, summed over broadcast axes, as TF.js computes them. Other dtypes and backends: TF.js's own.
 */
function installMultiplyGradient(tf: Tf): void {
  overrideGradient(tf, "Multiply", ["a", "b"], (original) => (dy, saved, attrs) => {
    const [a, b] = saved as [tfTypes.Tensor, tfTypes.Tensor];
    const g = dy as tfTypes.Tensor;
    if (tf.getBackend() !== "wasm" || a.dtype !== "float32" || b.dtype !== "float32") return original(dy, saved, attrs);
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const der = (other: tfTypes.Tensor, shape: number[]) => (): tfTypes.Tensor => {
      const res = tf.mul(g, other);
      const reduceAxes = tf.backend_util.getReductionAxes(shape, outShape);
      return reduceAxes.length > 0 ? tf.reshape(tf.sum(res, reduceAxes), shape) : res;
    };
    return { a: der(b, a.shape), b: der(a, b.shape) };
  });
}
