/**
 * "Share in the user's own categories" for data whose users carry no group: a user's own labels are the item labels
 * (genres) most common among the items that user rated highly in training. The synthetic data knows each group's
 * preferred categories instead (evaluate/categories.ts); this is the measure for everything else, e.g. MovieLens.
 */
import { InvalidArgumentError } from "../errors";
import type { RowLabels } from "./groups";

/**
 * Each user's `top` most frequent item labels among the training items they rated >= `minRating` (ties by label
 * order of first appearance in `itemLabels`' label sets); an empty list for a user with no such rating.
 */
export function usersOwnLabels(
  train: { readonly users: Int32Array; readonly items: Int32Array; readonly ratings: Float32Array; readonly length: number },
  numUsers: number,
  itemLabels: readonly RowLabels[],
  options: { top?: number; minRating?: number } = {},
): string[][] {
  const top = options.top ?? 3,
    minRating = options.minRating ?? 4;
  if (!Number.isInteger(top) || top < 1) throw new InvalidArgumentError("options.top", "an integer >= 1", top);
  const counts: Map<string, number>[] = Array.from({ length: numUsers }, () => new Map());
  for (let r = 0; r < train.length; r++) {
    if ((train.ratings[r] as number) < minRating) continue;
    const u = train.users[r] as number,
      l = itemLabels[train.items[r] as number];
    const list = l === null || l === undefined ? [] : typeof l === "string" ? [l] : l;
    const c = counts[u] as Map<string, number>;
    for (const x of list) c.set(x, (c.get(x) ?? 0) + 1);
  }
  return counts.map((c) =>
    [...c.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([x]) => x),
  );
}

/** Mean over users with own labels and a list of the share of listed items carrying at least one of the user's own labels. */
export function shareInOwnLabels(
  lists: readonly (ArrayLike<number> | null | undefined)[],
  own: readonly (readonly string[])[],
  itemLabels: readonly RowLabels[],
): { share: number; users: number } {
  if (!Array.isArray(lists) || lists.length !== own.length) throw new InvalidArgumentError("own", `one list of labels per user (${lists.length})`, own.length);
  let total = 0,
    users = 0;
  lists.forEach((list, u) => {
    const mine = own[u] as readonly string[];
    if (!list || mine.length === 0) return;
    let n = 0,
      hit = 0;
    for (let j = 0; j < list.length; j++) {
      const i = list[j] as number;
      if (i < 0) continue;
      n++;
      const l = itemLabels[i];
      const ls = l === null || l === undefined ? [] : typeof l === "string" ? [l] : l;
      if (ls.some((x) => mine.includes(x))) hit++;
    }
    if (n === 0) return;
    total += hit / n;
    users++;
  });
  return { share: users === 0 ? NaN : total / users, users };
}
