/** Mean cosine similarity within and between groups of embedding rows, for any labelling (user groups, item categories). */
import type { Dataset } from "../data/types";
import type { IdMap } from "../data/idmap";
import { labelsByIndex, labelsOf } from "../data/labels";
import { InvalidArgumentError } from "../errors";
import { checkMatrix, type EmbeddingMatrix } from "./embeddings";
import { normalizeRows } from "./cosine";

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

/** A row's label(s): one label, several (a film's genres), or none (null, undefined, an empty array). */
export type RowLabels = string | readonly string[] | null | undefined;

/**
 * Group similarity of the rows of `matrix` labelled by `labels[row]`; unlabelled rows are left out.
 * A row with several labels belongs to each of them: `matrix[a][b]` is the mean cosine over all ordered pairs of
 * DISTINCT rows (x, y) with x labelled a and y labelled b, so a row never pairs with itself, and a pair of rows that
 * share two labels counts in both labels' within-means. `within` pools the diagonal (each pair once per shared
 * label), `across` the upper triangle (each pair once per pair of different labels it spans). With one label per
 * row these are exactly the plain within-group and across-group means.
 * Uses sums of unit vectors, so it is O(rows * dim * labels per row) rather than O(rows^2): the sum over pairs is
 * dot(sum_a, sum_b) minus the self-pairs of the rows labelled both a and b.
 * @param order labels to list first, in this order (others follow sorted); default: sorted.
 * @example
 * groupSimilarity(matrixFromRows([[1, 0], [1, 0], [0, 1]]), ["a", "a", "b"]).matrix //=> [[1, 0], [0, NaN]]
 */
export function groupSimilarity(matrix: EmbeddingMatrix, labels: readonly RowLabels[], order?: readonly string[]): GroupSimilarity {
  const m = checkMatrix(matrix);
  if (!Array.isArray(labels) || labels.length !== m.rows) throw new InvalidArgumentError("labels", `an array of ${m.rows} labels (one per row)`, labels);
  const rowLabels: (readonly string[])[] = labels.map((l, i) => {
    if (l === null || l === undefined) return [];
    const list = typeof l === "string" ? [l] : l;
    if (!Array.isArray(list)) throw new InvalidArgumentError(`labels[${i}]`, "a non-empty string, an array of them, null or undefined", l);
    for (const x of list) if (typeof x !== "string" || x.length === 0) throw new InvalidArgumentError(`labels[${i}]`, "non-empty strings", x);
    return [...new Set(list)];
  });
  const present = new Set<string>();
  for (const list of rowLabels) for (const l of list) present.add(l);
  if (present.size === 0) throw new InvalidArgumentError("labels", "at least one labelled row", "none");
  if (order !== undefined && !Array.isArray(order)) throw new InvalidArgumentError("order", "an array of labels", order);
  const names = [...(order ?? []).filter((l) => present.has(l)), ...[...present].filter((l) => !(order ?? []).includes(l)).sort()];
  const G = names.length,
    d = m.dim;
  const gi = new Map(names.map((l, i) => [l, i]));
  const unit = normalizeRows(m);
  const sums = new Float64Array(G * d);
  const counts = new Array<number>(G).fill(0);
  // For each pair of labels (a, b): rows carrying both, and the sum of their cosines with themselves (1, or 0 for a zero row).
  const both = new Float64Array(G * G);
  const selfBoth = new Float64Array(G * G);
  for (let r = 0; r < m.rows; r++) {
    const list = rowLabels[r] as readonly string[];
    if (list.length === 0) continue;
    let sq = 0;
    for (let k = 0; k < d; k++) sq += (unit[r * d + k] as number) ** 2;
    const gs = list.map((l) => gi.get(l) as number);
    for (const g of gs) {
      counts[g]!++;
      for (let k = 0; k < d; k++) sums[g * d + k]! += unit[r * d + k] as number;
      for (const h of gs) {
        both[g * G + h]! += 1;
        selfBoth[g * G + h]! += sq;
      }
    }
  }
  const dotSums = (a: number, b: number): number => {
    let s = 0;
    for (let k = 0; k < d; k++) s += (sums[a * d + k] as number) * (sums[b * d + k] as number);
    return s;
  };
  const out: number[][] = [];
  let withinSum = 0,
    withinPairs = 0,
    acrossSum = 0,
    acrossPairs = 0;
  for (let a = 0; a < G; a++) {
    const row: number[] = [];
    for (let b = 0; b < G; b++) {
      const pairs = (counts[a] as number) * (counts[b] as number) - (both[a * G + b] as number);
      const total = dotSums(a, b) - (selfBoth[a * G + b] as number);
      row.push(pairs === 0 ? NaN : total / pairs);
      if (a === b) {
        withinSum += total / 2;
        withinPairs += pairs / 2;
      } else if (b > a) {
        acrossSum += total;
        acrossPairs += pairs;
      }
    }
    out.push(row);
  }
  const within = withinPairs === 0 ? NaN : withinSum / withinPairs;
  const across = acrossPairs === 0 ? NaN : acrossSum / acrossPairs;
  return { labels: names, counts, matrix: out, within, across, gap: within - across };
}

