/**
 * The fast top-N engine: item rows in WebAssembly memory scored 4 lanes at a time (f32) into a fixed-size heap, all
 * inside the kernel. Three exact shortcuts skip work, never change a result: clusters are visited by a ball bound
 * and stop when the best remaining bound is below the heap's worst; inside a cluster, an item whose cone bound
 * (|p| |q| cos of the smallest possible angle, from the angles to the centroid) cannot win is skipped before its dot
 * product; and members come by decreasing |q|, so the rest of a cluster is left once even a perfectly aligned member
 * could not win.
 */
import type { MfWeights } from "../model/types";
import { checkWeights } from "../model/check";
import { buildItemClusterIndex } from "./clusters";
import { TopKHeap } from "./topk";
import { SCORE_KERNEL_WASM_BASE64 } from "./wasm/score-kernel-bytes";

/** "wasm-simd" when the runtime has WebAssembly SIMD; "js" = the same f32 arithmetic in TypeScript, bit for bit. */
export type ScoreKernel = "wasm-simd" | "js";

interface KernelExports {
  init(stride: number, q: number, b: number): void;
  initTopN(order: number, mask: number, off: number, rad: number, cn: number, mb: number, bnd: number, vis: number, hi: number, hv: number,
    ni: number, nc: number, qn: number, ct: number, st: number, dc: number, bm: number, bx: number): void;
  topN(p: number, ub: number, g: number, pn: number, n: number): number;
  topNMany(rows: number, ubs: number, pns: number, count: number, n: number, exOff: number, exIdx: number, outI: number, outV: number, outC: number, g: number): void;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (d: { initial: number; maximum?: number }) => { buffer: ArrayBuffer; grow(pages: number): number };
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
let compiled: object | null | undefined;

function kernelModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = WA ? new WA.Module(Buffer.from(SCORE_KERNEL_WASM_BASE64, "base64")) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Positions scored per step of the unpruned TypeScript pass, so the threshold tightens as it goes. */
const BRUTE_CHUNK = 64;
/** Users per kernel call in {@link ItemScorer.topNMany}: bounds the staging memory (rows, exclusions, results). */
const USER_CHUNK = 256;
const PAGE = 65536;

export interface ScorerOptions {
  /** Visit item clusters by bound (default: when there are at least 64 items). */
  readonly prune?: boolean;
  /** Number of item clusters when pruning (default: about sqrt(numItems) / 2: measured best between 6 and 48 on the default data (500 items) and MovieLens (1682)). */
  readonly clusters?: number;
  /** Force the TypeScript kernel (tests compare the two). */
  readonly kernel?: ScoreKernel;
}

/** Byte offsets of the parts of the kernel memory. */
interface Layout {
  readonly q: number; readonly bias: number; readonly user: number; readonly order: number; readonly mask: number;
  readonly off: number; readonly rad: number; readonly cn: number; readonly mb: number; readonly bnd: number;
  readonly vis: number; readonly hi: number; readonly hv: number; readonly qn: number; readonly ct: number; readonly st: number; readonly dc: number; readonly bm: number; readonly bx: number;
  readonly size: number;
}

function layout(numItems: number, numClusters: number, strideFloats: number): Layout {
  let at = 0;
  const take = (bytes: number): number => {
    const start = at;
    at += Math.ceil(bytes / 64) * 64; // every part 64-byte aligned
    return start;
  };
  const rows = numItems + numClusters, n = Math.max(numItems, 1), C = Math.max(numClusters, 1);
  return {
    q: take(rows * strideFloats * 4), bias: take(rows * 4), user: take(strideFloats * 4), order: take(n * 4), mask: take(n),
    off: take((C + 1) * 4), rad: take(C * 8), cn: take(C * 8), mb: take(C * 8), bnd: take(C * 8), vis: take(C * 4),
    hi: take(n * 4), hv: take(n * 4), qn: take(n * 8), ct: take(n * 8), st: take(n * 8), dc: take(C * 8), bm: take(n * 8), bx: take(n * 8), size: at,
  };
}

/**
 * Scores one user vector against every item and keeps the best n. Build one per set of weights with
 * {@link ItemScorer.for} (cached; the weights are treated as immutable) and reuse it: building copies the item
 * side into kernel memory and clusters it.
 */
export class ItemScorer {
  readonly kernel: ScoreKernel;
  readonly numItems: number;
  readonly numClusters: number;
  private readonly w: MfWeights;
  private readonly L: Layout;
  private f32: Float32Array;
  private f64: Float64Array;
  private i32: Int32Array;
  private u8: Uint8Array;
  private readonly memory: { buffer: ArrayBuffer; grow(pages: number): number } | null;
  private readonly stride: number; // floats per row
  private readonly exports: KernelExports | null;

