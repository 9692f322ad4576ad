/**
 * Notebook 07's comparison of models trained on the same split (MF and the neural model): one row of quality and
 * cost per model, and one row of embedding structure per model (by the dataset's labels when it has them).
 */
import type { DataSplit } from "../data/types";
import type { TrainedModel } from "../model/types";
import { labelsByIndex, type DatasetLabels } from "../data/labels";
import { evaluateModelQuality } from "../evaluate/model-quality";
import { centredRows, itemEmbeddings, userEmbeddings, type EmbeddingMatrix } from "../analysis/embeddings";
import { groupSimilarity } from "../analysis/groups";
import { meanNearestSimilarity } from "../analysis/neighbours";
import { pca } from "../analysis/pca";
import { InvalidArgumentError } from "../errors";

/** A trained model, its display name and how long its training took (wall seconds, as the notebook measured). */
export interface ComparedModel {
  readonly name: string;
  readonly model: TrainedModel;
  readonly seconds: number;
}

export interface ComparisonRow {
  readonly model: string;
  readonly engine: string;
  readonly epochs: number;
  readonly bestEpoch: number;
  readonly valMse: number;
  readonly valRmse: number;
  readonly precisionAtK: number;
  readonly ndcgAtK: number;
  readonly recallAtK: number;
  readonly seconds: number;
  readonly msPerEpoch: number;
}

/**
 * Rating errors on `split.validation` and top-k ranking (among the items each user did not rate in training;
 * relevant = held-out rating >= 4) of each model, with its training time. Every model must be of `split`.
 */
export function compareModels(models: readonly ComparedModel[], split: DataSplit, k = 10): ComparisonRow[] {
  if (!Array.isArray(models) || models.length === 0) throw new InvalidArgumentError("models", "a non-empty array of { name, model, seconds }", models);
  return models.map(({ name, model, seconds }) => {
    const q = evaluateModelQuality(model, split, k);
    return {
      model: name,
      engine: model.backend,
      epochs: model.history.length,
      bestEpoch: model.bestEpoch,
      valMse: q.valMse,
      valRmse: q.valRmse,
      precisionAtK: q.ranking.precision,
      ndcgAtK: q.ranking.ndcg,
      recallAtK: q.ranking.recall,
      seconds,
      msPerEpoch: (1000 * seconds) / Math.max(1, model.history.length),
    };
  });
}

/** Which vectors the group analysis reads: users by their labels, else items by theirs, else users without labels. */
export type GroupSide = "users" | "items" | "none";

export interface EmbeddingStructureRow {
  readonly model: string;
  readonly side: GroupSide;
  /** Mean cosine within / across labels (null without labels). */
  readonly within: number | null;
  readonly across: number | null;
  /** The same after removing the direction all rows share (centredRows). */
  readonly centredWithin: number | null;
  readonly centredAcross: number | null;
  /** Label-free: mean cosine of each user to its nearest other user, and the variance share on PC1 + PC2. */
  readonly nearestUserCosine: number;
  readonly pc12Variance: number;
}

/** The side the labels allow (see GroupSide). */
export function groupSide(labels: DatasetLabels): GroupSide {
  return labels.users ? "users" : labels.items ? "items" : "none";
}

/** The matrix and per-row labels of `side` for a model (users when side is "none", with no labels). */
export function sideRows(
  model: Pick<TrainedModel, "weights" | "userIds" | "itemIds">,
  labels: DatasetLabels,
  side: GroupSide = groupSide(labels),
): { matrix: EmbeddingMatrix; labels: (readonly string[])[]; order: readonly string[] } {
  if (side === "items") return { matrix: itemEmbeddings(model.weights), labels: labelsByIndex(model.itemIds, labels.items), order: labels.items?.values ?? [] };
  return {
    matrix: userEmbeddings(model.weights),
    labels: side === "users" ? labelsByIndex(model.userIds, labels.users) : [],
    order: labels.users?.values ?? [],
  };
}

/**
 * How much structure each model's embeddings carry: within/across-label cosines (raw and centred) on the side
 * the labels allow, and two label-free measures on the user vectors. Runs on data without labels (nulls).
 */
export function embeddingStructureRows(
  models: readonly Pick<ComparedModel, "name" | "model">[],
  labels: DatasetLabels,
  options: { seed?: number } = {},
): EmbeddingStructureRow[] {
  if (!Array.isArray(models) || models.length === 0) throw new InvalidArgumentError("models", "a non-empty array of { name, model }", models);
  const side = groupSide(labels);
  return models.map(({ name, model }) => {
    const rows = sideRows(model, labels, side);
    const raw = side === "none" ? null : groupSimilarity(rows.matrix, rows.labels, rows.order);
    const centred = side === "none" ? null : groupSimilarity(centredRows(rows.matrix), rows.labels, rows.order);
    const U = userEmbeddings(model.weights);
    const p = pca(U, { seed: options.seed ?? 1 });
    return {
      model: name,
      side,
      within: raw?.within ?? null,
      across: raw?.across ?? null,
      centredWithin: centred?.within ?? null,
      centredAcross: centred?.across ?? null,
      nearestUserCosine: meanNearestSimilarity(U),
      pc12Variance: (p.explainedRatio[0] ?? 0) + (p.explainedRatio[1] ?? 0),
    };
  });
}

