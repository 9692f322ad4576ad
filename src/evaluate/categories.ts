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
  const acc = new CategoryShareAccumulator(userGroups, itemCategories, preferred);
  for (let u = 0; u < lists.length; u++) {
    const list = lists[u];
    if (list) acc.add(u, list, 0, list.length);
  }
  return acc.result();
}

/**
 * `preferredCategoryShare` accumulated user by user (lists may stream through in blocks; nothing per user is kept).
 * Add each user's list once, in user order.
 */
export class CategoryShareAccumulator {
  private total = 0;
  private users = 0;
  private readonly sum: Record<string, number> = {};
  private readonly cnt: Record<string, number> = {};

  constructor(
    private readonly userGroups: readonly (string | undefined | null)[],
    private readonly itemCategories: readonly (string | undefined | null)[],
    private readonly preferred: Readonly<Record<string, readonly string[]>> = preferredCategories(),
  ) {
    if (!Array.isArray(itemCategories)) throw new InvalidArgumentError("itemCategories", "an array of categories, one per item", itemCategories);
  }

  /** User u's list `list[from .. from + length)` (-1 pads); skipped when the user has no group. */
  add(u: number, list: ArrayLike<number>, from: number, length: number): void {
    const g = this.userGroups[u];
    if (typeof g !== "string") return;
    const pref = this.preferred[g];
    if (!pref)
      throw new InvalidArgumentError(
        `userGroups[${u}]`,
        `one of ${Object.keys(this.preferred)
          .map((k) => JSON.stringify(k))
          .join(", ")}`,
        g,
      );
    const cats = this.itemCategories;
    let n = 0,
      inPref = 0;
    for (let j = 0; j < length; j++) {
      const i = list[from + j] as number;
      if (i < 0) continue;
      if (i >= cats.length) throw new InvalidArgumentError(`lists[${u}][${j}]`, `an item index in [0, ${cats.length})`, i);
      n++;
      const c = cats[i];
      if (typeof c === "string" && pref.includes(c)) inPref++;
    }
    if (n === 0) return;
    const s = inPref / n;
    this.total += s;
    this.users++;
    this.sum[g] = (this.sum[g] ?? 0) + s;
    this.cnt[g] = (this.cnt[g] ?? 0) + 1;
  }

  result(): CategoryShare {
    const byGroup: Record<string, number> = {};
    for (const g of Object.keys(this.sum).sort()) byGroup[g] = (this.sum[g] as number) / (this.cnt[g] as number);
    return { share: this.users === 0 ? NaN : this.total / this.users, byGroup, users: this.users };
  }
}
