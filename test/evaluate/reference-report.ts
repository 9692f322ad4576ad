/**
 * Test oracle: `ewb evaluate`'s library functions as they were before they moved onto columnar rows (main at
 * 5434ec1: src/evaluate/report.ts, ranking.ts, categories.ts, src/data/split.ts, stratified-split.ts), frozen
 * here, object for object: a Set of relevant items per user, one list per user, every method's top-k from the
 * scorer (no bias-only shortcut), the splits from the row arrays. The new path must give exactly their results.
 */
import type { Dataset, DataSplit, Interaction } from "../../src/data/types";
import type { MfWeights, RecordedSplit } from "../../src/model/types";
import type { RecommenderModel } from "../../src/recommend/types";
import { indexInteractions, type IndexedRatings } from "../../src/data/indexed";
import { ratedItemsFromRows, hasRated, type RatedItems } from "../../src/model/rated-items";
import { ItemScorer } from "../../src/recommend/scorer";
import { predictUnchecked } from "../../src/model/predict";
import { itemCategoryLabels, userGroupLabels } from "../../src/analysis/groups";
import { mae, rmse } from "../../src/evaluate/rating";
import { fitBiasOnly, globalMeanWeights, popularityWeights } from "../../src/evaluate/baselines";
import { preferredCategories } from "../../src/data/generate";
import { createRng } from "../../src/random";
import { NumpyRandom, roundHalfEven } from "../../src/data/stratified-split";
import type { EvaluationReport, EvaluationRow } from "../../src/evaluate/report";

// ---- splits (array forms) ----
function partition(data: readonly Interaction[], held: Uint8Array): DataSplit {
  const train: Interaction[] = [],
    validation: Interaction[] = [];
  data.forEach((r, i) => (held[i] ? validation : train).push(r));
  return { train, validation };
}

export function refRandomSplit(data: readonly Interaction[], fraction: number, seed: number): DataSplit {
  const n = data.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  createRng(seed).shuffle(order);
  const held = new Uint8Array(n);
  const k = Math.round(fraction * n);
  for (let j = 0; j < k; j++) held[order[j]!] = 1;
  return partition(data, held);
}

export function refPerUserSplit(data: readonly Interaction[], fraction: number, seed: number, minTrain = 1): DataSplit {
  const n = data.length;
  const index = new Map<string, number>();
  const userOf = new Int32Array(n);
  data.forEach((r, i) => {
    let u = index.get(r.userId);
    if (u === undefined) {
      u = index.size;
      index.set(r.userId, u);
    }
    userOf[i] = u;
  });
  const numUsers = index.size;
  const offsets = new Int32Array(numUsers + 1);
  const firstRow = new Int32Array(numUsers).fill(-1);
  for (let r = 0; r < n; r++) {
    const u = userOf[r]!;
    offsets[u + 1]!++;
    if (firstRow[u] === -1) firstRow[u] = r;
  }
  for (let u = 0; u < numUsers; u++) offsets[u + 1]! += offsets[u]!;
  const fill = offsets.slice(0, numUsers);
  const rowsByUser = new Int32Array(n);
  for (let r = 0; r < n; r++) rowsByUser[fill[userOf[r]!]!++] = r;
  const users = Array.from({ length: numUsers }, (_, u) => u).filter((u) => firstRow[u] !== -1);
  users.sort((a, b) => firstRow[a]! - firstRow[b]!);
  const rng = createRng(seed);
  const held = new Uint8Array(n);
  for (const u of users) {
    const rows = rowsByUser.subarray(offsets[u]!, offsets[u + 1]!);
    const k = Math.min(Math.round(fraction * rows.length), Math.max(0, rows.length - minTrain));
    rng.shuffle(rows);
    for (let j = 0; j < k; j++) held[rows[j]!] = 1;
  }
  return partition(data, held);
}

export function refStratifiedAssignment(groups: Int32Array, ratio: number, seed: number, minRows = 1): Uint8Array {
  const n = groups.length;
  let numGroups = 0;
  for (let r = 0; r < n; r++) if (groups[r]! >= numGroups) numGroups = groups[r]! + 1;
  const count = new Int32Array(numGroups);
  for (let r = 0; r < n; r++) count[groups[r]!]!++;
  const out = new Uint8Array(n);
  const rng = new NumpyRandom(seed);
  const draw = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    if (count[groups[r]!]! < minRows) out[r] = 2;
    else draw[r] = rng.randomSample();
  }
  const start = new Int32Array(numGroups + 1);
  for (let g = 0; g < numGroups; g++) start[g + 1] = start[g]! + count[g]!;
  const fill = start.slice(0, numGroups);
  const rows = new Int32Array(n);
  for (let r = 0; r < n; r++) rows[fill[groups[r]!]!++] = r;
  for (let g = 0; g < numGroups; g++) {
    const c = count[g]!;
    if (c === 0 || c < minRows) continue;
    const part = Array.from(rows.subarray(start[g]!, start[g + 1]!));
    part.sort((a, b) => draw[a]! - draw[b]! || a - b);
    const keep = roundHalfEven(ratio * c);
    for (let k = keep; k < c; k++) out[part[k]!] = 1;
  }
  return out;
}