/** Below this gap (within - across, raw or centred), vectors show at most a trace of structure by the labels. */
export const STRUCTURE_GAP = 0.05;

function describeStructure(candidate: string, reference: string, gapC: number, gapR: number): string {
  const c = gapC > STRUCTURE_GAP,
    r = gapR > STRUCTURE_GAP;
  if (c && r)
    return gapC < gapR
      ? `${candidate}'s vectors still show the groups, less sharply than those of ${reference}.`
      : `${candidate}'s vectors still show the groups, at least as sharply as those of ${reference}.`;
  if (c) return `${candidate}'s vectors show the groups, ${reference}'s hardly (gap below ${STRUCTURE_GAP}).`;
  if (r) return `${candidate}'s vectors show at most a trace of the groups (gap below ${STRUCTURE_GAP}), unlike those of ${reference}.`;
  return `neither model's vectors show more than a trace of structure by these labels (gaps below ${STRUCTURE_GAP}).`;
}

/** Differences below these count as "about the same": validation MSE (absolute) and NDCG@10 (relative). */
export const SAME_MSE = 0.005;
export const SAME_RANKING = 0.05;

/**
 * The verdict of the comparison, computed from the measurements (never written in advance): which model predicts
 * ratings better, which ranks better, what each costs per epoch, and whether the candidate's embeddings keep the
 * reference's group structure. `candidate` and `reference` name rows of both tables.
 */
export function comparisonVerdict(rows: readonly ComparisonRow[], structure: readonly EmbeddingStructureRow[], candidate: string, reference: string): string[] {
  const find = <T extends { model: string }>(xs: readonly T[], name: string, what: string): T => {
    const x = xs.find((r) => r.model === name);
    if (!x)
      throw new InvalidArgumentError(
        what,
        `a row named ${JSON.stringify(name)}`,
        xs.map((r) => r.model),
      );
    return x;
  };
  const c = find(rows, candidate, "rows"),
    r = find(rows, reference, "rows");
  const cs = find(structure, candidate, "structure"),
    rs = find(structure, reference, "structure");
  const f4 = (x: number) => x.toFixed(4),
    better = (a: number, b: number, lowIsGood: boolean) => (lowIsGood ? a < b : a > b);
  const lines = [
    `Rating prediction: ${candidate} reaches validation MSE ${f4(c.valMse)} against ${f4(r.valMse)} for ${reference}: ` +
      (Math.abs(c.valMse - r.valMse) < SAME_MSE
        ? `about the same (within ${SAME_MSE})`
        : `${better(c.valMse, r.valMse, true) ? "better" : "worse"} by ${f4(Math.abs(c.valMse - r.valMse))}`) +
      ` (RMSE ${f4(c.valRmse)} vs ${f4(r.valRmse)}).`,
    `Ranking: precision@10 ${f4(c.precisionAtK)} vs ${f4(r.precisionAtK)}, NDCG@10 ${f4(c.ndcgAtK)} vs ${f4(r.ndcgAtK)}: ` +
      (Math.abs(c.ndcgAtK - r.ndcgAtK) <= SAME_RANKING * Math.max(c.ndcgAtK, r.ndcgAtK)
        ? `about the same (NDCG within ${100 * SAME_RANKING} %).`
        : better(c.ndcgAtK, r.ndcgAtK, false)
          ? `${candidate} ranks better.`
          : `${candidate} ranks worse.`),
    `Cost: ${c.msPerEpoch.toFixed(0)} ms per epoch on ${c.engine} against ${r.msPerEpoch.toFixed(1)} ms on ${r.engine} (${(c.msPerEpoch / Math.max(1e-9, r.msPerEpoch)).toFixed(0)}x), ${c.epochs} and ${r.epochs} epochs, ${c.seconds.toFixed(1)} s and ${r.seconds.toFixed(1)} s in all.`,
  ];
  if (cs.within !== null && rs.within !== null && cs.across !== null && rs.across !== null) {
    const gc = cs.within - cs.across,
      gr = rs.within - rs.across;
    const gcc = (cs.centredWithin ?? 0) - (cs.centredAcross ?? 0),
      grc = (rs.centredWithin ?? 0) - (rs.centredAcross ?? 0);
    lines.push(
      `Embeddings by label (${cs.side}): within ${cs.within.toFixed(3)} / across ${cs.across.toFixed(3)} for ${candidate} (gap ${gc.toFixed(3)}; centred ${gcc.toFixed(3)}), ` +
        `${rs.within.toFixed(3)} / ${rs.across.toFixed(3)} for ${reference} (gap ${gr.toFixed(3)}; centred ${grc.toFixed(3)}): ` +
        describeStructure(candidate, reference, Math.max(gc, gcc), Math.max(gr, grc)),
    );
  } else {
    lines.push(
      `No labels: nearest-user cosine ${cs.nearestUserCosine.toFixed(3)} vs ${rs.nearestUserCosine.toFixed(3)}, variance on PC1+PC2 ${cs.pc12Variance.toFixed(3)} vs ${rs.pc12Variance.toFixed(3)}.`,
    );
  }
  return lines;
}
