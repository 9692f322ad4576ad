/** The synthetic generator's ground truth: exact rating moments per group, the Bayes-optimal predictor and noise floor, realised group summaries. */
import { InvalidArgumentError } from "../errors";
import { calibrateLatentMean, discreteMoments, preferredCategories, resolveGeneratorOptions, type GeneratorOptions } from "./generate";
import type { Dataset, Interaction } from "./types";

/** Per group: the calibrated latent mean and the exact moments of the discretised ratings. */
export interface GroupTruth {
  readonly name: string;
  readonly latentMean: number;
  readonly preferredMean: number;
  readonly preferredVariance: number;
  readonly otherMean: number;
  readonly otherVariance: number;
}

/** The generator's truth per group: calibrated latent mean and exact rating moments (preferred and other items). */
export function groundTruth(options: Partial<GeneratorOptions> = {}): GroupTruth[] {
  const o = resolveGeneratorOptions(options);
  const other = discreteMoments(o.otherMean, o.otherSd);
  return o.groups.map((g) => {
    const latentMean = calibrateLatentMean(g.targetMean, o.preferredSd);
    const m = discreteMoments(latentMean, o.preferredSd);
    return { name: g.name, latentMean, preferredMean: m.mean, preferredVariance: m.variance, otherMean: other.mean, otherVariance: other.variance };
  });
}

/** Whether a group prefers a category's items under these options (false for unknown names). */
export function groupPrefersCategory(group: string, category: string, options: Partial<GeneratorOptions> = {}): boolean {
  return preferredCategories(options)[group]?.includes(category) ?? false;
}

/**
 * The Bayes-optimal predictor of the generator: E[rating | user group, item category]. No model can beat
 * it in expected squared error, so it gives the floor a trained model's validation MSE approaches.
 * Unknown group or category throws.
 */
export function bayesOptimalPredictor(options: Partial<GeneratorOptions> = {}): (group: string, category: string) => number {
  const o = resolveGeneratorOptions(options);
  const truth = groundTruth(o);
  return (group, category) => {
    const k = o.groups.findIndex((g) => g.name === group);
    if (k < 0) throw new InvalidArgumentError("group", `one of ${o.groups.map((g) => JSON.stringify(g.name)).join(", ")}`, group);
    if (!o.categories.some((c) => c.category === category)) {
      throw new InvalidArgumentError("category", `one of ${o.categories.map((c) => JSON.stringify(c.category)).join(", ")}`, category);
    }
    const t = truth[k]!;
    return groupPrefersCategory(group, category, o) ? t.preferredMean : t.otherMean;
  };
}

/**
 * The expected squared error of the Bayes-optimal predictor on these interactions (the noise floor):
 * the mean, over rows, of the rating variance given the row's group and category.
 * Every row's user and item must carry a group and category in `dataset`.
 */
export function noiseFloorMse(dataset: Dataset, interactions: readonly Interaction[] = dataset.interactions, options: Partial<GeneratorOptions> = {}): number {
  const o = resolveGeneratorOptions(options);
  const truth = groundTruth(o);
  const { groupOf, categoryOf } = truthLookups(dataset);
  let sum = 0;
  for (const r of interactions) {
    const g = groupOf.get(r.userId);
    const c = categoryOf.get(r.itemId);
    const k = o.groups.findIndex((x) => x.name === g);
    if (k < 0 || c === undefined) throw new InvalidArgumentError(`ground truth of (${r.userId}, ${r.itemId})`, "a known group and category", `${g}/${c}`);
    const t = truth[k]!;
    sum += groupPrefersCategory(g!, c, o) ? t.preferredVariance : t.otherVariance;
  }
  return interactions.length === 0 ? NaN : sum / interactions.length;
}

/** Realised statistics of one group in a dataset. */
export interface GroupSummary {
  readonly group: string;
  readonly users: number;
  readonly interactions: number;
  /** Mean rating on the group's preferred items (NaN when there are none). */
  readonly meanPreferred: number;
  /** Mean rating on all other items (NaN when there are none). */
  readonly meanOther: number;
}

/** Per-group realised counts and means, from the records' ground-truth group and category. */
export function summariseGroups(dataset: Dataset, options: Partial<GeneratorOptions> = {}): GroupSummary[] {
  const o = resolveGeneratorOptions(options);
  const { groupOf, categoryOf } = truthLookups(dataset);
  const acc = new Map<string, { users: number; n: number; sp: number; np: number; so: number; no: number }>();
  for (const g of o.groups) acc.set(g.name, { users: 0, n: 0, sp: 0, np: 0, so: 0, no: 0 });
  for (const u of dataset.users) if (u.group !== undefined && acc.has(u.group)) acc.get(u.group)!.users++;
  for (const r of dataset.interactions) {
    const g = groupOf.get(r.userId);
    const a = g === undefined ? undefined : acc.get(g);
    if (!a) continue;
    a.n++;
    if (groupPrefersCategory(g!, categoryOf.get(r.itemId) ?? "", o)) {
      a.sp += r.rating;
      a.np++;
    } else {
      a.so += r.rating;
      a.no++;
    }
  }
  return o.groups.map((g) => {
    const a = acc.get(g.name)!;
    return { group: g.name, users: a.users, interactions: a.n, meanPreferred: a.np ? a.sp / a.np : NaN, meanOther: a.no ? a.so / a.no : NaN };
  });
}

function truthLookups(dataset: Dataset): { groupOf: Map<string, string>; categoryOf: Map<string, string> } {
  const groupOf = new Map<string, string>();
  for (const u of dataset.users) if (u.group !== undefined) groupOf.set(u.userId, u.group);
  const categoryOf = new Map<string, string>();
  for (const i of dataset.items) if (i.category !== undefined) categoryOf.set(i.itemId, i.category);
  return { groupOf, categoryOf };
}
