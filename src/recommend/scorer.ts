/**
 * The fast top-N engine: item rows in WebAssembly memory scored 4 lanes at a time (f32), visited cluster by cluster
 * so that clusters whose score bound cannot reach the current n-th best are skipped. Exact: pruning never changes
 * the result, only the work.
 */
import type { MfWeights } from "../model/types";
import { checkWeights } from "../analysis/embeddings";
import { buildItemClusterIndex } from "./clusters";
import { TopKHeap } from "./topk";
import { SCORE_KERNEL_WASM_BASE64 } from "./wasm/score-kernel-bytes";

/** "wasm-simd" when the runtime has WebAssembly SIMD; "js" = the same f32 arithmetic in TypeScript, bit for bit. */
export type ScoreKernel = "wasm-simd" | "js";

interface KernelExports {
  init(stride: number, q: number, b: number): void;
  scoreRange(p: number, start: number, end: number, ub: number, g: number, out: number): void;
  candidates(p: number, start: number, end: number, ub: number, g: number, thr: number, oi: number, ov: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (d: { initial: number; maximum?: number }) => { buffer: ArrayBuffer };
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

/** Positions scored per kernel call in the unpruned pass, so the threshold tightens as it goes. */
const BRUTE_CHUNK = 64;

export interface ScorerOptions {
  /** Visit item clusters by bound (default: when there are at least 64 items). */
  readonly prune?: boolean;
  /** Number of item clusters when pruning (default: about sqrt(numItems)). */
  readonly clusters?: number;
  /** Force the TypeScript kernel (tests compare the two). */
  readonly kernel?: ScoreKernel;
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
  private readonly f32: Float32Array;
  private readonly i32: Int32Array;
  private readonly stride: number; // floats per row
  private readonly scratch: number; // float offset of the user row
  private readonly outIdx: number; // int offset of candidate positions
  private readonly outVal: number; // float offset of candidate scores
  private readonly centroidsAt: number; // row number of the first centroid
  /** Item index at each position (positions are grouped by cluster). */
  private readonly order: Int32Array;
  private readonly offsets: Int32Array;
  private readonly radius: Float64Array;
  private readonly centroidNorm: Float64Array;
  private readonly maxBias: Float64Array;
  private readonly bound: Float64Array;
  private readonly visit: Int32Array;
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
    const index = prune && n > 0 ? buildItemClusterIndex(w, { clusters: options.clusters ?? Math.max(1, Math.round(Math.sqrt(n))) }) : null;
    const C = index ? index.numClusters : 0;
    this.numClusters = C;
    this.order = index ? index.members : Int32Array.from({ length: n }, (_, i) => i);
    this.offsets = index ? index.offsets : Int32Array.of(0, n);
    const stride = Math.max(1, Math.ceil(d / 16)) * 16;
    this.stride = stride;
    const rows = n + C;
    // Floats: rows * stride (item and centroid rows), rows biases (padded), 1 user row, n positions, n scores.
    const biasAt = rows * stride;
    const scratch = biasAt + Math.ceil(rows / 16) * 16;
    const outIdx = scratch + stride;
    const outVal = outIdx + Math.ceil(Math.max(n, C, 1) / 16) * 16;
    const total = outVal + Math.ceil(Math.max(n, C, 1) / 16) * 16;
    const mod = options.kernel === "js" ? null : kernelModule();
    let buffer: ArrayBuffer;
    if (mod && WA) {
      const pages = Math.ceil((total * 4) / 65536) + 1;
      const memory = new WA.Memory({ initial: pages, maximum: pages });
      const ex = new WA.Instance(mod, { env: { memory } }).exports as KernelExports;
      ex.init(stride * 4, 0, biasAt * 4);
      this.exports = ex;
      buffer = memory.buffer;
      this.kernel = "wasm-simd";
    } else {
      buffer = new ArrayBuffer(total * 4);
      this.exports = null;
      this.kernel = "js";
    }
    this.f32 = new Float32Array(buffer, 0, total);
    this.i32 = new Int32Array(buffer, 0, total);
    this.scratch = scratch;
    this.outIdx = outIdx;
    this.outVal = outVal;
    this.centroidsAt = n;
    const f = this.f32, x = w.itemFactors;
    for (let p = 0; p < n; p++) {
      const i = this.order[p] as number;
      for (let k = 0; k < d; k++) f[p * stride + k] = x[i * d + k] as number;
      f[biasAt + p] = w.itemBias[i] as number;
    }
    this.radius = new Float64Array(C);
    this.centroidNorm = new Float64Array(C);
    this.maxBias = new Float64Array(C);
    if (index) {
      for (let c = 0; c < C; c++) {
        const row = (n + c) * stride;
        let norm = 0;
        for (let k = 0; k < d; k++) {
          const v = Math.fround(index.centroids[c * d + k] as number);
          f[row + k] = v;
          norm += v * v;
        }
        this.centroidNorm[c] = Math.sqrt(norm);
        // The radius around the f32 centroid the kernel actually uses.
        let r = 0;
        for (let p = this.offsets[c] as number; p < (this.offsets[c + 1] as number); p++) {
          let s = 0;
          for (let k = 0; k < d; k++) s += ((f[p * stride + k] as number) - (f[row + k] as number)) ** 2;
          if (s > r) r = s;
        }
        this.radius[c] = Math.sqrt(r);
        this.maxBias[c] = index.maxItemBias[c] as number;
        f[biasAt + n + c] = this.maxBias[c] as number; // item biases are f32 already: exact
      }
    }
    this.bound = new Float64Array(C);
    this.visit = new Int32Array(C);
    this.biasAt = biasAt;
  }

  private readonly biasAt: number;

  /**
   * Pushes the best items for the user vector `vector` (length dim) with bias `userBias` into `heap` (which the
   * caller resets and drains), skipping items with `mask[i] !== 0`. Scores are f32:
   * dot + ((userBias + itemBias) + globalBias), the same bits whichever kernel and whether or not clusters are pruned.
   */
  pushTopN(vector: ArrayLike<number>, userBias: number, heap: TopKHeap, mask?: Uint8Array): void {
    const d = this.w.dim, f = this.f32, sc = this.scratch;
    let pn = 0;
    for (let k = 0; k < d; k++) {
      const v = Math.fround(vector[k] as number);
      f[sc + k] = v;
      pn += v * v;
    }
    pn = Math.sqrt(pn);
    const ub = Math.fround(userBias), g = Math.fround(this.w.globalBias);
    const C = this.numClusters;
    if (C === 0) {
      for (let start = 0; start < this.numItems; start += BRUTE_CHUNK) {
        this.pushRange(start, Math.min(this.numItems, start + BRUTE_CHUNK), ub, g, heap, mask);
      }
      return;
    }
    // Cluster bounds: dot(p, centroid) + ((ub + max bias) + g) from the kernel, + |p| * radius + a rounding margin.
    this.scoreRows(this.centroidsAt, this.centroidsAt + C, ub, g, this.outVal);
    const bound = this.bound, visit = this.visit;
    for (let c = 0; c < C; c++) {
      const margin = 2e-5 * (pn * ((this.centroidNorm[c] as number) + (this.radius[c] as number)) + Math.abs(ub) + Math.abs(this.maxBias[c] as number) + Math.abs(g) + 1);
      const b = (f[this.outVal + c] as number) + pn * (this.radius[c] as number) + margin;
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
      this.pushRange(this.offsets[c] as number, this.offsets[c + 1] as number, ub, g, heap, mask);
    }
  }

  private pushRange(start: number, end: number, ub: number, g: number, heap: TopKHeap, mask: Uint8Array | undefined): void {
    const thr = heap.full ? heap.worstScore : -Infinity;
    const count = this.candidates(start, end, ub, g, thr);
    const oi = this.outIdx, ov = this.outVal, i32 = this.i32, f = this.f32, order = this.order;
    for (let j = 0; j < count; j++) {
      const item = order[i32[oi + j] as number] as number;
      if (mask !== undefined && mask[item] !== 0) continue;
      heap.push(item, f[ov + j] as number);
    }
  }

  private candidates(start: number, end: number, ub: number, g: number, thr: number): number {
    if (this.exports) return this.exports.candidates(this.scratch * 4, start, end, ub, g, thr, this.outIdx * 4, this.outVal * 4);
    let n = 0;
    for (let r = start; r < end; r++) {
      const s = this.scoreJs(r, ub, g);
      if (s >= thr) {
        this.i32[this.outIdx + n] = r;
        this.f32[this.outVal + n] = s;
        n++;
      }
    }
    return n;
  }

  private scoreRows(start: number, end: number, ub: number, g: number, outAt: number): void {
    if (this.exports) {
      this.exports.scoreRange(this.scratch * 4, start, end, ub, g, outAt * 4);
      return;
    }
    for (let r = start; r < end; r++) this.f32[outAt + r - start] = this.scoreJs(r, ub, g);
  }

  /** The kernel's arithmetic in TypeScript: 16 f32 lane accumulators, rounded after every operation. */
  private scoreJs(row: number, ub: number, g: number): number {
    const f = this.f32, S = this.stride, p = this.scratch, q = row * S;
    const fr = Math.fround;
    const acc = new Float64Array(16); // values are always f32-rounded
    for (let j = 0; j < S; j += 16) {
      for (let l = 0; l < 16; l++) acc[l] = fr((acc[l] as number) + fr((f[p + j + l] as number) * (f[q + j + l] as number)));
    }
    const lane = (l: number): number => fr(fr((acc[l] as number) + (acc[4 + l] as number)) + fr((acc[8 + l] as number) + (acc[12 + l] as number)));
    const l0 = lane(0), l1 = lane(1), l2 = lane(2), l3 = lane(3);
    return fr(fr(fr(l0 + l1) + fr(l2 + l3)) + fr(fr(ub + (f[this.biasAt + row] as number)) + g));
  }
}
