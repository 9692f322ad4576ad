/**
 * The one top-N scorer, brute force and exact: the item rows sit in WebAssembly memory; users are scored a block at a
 * time by a dense (block x dim) by (dim x items) matrix product in the kernel (src/recommend/wasm/score-kernel.wat,
 * f32x4 SIMD, tiles of 2 users x 4 items); the kernel keeps each user's best n with a fixed-size heap and sorts them
 * (the TopKHeap rule: higher score first, ties to the lower index). Every item is scored; nothing is pruned.
 * Memory: the item rows once per model plus one block of scores (SCORE_BLOCK_BYTES), whatever the number of users.
 */
import type { MfWeights } from "../model/types";
import { checkWeights } from "../model/check";
import type { RatedItems } from "../model/rated-items";
import { instantiateKernel, type KernelInstance } from "../wasm/load";
import { SCORE_KERNEL_WASM_BASE64 } from "./wasm/score-kernel-bytes";

interface KernelExports {
  scoreBlock(users: number, ubias: number, nu: number, items: number, ibias: number, ni: number, stride: number, g: number, out: number): void;
  selectRow(row: number, ni: number, k: number, mask: number, hi: number, hv: number): number;
}

/** The score matrix of one block of users is at most this many bytes (so about 8 MB of kernel memory beyond the items). */
export const SCORE_BLOCK_BYTES = 8 << 20;
/** At most this many users per block (more gains nothing once the tile loop is warm). */
const MAX_BLOCK_USERS = 256;

/** Item indices and scores, best first. */
export interface IndexedTopN {
  readonly items: Int32Array;
  readonly scores: Float64Array;
}

const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/**
 * Scores user vectors against every item of one set of weights. Build it with {@link ItemScorer.for} (cached per
 * weights, which are treated as immutable) and reuse it: building copies the item side into kernel memory.
 * Scores are f32: dot + ((userBias + itemBias) + globalBias), the same bits for a user whether it is scored alone or in
 * a block. NaN counts as -Infinity; ties go to the lower item index.
 */
export class ItemScorer {
  readonly numItems: number;
  readonly dim: number;
  /** Users scored per kernel call. */
  readonly blockUsers: number;
  /** Bytes of kernel memory this scorer holds (item rows and biases, one block of user rows and scores). */
  readonly memoryBytes: number;
  private readonly w: MfWeights;
  private readonly kernel: KernelInstance<KernelExports>;
  private readonly stride: number; // bytes per row
  private readonly at: {
    readonly items: number;
    readonly ibias: number;
    readonly users: number;
    readonly ubias: number;
    readonly scores: number;
    readonly mask: number;
    readonly hi: number;
    readonly hv: number;
  };
  private readonly f32: Float32Array;
  private readonly i32: Int32Array;
  private readonly u8: Uint8Array;

  private static cache = new WeakMap<Float32Array, ItemScorer>();

  /** The cached scorer of `weights` (built on first use). */
  static for(weights: MfWeights): ItemScorer {
    const w = checkWeights(weights);
    const hit = ItemScorer.cache.get(w.itemFactors);
    if (hit && hit.w.itemBias === w.itemBias && hit.w.globalBias === w.globalBias && hit.w.dim === w.dim) return hit;
    const s = new ItemScorer(w);
    ItemScorer.cache.set(w.itemFactors, s);
    return s;
  }

  constructor(weights: MfWeights) {
    const w = checkWeights(weights);
    this.w = w;
    const d = w.dim,
      n = w.numItems;
    this.numItems = n;
    this.dim = d;
    this.stride = Math.ceil(d / 4) * 16;
    this.blockUsers = Math.max(1, Math.min(MAX_BLOCK_USERS, Math.floor(SCORE_BLOCK_BYTES / (Math.max(1, n) * 4))));
    const B = this.blockUsers,
      S = this.stride;
    const items = 0,
      ibias = align(n * S),
      users = ibias + align(n * 4),
      ubias = users + align(B * S),
      scores = ubias + align(B * 4);
    const mask = scores + align(B * n * 4),
      hi = mask + align(n),
      hv = hi + align(n * 4);
    this.at = { items, ibias, users, ubias, scores, mask, hi, hv };
    this.memoryBytes = hv + align(n * 4);
    this.kernel = instantiateKernel<KernelExports>(SCORE_KERNEL_WASM_BASE64, this.memoryBytes);
    this.f32 = new Float32Array(this.kernel.memory.buffer);
    this.i32 = new Int32Array(this.kernel.memory.buffer);
    this.u8 = new Uint8Array(this.kernel.memory.buffer);
    // Item rows, zero-padded to the stride (fresh memory is zero).
    const f = this.f32,
      x = w.itemFactors,
      rowFloats = S / 4;
    for (let i = 0; i < n; i++) f.set(x.subarray(i * d, (i + 1) * d), items / 4 + i * rowFloats);
    f.set(w.itemBias, ibias / 4);
  }

