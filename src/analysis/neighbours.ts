/** Nearest neighbours by cosine similarity, addressed by raw user or item ID. */
import type { TrainedModel } from "../model/types";
import { checkInteger, checkString } from "../validate";
import { InvalidArgumentError } from "../errors";
import { checkMatrix, checkRow, type EmbeddingMatrix } from "./embeddings";
import { checkWeights } from "../model/check";
import { normalizeRows, rowSimilarities } from "./cosine";
import { TopKHeap } from "../topk";

/** A neighbour: its raw ID, cosine similarity and 1-based rank. */
export interface Neighbour {
  readonly rank: number;
  readonly id: string;
  readonly similarity: number;
}

/** Row indices of the k rows most similar to row `index` (itself excluded), best first, ties to the lower index. */
export function nearestRows(matrix: EmbeddingMatrix, index: number, k = 10): { rows: Int32Array; similarities: Float64Array } {
  const m = checkMatrix(matrix);
  checkRow("index", index, m.rows);
  checkInteger("k", k, 1);
  const sims = rowSimilarities(m, index);
  const heap = new TopKHeap(Math.max(1, Math.min(k, m.rows - 1)));
  for (let r = 0; r < m.rows; r++) if (r !== index) heap.push(r, sims[r] as number);
  const rows = new Int32Array(heap.size),
    similarities = new Float64Array(heap.size);
  heap.drainInto(rows, similarities);
  return { rows, similarities };
}

/**
 * The k users whose factor vectors are closest (cosine) to `userId`'s. An unknown ID throws `UnknownIdError`.
 * @example
 * nearestUsers(model, "U10001", 3) //=> [{ rank: 1, id: "U10077", similarity: 0.97 }, ...]
 */
export function nearestUsers(model: Pick<TrainedModel, "weights" | "userIds">, userId: string, k = 10): Neighbour[] {
  return nearest(model, "user", userId, k);
}

/** The k items whose factor vectors are closest (cosine) to `itemId`'s. An unknown ID throws `UnknownIdError`. */
export function nearestItems(model: Pick<TrainedModel, "weights" | "itemIds">, itemId: string, k = 10): Neighbour[] {
  return nearest(model, "item", itemId, k);
}

function nearest(model: Partial<Pick<TrainedModel, "weights" | "userIds" | "itemIds">>, kind: "user" | "item", id: string, k: number): Neighbour[] {
  if (typeof model !== "object" || model === null) throw new InvalidArgumentError("model", "a trained model", model);
  const w = checkWeights(model.weights, "model.weights");
  checkString(`${kind}Id`, id);
  const ids = kind === "user" ? model.userIds : model.itemIds;
  if (!ids) throw new InvalidArgumentError(`model.${kind}Ids`, "an IdMap", ids);
  const matrix = kind === "user" ? { rows: w.numUsers, dim: w.dim, data: w.userFactors } : { rows: w.numItems, dim: w.dim, data: w.itemFactors };
  const { rows, similarities } = nearestRows(matrix, ids.index(id), k);
  return Array.from(rows, (r, j) => ({ rank: j + 1, id: ids.id(r), similarity: similarities[j] as number }));
}

/**
 * The mean, over rows, of each row's cosine similarity to its nearest other row: a label-free measure of structure
 * (random vectors in many dimensions have only chance neighbours; trained ones have close ones). O(rows² · dim).
 */
export function meanNearestSimilarity(matrix: EmbeddingMatrix): number {
  const m = checkMatrix(matrix);
  if (m.rows < 2) throw new InvalidArgumentError("matrix", "at least two rows", m.rows);
  const u = normalizeRows(m),
    d = m.dim;
  let sum = 0;
  for (let a = 0; a < m.rows; a++) {
    let best = -Infinity;
    for (let b = 0; b < m.rows; b++) {
      if (b === a) continue;
      let s = 0;
      for (let k = 0; k < d; k++) s += (u[a * d + k] as number) * (u[b * d + k] as number);
      if (s > best) best = s;
    }
    sum += best;
  }
  return sum / m.rows;
}
