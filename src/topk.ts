/** Top-k selection with a fixed-size heap: O(n log k), ties broken by the lower index, no full sort. */
import { InvalidArgumentError } from "./errors";
import { checkInteger } from "./validate";

/**
 * Keeps the k best (index, score) pairs pushed into it. "Better" means a higher score, or an equal score
 * and a lower index, so the result never depends on the order items were pushed in. NaN counts as -Infinity.
 * Reusable: `reset()` empties it without allocating.
 */
export class TopKHeap {
  readonly k: number;
  private readonly idx: Int32Array;
  private readonly val: Float64Array;
  private n = 0;

  constructor(k: number) {
    this.k = checkInteger("k", k, 1);
    this.idx = new Int32Array(k);
    this.val = new Float64Array(k);
  }

  get size(): number {
    return this.n;
  }

  /** True when full: then only pairs better than {@link worstScore} get in. */
  get full(): boolean {
    return this.n === this.k;
  }

  /** The score of the worst kept pair (-Infinity while not full), the bar a new pair must clear. */
  get worstScore(): number {
    return this.n === this.k ? (this.val[0] as number) : -Infinity;
  }

  reset(): void {
    this.n = 0;
  }

  push(index: number, score: number): void {
    const s = Number.isNaN(score) ? -Infinity : score;
    const idx = this.idx,
      val = this.val;
    if (this.n < this.k) {
      // Sift up: the root holds the worst pair.
      let c = this.n++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        const ps = val[p] as number,
          pi = idx[p] as number;
        if (ps < s || (ps === s && pi > index)) break; // parent is worse than the new pair: heap order holds
        val[c] = ps;
        idx[c] = pi;
        c = p;
      }
      val[c] = s;
      idx[c] = index;
      return;
    }
    const rs = val[0] as number;
    if (s < rs || (s === rs && index > (idx[0] as number))) return; // not better than the worst kept
    this.siftDownFromRoot(s, index, this.n);
  }

  /** Puts (s, index) at the root of the first `n` slots and sifts it down to restore heap order (worst at the root). */
  private siftDownFromRoot(s: number, index: number, n: number): void {
    const idx = this.idx,
      val = this.val;
    let c = 0;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= n) break;
      const r = l + 1;
      let w = l;
      if (r < n) {
        const ls = val[l] as number,
          rsc = val[r] as number;
        if (rsc < ls || (rsc === ls && (idx[r] as number) > (idx[l] as number))) w = r;
      }
      const ws = val[w] as number,
        wi = idx[w] as number;
      if (s < ws || (s === ws && index > wi)) break; // the pair is worse than the worse child: it stays here
      val[c] = ws;
      idx[c] = wi;
      c = w;
    }
    val[c] = s;
    idx[c] = index;
  }

  /**
   * Writes the kept pairs best first into `outIndex`/`outScore` at `offset`, returns how many, and empties the heap.
   */
  drainInto(outIndex: Int32Array, outScore: Float32Array | Float64Array, offset = 0): number {
    const count = this.n;
    const idx = this.idx,
      val = this.val;
    // Repeatedly take the worst (the root) and place it at the end.
    for (let pos = count - 1; pos >= 0; pos--) {
      outIndex[offset + pos] = idx[0] as number;
      outScore[offset + pos] = val[0] as number;
      this.n--;
      if (this.n > 0) this.siftDownFromRoot(val[this.n] as number, idx[this.n] as number, this.n);
    }
    return count;
  }
}

/**
 * Indices of the k highest scores, best first; ties go to the lower index. Indices with `skip[i] !== 0` are left out.
 * @example
 * selectTopK([0.5, 2, 2, -1], 2) //=> Int32Array [1, 2]
 */
export function selectTopK(scores: ArrayLike<number>, k: number, skip?: Uint8Array): Int32Array {
  if (scores === null || typeof scores !== "object" || typeof scores.length !== "number") {
    throw new InvalidArgumentError("scores", "an array of numbers", scores);
  }
  checkInteger("k", k, 1);
  if (skip !== undefined && (!(skip instanceof Uint8Array) || skip.length !== scores.length)) {
    throw new InvalidArgumentError("skip", `a Uint8Array of length ${scores.length}`, skip);
  }
  const heap = new TopKHeap(Math.min(k, Math.max(1, scores.length)));
  for (let i = 0; i < scores.length; i++) if (skip === undefined || skip[i] === 0) heap.push(i, scores[i] as number);
  const outI = new Int32Array(heap.size);
  heap.drainInto(outI, new Float64Array(heap.size));
  return outI;
}
