/** Turns library results into table rows for the notebooks, so the notebooks stay calls plus narrative. */
import type { GroupSimilarity } from "../analysis/groups";
import type { Interaction } from "../data/types";
import type { Recommendation } from "../recommend/types";
import { compareIds } from "../data/idmap";
import { fingerprintInteractions } from "../data/indexed";
import { InvalidArgumentError } from "../errors";

/** The mean similarity between groups `a` and `b` (within `a` when a = b); throws when a label is unknown. */
export function pairSimilarity(groups: GroupSimilarity, a: string, b: string): number {
  const i = groups.labels.indexOf(a);
  const j = groups.labels.indexOf(b);
  if (i < 0) throw new InvalidArgumentError("a", `one of ${groups.labels.join(", ")}`, a);
  if (j < 0) throw new InvalidArgumentError("b", `one of ${groups.labels.join(", ")}`, b);
  return groups.matrix[i]?.[j] ?? NaN;
}

/** The group x group matrix as rows: { group: "tech", tech: 0.95, fashion: 0.35, ... }. */
export function groupSimilarityRows(groups: GroupSimilarity): Record<string, string | number>[] {
  return groups.labels.map((g, i) => ({
    group: g,
    ...Object.fromEntries(groups.labels.map((h, j) => [h, groups.matrix[i]?.[j] ?? NaN])),
  }));
}

/** A recommendation list as rows with each item's category (ground truth the model never saw) beside it. */
export function recommendationRows(
  recommendations: readonly Recommendation[],
  categoryOf: ReadonlyMap<string, string | undefined>,
): { rank: number; item_id: string; category: string; predicted_rating: number }[] {
  return recommendations.map((r) => ({ rank: r.rank, item_id: r.itemId, category: categoryOf.get(r.itemId) ?? "?", predicted_rating: r.predictedRating }));
}

/** Optimiser steps in one epoch over `trainRows` ratings with this batch size (0 = full batch). */
export function stepsPerEpoch(trainRows: number, batchSize: number): number {
  if (!Number.isInteger(trainRows) || trainRows < 0) throw new InvalidArgumentError("trainRows", "an integer >= 0", trainRows);
  if (!Number.isInteger(batchSize) || batchSize < 0) throw new InvalidArgumentError("batchSize", "an integer >= 0", batchSize);
  if (trainRows === 0) return 0;
  return batchSize === 0 || batchSize >= trainRows ? 1 : Math.ceil(trainRows / batchSize);
}

/**
 * A fingerprint of interactions that ignores their order (storage need not keep it): the fingerprint of the
 * rows sorted by user and item. Equal for the same ratings read back from a CSV file or MySQL.
 */
export function contentFingerprint(interactions: readonly Interaction[]): string {
  return fingerprintInteractions([...interactions].sort((a, b) => compareIds(a.userId, b.userId) || compareIds(a.itemId, b.itemId)));
}

/** Whether raw IDs like "U10001", "U10002" run without gaps once sorted by their number. */
export function idNumbersContiguous(ids: readonly string[]): boolean {
  const numbers = ids.map((id) => Number(id.replace(/\D+/g, ""))).sort((x, y) => x - y);
  return numbers.every((n, k) => k === 0 || n === (numbers[k - 1] as number) + 1);
}
