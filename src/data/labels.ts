/**
 * What a dataset knows about its users and items beside the ratings: labels (the synthetic data's user groups and
 * item categories, MovieLens genres and user attributes) and item titles. The analyses group embeddings by these
 * labels; a dataset without them still trains, recommends and shows label-free structure.
 *
 * Multi-label IDs: a MovieLens film has one or more genres. An ID belongs to EVERY label it carries, so the mean
 * similarity "within Animation" averages over all pairs of distinct Animation films, whatever other genres they
 * have, and a pair of films sharing two genres counts in both genres' within-means. See analysis/groups.ts.
 */
import { InvalidArgumentError } from "../errors";
import type { IdMap } from "./idmap";
import type { Dataset } from "./types";

/** One labelling of IDs: for each ID, the labels it carries (one or several). */
export interface LabelSet {
  /** What the labels are, for captions and messages: "group", "category", "genre", "occupation". */
  readonly name: string;
  /** Every label, in display order. */
  readonly values: readonly string[];
  /** The labels of each ID, in `values` order; an ID not in the map carries none. */
  readonly of: ReadonlyMap<string, readonly string[]>;
}

/** The labels a dataset carries; every field is optional. */
export interface DatasetLabels {
  /** How the analyses group users (synthetic: group). */
  readonly users?: LabelSet;
  /** How the analyses group items (synthetic: category; MovieLens: genre). */
  readonly items?: LabelSet;
  /** Further user attributes by name (MovieLens u.user: "age", "gender", "occupation"). */
  readonly userAttributes?: Readonly<Record<string, LabelSet>>;
  /** Display titles of items (MovieLens: "Toy Story (1995)"). */
  readonly itemTitles?: ReadonlyMap<string, string>;
  /** Which item labels each user label prefers, when the data was built that way (the synthetic data only). */
  readonly preferredItemLabels?: Readonly<Record<string, readonly string[]>>;
}

/**
 * A label set from (ID, labels) pairs. `order` lists labels to show first (others follow sorted); an ID's own
 * labels are kept in that order too. Empty labels are refused, naming the ID.
 */
export function labelSet(name: string, entries: Iterable<readonly [string, string | readonly string[]]>, order: readonly string[] = []): LabelSet {
  const raw = new Map<string, Set<string>>();
  const seen = new Set<string>();
  for (const [id, labels] of entries) {
    const list = typeof labels === "string" ? [labels] : labels;
    for (const l of list) {
      if (typeof l !== "string" || l.length === 0) throw new InvalidArgumentError(`${name} of ${JSON.stringify(id)}`, "a non-empty string", l);
      seen.add(l);
    }
    if (list.length === 0) continue;
    const set = raw.get(id) ?? new Set<string>();
    for (const l of list) set.add(l);
    raw.set(id, set);
  }
  const values = [...order.filter((l) => seen.has(l)), ...[...seen].filter((l) => !order.includes(l)).sort()];
  const rank = new Map(values.map((l, k) => [l, k]));
  const of = new Map<string, readonly string[]>();
  for (const [id, set] of raw)
    of.set(
      id,
      [...set].sort((a, b) => (rank.get(a) as number) - (rank.get(b) as number)),
    );
  return { name, values, of };
}

/**
 * The dataset's labels: `dataset.labels` when it has them, else the ground-truth columns its records carry
 * (`group` on users, `category` on items: the synthetic data read back from a CSV file or MySQL), else none.
 */
export function labelsOf(dataset: Pick<Dataset, "users" | "items" | "labels">): DatasetLabels {
  if (dataset.labels) return dataset.labels;
  const users = dataset.users.filter((u) => u.group !== undefined);
  const items = dataset.items.filter((i) => i.category !== undefined);
  return {
    ...(users.length > 0
      ? {
          users: labelSet(
            "group",
            users.map((u) => [u.userId, u.group as string] as const),
          ),
        }
      : {}),
    ...(items.length > 0
      ? {
          items: labelSet(
            "category",
            items.map((i) => [i.itemId, i.category as string] as const),
          ),
        }
      : {}),
  };
}

/** The labels of each index of `ids` (an empty array where an ID has none, or when there is no label set). */
export function labelsByIndex(ids: IdMap, set: LabelSet | undefined): (readonly string[])[] {
  const none: readonly string[] = [];
  return ids.toArray().map((id) => set?.of.get(id) ?? none);
}

/** Whether every labelled ID carries exactly one label (true for the synthetic data, false for MovieLens genres). */
export function isSingleLabel(set: LabelSet): boolean {
  for (const l of set.of.values()) if (l.length > 1) return false;
  return true;
}

/** The title of an item when the dataset has one, else its raw ID. */
export function itemTitle(labels: DatasetLabels, itemId: string): string {
  return labels.itemTitles?.get(itemId) ?? itemId;
}
