/** What the notebooks share: project paths, the seeded data and split, and the model 02 saves (loaded, or retrained the same way). */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Dataset, DataSplit } from "../data/types";
import type { EpochRecord, Hyperparameters, TrainedModel } from "../model/types";
import { DEFAULT_SEED, generateSyntheticDataset } from "../data/generate";
import { randomSplit } from "../data/split";
import { fingerprintInteractions } from "../data/indexed";
import { loadModel, saveModel } from "../model/persist";
import { resolveHyperparameters, trainModel } from "../model/train";
import { checkString } from "../validate";

/** The split every notebook uses: 20 % of the ratings held out for validation, seed 42 (as the reference). */
export const WORKBOOK_SPLIT = Object.freeze({ validationFraction: 0.2, seed: 42 });

/**
 * A path inside the project. The notebooks reach src/ through the notebooks/src symlink, so the real path of
 * this file is resolved first: from a notebook and from the tests alike, this is <project>/parts.
 */
export function projectPath(...parts: string[]): string {
  const root = path.resolve(fs.realpathSync(__dirname), "..", "..");
  return path.join(root, ...parts);
}

/** Where notebook 02 saves the model and 03/04 look for it (out/ is git-ignored). */
export const DEFAULT_MODEL_DIR = "out/model";

/** The synthetic dataset of `seed` and its workbook split: what 00 generates, recreated identically. */
export function workbookData(seed: number = DEFAULT_SEED): { dataset: Dataset; split: DataSplit } {
  const dataset = generateSyntheticDataset({ seed });
  return { dataset, split: randomSplit(dataset.interactions, WORKBOOK_SPLIT) };
}

/** How {@link loadOrTrainModel} got its model. */
export type ModelSource = "loaded" | "trained";

/**
 * The model saved in `dir` when it was trained on exactly `split.train` (same data fingerprint) with the same
 * hyperparameters; otherwise trains one with those settings and saves it there. This is what lets any
 * notebook run on its own: it reuses 02's model or recreates it the same way.
 */
export async function loadOrTrainModel(options: {
  readonly dir: string;
  readonly dataset: Dataset;
  readonly split: DataSplit;
  readonly hyperparameters?: Partial<Hyperparameters>;
  readonly backend?: string;
  readonly onEpochEnd?: (record: EpochRecord) => void | boolean;
}): Promise<{ model: TrainedModel; source: ModelSource }> {
  const dir = checkString("options.dir", options.dir);
  const hyper = resolveHyperparameters(options.hyperparameters ?? {});
  const saved = tryLoad(dir);
  if (saved && saved.dataFingerprint === fingerprintInteractions(options.split.train) && sameHyperparameters(saved.hyperparameters, hyper)) {
    return { model: saved, source: "loaded" };
  }
  const model = await trainModel(options.split, options.dataset, hyper, {
    ...(options.backend === undefined ? {} : { backend: options.backend }),
    ...(options.onEpochEnd === undefined ? {} : { onEpochEnd: options.onEpochEnd }),
  });
  saveModel(model, dir);
  return { model, source: "trained" };
}

function tryLoad(dir: string): TrainedModel | undefined {
  if (!fs.existsSync(dir)) return undefined;
  try {
    return loadModel(dir);
  } catch {
    // An unreadable or older-format model is simply replaced by a freshly trained one.
    return undefined;
  }
}

function sameHyperparameters(a: Hyperparameters, b: Hyperparameters): boolean {
  const keys = Object.keys(b) as (keyof Hyperparameters)[];
  return keys.every((k) => a[k] === b[k]);
}
