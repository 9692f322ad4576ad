/** The hot loops of BPR training over plain typed arrays: one epoch of sampled-triple SGD, and the loss of a triple. */
import type { Rng } from "../random";

/** Positive interactions (user, item) as parallel arrays plus each user's sorted positive items (CSR). */
export interface Positives {
  readonly users: Int32Array;
  readonly items: Int32Array;
  readonly length: number;
  /** User u's positive items are `itemsOf[offsets[u] .. offsets[u+1])`, sorted ascending. */
  readonly offsets: Int32Array;
  readonly itemsOf: Int32Array;
}

/** The parameters BPR learns: user and item factor matrices (row-major, `dim` wide) and one bias per item. */
export interface BprParameters {
  readonly dim: number;
  readonly numItems: number;
  readonly userFactors: Float32Array;
  readonly itemFactors: Float32Array;
  readonly itemBias: Float32Array;
}

/** Whether item i is among user u's positives (binary search in the user's sorted row). */
export function isPositive(p: Positives, u: number, i: number): boolean {
  let lo = p.offsets[u]!,
    hi = p.offsets[u + 1]! - 1;
  const a = p.itemsOf;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1,
      v = a[mid]!;
    if (v === i) return true;
    if (v < i) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** x_uij = b_i - b_j + p_u · (q_i - q_j): how much more the model scores positive i than negative j for user u. */
export function tripleMargin(w: BprParameters, u: number, i: number, j: number): number {
  const d = w.dim,
    P = w.userFactors,
    Q = w.itemFactors;
  const uo = u * d,
    io = i * d,
    jo = j * d;
  let x = w.itemBias[i]! - w.itemBias[j]!;
  for (let f = 0; f < d; f++) x += P[uo + f]! * (Q[io + f]! - Q[jo + f]!);
  return x;
}

/** -ln σ(x), computed without overflow for large |x|. */
export function softplusNeg(x: number): number {
  return x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x));
}

/**
 * A uniformly drawn item that is not among u's positives, or -1 when u has every item (after 64 tries a scan picks
 * the first free item at or after a random start, so a user with almost every item still gets a negative).
 */
export function sampleNegative(p: Positives, u: number, numItems: number, rng: Rng): number {
  if (p.offsets[u + 1]! - p.offsets[u]! >= numItems) return -1;
  for (let t = 0; t < 64; t++) {
    const j = rng.int(numItems);
    if (!isPositive(p, u, j)) return j;
  }
  const s = rng.int(numItems);
  for (let k = 0; k < numItems; k++) {
    const j = (s + k) % numItems;
    if (!isPositive(p, u, j)) return j;
  }
  return -1;
}

/**
 * One epoch of BPR-Opt by SGD (Rendle et al. 2009; the update cornac's BPR makes): `samples` times, a positive
 * (u, i) drawn uniformly from the positives and a negative j drawn uniformly from the items u has no positive for;
 * with z = σ(-x_uij) (the gradient of ln σ(x_uij) with respect to x), ascend
 *   p_u += lr (z (q_i - q_j) - l2 p_u),  q_i += lr (z p_u - l2 q_i),  q_j += lr (-z p_u - l2 q_j),
 *   b_i += lr (z - l2 b_i),  b_j += lr (-z - l2 b_j)   (all with the values before the step).
 * Returns the mean of -ln σ(x_uij) over the samples, measured before each step.
 */
export function bprEpoch(w: BprParameters, p: Positives, samples: number, lr: number, l2: number, rng: Rng): number {
  const d = w.dim,
    P = w.userFactors,
    Q = w.itemFactors,
    B = w.itemBias,
    n = p.length;
  let loss = 0,
    used = 0;
  for (let s = 0; s < samples; s++) {
    const r = rng.int(n);
    const u = p.users[r]!,
      i = p.items[r]!;
    const j = sampleNegative(p, u, w.numItems, rng);
    if (j < 0) continue;
    const uo = u * d,
      io = i * d,
      jo = j * d;
    let x = B[i]! - B[j]!;
    for (let f = 0; f < d; f++) x += P[uo + f]! * (Q[io + f]! - Q[jo + f]!);
    loss += softplusNeg(x);
    used++;
    const z = 1 / (1 + Math.exp(x));
    for (let f = 0; f < d; f++) {
      const pu = P[uo + f]!,
        qi = Q[io + f]!,
        qj = Q[jo + f]!;
      P[uo + f] = pu + lr * (z * (qi - qj) - l2 * pu);
      Q[io + f] = qi + lr * (z * pu - l2 * qi);
      Q[jo + f] = qj + lr * (-z * pu - l2 * qj);
    }
    B[i] = B[i]! + lr * (z - l2 * B[i]!);
    B[j] = B[j]! + lr * (-z - l2 * B[j]!);
  }
  return used === 0 ? NaN : loss / used;
}
