/** One flat float32 heap holding parameters with their gradients and Adam moments, and the rating rows: the layout both kernels share. */
import type { MfWeights, SecondMoment } from "./types";
import type { IndexedRatings } from "../data/indexed";

/**
 * Offsets are in 4-byte elements of one buffer, so the same numbers address a `Float32Array`, an `Int32Array`
 * or (times 4) WebAssembly memory.
 *
 * Parameters are stored per row, interleaved, so that one update touches one contiguous stretch of memory
 * (one page, one hardware-prefetch stream) instead of three arrays far apart: a factor row (a user's or an
 * item's) is a record of `rec = 3 · stride` elements, [weights | Adam m | Adam v], each part `stride` long (dim
 * rounded up to 16; padding lanes stay exactly 0 through training). With one second moment per row
 * (`secondMoment: "per-row"`) the v part is a 16-element tail whose first element is the row's v: a record is
 * `2 · stride + 16` elements (576 bytes at dim 64 instead of 768), so each row a step updates moves a quarter fewer
 * cache lines. User u's record starts at `p + u·rec`,
 * item i's at `q + i·rec`. Biases are quads [weight, gradient, m, v]: user u's at `bu + 4u`, item i's at
 * `bi + 4i`, the global bias's at `g`.
 *
 * The factor gradients live apart from the records, in a region of `stride`-long rows: the dense steps give user u
 * the row at `grad + u·stride` and item i the row at `gradItems + i·stride`; the lazy step gives the t-th user (item)
 * a batch touches the row at `grad + t·stride` (`gradItems + t·stride`), so a batch's gradients sit in a compact
 * scratch of at most 2 × batch rows that stays in the cache, and a record, which every touched row brings in from
 * memory, is 3 parts instead of 4 (measured in bench/train-scale.ts). Then the training rows as records (user,
 * item, rating) of 3 elements, so a shuffle moves one record per swap; then the validation rows as three arrays.
 */
export interface HeapLayout {
  readonly dim: number;
  /** Length of each part of a factor record: dim rounded up to a multiple of 16 (the wasm loops take 16 at a time). */
  readonly stride: number;
  /** Adam's second moment: one per weight (the v part is `stride` long) or one per row (its first element). */
  readonly secondMoment: SecondMoment;
  /** Elements per factor record: 3 · stride ([w | m | v]) per weight, 2 · stride + 16 per row. */
  readonly rec: number;
  readonly numUsers: number;
  readonly numItems: number;
  readonly p: number;
  readonly q: number;
  readonly bu: number;
  readonly bi: number;
  readonly g: number;
  /** End of the parameter region (factor records then bias quads), a multiple of 4. */
  readonly paramsEnd: number;
  /** Factor gradient rows (`stride` elements each): users' from `grad`, items' from `gradItems` (see above). */
  readonly grad: number;
  readonly gradItems: number;
  /** Training rows: record k is (user, item, rating) at trainRows + 3k (Int32, Int32, Float32). */
  readonly trainRows: number;
  readonly numTrain: number;
  readonly valUsers: number;
  readonly valItems: number;
  readonly valRatings: number;
  readonly numVal: number;
  /**
   * Lazy (sparse) updates: per user and per item a pair [stamp of the last batch that touched it, byte offset of
   * its scratch gradient row in that batch] (Int32 × 2), the list of rows the current batch touched (Int32, users
   * then items), and two counts [users, items].
   */
  readonly markU: number;
  readonly markI: number;
  readonly listU: number;
  readonly listI: number;
  readonly counts: number;
  /** Total elements. */
  readonly size: number;
}

/** The four parts of every parameter: weight, gradient, Adam's first and second moment (a bias quad's order; see `factorOffset`). */
export type ParamPart = 0 | 1 | 2 | 3;
export const WEIGHT: ParamPart = 0,
  GRADIENT: ParamPart = 1,
  MOMENT1: ParamPart = 2,
  MOMENT2: ParamPart = 3;

const up4 = (n: number): number => Math.ceil(n / 4) * 4;
/** Where part `part` of factor row r (users 0..numUsers−1, then items) starts (per row, MOMENT2's part is the row's one v). */
export function factorOffset(L: HeapLayout, r: number, part: ParamPart): number {
  if (part === GRADIENT) return L.grad + r * L.stride;
  return L.p + r * L.rec + (part === WEIGHT ? 0 : part === MOMENT1 ? L.stride : 2 * L.stride);
}
const up16 = (n: number): number => Math.ceil(n / 16) * 16;