export function refStratifiedSplit(data: readonly Interaction[], ratio: number, seed: number, by: "user" | "item"): DataSplit {
  const index = new Map<string, number>();
  const groups = new Int32Array(data.length);
  data.forEach((row, r) => {
    const key = by === "user" ? row.userId : row.itemId;
    let g = index.get(key);
    if (g === undefined) {
      g = index.size;
      index.set(key, g);
    }
    groups[r] = g;
  });
  const part = refStratifiedAssignment(groups, ratio, seed);
  const train: Interaction[] = [],
    validation: Interaction[] = [];
  data.forEach((row, r) => {
    if (part[r] === 0) train.push(row);
    else if (part[r] === 1) validation.push(row);
  });
  return { train, validation };
}

export function refRecreateSplit(record: RecordedSplit, data: readonly Interaction[]): DataSplit {
  switch (record.kind) {
    case "random":
      return refRandomSplit(data, record.fraction, record.seed);
    case "per-user":
      return refPerUserSplit(data, record.fraction, record.seed, record.minTrainPerUser ?? 1);
    case "stratified":
      return refStratifiedSplit(data, 1 - record.fraction, record.seed, record.by);
    default:
      throw new Error("not re-creatable");
  }
}

export function refSplitByModel(model: RecommenderModel, interactions: readonly Interaction[]): { train: Interaction[]; heldOut: Interaction[] } {
  const train: Interaction[] = [],
    heldOut: Interaction[] = [];
  for (const r of interactions) {
    const u = model.userIds.indexOrMinusOne(r.userId),
      i = model.itemIds.indexOrMinusOne(r.itemId);
    if (u >= 0 && i >= 0 && hasRated(model.ratedItems, u, i)) train.push(r);
    else heldOut.push(r);
  }
  return { train, heldOut };
}

// ---- ranking metrics (Sets) ----
function hitsAt(list: ArrayLike<number>, relevant: ReadonlySet<number>, n: number): number {
  let h = 0;
  for (let j = 0; j < n; j++) if (relevant.has(list[j] as number)) h++;
  return h;
}
const precisionAtK = (list: ArrayLike<number>, rel: ReadonlySet<number>, k: number): number => hitsAt(list, rel, Math.min(k, list.length)) / k;
const recallAtK = (list: ArrayLike<number>, rel: ReadonlySet<number>, k: number): number =>
  rel.size === 0 ? 0 : hitsAt(list, rel, Math.min(k, list.length)) / rel.size;
const hitAtK = (list: ArrayLike<number>, rel: ReadonlySet<number>, k: number): number => (hitsAt(list, rel, Math.min(k, list.length)) > 0 ? 1 : 0);
function ndcgAtK(list: ArrayLike<number>, rel: ReadonlySet<number>, k: number): number {
  const n = Math.min(k, list.length);
  let dcg = 0;
  for (let j = 0; j < n; j++) if (rel.has(list[j] as number)) dcg += 1 / Math.log2(j + 2);
  let ideal = 0;
  for (let j = 0; j < Math.min(k, rel.size); j++) ideal += 1 / Math.log2(j + 2);
  return ideal === 0 ? 0 : dcg / ideal;
}

export function refRankingMetrics(lists: readonly (ArrayLike<number> | null)[], relevant: readonly ReadonlySet<number>[], k: number, numItems: number) {
  let users = 0,
    p = 0,
    r = 0,
    nd = 0,
    h = 0;
  const seen = new Uint8Array(numItems);
  let covered = 0;
  for (let u = 0; u < lists.length; u++) {
    const list = lists[u];
    if (list === null || list === undefined) continue;
    const n = Math.min(k, list.length);
    for (let j = 0; j < n; j++) {
      const i = list[j] as number;
      if (i === -1) continue;
      if (seen[i] === 0) {
        seen[i] = 1;
        covered++;
      }
    }
    const rel = relevant[u]!;
    if (rel.size === 0) continue;
    users++;
    p += precisionAtK(list, rel, k);
    r += recallAtK(list, rel, k);
    nd += ndcgAtK(list, rel, k);
    h += hitAtK(list, rel, k);
  }
  const mean = (x: number): number => (users === 0 ? NaN : x / users);
  return { users, precision: mean(p), recall: mean(r), ndcg: mean(nd), hitRate: mean(h), coverage: covered / numItems };
}

function refCategoryShare(
  lists: readonly (ArrayLike<number> | null)[],
  userGroups: readonly (string | undefined)[],
  itemCategories: readonly (string | undefined)[],
): number {
  const preferred = preferredCategories();
  let total = 0,
    users = 0;
  for (let u = 0; u < lists.length; u++) {
    const g = userGroups[u],
      list = lists[u];
    if (typeof g !== "string" || !list) continue;
    const pref = preferred[g]!;
    let n = 0,
      inPref = 0;
    for (let j = 0; j < list.length; j++) {
      const i = list[j] as number;
      if (i < 0) continue;
      n++;
      const c = itemCategories[i];
      if (typeof c === "string" && pref.includes(c)) inPref++;
    }
    if (n === 0) continue;
    total += inPref / n;
    users++;
  }
  return users === 0 ? NaN : total / users;
}

