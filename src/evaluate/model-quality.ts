/** One evaluation for MF and neural models alike: rating errors on held-out rows and top-k ranking metrics. */
import type { TrainedModel } from "../model/types";
import type { DataSplit } from "../data/types";
import { indexInteractions } from "../data/indexed";
import { metricsFrom } from "../model/predict";
import { predictModel, scoreItemsForUser } from "../model/neural-score";
import { rankingMetrics, type RankingMetrics } from "./ranking";
import { TopKHeap } from "../topk";

export interface ModelQuality {
  readonly valMse: number;
  readonly valRmse: number;
  readonly valMae: number;
  /** Top-k over the items the user did not rate in training; relevant = held-out rating >= `relevantFrom`. */
  readonly ranking: RankingMetrics;
}

/**
 * Evaluates `model` (MF or neural) on `split.validation`: MSE/RMSE/MAE of its predictions, and precision,
 * recall, NDCG, hit rate@k of each user's top-k among the items not in their training rows.
 */
export function evaluateModelQuality(model: TrainedModel, split: DataSplit, k = 10, relevantFrom = 4): ModelQuality {
  const val = indexInteractions(split.validation, model.userIds, model.itemIds, { skipUnknown: true });
  const train = indexInteractions(split.train, model.userIds, model.itemIds, { skipUnknown: true });
  const m = metricsFrom(predictModel(model, val.users, val.items), val.ratings);
  const nu = model.weights.numUsers,
    ni = model.weights.numItems;
  const trained = Array.from({ length: nu }, () => new Set<number>());
  for (let r = 0; r < train.length; r++) trained[train.users[r]!]!.add(train.items[r]!);
  const relevant = Array.from({ length: nu }, () => new Set<number>());
  for (let r = 0; r < val.length; r++) if (val.ratings[r]! >= relevantFrom) relevant[val.users[r]!]!.add(val.items[r]!);
  const scores = new Float32Array(ni);
  const lists: Int32Array[] = [];
  for (let u = 0; u < nu; u++) {
    scoreItemsForUser(model, u, scores);
    const heap = new TopKHeap(Math.min(k, ni));
    for (let i = 0; i < ni; i++) if (!trained[u]!.has(i)) heap.push(i, scores[i]!);
    lists.push(drainItems(heap, Math.min(k, ni)));
  }
  return { valMse: m.mse, valRmse: m.rmse, valMae: m.mae, ranking: rankingMetrics(lists, relevant, k, ni) };
}

function drainItems(heap: TopKHeap, k: number): Int32Array {
  const items = new Int32Array(k),
    scores = new Float64Array(k);
  const n = heap.drainInto(items, scores);
  return items.subarray(0, n);
}
