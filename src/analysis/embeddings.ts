/** Embedding matrices as row-major views over MfWeights, plus the argument checks every analysis shares. */
import type { MfWeights } from "../model/types";
import { InvalidArgumentError } from "../errors";
import { checkWeights } from "../model/check";

/** `rows` vectors of length `dim`, row r at `data[r * dim .. (r + 1) * dim)`. */
export interface EmbeddingMatrix {
  readonly rows: number;
  readonly dim: number;
  readonly data: Float32Array | Float64Array;
}

/** Checks an EmbeddingMatrix's shape and returns it. */
export function checkMatrix(matrix: unknown, name = "matrix"): EmbeddingMatrix {
  if (typeof matrix !== "object" || matrix === null) throw new InvalidArgumentError(name, "an EmbeddingMatrix {rows, dim, data}", matrix);
  const m = matrix as Partial<EmbeddingMatrix>;
  if (typeof m.rows !== "number" || !Number.isInteger(m.rows) || m.rows < 0) throw new InvalidArgumentError(`${name}.rows`, "an integer >= 0", m.rows);
  if (typeof m.dim !== "number" || !Number.isInteger(m.dim) || m.dim < 1) throw new InvalidArgumentError(`${name}.dim`, "a positive integer", m.dim);
  if (!(m.data instanceof Float32Array || m.data instanceof Float64Array) || m.data.length !== m.rows * m.dim) {
    throw new InvalidArgumentError(`${name}.data`, `a Float32Array or Float64Array of length ${m.rows * m.dim}`, m.data);
  }
  return m as EmbeddingMatrix;
}

/** The user factor matrix of `weights` (a view, not a copy; biases excluded, as in the blog's analysis). */
export function userEmbeddings(weights: MfWeights): EmbeddingMatrix {
  const w = checkWeights(weights);
  return { rows: w.numUsers, dim: w.dim, data: w.userFactors };
}

/** The item factor matrix of `weights` (a view, not a copy; biases excluded). */
export function itemEmbeddings(weights: MfWeights): EmbeddingMatrix {
  const w = checkWeights(weights);
  return { rows: w.numItems, dim: w.dim, data: w.itemFactors };
}

/**
 * Builds an EmbeddingMatrix from an array of equal-length vectors (handy in notebooks and tests).
 * @example
 * matrixFromRows([[1, 0], [0, 1]]) //=> { rows: 2, dim: 2, data: Float64Array [1, 0, 0, 1] }
 */
export function matrixFromRows(rows: readonly (readonly number[])[]): EmbeddingMatrix {
  if (!Array.isArray(rows) || rows.length === 0) throw new InvalidArgumentError("rows", "a non-empty array of number arrays", rows);
  const dim = Array.isArray(rows[0]) ? rows[0].length : 0;
  if (dim < 1) throw new InvalidArgumentError("rows[0]", "a non-empty array of numbers", rows[0]);
  const data = new Float64Array(rows.length * dim);
  rows.forEach((r, i) => {
    if (!Array.isArray(r) || r.length !== dim) throw new InvalidArgumentError(`rows[${i}]`, `an array of ${dim} numbers`, r);
    r.forEach((v, j) => {
      if (typeof v !== "number" || !Number.isFinite(v)) throw new InvalidArgumentError(`rows[${i}][${j}]`, "a finite number", v);
      data[i * dim + j] = v;
    });
  });
  return { rows: rows.length, dim, data };
}

/** Checks that `index` is a row of `matrix`. */
export function checkRow(name: string, index: unknown, rows: number): number {
  if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= rows) {
    throw new InvalidArgumentError(name, `an integer in [0, ${rows})`, index);
  }
  return index;
}

/**
 * The rows with their mean row subtracted: what distinguishes one row from another once the direction all rows
 * share is removed (trained item vectors often share a strong one, roughly "how much an item is liked", which
 * makes every raw cosine high). A new matrix; the input is unchanged.
 */
export function centredRows(matrix: EmbeddingMatrix): EmbeddingMatrix {
  const m = checkMatrix(matrix);
  const d = m.dim,
    mean = new Float64Array(d);
  for (let r = 0; r < m.rows; r++) for (let k = 0; k < d; k++) mean[k]! += (m.data[r * d + k] as number) / m.rows;
  const data = new Float32Array(m.rows * d);
  for (let r = 0; r < m.rows; r++) for (let k = 0; k < d; k++) data[r * d + k] = (m.data[r * d + k] as number) - (mean[k] as number);
  return { rows: m.rows, dim: d, data };
}
