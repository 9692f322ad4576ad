/** Mean cosine similarity within and between groups of embedding rows, for any labelling (user groups, item categories). */
import type { Dataset } from "../data/types";
import type { IdMap } from "../data/idmap";
import { InvalidArgumentError } from "../errors";
import { checkMatrix, type EmbeddingMatrix } from "./embeddings";
import { normalizeRows } from "./cosine";

/** The synthetic data's user groups, in display order. */
export const USER_GROUPS = ["tech", "fashion", "sports"] as const;
/** The synthetic data's item categories, in display order; items 300-399 (liked by fashion and sports fans) are their own category. */
export const ITEM_CATEGORIES = ["tech", "fashion", "fashion+sports", "sports"] as const;
/** Which item categories each user group prefers in the synthetic data (seed 000's design). */
export const GROUP_PREFERRED_CATEGORIES: Readonly<Record<string, readonly string[]>> = {
  tech: ["tech"],
  fashion: ["fashion", "fashion+sports"],
  sports: ["sports", "fashion+sports"],
};

/** Mean cosine similarities by group: `matrix[a][b]` is the mean over pairs (x in a, y in b, x != y). */
export interface GroupSimilarity {
  readonly labels: readonly string[];
  /** Rows in each group. */
  readonly counts: readonly number[];
  /** Symmetric labels.length x labels.length matrix; NaN where a group has no pair (a group of one, within). */
  readonly matrix: readonly (readonly number[])[];
  /** Mean over all pairs in the same group (pooled, each pair counted once), as the reference measures it. */
  readonly within: number;
  /** Mean over all pairs in different groups (pooled). */
  readonly across: number;
  /** within - across: the gap the blog's claim is about. */
  readonly gap: number;
}

/**
 * Group similarity of the rows of `matrix` labelled by `labels[row]` (rows labelled null/undefined are left out).
 * Uses sums of unit vectors, so it is O(rows * dim) rather than O(rows^2): the mean cosine between groups a and b is
 * dot(sum_a, sum_b) / (n_a n_b), and within a group the self-pairs are subtracted.
 * @param order labels to list first, in this order (others follow sorted); default: sorted.
 * @example
 * groupSimilarity(matrixFromRows([[1, 0], [1, 0], [0, 1]]), ["a", "a", "b"]).matrix //=> [[1, 0], [0, NaN]]
 */
export function groupSimilarity(matrix: EmbeddingMatrix, labels: readonly (string | null | undefined)[], order?: readonly string[]): GroupSimilarity {
  const m = checkMatrix(matrix);
  if (!Array.isArray(labels) || labels.length !== m.rows) throw new InvalidArgumentError("labels", `an array of ${m.rows} labels (one per row)`, labels);
  const present = new Set<string>();
  labels.forEach((l, i) => {
    if (l === null || l === undefined) return;
    if (typeof l !== "string" || l.length === 0) throw new InvalidArgumentError(`labels[${i}]`, "a non-empty string, null or undefined", l);
    present.add(l);
  });
  if (present.size === 0) throw new InvalidArgumentError("labels", "at least one labelled row", "none");
  if (order !== undefined && !Array.isArray(order)) throw new InvalidArgumentError("order", "an array of labels", order);
  const names = [...(order ?? []).filter((l) => present.has(l)), ...[...present].filter((l) => !(order ?? []).includes(l)).sort()];
  const G = names.length, d = m.dim;
  const gi = new Map(names.map((l, i) => [l, i]));
  const unit = normalizeRows(m);
  const sums = new Float64Array(G * d);
  const counts = new Array<number>(G).fill(0);
  const selfSum = new Array<number>(G).fill(0); // sum of each row's cosine with itself: 1, or 0 for a zero row
  for (let r = 0; r < m.rows; r++) {
    const l = labels[r];
    if (l === null || l === undefined) continue;
    const g = gi.get(l) as number;
    counts[g]!++;
    let sq = 0;
    for (let k = 0; k < d; k++) {
      const v = unit[r * d + k] as number;
      sums[g * d + k]! += v;
      sq += v * v;
    }
    selfSum[g]! += sq;
  }
  const dotSums = (a: number, b: number): number => {
    let s = 0;
    for (let k = 0; k < d; k++) s += (sums[a * d + k] as number) * (sums[b * d + k] as number);
    return s;
  };
  const out: number[][] = [];
  let withinSum = 0, withinPairs = 0, acrossSum = 0, acrossPairs = 0;
  for (let a = 0; a < G; a++) {
    const row: number[] = [];
    for (let b = 0; b < G; b++) {
      const na = counts[a] as number, nb = counts[b] as number;
      if (a === b) {
        const pairs = na * (na - 1);
        const total = dotSums(a, a) - (selfSum[a] as number);
        row.push(pairs === 0 ? NaN : total / pairs);
        withinSum += total / 2;
        withinPairs += pairs / 2;
      } else {
        const total = dotSums(a, b);
        row.push(total / (na * nb));
        if (b > a) {
          acrossSum += total;
          acrossPairs += na * nb;
        }
      }
    }
    out.push(row);
  }
  const within = withinPairs === 0 ? NaN : withinSum / withinPairs;
  const across = acrossPairs === 0 ? NaN : acrossSum / acrossPairs;
  return { labels: names, counts, matrix: out, within, across, gap: within - across };
}

/** Each user's ground-truth group, by user index of `userIds` (undefined where the dataset has none). */
export function userGroupLabels(userIds: IdMap, dataset: Pick<Dataset, "users">): (string | undefined)[] {
  const byId = new Map<string, string | undefined>();
  for (const u of dataset.users) byId.set(u.userId, u.group);
  return userIds.toArray().map((id) => byId.get(id));
}

/** Each item's ground-truth category, by item index of `itemIds` (undefined where the dataset has none). */
export function itemCategoryLabels(itemIds: IdMap, dataset: Pick<Dataset, "items">): (string | undefined)[] {
  const byId = new Map<string, string | undefined>();
  for (const i of dataset.items) byId.set(i.itemId, i.category);
  return itemIds.toArray().map((id) => byId.get(id));
}

/** Throws when no row has a label: analyses by group need data that carries ground truth (the synthetic data). */
export function requireLabels(labels: readonly (string | undefined | null)[], what: string): void {
  if (!labels.some((l) => typeof l === "string")) {
    throw new InvalidArgumentError(what, "labels from a dataset that has them (the synthetic data's groups/categories)", "no labels at all");
  }
}
