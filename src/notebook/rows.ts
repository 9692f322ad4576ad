/** Turns library results into table rows for the notebooks, so the notebooks stay calls plus narrative. */
import type { GroupSimilarity } from "../analysis/groups";
import type { Recommendation } from "../recommend/types";
import type { DatasetLabels } from "../data/labels";
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

/**
 * A recommendation list as rows: rank, raw item ID, the item's title and labels when the dataset has them (ground
 * truth or side information the model never saw), and the predicted rating.
 */
export function recommendationRows(recommendations: readonly Recommendation[], labels: DatasetLabels): Record<string, string | number>[] {
  return recommendations.map((r) => ({ rank: r.rank, item_id: r.itemId, ...itemColumns(labels, r.itemId), predicted_rating: r.predictedRating }));
}

/** An item's title and labels as table columns (none when the dataset has neither): { title, genre: "Animation, Comedy" }. */
export function itemColumns(labels: DatasetLabels, itemId: string): Record<string, string> {
  const out: Record<string, string> = {};
  const title = labels.itemTitles?.get(itemId);
  if (title !== undefined) out.title = title;
  if (labels.items) out[labels.items.name] = (labels.items.of.get(itemId) ?? []).join(", ") || "-";
  return out;
}
