/**
 * A seeded synthetic dataset with known structure: three user groups, four item categories, non-contiguous IDs.
 * What follows from the generator's design (noise floor, Bayes-optimal predictor, group summaries) is in generate-truth.ts.
 */
import { createRng, type Rng } from "../random";
import { checkInteger, checkNumber, checkString } from "../validate";
import { InvalidArgumentError } from "../errors";
import { compareIds } from "./idmap";
import { datasetFromObjects } from "./dataset";
import { RATING_MAX, RATING_MIN, type Dataset, type Interaction, type ItemRecord, type UserRecord } from "./types";
import { withDefaults } from "../util";
import { labelSet, type DatasetLabels } from "./labels";

/** The seed of the workbook's default dataset (the reference generator's seed). */
export const DEFAULT_SEED = 20240601;

/** A half-open range of item indices [start, end). */
export interface ItemRange {
  readonly start: number;
  readonly end: number;
}

/** A user group: how many users, which items they prefer, and their mean rating on those items. */
export interface GroupSpec {
  readonly name: string;
  readonly users: number;
  readonly preferred: ItemRange;
  /** The exact expected rating (after rounding and clipping) on a preferred item. */
  readonly targetMean: number;
}

/** A block of items that share a category and an ID prefix. */
export interface CategorySpec {
  readonly category: string;
  readonly range: ItemRange;
  /** Prefix of the items' raw IDs, e.g. "TECH" for TECH1005. */
  readonly prefix: string;
}

export interface GeneratorOptions {
  readonly seed: number;
  readonly groups: readonly GroupSpec[];
  /** Contiguous, in order, covering items 0..numItems-1; each lies wholly inside or outside every group's preferred range. */
  readonly categories: readonly CategorySpec[];
  /** Each user rates UniformInt[min, max] distinct items. */
  readonly interactionsPerUser: { readonly min: number; readonly max: number };
  /** Share of a user's items drawn from the preferred range (rounded per user). */
  readonly preferredShare: number;
  /** SD of the latent normal behind a preferred rating. */
  readonly preferredSd: number;
  /** Mean and SD of the latent normal behind a rating outside the preferred range. */
  readonly otherMean: number;
  readonly otherSd: number;
  /** First numeric part of user IDs ("U" + number); gaps of 0-2 numbers follow each user. */
  readonly firstUserNumber: number;
  /** First numeric part of each category's item IDs (prefix + number). */
  readonly firstItemNumber: number;
}

/** The blog's setting: tech 300 users (items 0-199, mean 4.0), fashion 300 (200-399, 4.2), sports 400 (300-499, 3.8). */
export const DEFAULT_GENERATOR_OPTIONS: GeneratorOptions = {
  seed: DEFAULT_SEED,
  groups: [
    { name: "tech", users: 300, preferred: { start: 0, end: 200 }, targetMean: 4.0 },
    { name: "fashion", users: 300, preferred: { start: 200, end: 400 }, targetMean: 4.2 },
    { name: "sports", users: 400, preferred: { start: 300, end: 500 }, targetMean: 3.8 },
  ],
  categories: [
    { category: "tech", range: { start: 0, end: 200 }, prefix: "TECH" },
    { category: "fashion", range: { start: 200, end: 300 }, prefix: "FASH" },
    { category: "fashion+sports", range: { start: 300, end: 400 }, prefix: "FSPT" },
    { category: "sports", range: { start: 400, end: 500 }, prefix: "SPRT" },
  ],
  interactionsPerUser: { min: 40, max: 60 },
  preferredShare: 0.8,
  preferredSd: 0.6,
  otherMean: 2.0,
  otherSd: 0.8,
  firstUserNumber: 10001,
  firstItemNumber: 1000,
};

/**
 * Generates the synthetic dataset. Same options (seed included), same dataset, record for record.
 * Users are grouped in blocks (tech first), their IDs increase with gaps; rows are shuffled.
 *
 * @example
 * const ds = generateSyntheticDataset({ seed: 7 });
 * ds.users.length         //=> 1000
 * ds.users[0]             //=> { userId: "U10001", group: "tech" }
 * ds.interactions.length  //=> about 50,000
 */