/** Every user's top-k from the scorer (the kernel path for every weights, as before). */
export function refTopNAllUsers(w: MfWeights, k: number, exclude: RatedItems): { items: Int32Array; counts: Int32Array } {
  const users = Int32Array.from({ length: w.numUsers }, (_, u) => u);
  const items = new Int32Array(w.numUsers * k).fill(-1),
    scores = new Float64Array(w.numUsers * k).fill(NaN),
    counts = new Int32Array(w.numUsers);
  new ItemScorer(w).topNMany(w.userFactors, w.userBias, users, k, exclude, items, scores, counts);
  return { items, counts };
}

function predictAll(w: MfWeights, test: IndexedRatings): Float64Array {
  const out = new Float64Array(test.length);
  for (let r = 0; r < test.length; r++) out[r] = predictUnchecked(w, test.users[r]!, test.items[r]!);
  return out;
}

/** The old evaluateModel, minus its argument checks (the tests compare reports of valid input). */
export function refEvaluateModel(
  model: RecommenderModel,
  train: readonly Interaction[],
  heldOut: readonly Interaction[],
  options: { k?: number; relevanceThreshold?: number; dataset?: Pick<Dataset, "users" | "items"> } = {},
): EvaluationReport {
  const k = options.k ?? 10;
  const threshold = options.relevanceThreshold ?? 4;
  const w = model.weights;
  const trainIdx = indexInteractions(train, model.userIds, model.itemIds, { skipUnknown: true });
  const test = indexInteractions(heldOut, model.userIds, model.itemIds, { skipUnknown: true });
  const relevant: Set<number>[] = Array.from({ length: w.numUsers }, () => new Set<number>());
  for (let r = 0; r < test.length; r++) if (test.ratings[r]! >= threshold) relevant[test.users[r]!]!.add(test.items[r]!);
  const exclude = ratedItemsFromRows(trainIdx.users, trainIdx.items, w.numUsers, trainIdx.length);
  let labels: { groups: (string | undefined)[]; cats: (string | undefined)[] } | undefined;
  if (options.dataset) {
    const groups = userGroupLabels(model.userIds, options.dataset),
      cats = itemCategoryLabels(model.itemIds, options.dataset);
    if (groups.some((g) => g !== undefined) && cats.some((c) => c !== undefined)) labels = { groups, cats };
  }
  const methods = [
    { method: "matrix factorisation", weights: w, rates: true, ranks: true },
    { method: "bias-only baseline", weights: fitBiasOnly(trainIdx, w.numUsers, w.numItems), rates: true, ranks: true },
    { method: "global mean baseline", weights: globalMeanWeights(trainIdx, w.numUsers, w.numItems), rates: true, ranks: false },
    { method: "popularity baseline", weights: popularityWeights(trainIdx, w.numUsers, w.numItems), rates: false, ranks: true },
  ];
  const rows: EvaluationRow[] = methods.map((m) => {
    let r: number | null = null,
      a: number | null = null;
    if (m.rates) {
      const pred = predictAll(m.weights, test);
      r = rmse(pred, test.ratings);
      a = mae(pred, test.ratings);
    }
    if (!m.ranks) return { method: m.method, rmse: r, mae: a, precision: null, recall: null, ndcg: null, hitRate: null, coverage: null, categoryShare: null };
    const top = refTopNAllUsers(m.weights, k, exclude);
    const lists = Array.from({ length: w.numUsers }, (_, u) => top.items.subarray(u * k, u * k + top.counts[u]!));
    const rm = refRankingMetrics(lists, relevant, k, w.numItems);
    const share = labels ? refCategoryShare(lists, labels.groups, labels.cats) : null;
    return {
      method: m.method,
      rmse: r,
      mae: a,
      precision: rm.precision,
      recall: rm.recall,
      ndcg: rm.ndcg,
      hitRate: rm.hitRate,
      coverage: rm.coverage,
      categoryShare: share,
    };
  });
  const rankedUsers = relevant.filter((s) => s.size > 0).length;
  const notes: string[] = [];
  const mf = rows[0]!,
    pop = rows[3]!,
    bias = rows[1]!;
  if (mf.precision !== null && pop.precision !== null && pop.precision > mf.precision)
    notes.push(
      `Popularity ranks better than the model: precision@${k} ${pop.precision.toFixed(4)} vs ${mf.precision.toFixed(4)}. ` +
        "An MSE-trained model optimises rating error, not ranking, and is known to lose to popularity on top-k metrics.",
    );
  if (mf.rmse !== null && bias.rmse !== null && bias.rmse <= mf.rmse)
    notes.push(`The bias-only baseline predicts ratings as well as or better than the model: RMSE ${bias.rmse.toFixed(4)} vs ${mf.rmse.toFixed(4)}.`);
  return { k, relevanceThreshold: threshold, heldOut: test.length, skippedUnknown: heldOut.length - test.length, rankedUsers, rows, notes };
}
