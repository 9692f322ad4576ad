/** Facts the notebooks state about their data and training: an order-free data fingerprint, gaps in raw IDs, optimiser steps per epoch. */
import type { Dataset, Interaction } from "../data/types";
import type { LabelSet } from "../data/labels";
import { compareIds } from "../data/idmap";
import { fingerprintInteractions } from "../data/indexed";
import { InvalidArgumentError } from "../errors";

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

/** How the ratings spread over users and items: per-user and per-item counts (min, median, max), density, mean rating. */
export function ratingSpread(dataset: Pick<Dataset, "interactions" | "users" | "items">): {
  perUser: { min: number; median: number; max: number };
  perItem: { min: number; median: number; max: number };
  density: number;
  meanRating: number;
} {
  const byUser = new Map<string, number>(),
    byItem = new Map<string, number>();
  let sum = 0;
  for (const r of dataset.interactions) {
    byUser.set(r.userId, (byUser.get(r.userId) ?? 0) + 1);
    byItem.set(r.itemId, (byItem.get(r.itemId) ?? 0) + 1);
    sum += r.rating;
  }
  const stats = (m: Map<string, number>) => {
    const v = [...m.values()].sort((a, b) => a - b);
    return {
      min: v[0] ?? 0,
      median: v.length === 0 ? 0 : v.length % 2 ? (v[(v.length - 1) / 2] as number) : ((v[v.length / 2 - 1] as number) + (v[v.length / 2] as number)) / 2,
      max: v[v.length - 1] ?? 0,
    };
  };
  const cells = dataset.users.length * dataset.items.length;
  return {
    perUser: stats(byUser),
    perItem: stats(byItem),
    density: cells === 0 ? 0 : dataset.interactions.length / cells,
    meanRating: sum / dataset.interactions.length,
  };
}

/**
 * Per item label (and per user label when `userLabels` is given): items carrying it, their ratings and mean rating.
 * An item with several labels counts under each.
 */
export function labelRatingSummary(
  interactions: readonly Interaction[],
  itemLabels: LabelSet,
  userLabels?: LabelSet,
): { userLabel?: string; label: string; items: number; ratings: number; meanRating: number }[] {
  const acc = new Map<string, { items: Set<string>; n: number; sum: number }>();
  const key = (u: string | undefined, l: string) => `${u ?? ""}\u0000${l}`;
  for (const r of interactions) {
    const us = userLabels ? (userLabels.of.get(r.userId) ?? []) : [undefined];
    for (const u of us) {
      for (const l of itemLabels.of.get(r.itemId) ?? []) {
        const a = acc.get(key(u, l)) ?? { items: new Set<string>(), n: 0, sum: 0 };
        a.items.add(r.itemId);
        a.n++;
        a.sum += r.rating;
        acc.set(key(u, l), a);
      }
    }
  }
  const out: { userLabel?: string; label: string; items: number; ratings: number; meanRating: number }[] = [];
  for (const u of userLabels ? userLabels.values : [undefined]) {
    for (const l of itemLabels.values) {
      const a = acc.get(key(u, l));
      if (!a) continue;
      out.push({ ...(u === undefined ? {} : { userLabel: u }), label: l, items: a.items.size, ratings: a.n, meanRating: a.sum / a.n });
    }
  }
  return out;
}