  private static cache = [new WeakMap<Float32Array, ItemScorer>(), new WeakMap<Float32Array, ItemScorer>()] as const;

  /** The cached scorer of `weights` (built on first use); `prune` as in {@link ScorerOptions}. */
  static for(weights: MfWeights, prune?: boolean): ItemScorer {
    const w = checkWeights(weights);
    const p = prune ?? w.numItems >= 64;
    const cache = ItemScorer.cache[p ? 1 : 0];
    const hit = cache.get(w.itemFactors);
    if (hit && hit.w.itemBias === w.itemBias && hit.w.globalBias === w.globalBias && hit.w.dim === w.dim) return hit;
    const s = new ItemScorer(w, { prune: p });
    cache.set(w.itemFactors, s);
    return s;
  }

  constructor(weights: MfWeights, options: ScorerOptions = {}) {
    const w = checkWeights(weights);
    this.w = w;
    this.numItems = w.numItems;
    const d = w.dim, n = w.numItems;
    const prune = options.prune ?? n >= 64;
    const index = prune && n > 0 ? buildItemClusterIndex(w, { clusters: options.clusters ?? Math.max(1, Math.round(Math.sqrt(n) / 2)) }) : null;
    const C = index ? index.numClusters : 0;
    this.numClusters = C;
    const stride = Math.max(1, Math.ceil(d / 16)) * 16;
    this.stride = stride;
    const L = layout(n, C, stride);
    this.L = L;
    const mod = options.kernel === "js" ? null : kernelModule();
    let buffer: ArrayBuffer;
    let ex: KernelExports | null = null;
    if (mod && WA) {
      const pages = Math.ceil(L.size / PAGE) + 1;
      // Grows only for the staging area of topNMany (users' rows and results), after the fixed layout.
      const memory = new WA.Memory({ initial: pages, maximum: 65536 });
      ex = new WA.Instance(mod, { env: { memory } }).exports as KernelExports;
      buffer = memory.buffer;
      this.memory = memory;
      this.kernel = "wasm-simd";
    } else {
      buffer = new ArrayBuffer(L.size);
      this.memory = null;
      this.kernel = "js";
    }
    this.exports = ex;
    // Views of the whole memory: the staging area of topNMany lies after the fixed layout.
    this.f32 = new Float32Array(buffer);
    this.f64 = new Float64Array(buffer, 0, Math.floor(buffer.byteLength / 8));
    this.i32 = new Int32Array(buffer);
    this.u8 = new Uint8Array(buffer);
    const f = this.f32, x = w.itemFactors, q = L.q / 4, bias = L.bias / 4;
    const order = index ? Int32Array.from(index.members) : Int32Array.from({ length: n }, (_, i) => i);
    const offsets = index ? index.offsets : Int32Array.of(0, n);
    const itemNorm = (i: number): number => {
      let t = 0;
      for (let k = 0; k < d; k++) t += (x[i * d + k] as number) ** 2;
      return Math.sqrt(t);
    };
    if (index) {
      // Within a cluster, larger vectors first: the heap's threshold rises sooner, so cone bounds skip more.
      for (let c = 0; c < C; c++) {
        const seg = Array.from(order.subarray(offsets[c] as number, offsets[c + 1] as number));
        const norms = new Map(seg.map((i) => [i, itemNorm(i)] as const));
        seg.sort((a, b) => (norms.get(b) as number) - (norms.get(a) as number) || a - b);
        order.set(seg, offsets[c] as number);
      }
    }
    this.i32.set(order, L.order / 4);
    this.i32.set(offsets, L.off / 4);
    for (let p = 0; p < n; p++) {
      const i = order[p] as number;
      for (let k = 0; k < d; k++) f[q + p * stride + k] = x[i * d + k] as number;
      f[bias + p] = w.itemBias[i] as number;
      const b = w.itemBias[i] as number;
      this.f64[L.bm / 8 + p] = b + 2e-5 * (Math.abs(b) + 1); // the item's part of the cone bound, margin included
    }
    // Suffix maxima of the bias terms within each cluster (members are by decreasing norm): the early exit's bound.
    for (let c = 0; c + 1 < offsets.length; c++) {
      let mx = -Infinity;
      for (let p = (offsets[c + 1] as number) - 1; p >= (offsets[c] as number); p--) {
        mx = Math.max(mx, this.f64[L.bm / 8 + p] as number);
        this.f64[L.bx / 8 + p] = mx;
      }
    }
    if (index) {
      for (let c = 0; c < C; c++) {
        const row = q + (n + c) * stride;
        let norm = 0;
        for (let k = 0; k < d; k++) {
          const v = Math.fround(index.centroids[c * d + k] as number);
          f[row + k] = v;
          norm += v * v;
        }
        // The radius around the f32 centroid the kernel actually uses.
        let r = 0;
        for (let p = offsets[c] as number; p < (offsets[c + 1] as number); p++) {
          let s = 0;
          for (let k = 0; k < d; k++) s += ((f[q + p * stride + k] as number) - (f[row + k] as number)) ** 2;
          if (s > r) r = s;
        }
        this.f64[L.rad / 8 + c] = Math.sqrt(r);
        this.f64[L.cn / 8 + c] = Math.sqrt(norm);
        // Per member: |q| and the angle to the (f32) centroid, for the cone bound. A zero centroid gives cos -1,
        // which makes the bound |p| |q| (the user's cosine is set to -1 too).
        for (let p = offsets[c] as number; p < (offsets[c + 1] as number); p++) {
          let qq = 0, qm = 0;
          for (let k = 0; k < d; k++) {
            const v = f[q + p * stride + k] as number;
            qq += v * v;
            qm += v * (f[row + k] as number);
          }
          const qn = Math.sqrt(qq), cosT = qn > 0 && norm > 0 ? Math.max(-1, Math.min(1, qm / (qn * Math.sqrt(norm)))) : -1;
          this.f64[L.qn / 8 + p] = qn;
          this.f64[L.ct / 8 + p] = cosT;
          this.f64[L.st / 8 + p] = Math.sqrt(Math.max(0, 1 - cosT * cosT));
        }
        this.f64[L.mb / 8 + c] = index.maxItemBias[c] as number;
        f[bias + n + c] = index.maxItemBias[c] as number; // item biases are f32 already: exact
      }
    }
    if (ex) {
      ex.init(stride * 4, L.q, L.bias);
      ex.initTopN(L.order, L.mask, L.off, L.rad, L.cn, L.mb, L.bnd, L.vis, L.hi, L.hv, n, C, L.qn, L.ct, L.st, L.dc, L.bm, L.bx);
    }
  }