export function generateSyntheticDataset(options: Partial<GeneratorOptions> = {}): Dataset {
  const o = resolveGeneratorOptions(options);
  const rng = createRng(o.seed);
  // Separate child streams so the IDs do not shift when the rating model changes, and vice versa.
  const idRng = createRng(rng.nextSeed());
  const rowRng = createRng(rng.nextSeed());

  const numItems = o.categories[o.categories.length - 1]!.range.end;
  const itemIds = makeItemIds(o, idRng);

  const users: UserRecord[] = [];
  const rows: Interaction[] = [];
  let userNumber = o.firstUserNumber;
  o.groups.forEach((g) => {
    const latent = calibrateLatentMean(g.targetMean, o.preferredSd);
    const preferred = rangeArray(g.preferred.start, g.preferred.end);
    const other: number[] = [];
    for (let i = 0; i < numItems; i++) if (i < g.preferred.start || i >= g.preferred.end) other.push(i);
    for (let u = 0; u < g.users; u++) {
      const userId = `U${userNumber}`;
      userNumber += 1 + idRng.int(3);
      users.push({ userId, group: g.name });
      const { min, max } = o.interactionsPerUser;
      const n = min + rowRng.int(max - min + 1);
      const nPref = Math.min(Math.round(o.preferredShare * n), preferred.length);
      const nOther = Math.min(n - nPref, other.length);
      for (const i of sampleWithoutReplacement(preferred, nPref, rowRng)) {
        rows.push({ userId, itemId: itemIds[i]!, rating: discreteRating(latent, o.preferredSd, rowRng) });
      }
      for (const i of sampleWithoutReplacement(other, nOther, rowRng)) {
        rows.push({ userId, itemId: itemIds[i]!, rating: discreteRating(o.otherMean, o.otherSd, rowRng) });
      }
    }
  });
  // Shuffled so that files and tables are not grouped by user: a split of the first rows would be biased.
  rowRng.shuffle(rows);

  const items: ItemRecord[] = [];
  for (const c of o.categories) for (let i = c.range.start; i < c.range.end; i++) items.push({ itemId: itemIds[i]!, category: c.category });
  users.sort((a, b) => compareIds(a.userId, b.userId));
  items.sort((a, b) => compareIds(a.itemId, b.itemId));
  const labels: DatasetLabels = {
    users: labelSet(
      "group",
      users.map((u) => [u.userId, u.group as string] as const),
      o.groups.map((g) => g.name),
    ),
    items: labelSet(
      "category",
      items.map((i) => [i.itemId, i.category as string] as const),
      o.categories.map((c) => c.category),
    ),
    preferredItemLabels: preferredCategories(o),
  };
  return datasetFromObjects({ interactions: rows, users, items, source: `generated(seed=${o.seed})`, labels });
}

/**
 * The categories each group prefers: those lying wholly inside its preferred item range (with the defaults: tech ->
 * tech; fashion -> fashion, fashion+sports; sports -> fashion+sports, sports).
 */
export function preferredCategories(options: Partial<GeneratorOptions> = {}): Record<string, readonly string[]> {
  const o = resolveGeneratorOptions(options);
  return Object.fromEntries(
    o.groups.map((g) => [g.name, o.categories.filter((c) => c.range.start >= g.preferred.start && c.range.end <= g.preferred.end).map((c) => c.category)]),
  );
}

