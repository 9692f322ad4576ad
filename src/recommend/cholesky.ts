/** Cholesky solve of a small symmetric positive-definite system, for fold-in and bias fitting. */
import { InvalidArgumentError } from "../errors";

/**
 * Solves A x = b for symmetric positive-definite A (n x n, row-major; only the lower triangle is read).
 * Throws when A is not positive definite (a zero or negative pivot).
 * @example
 * choleskySolve(Float64Array.of(4, 2, 2, 3), Float64Array.of(2, 1), 2) //=> Float64Array [0.5, 0]
 */
export function choleskySolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  if (!(a instanceof Float64Array) || a.length !== n * n) throw new InvalidArgumentError("a", `a Float64Array of length ${n * n}`, a);
  if (!(b instanceof Float64Array) || b.length !== n) throw new InvalidArgumentError("b", `a Float64Array of length ${n}`, b);
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j] as number;
      for (let k = 0; k < j; k++) s -= (l[i * n + k] as number) * (l[j * n + k] as number);
      if (i === j) {
        if (!(s > 0)) throw new InvalidArgumentError("a", "a positive-definite matrix", `pivot ${s} at row ${i}`);
        l[i * n + i] = Math.sqrt(s);
      } else {
        l[i * n + j] = s / (l[j * n + j] as number);
      }
    }
  }
  // Forward then back substitution: L y = b, L^T x = y.
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (l[i * n + k] as number) * (y[k] as number);
    y[i] = s / (l[i * n + i] as number);
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i] as number;
    for (let k = i + 1; k < n; k++) s -= (l[k * n + i] as number) * (x[k] as number);
    x[i] = s / (l[i * n + i] as number);
  }
  return x;
}