  /**
   * Pushes the best items for the user vector `vector` (length dim) with bias `userBias` into `heap` (which the
   * caller resets first and drains after), leaving out the item indices in `exclude` (callers check them).
   * Scores are f32: dot + ((userBias + itemBias) + globalBias), the same bits whichever kernel and whether or not
   * clusters are pruned; NaN counts as -Infinity.
   */
  pushTopN(vector: ArrayLike<number>, userBias: number, heap: TopKHeap, exclude?: ArrayLike<number>): void {
    const d = this.w.dim, f = this.f32, L = this.L, u8 = this.u8, sc = L.user / 4;
    let pn = 0;
    for (let k = 0; k < d; k++) {
      const v = Math.fround(vector[k] as number);
      f[sc + k] = v;
      pn += v * v;
    }
    pn = Math.sqrt(pn);
    const ub = Math.fround(userBias), g = Math.fround(this.w.globalBias);
    const nx = exclude === undefined ? 0 : exclude.length;
    for (let j = 0; j < nx; j++) u8[L.mask + (exclude![j] as number)] = 1;
    const k = Math.min(heap.k, this.numItems);
    if (this.exports && k > 0) {
      const count = this.exports.topN(L.user, ub, g, pn, k);
      const hi = L.hi / 4, hv = L.hv / 4, i32 = this.i32;
      for (let j = 0; j < count; j++) heap.push(i32[hi + j] as number, f[hv + j] as number);
    } else if (k > 0) {
      this.pushTopNJs(pn, ub, g, heap);
    }
    for (let j = 0; j < nx; j++) u8[L.mask + (exclude![j] as number)] = 0;
  }

