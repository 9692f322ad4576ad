/** Scale-free measures of how well embeddings recover known groups: kNN purity and a cosine silhouette. */
import { InvalidArgumentError } from "../errors";
import { checkInteger } from "../validate";
import { checkMatrix, type EmbeddingMatrix } from "./embeddings";
import { normalizeRows } from "./cosine";
import { TopKHeap } from "../topk";

/** Share of each row's k nearest neighbours (cosine, self excluded) that carry its own label. */
export interface KnnPurity {
  readonly k: number;
  /** Mean over labelled rows. 1 = every neighbour in the same group. */
  readonly purity: number;
  /** What purity random embeddings give in expectation: sum over groups of (n_g / N) * ((n_g - 1) / (N - 1)). */
  readonly chance: number;
  /** Mean purity per label. */
  readonly byLabel: Readonly<Record<string, number>>;
}

/**
 * k-nearest-neighbour purity by cosine similarity. It depends only on the order of similarities, not their scale,
 * so it compares settings whose raw cosines differ a lot (see RESULTS.md). Only labelled rows count, as points and as
 * neighbours. Ties go to the lower row index. O(N^2 d).
 */
export function knnPurity(matrix: EmbeddingMatrix, labels: readonly (string | null | undefined)[], k = 10): KnnPurity {
  const m = checkMatrix(matrix);
  if (!Array.isArray(labels) || labels.length !== m.rows) throw new InvalidArgumentError("labels", `an array of ${m.rows} labels (one per row)`, labels);
  const rows: number[] = [];
  labels.forEach((l, i) => {
    if (typeof l === "string") rows.push(i);
  });
  checkInteger("k", k, 1, Math.max(1, rows.length - 1));
  if (rows.length < 2) throw new InvalidArgumentError("labels", "at least two labelled rows", rows.length);
  const unit = normalizeRows(m);
  const d = m.dim;
  const heap = new TopKHeap(k);
  const outI = new Int32Array(k),
    outS = new Float64Array(k);
  const sum = new Map<string, number>(),
    cnt = new Map<string, number>();
  let total = 0;
  for (const a of rows) {
    heap.reset();
    for (const b of rows) {
      if (b === a) continue;
      let s = 0;
      for (let t = 0; t < d; t++) s += (unit[a * d + t] as number) * (unit[b * d + t] as number);
      heap.push(b, s);
    }
    const n = heap.drainInto(outI, outS);
    let same = 0;
    for (let j = 0; j < n; j++) if (labels[outI[j] as number] === labels[a]) same++;
    const p = same / n;
    const l = labels[a] as string;
    sum.set(l, (sum.get(l) ?? 0) + p);
    cnt.set(l, (cnt.get(l) ?? 0) + 1);
    total += p;
  }
  const N = rows.length;
  let chance = 0;
  const byLabel: Record<string, number> = {};
  for (const [l, c] of [...cnt.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
    chance += (c / N) * ((c - 1) / (N - 1));
    byLabel[l] = (sum.get(l) as number) / c;
  }
  return { k, purity: total / N, chance, byLabel };
}

/**
 * Mean silhouette with cosine distance (1 - cosine): for each row, (b - a) / max(a, b) where a is its mean distance
 * to its own group (others) and b the smallest mean distance to another group. In [-1, 1]; about 0 for random
 * embeddings. Rows alone in their group count 0 (the usual convention). Computed from group sums, O(N * groups * d).
 */
export function silhouette(matrix: EmbeddingMatrix, labels: readonly (string | null | undefined)[]): number {
  const m = checkMatrix(matrix);
  if (!Array.isArray(labels) || labels.length !== m.rows) throw new InvalidArgumentError("labels", `an array of ${m.rows} labels (one per row)`, labels);
  const names = [...new Set(labels.filter((l): l is string => typeof l === "string"))].sort();
  if (names.length < 2) throw new InvalidArgumentError("labels", "at least two different labels", names.length);
  const gi = new Map(names.map((l, i) => [l, i]));
  const d = m.dim,
    G = names.length;
  const unit = normalizeRows(m);
  const sums = new Float64Array(G * d);
  const counts = new Array<number>(G).fill(0);
  for (let r = 0; r < m.rows; r++) {
    const l = labels[r];
    if (typeof l !== "string") continue;
    const g = gi.get(l) as number;
    counts[g]!++;
    for (let t = 0; t < d; t++) sums[g * d + t]! += unit[r * d + t] as number;
  }
  let total = 0,
    n = 0;
  for (let r = 0; r < m.rows; r++) {
    const l = labels[r];
    if (typeof l !== "string") continue;
    const own = gi.get(l) as number;
    n++;
    if ((counts[own] as number) < 2) continue;
    let selfSq = 0;
    for (let t = 0; t < d; t++) selfSq += (unit[r * d + t] as number) ** 2;
    let a = NaN,
      b = Infinity;
    for (let g = 0; g < G; g++) {
      let dot = 0;
      for (let t = 0; t < d; t++) dot += (unit[r * d + t] as number) * (sums[g * d + t] as number);
      if (g === own) a = 1 - (dot - selfSq) / ((counts[g] as number) - 1);
      else b = Math.min(b, 1 - dot / (counts[g] as number));
    }
    const mx = Math.max(a, b);
    total += mx === 0 ? 0 : (b - a) / mx;
  }
  return total / n;
}
