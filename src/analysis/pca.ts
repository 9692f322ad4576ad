/** Principal component projection of embeddings (deterministic power iteration with deflation), for 2-D scatter plots. */
import { InvalidArgumentError } from "../errors";
import { checkInteger } from "../validate";
import { createRng } from "../random";
import { checkMatrix, type EmbeddingMatrix } from "./embeddings";

export interface PcaResult {
  /** Projected coordinates, row-major rows x components. */
  readonly coordinates: Float64Array;
  readonly rows: number;
  readonly components: number;
  /** Unit principal axes, row-major components x dim; each axis' largest-magnitude entry is positive (sign convention). */
  readonly axes: Float64Array;
  /** Variance along each axis. */
  readonly variance: readonly number[];
  /** Share of the total variance along each axis. */
  readonly explainedRatio: readonly number[];
  readonly mean: Float64Array;
}

/**
 * Projects the rows of `matrix` on their first `components` principal axes (centred; no scaling).
 * Power iteration on the dim x dim covariance, started from a seeded random vector, then deflation; the sign
 * convention makes the result independent of the start. Cost O(rows dim^2 + iterations dim^2).
 */
export function pca(matrix: EmbeddingMatrix, options: { components?: number; seed?: number; iterations?: number } = {}): PcaResult {
  const m = checkMatrix(matrix);
  if (typeof options !== "object" || options === null) throw new InvalidArgumentError("options", "an object", options);
  const d = m.dim,
    n = m.rows;
  const K = checkInteger("options.components", options.components ?? 2, 1, d);
  const iterations = checkInteger("options.iterations", options.iterations ?? 500, 1);
  const rng = createRng(options.seed ?? 0);
  if (n < 2) throw new InvalidArgumentError("matrix.rows", "at least 2", n);
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let k = 0; k < d; k++) mean[k]! += (m.data[r * d + k] as number) / n;
  const cov = new Float64Array(d * d);
  const x = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < d; k++) x[k] = (m.data[r * d + k] as number) - (mean[k] as number);
    for (let a = 0; a < d; a++) {
      const xa = x[a] as number;
      if (xa === 0) continue;
      for (let b = 0; b < d; b++) cov[a * d + b]! += xa * (x[b] as number);
    }
  }
  for (let t = 0; t < d * d; t++) cov[t]! /= n - 1;
  let trace = 0;
  for (let a = 0; a < d; a++) trace += cov[a * d + a] as number;
  const axes = new Float64Array(K * d);
  const variance: number[] = [];
  const v = new Float64Array(d),
    next = new Float64Array(d);
  for (let c = 0; c < K; c++) {
    for (let k = 0; k < d; k++) v[k] = rng.normal();
    normalize(v);
    let lambda = 0;
    for (let it = 0; it < iterations; it++) {
      for (let a = 0; a < d; a++) {
        let s = 0;
        for (let b = 0; b < d; b++) s += (cov[a * d + b] as number) * (v[b] as number);
        next[a] = s;
      }
      // Keep orthogonal to earlier axes (their variance was already deflated; this guards against rounding drift).
      for (let p = 0; p < c; p++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += (next[k] as number) * (axes[p * d + k] as number);
        for (let k = 0; k < d; k++) next[k]! -= s * (axes[p * d + k] as number);
      }
      const norm = normalize(next);
      if (norm === 0) break; // no variance left
      let delta = 0;
      for (let k = 0; k < d; k++) delta = Math.max(delta, Math.abs((next[k] as number) - (v[k] as number)));
      v.set(next);
      lambda = norm;
      if (delta < 1e-12) break;
    }
    // Sign convention: largest-magnitude entry positive.
    let big = 0;
    for (let k = 0; k < d; k++) if (Math.abs(v[k] as number) > Math.abs(v[big] as number)) big = k;
    const sign = (v[big] as number) < 0 ? -1 : 1;
    for (let k = 0; k < d; k++) axes[c * d + k] = sign * (v[k] as number);
    variance.push(lambda);
    // Deflate: cov -= lambda v v^T.
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a * d + b]! -= lambda * (axes[c * d + a] as number) * (axes[c * d + b] as number);
  }
  const coordinates = new Float64Array(n * K);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < K; c++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += ((m.data[r * d + k] as number) - (mean[k] as number)) * (axes[c * d + k] as number);
      coordinates[r * K + c] = s;
    }
  }
  return { coordinates, rows: n, components: K, axes, variance, explainedRatio: variance.map((l) => (trace > 0 ? l / trace : 0)), mean };
}

function normalize(v: Float64Array): number {
  let s = 0;
  for (let k = 0; k < v.length; k++) s += (v[k] as number) ** 2;
  const norm = Math.sqrt(s);
  if (norm > 0) for (let k = 0; k < v.length; k++) v[k]! /= norm;
  return norm;
}