  /**
   * Top-n for many users in one pass: user `users[r]`'s best items (rows of `userFactors`, biases `userBias`),
   * excluding `exclude[users[r]]`, go to `outItems`/`outScores` at r * n (best first) and the count to `outCounts[r]`;
   * slots beyond the count are left as they are. Same results as {@link pushTopN} per user, to the bit; in the
   * WebAssembly kernel, 256 users per call.
   */
  topNMany(userFactors: Float32Array, userBias: Float32Array, users: Int32Array, n: number, exclude: ((u: number) => ArrayLike<number>) | undefined,
    outItems: Int32Array, outScores: Float64Array, outCounts: Int32Array): void {
    const d = this.w.dim, k = Math.min(n, this.numItems);
    if (!this.exports || !this.memory || k === 0) {
      const heap = new TopKHeap(Math.max(1, k));
      for (let r = 0; r < users.length; r++) {
        const u = users[r] as number;
        heap.reset();
        if (k > 0) this.pushTopN(userFactors.subarray(u * d, (u + 1) * d), userBias[u] as number, heap, exclude?.(u));
        outCounts[r] = heap.drainInto(outItems, outScores, r * n);
      }
      return;
    }
    const S = this.stride * 4, g = Math.fround(this.w.globalBias);
    for (let start = 0; start < users.length; start += USER_CHUNK) {
      const count = Math.min(USER_CHUNK, users.length - start);
      let nex = 0;
      for (let r = 0; r < count; r++) nex += exclude?.(users[start + r] as number).length ?? 0;
      // Staging after the fixed layout, 64-byte aligned parts.
      const al = (x: number): number => Math.ceil(x / 64) * 64;
      const rows = al(this.L.size), ubs = rows + al(count * S), pns = ubs + al(count * 4), exOff = pns + al(count * 8);
      const exIdx = exOff + al((count + 1) * 4), outI = exIdx + al(Math.max(1, nex) * 4), outV = outI + al(count * k * 4);
      const outC = outV + al(count * k * 4), end = outC + al(count * 4);
      if (end > this.memory.buffer.byteLength) {
        this.memory.grow(Math.ceil((end - this.memory.buffer.byteLength) / PAGE));
        this.refreshViews();
      }
      const f32 = this.f32, f64 = this.f64, i32 = this.i32;
      let e = 0;
      for (let r = 0; r < count; r++) {
        const u = users[start + r] as number;
        const at = (rows + r * S) / 4;
        let pn = 0;
        for (let q = 0; q < d; q++) {
          const v = userFactors[u * d + q] as number;
          f32[at + q] = v;
          pn += v * v;
        }
        f32[ubs / 4 + r] = userBias[u] as number;
        f64[pns / 8 + r] = Math.sqrt(pn);
        i32[exOff / 4 + r] = e;
        const ex = exclude?.(u);
        if (ex) for (let j = 0; j < ex.length; j++) i32[exIdx / 4 + e++] = ex[j] as number;
      }
      i32[exOff / 4 + count] = e;
      this.exports.topNMany(rows, ubs, pns, count, k, exOff, exIdx, outI, outV, outC, g);
      for (let r = 0; r < count; r++) {
        const c = i32[outC / 4 + r] as number, o = (start + r) * n;
        outCounts[start + r] = c;
        for (let j = 0; j < c; j++) {
          outItems[o + j] = i32[outI / 4 + r * k + j] as number;
          outScores[o + j] = f32[outV / 4 + r * k + j] as number;
        }
      }
    }
  }

  /** Growing the memory detaches the old views. */
  private refreshViews(): void {
    const b = (this.memory as { buffer: ArrayBuffer }).buffer;
    this.f32 = new Float32Array(b);
    this.f64 = new Float64Array(b, 0, Math.floor(b.byteLength / 8));
    this.i32 = new Int32Array(b);
    this.u8 = new Uint8Array(b);
  }

