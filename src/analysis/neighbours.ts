/** Nearest neighbours by cosine similarity, addressed by raw user or item ID. */
import type { TrainedModel } from "../model/types";
import { checkInteger, checkString } from "../validate";
import { InvalidArgumentError } from "../errors";
import { checkMatrix, checkRow, type EmbeddingMatrix } from "./embeddings";
import { checkWeights } from "../model/check";
import { rowSimilarities } from "./cosine";
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
  const rows = new Int32Array(heap.size), similarities = new Float64Array(heap.size);
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