export function makeLayout(
  numUsers: number,
  numItems: number,
  dim: number,
  numTrain: number,
  numVal: number,
  secondMoment: SecondMoment = "per-weight",
): HeapLayout {
  const stride = up16(dim),
    rec = secondMoment === "per-row" ? 2 * stride + 16 : 3 * stride;
  const p = 0;
  const q = p + numUsers * rec;
  const bu = q + numItems * rec;
  const bi = bu + 4 * numUsers;
  const g = bi + 4 * numItems;
  const paramsEnd = g + 4;
  const grad = up16(paramsEnd);
  const gradItems = grad + numUsers * stride;
  const trainRows = gradItems + numItems * stride;
  const valUsers = trainRows + up4(3 * numTrain);
  const valItems = valUsers + up4(numVal);
  const valRatings = valItems + up4(numVal);
  const markU = valRatings + up4(numVal);
  const markI = markU + up4(2 * numUsers);
  const listU = markI + up4(2 * numItems);
  const listI = listU + up4(numUsers);
  const counts = listI + up4(numItems);
  const size = counts + 4;
  if (size * 4 > 2 ** 32) throw new RangeError(`the training heap would need ${size * 4} bytes, more than WebAssembly's 4 GiB`);
  return {
    dim,
    stride,
    secondMoment,
    rec,
    numUsers,
    numItems,
    p,
    q,
    bu,
    bi,
    g,
    paramsEnd,
    grad,
    gradItems,
    trainRows,
    numTrain,
    valUsers,
    valItems,
    valRatings,
    numVal,
    markU,
    markI,
    listU,
    listI,
    counts,
    size,
  };
}

/** Zeroes the gradient part of every parameter (the kernels keep it zero between steps; tests that call `gradient` alone clear it). */
export function clearGradients(f: Float32Array, L: HeapLayout): void {
  f.fill(0, L.grad, L.trainRows);
  for (let k = L.bu + 1; k < L.paramsEnd; k += 4) f[k] = 0;
}

/** Writes weights into the parameter region; gradients, moments and padding lanes zeroed. */
export function writeWeights(f: Float32Array, L: HeapLayout, w: MfWeights): void {
  f.fill(0, 0, L.trainRows);
  for (let u = 0; u < L.numUsers; u++) f.set(w.userFactors.subarray(u * L.dim, (u + 1) * L.dim), L.p + u * L.rec);
  for (let i = 0; i < L.numItems; i++) f.set(w.itemFactors.subarray(i * L.dim, (i + 1) * L.dim), L.q + i * L.rec);
  for (let u = 0; u < L.numUsers; u++) f[L.bu + 4 * u] = w.userBias[u]!;
  for (let i = 0; i < L.numItems; i++) f[L.bi + 4 * i] = w.itemBias[i]!;
  f[L.g] = w.globalBias;
}

/**
 * A fresh, unpadded copy of one part of every parameter, shaped as weights (part 0: the weights themselves). Per row,
 * the factors' MOMENT2 is not a row of values: `readRowMoments` reads it.
 */
export function readPart(f: Float32Array, L: HeapLayout, part: ParamPart): MfWeights {
  if (part === MOMENT2 && L.secondMoment === "per-row")
    throw new RangeError("readPart: with one second moment per row, the factors' v is one float per row (readRowMoments reads it)");
  const userFactors = new Float32Array(L.numUsers * L.dim);
  const itemFactors = new Float32Array(L.numItems * L.dim);
  for (let u = 0; u < L.numUsers; u++) {
    const o = factorOffset(L, u, part);
    userFactors.set(f.subarray(o, o + L.dim), u * L.dim);
  }
  for (let i = 0; i < L.numItems; i++) {
    const o = factorOffset(L, L.numUsers + i, part);
    itemFactors.set(f.subarray(o, o + L.dim), i * L.dim);
  }
  const userBias = new Float32Array(L.numUsers),
    itemBias = new Float32Array(L.numItems);
  for (let u = 0; u < L.numUsers; u++) userBias[u] = f[L.bu + 4 * u + part]!;
  for (let i = 0; i < L.numItems; i++) itemBias[i] = f[L.bi + 4 * i + part]!;
  return { dim: L.dim, numUsers: L.numUsers, numItems: L.numItems, userFactors, itemFactors, userBias, itemBias, globalBias: f[L.g + part] as number };
}

/** Per row: each factor row's second moment, users then items. */
export function readRowMoments(f: Float32Array, L: HeapLayout): Float32Array {
  if (L.secondMoment !== "per-row") throw new RangeError("readRowMoments: this layout keeps one second moment per weight (readPart reads it)");
  const v = new Float32Array(L.numUsers + L.numItems);
  for (let r = 0; r < v.length; r++) v[r] = f[factorOffset(L, r, MOMENT2)]!;
  return v;
}

/** A fresh, unpadded copy of the weights. */
export function readWeights(f: Float32Array, L: HeapLayout): MfWeights {
  return readPart(f, L, WEIGHT);
}

/** Copies rating rows into the training records. */
export function writeTrainRows(f: Float32Array, i32: Int32Array, L: HeapLayout, data: IndexedRatings): void {
  if (data.length !== L.numTrain) throw new RangeError(`expected ${L.numTrain} training rows, got ${data.length}`);
  for (let k = 0, o = L.trainRows; k < data.length; k++, o += 3) {
    i32[o] = data.users[k]!;
    i32[o + 1] = data.items[k]!;
    f[o + 2] = data.ratings[k]!;
  }
}

/** Copies rating rows into three arrays at the given offsets (the validation rows). */
export function writeRatings(f: Float32Array, i32: Int32Array, usersAt: number, itemsAt: number, ratingsAt: number, data: IndexedRatings): void {
  i32.set(data.users, usersAt);
  i32.set(data.items, itemsAt);
  f.set(data.ratings, ratingsAt);
}
