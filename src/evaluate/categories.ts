/** For the synthetic data: how much of each user's top-N falls in the item categories the user's group prefers. */
import { InvalidArgumentError } from "../errors";
import { preferredCategories } from "../data/generate";

export interface CategoryShare {
  /** Mean over users with a known group of the share of their (non-padding) list in a preferred category. */
  readonly share: number;
  readonly byGroup: Readonly<Record<string, number>>;
  readonly users: number;
}

/**
 * Share of recommended items in the user's group's preferred categories (tech -> tech; fashion -> fashion,
 * fashion+sports; sports -> sports, fashion+sports by default). Users without a group or without a list are skipped.
 */
export function preferredCategoryShare(
  lists: readonly (ArrayLike<number> | null | undefined)[],
  userGroups: readonly (string | undefined | null)[],
  itemCategories: readonly (string | undefined | null)[],
  preferred: Readonly<Record<string, readonly string[]>> = preferredCategories(),
): CategoryShare {
  if (!Array.isArray(lists)) throw new InvalidArgumentError("lists", "an array of item-index lists, one per user", lists);
  if (!Array.isArray(userGroups) || userGroups.length !== lists.length)
    throw new InvalidArgumentError("userGroups", `an array of ${lists.length} groups`, userGroups);
  if (!Array.isArray(itemCategories)) throw new InvalidArgumentError("itemCategories", "an array of categories, one per item", itemCategories);
  let total = 0,
    users = 0;
  const sum: Record<string, number> = {},
    cnt: Record<string, number> = {};
  for (let u = 0; u < lists.length; u++) {
    const g = userGroups[u],
      list = lists[u];
    if (typeof g !== "string" || !list) continue;
    const pref = preferred[g];
    if (!pref)
      throw new InvalidArgumentError(
        `userGroups[${u}]`,
        `one of ${Object.keys(preferred)
          .map((k) => JSON.stringify(k))
          .join(", ")}`,
        g,
      );
    let n = 0,
      inPref = 0;
    for (let j = 0; j < list.length; j++) {
      const i = list[j] as number;
      if (i < 0) continue;
      if (i >= itemCategories.length) throw new InvalidArgumentError(`lists[${u}][${j}]`, `an item index in [0, ${itemCategories.length})`, i);
      n++;
      const c = itemCategories[i];
      if (typeof c === "string" && pref.includes(c)) inPref++;
    }
    if (n === 0) continue;
    const s = inPref / n;
    total += s;
    users++;
    sum[g] = (sum[g] ?? 0) + s;
    cnt[g] = (cnt[g] ?? 0) + 1;
  }
  const byGroup: Record<string, number> = {};
  for (const g of Object.keys(sum).sort()) byGroup[g] = (sum[g] as number) / (cnt[g] as number);
  return { share: users === 0 ? NaN : total / users, byGroup, users };
}