  /**
   * The best n items for one user vector (length dim; rounded to f32) with bias `userBias`, leaving out the item
   * indices in `exclude` (any order; callers check them), best first.
   */
  topN(vector: ArrayLike<number>, userBias: number, n: number, exclude?: ArrayLike<number>): IndexedTopN {
    const f = this.f32,
      at = this.at,
      d = this.dim;
    for (let k = 0; k < d; k++) f[at.users / 4 + k] = vector[k] as number;
    f[at.ubias / 4] = userBias;
    this.score(1);
    const count = this.numItems > 0 ? this.select(0, Math.max(1, Math.min(n, this.numItems)), exclude, 0, exclude === undefined ? 0 : exclude.length) : 0;
    const items = new Int32Array(count),
      scores = new Float64Array(count);
    this.copyOut(count, items, scores, 0);
    return { items, scores };
  }

  /**
   * Top-n for many users: user `users[r]`'s best items (rows of `userFactors`, biases `userBias`), excluding its row
   * of `exclude`, go to `outItems`/`outScores` at r * n (best first) and the count to `outCounts[r]`; slots beyond
   * the count are left as they are. Users go through the kernel `blockUsers` at a time.
   */
  topNMany(
    userFactors: Float32Array,
    userBias: Float32Array,
    users: Int32Array,
    n: number,
    exclude: RatedItems | undefined,
    outItems: Int32Array,
    outScores: Float64Array,
    outCounts: Int32Array,
  ): void {
    const f = this.f32,
      at = this.at,
      d = this.dim,
      rowFloats = this.stride / 4;
    const k = Math.max(1, Math.min(n, this.numItems));
    for (let start = 0; start < users.length; start += this.blockUsers) {
      const count = Math.min(this.blockUsers, users.length - start);
      for (let r = 0; r < count; r++) {
        const u = users[start + r] as number;
        f.set(userFactors.subarray(u * d, (u + 1) * d), at.users / 4 + r * rowFloats);
        f[at.ubias / 4 + r] = userBias[u] as number;
      }
      this.score(count);
      for (let r = 0; r < count; r++) {
        // The user's rated items as a range of the CSR (a subarray per user costs more than its selection).
        const u = users[start + r] as number;
        const from = exclude === undefined ? 0 : (exclude.offsets[u] as number),
          to = exclude === undefined ? 0 : (exclude.offsets[u + 1] as number);
        const kept = this.numItems > 0 ? this.select(r, k, exclude?.items, from, to) : 0;
        this.copyOut(kept, outItems, outScores, (start + r) * n);
        outCounts[start + r] = kept;
      }
    }
  }

  /** Scores the first `count` user rows of the block against every item. */
  private score(count: number): void {
    const at = this.at;
    this.kernel.exports.scoreBlock(at.users, at.ubias, count, at.items, at.ibias, this.numItems, this.stride, Math.fround(this.w.globalBias), at.scores);
  }

  /**
   * Selects the best k (1 <= k <= numItems) items of row r of the block's scores, skipping `exclude[from..to)`; they
   * are left in the kernel's heap slots, best first (see {@link copyOut}). Returns how many.
   */
  private select(r: number, k: number, exclude: ArrayLike<number> | undefined, from: number, to: number): number {
    const at = this.at,
      n = this.numItems;
    const row = at.scores / 4 + r * n,
      f32 = this.f32;
    // The row is scratch: an excluded item's NaN never passes the kernel's comparisons with its bound.
    for (let j = from; j < to; j++) f32[row + (exclude![j] as number)] = NaN;
    const count = this.kernel.exports.selectRow(at.scores + r * n * 4, n, k, 0, at.hi, at.hv);
    if (count >= 0) return count;
    // No bound (almost everything excluded or NaN): the kernel needs the mask to tell excluded from NaN scores.
    const u8 = this.u8;
    for (let j = from; j < to; j++) u8[at.mask + (exclude![j] as number)] = 1;
    const all = this.kernel.exports.selectRow(at.scores + r * n * 4, n, k, at.mask, at.hi, at.hv);
    for (let j = from; j < to; j++) u8[at.mask + (exclude![j] as number)] = 0;
    return all;
  }

  /** Copies the `count` items and scores {@link select} left (best first) to `items`/`scores` from `offset`. */
  private copyOut(count: number, items: Int32Array, scores: Float64Array, offset: number): void {
    const i32 = this.i32,
      f32 = this.f32,
      hi = this.at.hi / 4,
      hv = this.at.hv / 4;
    for (let j = 0; j < count; j++) {
      items[offset + j] = i32[hi + j] as number;
      scores[offset + j] = f32[hv + j] as number;
    }
  }
}