/** Fills in defaults and validates every option; throws `InvalidArgumentError` naming the bad one. */
export function resolveGeneratorOptions(options: Partial<GeneratorOptions> = {}): GeneratorOptions {
  if (options === null || typeof options !== "object") throw new InvalidArgumentError("generator options", "an object", options);
  const o: GeneratorOptions = withDefaults(DEFAULT_GENERATOR_OPTIONS, options);
  checkInteger("seed", o.seed, 0, 2 ** 32 - 1);
  if (!Array.isArray(o.categories) || o.categories.length === 0) throw new InvalidArgumentError("categories", "a non-empty array", o.categories);
  let next = 0;
  const prefixes = new Set<string>();
  o.categories.forEach((c, k) => {
    checkString(`categories[${k}].category`, c.category);
    checkString(`categories[${k}].prefix`, c.prefix);
    if (/[0-9]$/.test(c.prefix)) throw new InvalidArgumentError(`categories[${k}].prefix`, "a prefix not ending in a digit", c.prefix);
    if (prefixes.has(c.prefix)) throw new InvalidArgumentError(`categories[${k}].prefix`, "unique among categories", c.prefix);
    prefixes.add(c.prefix);
    checkInteger(`categories[${k}].range.start`, c.range?.start, next, next);
    checkInteger(`categories[${k}].range.end`, c.range.end, next + 1);
    next = c.range.end;
  });
  const numItems = next;
  if (!Array.isArray(o.groups) || o.groups.length === 0) throw new InvalidArgumentError("groups", "a non-empty array", o.groups);
  const names = new Set<string>();
  o.groups.forEach((g, k) => {
    checkString(`groups[${k}].name`, g.name);
    if (names.has(g.name)) throw new InvalidArgumentError(`groups[${k}].name`, "unique among groups", g.name);
    names.add(g.name);
    checkInteger(`groups[${k}].users`, g.users, 0);
    checkInteger(`groups[${k}].preferred.start`, g.preferred?.start, 0, numItems - 1);
    checkInteger(`groups[${k}].preferred.end`, g.preferred.end, g.preferred.start + 1, numItems);
    checkNumber(`groups[${k}].targetMean`, g.targetMean, RATING_MIN, RATING_MAX);
    if (g.targetMean <= RATING_MIN || g.targetMean >= RATING_MAX) {
      throw new InvalidArgumentError(`groups[${k}].targetMean`, `strictly between ${RATING_MIN} and ${RATING_MAX}`, g.targetMean);
    }
    // A category must be wholly preferred or wholly not by each group, so that (group, category) fixes the truth.
    for (const c of o.categories) {
      const inside = c.range.start >= g.preferred.start && c.range.end <= g.preferred.end;
      const outside = c.range.end <= g.preferred.start || c.range.start >= g.preferred.end;
      if (!inside && !outside) {
        throw new InvalidArgumentError(
          `groups[${k}].preferred`,
          `a union of whole categories (it cuts category ${JSON.stringify(c.category)})`,
          `[${g.preferred.start}, ${g.preferred.end})`,
        );
      }
    }
  });
  const ipu = o.interactionsPerUser;
  checkInteger("interactionsPerUser.min", ipu?.min, 1);
  checkInteger("interactionsPerUser.max", ipu.max, ipu.min, numItems);
  checkNumber("preferredShare", o.preferredShare, 0, 1);
  checkNumber("preferredSd", o.preferredSd, 0, Infinity, true);
  checkNumber("otherMean", o.otherMean);
  checkNumber("otherSd", o.otherSd, 0, Infinity, true);
  checkInteger("firstUserNumber", o.firstUserNumber, 0);
  checkInteger("firstItemNumber", o.firstItemNumber, 0);
  return o;
}

/** E and Var of clip(round(N(mu, sd)), 1, 5); ties in rounding have probability zero. */
export function discreteMoments(mu: number, sd: number): { mean: number; variance: number } {
  const p: number[] = [];
  for (let k = RATING_MIN; k <= RATING_MAX; k++) {
    const lo = k === RATING_MIN ? -Infinity : k - 0.5;
    const hi = k === RATING_MAX ? Infinity : k + 0.5;
    p.push(normalCdf((hi - mu) / sd) - normalCdf((lo - mu) / sd));
  }
  let mean = 0;
  p.forEach((pk, j) => (mean += (RATING_MIN + j) * pk));
  let variance = 0;
  p.forEach((pk, j) => (variance += (RATING_MIN + j - mean) ** 2 * pk));
  return { mean, variance };
}

/** The latent normal mean whose discretised rating has expectation `target` (bisection; E is increasing in mu). */
export function calibrateLatentMean(target: number, sd: number): number {
  let lo = RATING_MIN - 10 * sd,
    hi = RATING_MAX + 10 * sd;
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (discreteMoments(mid, sd).mean < target) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

function discreteRating(mu: number, sd: number, rng: Rng): number {
  const r = Math.round(mu + sd * rng.normal());
  return Math.min(RATING_MAX, Math.max(RATING_MIN, r));
}

/** Item IDs by index: per category, prefix + a number that starts at `firstItemNumber` and skips 0-2 numbers after each item. */
function makeItemIds(o: GeneratorOptions, rng: Rng): string[] {
  const ids: string[] = [];
  for (const c of o.categories) {
    let n = o.firstItemNumber;
    for (let i = c.range.start; i < c.range.end; i++) {
      ids.push(`${c.prefix}${n}`);
      n += 1 + rng.int(3);
    }
  }
  return ids;
}

/** k distinct values from `pool` (partial Fisher-Yates on a copy), in draw order. */
function sampleWithoutReplacement(pool: readonly number[], k: number, rng: Rng): number[] {
  const a = pool.slice();
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(a.length - i);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a.slice(0, k);
}

function rangeArray(start: number, end: number): number[] {
  const a: number[] = [];
  for (let i = start; i < end; i++) a.push(i);
  return a;
}

/** Standard normal CDF via erfc (W. J. Cody-style rational approximation, |error| < 1.2e-7 — ample for calibration). */
function normalCdf(x: number): number {
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Complementary error function (Numerical Recipes' erfcc, fractional error < 1.2e-7 everywhere). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
