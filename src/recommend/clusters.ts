/** Item clusters with ball bounds, so the batched recommender can skip whole clusters that cannot reach a top-N. */
import type { MfWeights } from "../model/types";
import { checkWeights } from "../model/check";
import { createRng } from "../random";
import { checkInteger } from "../validate";

/**
 * Items grouped by k-means on their factors. For cluster c with centroid m and radius r (the largest distance of a
 * member to m), any member's score is at most dot(p, m) + |p| r + max item bias + user and global bias
 * (Cauchy-Schwarz), which bounds a whole cluster with one dot product.
 */
export interface ItemClusterIndex {
  readonly numClusters: number;
  readonly dim: number;
  /** Centroids, row-major numClusters x dim. */
  readonly centroids: Float64Array;
  readonly radius: Float64Array;
  readonly maxItemBias: Float64Array;
  /** Euclidean norm of each centroid (for the rounding margin). */
  readonly centroidNorm: Float64Array;
  /** Members of cluster c are `members[offsets[c] .. offsets[c + 1])`, ascending item index. */
  readonly members: Int32Array;
  readonly offsets: Int32Array;
  /** The weights it was built from: an index is only valid for these item factors. */
  readonly itemFactors: Float32Array;
}

/**
 * Builds the cluster index of the item side of `weights`: seeded k-means++ then Lloyd iterations.
 * Deterministic for a given seed. Default cluster count: about sqrt(numItems).
 */
export function buildItemClusterIndex(weights: MfWeights, options: { clusters?: number; iterations?: number; seed?: number } = {}): ItemClusterIndex {
  const w = checkWeights(weights);
  const n = w.numItems, d = w.dim;
  const C = Math.max(1, Math.min(n, checkInteger("options.clusters", options.clusters ?? Math.max(1, Math.round(Math.sqrt(n))), 1)));
  const iterations = checkInteger("options.iterations", options.iterations ?? 15, 0);
  const rng = createRng(checkInteger("options.seed", options.seed ?? 7, 0, 2 ** 32 - 1));
  const x = w.itemFactors;
  const cent = new Float64Array(C * d);
  const assign = new Int32Array(n);
  if (n > 0) {
    // k-means++ seeding.
    const dist = new Float64Array(n).fill(Infinity);
    let pick = rng.int(n);
    for (let c = 0; c < C; c++) {
      for (let k = 0; k < d; k++) cent[c * d + k] = x[pick * d + k] as number;
      let total = 0;
      for (let i = 0; i < n; i++) {
        const dd = sqDist(x, i * d, cent, c * d, d);
        if (dd < (dist[i] as number)) dist[i] = dd;
        total += dist[i] as number;
      }
      if (c + 1 === C) break;
      let t = rng.next() * total;
      pick = n - 1;
      for (let i = 0; i < n; i++) {
        t -= dist[i] as number;
        if (t < 0) { pick = i; break; }
      }
    }
    const counts = new Int32Array(C);
    for (let it = 0; it <= iterations; it++) {
      for (let i = 0; i < n; i++) {
        let best = 0, bestD = Infinity;
        for (let c = 0; c < C; c++) {
          const dd = sqDist(x, i * d, cent, c * d, d);
          if (dd < bestD) { bestD = dd; best = c; }
        }
        assign[i] = best;
      }
      if (it === iterations) break;
      const sums = new Float64Array(C * d);
      counts.fill(0);
      for (let i = 0; i < n; i++) {
        const c = assign[i] as number;
        counts[c]!++;
        for (let k = 0; k < d; k++) sums[c * d + k]! += x[i * d + k] as number;
      }
      for (let c = 0; c < C; c++) {
        const m = counts[c] as number;
        if (m === 0) continue; // an empty cluster keeps its centroid
        for (let k = 0; k < d; k++) cent[c * d + k] = (sums[c * d + k] as number) / m;
      }
    }
  }
  // Members grouped by cluster (ascending item index within a cluster), radius and bias bounds.
  const counts = new Int32Array(C);
  for (let i = 0; i < n; i++) counts[assign[i] as number]!++;
  const offsets = new Int32Array(C + 1);
  for (let c = 0; c < C; c++) offsets[c + 1] = (offsets[c] as number) + (counts[c] as number);
  const fill = offsets.slice(0, C);
  const members = new Int32Array(n);
  const radius = new Float64Array(C);
  const maxItemBias = new Float64Array(C).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    const c = assign[i] as number;
    members[fill[c]!++] = i;
    const r = Math.sqrt(sqDist(x, i * d, cent, c * d, d));
    if (r > (radius[c] as number)) radius[c] = r;
    const b = w.itemBias[i] as number;
    if (b > (maxItemBias[c] as number)) maxItemBias[c] = b;
  }
  const centroidNorm = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += (cent[c * d + k] as number) ** 2;
    centroidNorm[c] = Math.sqrt(s);
  }
  return { numClusters: C, dim: d, centroids: cent, radius, maxItemBias, centroidNorm, members, offsets, itemFactors: w.itemFactors };
}

function sqDist(a: Float32Array, ao: number, b: Float64Array, bo: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) {
    const t = (a[ao + k] as number) - (b[bo + k] as number);
    s += t * t;
  }
  return s;
}