  /** The TypeScript path: same bounds, same visiting order, same scores. */
  private pushTopNJs(pn: number, ub: number, g: number, heap: TopKHeap): void {
    const C = this.numClusters, L = this.L, f64 = this.f64, i32 = this.i32, n = this.numItems;
    const off = L.off / 4;
    if (C === 0) {
      for (let start = 0; start < n; start += BRUTE_CHUNK) this.scanJs(start, Math.min(n, start + BRUTE_CHUNK), ub, g, heap, false, 0, 0, 0);
      return;
    }
    const bound = new Float64Array(C), visit = new Int32Array(C), dots = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      const rad = f64[L.rad / 8 + c] as number, cn = f64[L.cn / 8 + c] as number, mb = f64[L.mb / 8 + c] as number;
      const margin = 2e-5 * (pn * (cn + rad) + Math.abs(ub) + Math.abs(mb) + Math.abs(g) + 1);
      dots[c] = this.dotJs(n + c);
      const b = (dots[c] as number) + ((ub + mb) + g) + pn * rad + margin;
      bound[c] = b;
      let q = c;
      while (q > 0 && (bound[visit[q - 1] as number] as number) < b) {
        visit[q] = visit[q - 1] as number;
        q--;
      }
      visit[q] = c;
    }
    for (let j = 0; j < C; j++) {
      const c = visit[j] as number;
      if (heap.full && (bound[c] as number) < heap.worstScore) break; // no later cluster can beat the n-th best
      const cn = f64[L.cn / 8 + c] as number;
      const cp = pn * cn > 0 ? Math.max(-1, Math.min(1, (dots[c] as number) / (pn * cn))) : -1;
      this.scanJs(i32[off + c] as number, i32[off + c + 1] as number, ub, g, heap, true, pn, cp, Math.sqrt(1 - cp * cp));
    }
  }

  /** Like the kernel's scan: with `prune`, an item whose cone bound cannot beat a full heap is skipped. */
  private scanJs(start: number, end: number, ub: number, g: number, heap: TopKHeap, prune: boolean, pn: number, cp: number, sp: number): void {
    const L = this.L, order = L.order / 4, mask = L.mask, i32 = this.i32, u8 = this.u8, f64 = this.f64;
    for (let pos = start; pos < end; pos++) {
      const item = i32[order + pos] as number;
      if (u8[mask + item] !== 0) continue;
      if (prune && heap.full) {
        const x = pn * (f64[L.qn / 8 + pos] as number), ct = f64[L.ct / 8 + pos] as number;
        const k0 = ub + g + 2e-5 * (Math.abs(ub) + Math.abs(g));
        if (x * 1.00002 + (f64[L.bx / 8 + pos] as number) + k0 < heap.worstScore) return; // the rest of the cluster cannot win
        const c = cp >= ct ? 1 : cp * ct + sp * (f64[L.st / 8 + pos] as number);
        const bound = x * (c + 2e-5) + (f64[L.bm / 8 + pos] as number) + k0;
        if (bound < heap.worstScore) continue;
      }
      heap.push(item, this.scoreJs(pos, ub, g));
    }
  }

  /** The kernel's dot product in TypeScript: 16 f32 lane accumulators, rounded after every operation. */
  private dotJs(row: number): number {
    const f = this.f32, S = this.stride, p = this.L.user / 4, q = this.L.q / 4 + row * S;
    const fr = Math.fround;
    const acc = new Float64Array(16); // values are always f32-rounded
    for (let j = 0; j < S; j += 16) {
      for (let l = 0; l < 16; l++) acc[l] = fr((acc[l] as number) + fr((f[p + j + l] as number) * (f[q + j + l] as number)));
    }
    const lane = (l: number): number => fr(fr((acc[l] as number) + (acc[4 + l] as number)) + fr((acc[8 + l] as number) + (acc[12 + l] as number)));
    const l0 = lane(0), l1 = lane(1), l2 = lane(2), l3 = lane(3);
    return fr(fr(l0 + l1) + fr(l2 + l3));
  }

  /** The kernel's score: dot + ((ub + bias) + g) in f32; NaN as -Infinity. */
  private scoreJs(row: number, ub: number, g: number): number {
    const fr = Math.fround;
    const s = fr(this.dotJs(row) + fr(fr(ub + (this.f32[this.L.bias / 4 + row] as number)) + g));
    return s === s ? s : -Infinity;
  }
}
