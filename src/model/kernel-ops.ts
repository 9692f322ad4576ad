/** The handful of loops training needs, over a `HeapLayout`: implemented in plain TypeScript here and in WebAssembly SIMD in kernel-wasm.ts. */
import type { HeapLayout } from "./layout";
import { shuffleRecords } from "./shuffle";

/** Every hot loop of training; row ranges index the training arrays of the heap. */
export interface KernelOps {
  readonly f32: Float32Array;
  readonly i32: Int32Array;
  /**
   * Adds `scale · e` times d(prediction)/d(parameter) to the gradients for training rows [start, end),
   * where e = prediction − rating, plus `reg` times the row's factors for each occurrence of a user or item
   * (per-rating L2), and returns Σ e². With scale = 2/B and reg = 2λ/B this is the gradient of
   * batch MSE + λ · mean over the batch's rows of (|p_u|² + |q_i|²).
   */
  gradient(start: number, end: number, scale: number, reg: number): number;
  /**
   * `gradient`, and also lists the users and items of rows [start, end) once each (in the heap's touched lists,
   * using `stamp`, a number > 0 that differs from the previous call's) for `adamLazy`; the t-th listed user's
   * gradient goes to the scratch row `grad + t·stride` instead of its own (items: `gradItems + t·stride`).
   */
  gradientTouched(start: number, end: number, scale: number, reg: number, stamp: number): number;
  /** One Adam step of every parameter, L2 coupled like PyTorch's weight_decay (g + l2·w); gradients zeroed after. */
  adam(lr: number, beta1: number, beta2: number, eps: number, c1: number, c2: number, l2: number): void;
  /**
   * Lazy (sparse) Adam: the step of `adam` applied only to the rows (factor row and bias) the last
   * `gradientTouched` listed, and to the global bias when `learnGlobal` is 1; their gradients are zeroed after,
   * so every gradient is zero again. Cost: touched rows, not table size. Rows not touched keep their
   * weights and moments (as PyTorch's SparseAdam / TF's lazy Adam); the bias corrections use the global step.
   */
  adamLazy(lr: number, beta1: number, beta2: number, eps: number, c1: number, c2: number, l2: number, learnGlobal: number): void;
  /**
   * One lazy Adam step over training rows [start, end): `gradientTouched` then `adamLazy`, the same result bit for
   * bit. The wasm kernel steps each row the batch uses once inside its gradient pass, while the row's record is in
   * the cache (no other row of the batch reads it), and the others after. Returns Σ e².
   */
  stepLazy(
    start: number,
    end: number,
    scale: number,
    reg: number,
    stamp: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    c1: number,
    c2: number,
    l2: number,
    learnGlobal: number,
  ): number;
  /** One plain gradient-descent step of every parameter: w −= lr·(g + l2·w); gradients zeroed after. */
  sgdStep(lr: number, l2: number): void;
  /**
   * Per-interaction SGD over training rows [start, end) in order (Funk / Surprise style, global bias fixed):
   * e = rating − prediction; b += lr(e − l2·b); p += lr(e·q − l2·p); q += lr(e·p_old − l2·q). Returns Σ e² before each update.
   */
  sgdPass(start: number, end: number, lr: number, l2: number): number;
  /** [Σ e², Σ |e|] over `n` rows at the given heap offsets. */
  errors(usersAt: number, itemsAt: number, ratingsAt: number, n: number): [number, number];
  /** Shuffles the training rows in place with the permutation `shuffleTogether(seed, users, items, ratings)` makes. */
  shuffle(seed: number): void;
}

