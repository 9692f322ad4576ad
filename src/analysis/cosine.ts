/** Cosine similarity between embedding rows: user-user, item-item, user-to-items. */
import type { MfWeights } from "../model/types";
import { checkMatrix, checkRow, type EmbeddingMatrix } from "./embeddings";
import { checkWeights } from "../model/check";
import { InvalidArgumentError } from "../errors";

/**
 * Cosine similarity of two vectors of equal length. A zero vector has similarity 0 with everything
 * (rather than NaN), so untrained all-zero rows do not poison group means.
 * @example
 * cosine([1, 0], [1, 1]) //=> 0.7071067811865475
 */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a === null || typeof a !== "object" || typeof a.length !== "number") throw new InvalidArgumentError("a", "an array of numbers", a);
  if (b === null || typeof b !== "object" || typeof b.length !== "number") throw new InvalidArgumentError("b", "an array of numbers", b);
  if (a.length !== b.length) throw new InvalidArgumentError("b", `an array of length ${a.length} (the length of a)`, `length ${b.length}`);
  let dot = 0,
    na = 0,
    nb = 0;
  for (let k = 0; k < a.length; k++) {
    const x = a[k] as number,
      y = b[k] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** Rows scaled to unit length, in double precision; zero rows stay zero. */
export function normalizeRows(matrix: EmbeddingMatrix): Float64Array {
  const m = checkMatrix(matrix);
  const out = new Float64Array(m.rows * m.dim);
  for (let r = 0; r < m.rows; r++) {
    const o = r * m.dim;
    let s = 0;
    for (let k = 0; k < m.dim; k++) s += (m.data[o + k] as number) ** 2;
    const inv = s === 0 ? 0 : 1 / Math.sqrt(s);
    for (let k = 0; k < m.dim; k++) out[o + k] = (m.data[o + k] as number) * inv;
  }
  return out;
}

/**
 * The full cosine similarity matrix between the rows of `a` and the rows of `b` (default: `a` itself),
 * row-major `a.rows x b.rows`. Memory is a.rows * b.rows doubles: fine for 1000 x 1000, not for a million users.
 */
export function cosineMatrix(a: EmbeddingMatrix, b?: EmbeddingMatrix): Float64Array {
  const ma = checkMatrix(a, "a");
  const mb = b === undefined ? ma : checkMatrix(b, "b");
  if (mb.dim !== ma.dim) throw new InvalidArgumentError("b.dim", `${ma.dim} (the dim of a)`, mb.dim);
  const na = normalizeRows(ma);
  const nb = b === undefined ? na : normalizeRows(mb);
  const d = ma.dim;
  const out = new Float64Array(ma.rows * mb.rows);
  for (let i = 0; i < ma.rows; i++) {
    for (let j = 0; j < mb.rows; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += (na[i * d + k] as number) * (nb[j * d + k] as number);
      out[i * mb.rows + j] = s;
    }
  }
  return out;
}

/** Cosine similarity of row `index` of `matrix` to every row of `matrix` (itself included, at 1). */
export function rowSimilarities(matrix: EmbeddingMatrix, index: number): Float64Array {
  const m = checkMatrix(matrix);
  checkRow("index", index, m.rows);
  const q = m.data.subarray(index * m.dim, (index + 1) * m.dim);
  return similaritiesTo(m, q);
}

/** Cosine similarity of the vector `query` to every row of `matrix`. */
export function similaritiesTo(matrix: EmbeddingMatrix, query: ArrayLike<number>): Float64Array {
  const m = checkMatrix(matrix);
  if (query === null || typeof query !== "object" || query.length !== m.dim) {
    throw new InvalidArgumentError("query", `an array of ${m.dim} numbers`, query);
  }
  let nq = 0;
  for (let k = 0; k < m.dim; k++) nq += (query[k] as number) ** 2;
  const out = new Float64Array(m.rows);
  if (nq === 0) return out;
  for (let r = 0; r < m.rows; r++) {
    let dot = 0,
      nr = 0;
    const o = r * m.dim;
    for (let k = 0; k < m.dim; k++) {
      const x = m.data[o + k] as number;
      dot += x * (query[k] as number);
      nr += x * x;
    }
    out[r] = nr === 0 ? 0 : dot / Math.sqrt(nq * nr);
  }
  return out;
}

/** User x user cosine matrix of the user factors (numUsers^2 doubles). */
export function userUserSimilarity(weights: MfWeights): Float64Array {
  const w = checkWeights(weights);
  return cosineMatrix({ rows: w.numUsers, dim: w.dim, data: w.userFactors });
}

/** Item x item cosine matrix of the item factors. */
export function itemItemSimilarity(weights: MfWeights): Float64Array {
  const w = checkWeights(weights);
  return cosineMatrix({ rows: w.numItems, dim: w.dim, data: w.itemFactors });
}

/** Cosine similarity of user `userIndex`'s factors to every item's factors (not the predicted rating: no biases, no scale). */
export function userItemSimilarity(weights: MfWeights, userIndex: number): Float64Array {
  const w = checkWeights(weights);
  checkRow("userIndex", userIndex, w.numUsers);
  return similaritiesTo({ rows: w.numItems, dim: w.dim, data: w.itemFactors }, w.userFactors.subarray(userIndex * w.dim, (userIndex + 1) * w.dim));
}