/** The labels of each user index of `userIds` by the dataset's user label set (see data/labels.ts; empty where none). */
export function userLabels(userIds: IdMap, dataset: Pick<Dataset, "users" | "items" | "labels">): (readonly string[])[] {
  return labelsByIndex(userIds, labelsOf(dataset).users);
}

/** The labels of each item index of `itemIds` by the dataset's item label set (a film's genres; empty where none). */
export function itemLabels(itemIds: IdMap, dataset: Pick<Dataset, "users" | "items" | "labels">): (readonly string[])[] {
  return labelsByIndex(itemIds, labelsOf(dataset).items);
}

/**
 * Each user's one label by user index (undefined where none), for measures that need exactly one label per row
 * (kNN purity, silhouette, the share in preferred categories): the first label, in the label set's order.
 */
export function userGroupLabels(userIds: IdMap, dataset: Pick<Dataset, "users" | "items" | "labels">): (string | undefined)[] {
  return userLabels(userIds, dataset).map((l) => l[0]);
}

/** Each item's one label by item index (undefined where none): the first label, in the label set's order. */
export function itemCategoryLabels(itemIds: IdMap, dataset: Pick<Dataset, "users" | "items" | "labels">): (string | undefined)[] {
  return itemLabels(itemIds, dataset).map((l) => l[0]);
}

/** Throws when no row has a label: analyses by group need data that carries ground truth (the synthetic data). */
export function requireLabels(labels: readonly (string | undefined | null)[], what: string): void {
  if (!labels.some((l) => typeof l === "string")) {
    throw new InvalidArgumentError(
      what,
      "labels from a dataset that has them (the synthetic data's groups and categories, MovieLens genres)",
      "no labels at all",
    );
  }
}

/**
 * One label per row for charts that colour each point once (heatmaps, PCA): a row keeps its label when it carries
 * exactly one of `focus` (in any case, the labels drawn), and none otherwise, so a film that is both Animation and
 * Children's is left out of an [Animation, Children's] view rather than counted on either side arbitrarily.
 * With one label per row and every label in focus, this is simply each row's label.
 */
export function exclusiveLabels(labels: readonly RowLabels[], focus: readonly string[]): (string | undefined)[] {
  if (!Array.isArray(focus) || focus.length === 0) throw new InvalidArgumentError("focus", "a non-empty array of labels", focus);
  return labels.map((l) => {
    const list = l === null || l === undefined ? [] : typeof l === "string" ? [l] : l;
    const hits = list.filter((x) => focus.includes(x));
    return hits.length === 1 ? hits[0] : undefined;
  });
}

/** The labels to draw by default: all of them when there are at most `max`, else the `max` carried by most rows. */
export function commonLabels(labels: readonly RowLabels[], max = 6): string[] {
  const count = new Map<string, number>();
  for (const l of labels) for (const x of l === null || l === undefined ? [] : typeof l === "string" ? [l] : l) count.set(x, (count.get(x) ?? 0) + 1);
  return [...count.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, max)
    .map(([x]) => x);
}

/** Per label: its own mean similarity, and the other label it is most and least similar to (labels with at least `minRows` rows). */
export function labelNeighbours(
  groups: GroupSimilarity,
  minRows = 5,
): { label: string; rows: number; within: number; nearest: string; nearestSimilarity: number; farthest: string; farthestSimilarity: number }[] {
  const keep = groups.labels.map((_, i) => i).filter((i) => (groups.counts[i] as number) >= minRows);
  return keep.flatMap((i) => {
    const others = keep.filter((j) => j !== i && Number.isFinite(groups.matrix[i]![j]!));
    if (others.length === 0) return [];
    const byS = others.sort((a, b) => (groups.matrix[i]![b] as number) - (groups.matrix[i]![a] as number));
    const near = byS[0] as number,
      far = byS[byS.length - 1] as number;
    return [
      {
        label: groups.labels[i] as string,
        rows: groups.counts[i] as number,
        within: groups.matrix[i]![i] as number,
        nearest: groups.labels[near] as string,
        nearestSimilarity: groups.matrix[i]![near] as number,
        farthest: groups.labels[far] as string,
        farthestSimilarity: groups.matrix[i]![far] as number,
      },
    ];
  });
}
