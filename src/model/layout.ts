/** One flat float32 heap holding parameters, gradients, Adam moments and the rating arrays: the layout both kernels share. */
import type { MfWeights } from "./types";
import type { IndexedRatings } from "../data/indexed";

/**
 * Offsets are in 4-byte elements of one buffer, so the same numbers address a `Float32Array`, an `Int32Array`
 * or (times 4) WebAssembly memory. Parameter block: [P (numUsers × stride) | Q (numItems × stride) |
 * user bias | item bias | global bias], each part padded to a multiple of 4 (rows to 16) so SIMD code never straddles parts;
 * padding lanes stay exactly 0 through training (zero weight, zero gradient). Then the gradient block, Adam's
 * first and second moment blocks (same shape), and the training and validation ratings.
 */
export interface HeapLayout {
  readonly dim: number;
  /** Row length of the factor matrices: dim rounded up to a multiple of 16 (the wasm loops take 16 at a time). */
  readonly stride: number;
  readonly numUsers: number;
  readonly numItems: number;
  readonly p: number;
  readonly q: number;
  readonly bu: number;
  readonly bi: number;
  readonly g: number;
  /** Number of elements in a parameter block (a multiple of 4). */
  readonly numParams: number;
  readonly grad: number;
  readonly m: number;
  readonly v: number;
  readonly trainUsers: number;
  readonly trainItems: number;
  readonly trainRatings: number;
  readonly numTrain: number;
  readonly valUsers: number;
  readonly valItems: number;
  readonly valRatings: number;
  readonly numVal: number;
  /**
   * Lazy (sparse) updates: per user and per item the stamp of the last batch that touched it (Int32), the
   * list of rows the current batch touched (Int32, users then items), and two counts [users, items].
   */
  readonly markU: number;
  readonly markI: number;
  readonly listU: number;
  readonly listI: number;
  readonly counts: number;
  /** Total elements. */
  readonly size: number;
}

const up4 = (n: number): number => Math.ceil(n / 4) * 4;
const up16 = (n: number): number => Math.ceil(n / 16) * 16;

export function makeLayout(numUsers: number, numItems: number, dim: number, numTrain: number, numVal: number): HeapLayout {
  const stride = up16(dim);
  const p = 0;
  const q = p + numUsers * stride;
  const bu = q + numItems * stride;
  const bi = bu + up4(numUsers);
  const g = bi + up4(numItems);
  const numParams = g + 4;
  const grad = numParams, m = 2 * numParams, v = 3 * numParams;
  const trainUsers = 4 * numParams;
  const trainItems = trainUsers + up4(numTrain);
  const trainRatings = trainItems + up4(numTrain);
  const valUsers = trainRatings + up4(numTrain);
  const valItems = valUsers + up4(numVal);
  const valRatings = valItems + up4(numVal);
  const markU = valRatings + up4(numVal);
  const markI = markU + up4(numUsers);
  const listU = markI + up4(numItems);
  const listI = listU + up4(numUsers);
  const counts = listI + up4(numItems);
  const size = counts + 4;
  return { dim, stride, numUsers, numItems, p, q, bu, bi, g, numParams, grad, m, v, trainUsers, trainItems, trainRatings, numTrain, valUsers, valItems, valRatings, numVal, markU, markI, listU, listI, counts, size };
}

/** Copies weights into the parameter block (padding lanes zeroed). */
export function writeWeights(f: Float32Array, L: HeapLayout, w: MfWeights): void {
  f.fill(0, 0, L.numParams);
  for (let u = 0; u < L.numUsers; u++) f.set(w.userFactors.subarray(u * L.dim, (u + 1) * L.dim), L.p + u * L.stride);
  for (let i = 0; i < L.numItems; i++) f.set(w.itemFactors.subarray(i * L.dim, (i + 1) * L.dim), L.q + i * L.stride);
  f.set(w.userBias, L.bu);
  f.set(w.itemBias, L.bi);
  f[L.g] = w.globalBias;
}

/** A fresh, unpadded copy of the weights in the parameter block. */
export function readWeights(f: Float32Array, L: HeapLayout): MfWeights {
  const userFactors = new Float32Array(L.numUsers * L.dim);
  const itemFactors = new Float32Array(L.numItems * L.dim);
  for (let u = 0; u < L.numUsers; u++) userFactors.set(f.subarray(L.p + u * L.stride, L.p + u * L.stride + L.dim), u * L.dim);
  for (let i = 0; i < L.numItems; i++) itemFactors.set(f.subarray(L.q + i * L.stride, L.q + i * L.stride + L.dim), i * L.dim);
  return {
    dim: L.dim, numUsers: L.numUsers, numItems: L.numItems, userFactors, itemFactors,
    userBias: f.slice(L.bu, L.bu + L.numUsers), itemBias: f.slice(L.bi, L.bi + L.numItems), globalBias: f[L.g] as number,
  };
}

/** Copies rating rows into the heap at the given offsets. */
export function writeRatings(f: Float32Array, i32: Int32Array, usersAt: number, itemsAt: number, ratingsAt: number, data: IndexedRatings): void {
  i32.set(data.users, usersAt);
  i32.set(data.items, itemsAt);
  f.set(data.ratings, ratingsAt);
}
