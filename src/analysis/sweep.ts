/** Trains several settings and tabulates group structure next to validation error: the blog's 0.89/0.21 is a setting, not a law. */
import type { Dataset, DataSplit } from "../data/types";
import type { EpochRecord, Hyperparameters, TrainedModel } from "../model/types";
import { trainModel } from "../model/train";
import { InvalidArgumentError } from "../errors";
import { embeddingStructure } from "./structure";

/** One configuration to train. */
export interface SweepSetting {
  readonly label: string;
  readonly hyper: Partial<Hyperparameters>;
}

/** One row of the sweep table. */
export interface SweepRow {
  readonly label: string;
  readonly hyper: Hyperparameters;
  readonly finalValMse: number;
  readonly bestValMse: number;
  readonly bestEpoch: number;
  readonly trainSeconds: number;
  readonly userWithin: number;
  readonly userAcross: number;
  readonly itemWithin: number;
  readonly itemAcross: number;
  readonly userKnnPurity: number;
  readonly userSilhouette: number;
}

/**
 * The settings of the reference measurements (the PyTorch runs A1, A2, A3, B2, B3, B4 that the blog's claims were
 * checked with, outside this repository), 50 epochs each: similar validation MSE, very different raw cosines.
 */
export const REFERENCE_SWEEP: readonly SweepSetting[] = [
  { label: "A1 batch 256, lr 1e-3, l2 1e-5", hyper: { batchSize: 256, learningRate: 1e-3, l2: 1e-5 } },
  { label: "A2 batch 256, lr 1e-2, l2 1e-5", hyper: { batchSize: 256, learningRate: 1e-2, l2: 1e-5 } },
  { label: "A3 batch 256, lr 1e-3, l2 2e-4 (blog style)", hyper: { batchSize: 256, learningRate: 1e-3, l2: 2e-4 } },
  { label: "B2 batch 4096, lr 3e-3, l2 2e-4", hyper: { batchSize: 4096, learningRate: 3e-3, l2: 2e-4 } },
  { label: "B3 batch 8192, lr 5e-3, l2 2e-4", hyper: { batchSize: 8192, learningRate: 5e-3, l2: 2e-4 } },
  { label: "B4 full batch, lr 0.07, l2 3e-4", hyper: { batchSize: 0, learningRate: 0.07, l2: 3e-4 } },
];

export interface SweepOptions {
  /** Neighbours for kNN purity (default 10). */
  readonly k?: number;
  /** Training backend (default: the trainer's choice). */
  readonly backend?: string;
  /** Called after each setting, e.g. to show progress in a notebook. */
  readonly onRow?: (row: SweepRow, model: TrainedModel) => void;
}

/**
 * Trains every setting on the same split (same seed unless a setting says otherwise) and measures the user and item
 * group structure of each result. Needs a dataset with group labels (the synthetic data).
 */
export async function sweepStructure(
  split: DataSplit,
  dataset: Dataset,
  settings: readonly SweepSetting[] = REFERENCE_SWEEP,
  options: SweepOptions = {},
): Promise<SweepRow[]> {
  if (!Array.isArray(settings) || settings.length === 0) throw new InvalidArgumentError("settings", "a non-empty array of {label, hyper}", settings);
  settings.forEach((s, j) => {
    if (typeof s !== "object" || s === null || typeof s.label !== "string" || typeof s.hyper !== "object" || s.hyper === null) {
      throw new InvalidArgumentError(`settings[${j}]`, "a {label, hyper} object", s);
    }
  });
  if (options.onRow !== undefined && typeof options.onRow !== "function") throw new InvalidArgumentError("options.onRow", "a function", options.onRow);
  const rows: SweepRow[] = [];
  for (const s of settings) {
    const model = await trainModel(split, dataset, s.hyper, options.backend === undefined ? {} : { backend: options.backend });
    const st = embeddingStructure(model, dataset, options.k === undefined ? {} : { k: options.k });
    const h = model.history;
    const best = h.reduce<EpochRecord | undefined>((b, r) => (b === undefined || r.valLoss < b.valLoss ? r : b), undefined);
    const row: SweepRow = {
      label: s.label,
      hyper: model.hyperparameters,
      finalValMse: h.length ? (h[h.length - 1] as EpochRecord).valLoss : NaN,
      bestValMse: best ? best.valLoss : NaN,
      bestEpoch: best ? best.epoch : -1,
      trainSeconds: h.reduce((t, r) => t + r.seconds, 0),
      userWithin: st.userWithin,
      userAcross: st.userAcross,
      itemWithin: st.itemWithin,
      itemAcross: st.itemAcross,
      userKnnPurity: st.userKnnPurity,
      userSilhouette: st.userSilhouette,
    };
    rows.push(row);
    options.onRow?.(row, model);
  }
  return rows;
}