/** The plain TypeScript implementation (the "typed-array" backend). */
export function createJsOps(L: HeapLayout, buffer: ArrayBuffer): KernelOps {
  const f = new Float32Array(buffer, 0, L.size);
  const i32 = new Int32Array(buffer, 0, L.size);
  const S = L.stride,
    R = L.rec,
    P = L.p,
    Q = L.q,
    BU = L.bu,
    BI = L.bi,
    G = L.g,
    TR = L.trainRows,
    GR = L.grad,
    GI = L.gradItems;
  const ROWS_END = L.bu;

  function dot(uo: number, io: number): number {
    // Four accumulators let the CPU overlap the multiply-adds; S is a multiple of 4.
    let d0 = 0,
      d1 = 0,
      d2 = 0,
      d3 = 0;
    for (let j = 0; j < S; j += 4) {
      d0 += f[uo + j]! * f[io + j]!;
      d1 += f[uo + j + 1]! * f[io + j + 1]!;
      d2 += f[uo + j + 2]! * f[io + j + 2]!;
      d3 += f[uo + j + 3]! * f[io + j + 3]!;
    }
    return d0 + d1 + d2 + d3;
  }

  /**
   * One Adam step of the parameter whose weight is at k, its gradient at kg, m at km and v at kv (a factor record's
   * parts and its gradient row; a bias quad's four floats); the gradient is zeroed. The dense and the lazy update
   * share it, so they agree bit for bit.
   */
  const adamAt = (k: number, kg: number, km: number, kv: number, lr: number, b1: number, b2: number, eps: number, c1: number, c2: number, l2: number): void => {
    const w = f[k]!;
    const g = f[kg]! + l2 * w;
    const m = b1 * f[km]! + (1 - b1) * g;
    const v = b2 * f[kv]! + (1 - b2) * g * g;
    f[kg] = 0;
    f[km] = m;
    f[kv] = v;
    f[k] = w - (lr * m * c1) / (Math.sqrt(v * c2) + eps);
  };
  const adamRowPerWeight = (o: number, go: number, lr: number, b1: number, b2: number, eps: number, c1: number, c2: number, l2: number): void => {
    for (let j = 0; j < S; j++) adamAt(o + j, go + j, o + S + j, o + 2 * S + j, lr, b1, b2, eps, c1, c2, l2);
  };
  /**
   * One second moment per row (the float at o + 2S): m per weight as adamAt; v from the mean over the row's dim lanes
   * of g² (padding lanes add 0), Σg² in four lane sums added (0 + 1) + (2 + 3) as the wasm kernel adds them; then
   * every weight moves by lr·c1/(√(v·c2) + eps) times its m.
   */
  const adamRowPerRow = (o: number, go: number, lr: number, b1: number, b2: number, eps: number, c1: number, c2: number, l2: number): void => {
    const sq = [0, 0, 0, 0];
    for (let j = 0; j < S; j++) {
      const g = f[go + j]! + l2 * f[o + j]!;
      f[o + S + j] = b1 * f[o + S + j]! + (1 - b1) * g;
      f[go + j] = 0;
      sq[j & 3]! += g * g;
    }
    const v = b2 * f[o + 2 * S]! + (1 - b2) * ((sq[0]! + sq[1]! + (sq[2]! + sq[3]!)) / L.dim);
    f[o + 2 * S] = v;
    const k = (lr * c1) / (Math.sqrt(v * c2) + eps);
    for (let j = 0; j < S; j++) f[o + j] = f[o + j]! - k * f[o + S + j]!;
  };
  const adamRow = L.secondMoment === "per-row" ? adamRowPerRow : adamRowPerWeight;
  const adamQuad = (k: number, lr: number, b1: number, b2: number, eps: number, c1: number, c2: number, l2: number): void =>
    adamAt(k, k + 1, k + 2, k + 3, lr, b1, b2, eps, c1, c2, l2);
  /** Training rows [start, end) into the gradient rows `slotU(u)` and `slotI(i)`: the body of `gradient` and `gradientTouched`. */
  const accumulate = (start: number, end: number, scale: number, reg: number, slotU: (u: number) => number, slotI: (i: number) => number): number => {
    let sse = 0,
      gsum = 0;
    for (let k = start, t = TR + 3 * start; k < end; k++, t += 3) {
      const u = i32[t]!,
        i = i32[t + 1]!;
      const uo = P + u * R,
        io = Q + i * R;
      const e = dot(uo, io) + f[BU + 4 * u]! + f[BI + 4 * i]! + f[G]! - f[t + 2]!;
      sse += e * e;
      const es = e * scale;
      const guo = slotU(u),
        gio = slotI(i);
      for (let j = 0; j < S; j++) {
        const pu = f[uo + j]!,
          qi = f[io + j]!;
        f[guo + j]! += es * qi + reg * pu;
        f[gio + j]! += es * pu + reg * qi;
      }
      f[BU + 4 * u + 1]! += es;
      f[BI + 4 * i + 1]! += es;
      gsum += es;
    }
    f[G + 1]! += gsum;
    return sse;
  };
  const ownU = (u: number): number => GR + u * S,
    ownI = (i: number): number => GI + i * S;
  // The scratch row's element offset kept beside each stamp (the wasm kernel keeps its byte offset).
  const scratchU = (u: number): number => i32[L.markU + 2 * u + 1]!,
    scratchI = (i: number): number => i32[L.markI + 2 * i + 1]!;
  const ops: KernelOps = {
    f32: f,
    i32,
    gradient(start, end, scale, reg) {
      return accumulate(start, end, scale, reg, ownU, ownI);
    },
    gradientTouched(start, end, scale, reg, stamp) {
      let nu = i32[L.counts]!,
        ni = i32[L.counts + 1]!;
      for (let k = start, t = TR + 3 * start; k < end; k++, t += 3) {
        const u = i32[t]!,
          i = i32[t + 1]!;
        if (i32[L.markU + 2 * u] !== stamp) {
          i32[L.markU + 2 * u] = stamp;
          i32[L.markU + 2 * u + 1] = GR + nu * S;
          i32[L.listU + nu++] = u;
        }
        if (i32[L.markI + 2 * i] !== stamp) {
          i32[L.markI + 2 * i] = stamp;
          i32[L.markI + 2 * i + 1] = GI + ni * S;
          i32[L.listI + ni++] = i;
        }
      }
      i32[L.counts] = nu;
      i32[L.counts + 1] = ni;
      return accumulate(start, end, scale, reg, scratchU, scratchI);
    },
    adamLazy(lr, b1, b2, eps, c1, c2, l2, learnGlobal) {
      const nu = i32[L.counts]!,
        ni = i32[L.counts + 1]!;
      for (let t = 0; t < nu; t++) {
        const u = i32[L.listU + t]!;
        adamRow(P + u * R, GR + t * S, lr, b1, b2, eps, c1, c2, l2);
        adamQuad(BU + 4 * u, lr, b1, b2, eps, c1, c2, l2);
      }
      for (let t = 0; t < ni; t++) {
        const i = i32[L.listI + t]!;
        adamRow(Q + i * R, GI + t * S, lr, b1, b2, eps, c1, c2, l2);
        adamQuad(BI + 4 * i, lr, b1, b2, eps, c1, c2, l2);
      }
      if (learnGlobal) adamQuad(G, lr, b1, b2, eps, c1, c2, l2);
      else f[G + 1] = 0;
      i32[L.counts] = 0;
      i32[L.counts + 1] = 0;
    },
    stepLazy(start, end, scale, reg, stamp, lr, b1, b2, eps, c1, c2, l2, learnGlobal) {
      const sse = ops.gradientTouched(start, end, scale, reg, stamp);
      ops.adamLazy(lr, b1, b2, eps, c1, c2, l2, learnGlobal);
      return sse;
    },
    adam(lr, b1, b2, eps, c1, c2, l2) {
      // Row r's record at P + r·R, its gradient row at GR + r·S (items follow users in both).
      for (let o = P, go = GR; o < ROWS_END; o += R, go += S) adamRow(o, go, lr, b1, b2, eps, c1, c2, l2);
      for (let k = BU; k < L.paramsEnd; k += 4) adamQuad(k, lr, b1, b2, eps, c1, c2, l2);
    },
    sgdStep(lr, l2) {
      const step = (k: number, kg: number): void => {
        f[k] = f[k]! - lr * (f[kg]! + l2 * f[k]!);
        f[kg] = 0;
      };
      for (let o = P, go = GR; o < ROWS_END; o += R, go += S) for (let j = 0; j < S; j++) step(o + j, go + j);
      for (let k = BU; k < L.paramsEnd; k += 4) step(k, k + 1);
    },
    sgdPass(start, end, lr, l2) {
      let sse = 0;
      for (let k = start, t = TR + 3 * start; k < end; k++, t += 3) {
        const u = i32[t]!,
          i = i32[t + 1]!;
        const uo = P + u * R,
          io = Q + i * R,
          bu = BU + 4 * u,
          bi = BI + 4 * i;
        const e = f[t + 2]! - (dot(uo, io) + f[bu]! + f[bi]! + f[G]!);
        sse += e * e;
        f[bu] = f[bu]! + lr * (e - l2 * f[bu]!);
        f[bi] = f[bi]! + lr * (e - l2 * f[bi]!);
        for (let j = 0; j < S; j++) {
          const pu = f[uo + j]!,
            qi = f[io + j]!;
          f[uo + j] = pu + lr * (e * qi - l2 * pu);
          f[io + j] = qi + lr * (e * pu - l2 * qi);
        }
      }
      return sse;
    },
    errors(usersAt, itemsAt, ratingsAt, n) {
      let se = 0,
        ae = 0;
      for (let k = 0; k < n; k++) {
        const u = i32[usersAt + k]!,
          i = i32[itemsAt + k]!;
        const e = dot(P + u * R, Q + i * R) + f[BU + 4 * u]! + f[BI + 4 * i]! + f[G]! - f[ratingsAt + k]!;
        se += e * e;
        ae += Math.abs(e);
      }
      return [se, ae];
    },
    shuffle(seed) {
      shuffleRecords(seed, i32, TR, L.numTrain, 3);
    },
  };
  return ops;
}
