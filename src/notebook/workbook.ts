/**
 * What the notebooks share: the data named in their parameters cell (the same `DATA` / `DATA_FORMAT` in every
 * notebook), the workbook's split of it, the output folder for that data, and the model notebook 02 trains on it.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Dataset, DataSplit } from "../data/types";
import type { EpochRecord, Hyperparameters, TrainedModel } from "../model/types";
import { DEFAULT_SEED } from "../data/generate";
import { randomSplit } from "../data/split";
import { fingerprintInteractions } from "../data/indexed";
import { describeSource, loadDataset, type DataSource } from "../data/load";
import { labelsOf, type DatasetLabels } from "../data/labels";
import { writeFileAtomic } from "../data/atomic";
import { loadModel, saveModel } from "../model/persist";
import { resolveHyperparameters, trainModel } from "../model/train";
import { checkOneOf, checkString } from "../validate";
import { InvalidArgumentError } from "../errors";

/**
 * A path inside the project. The notebooks reach src/ through the notebooks/src symlink, so the real path of
 * this file is resolved first: from a notebook and from the tests alike, this is <project>/parts.
 */
export function projectPath(...parts: string[]): string {
  const root = path.resolve(fs.realpathSync(__dirname), "..", "..");
  return path.join(root, ...parts);
}

/** How a notebook's parameters cell names its data: `DATA` and `DATA_FORMAT`. */
export interface WorkbookParameters {
  /**
   * "synthetic" (the generated example data; "synthetic:7" for seed 7), a CSV file (user_id,item_id,rating[,timestamp]),
   * a MovieLens file or folder (u.data + u.item + u.user, or ratings.csv + movies.csv), or "mysql" (the database
   * in MYSQL_URL). A relative path is relative to the working directory (the notebook's folder in Jupyter).
   */
  readonly data: string;
  /** "auto" (default: a folder or a tab-separated / userId,movieId file is MovieLens, any other file CSV), "csv" or "movielens". */
  readonly format?: string;
}

/** The formats `DATA_FORMAT` may name. */
export const DATA_FORMATS = ["auto", "csv", "movielens"] as const;

/** The data of a workbook run, its split and where its outputs go. */
export interface Workbook {
  /** A short name for the data: "synthetic", "ml-100k", the CSV file's name, "mysql-<database>". Names the output folder. */
  readonly name: string;
  readonly source: DataSource;
  /** For captions: a path, "generated(seed=…)", a MySQL URL without its password. */
  readonly description: string;
  readonly dataset: Dataset;
  /** The workbook's 80/20 split (randomSplit's defaults: 20 % held out, seed 42). */
  readonly split: DataSplit;
  /** The dataset's labels (possibly none: see data/labels.ts). */
  readonly labels: DatasetLabels;
  /** out/workbook/<name>/ (or EWB_WORKBOOK_OUT, which the runner sets): executed notebooks, models, files the notebooks write. */
  readonly outDir: string;
}

/**
 * Which source `parameters` name, and the data's short name; reads nothing. Throws naming the parameter when
 * it is not understood.
 */
export function resolveWorkbookSource(parameters: WorkbookParameters, cwd: string = process.cwd()): { name: string; source: DataSource } {
  if (parameters === null || typeof parameters !== "object") throw new InvalidArgumentError("workbook parameters", "an object { data, format }", parameters);
  const data = checkString("DATA", parameters.data).trim();
  const format = checkOneOf("DATA_FORMAT", parameters.format ?? "auto", DATA_FORMATS);
  const synthetic = /^synthetic(?::(\d+))?$/.exec(data);
  if (synthetic) {
    if (format !== "auto") throw new InvalidArgumentError("DATA_FORMAT", `"auto" for the synthetic data`, format);
    const seed = synthetic[1] === undefined ? DEFAULT_SEED : Number(synthetic[1]);
    return { name: synthetic[1] === undefined ? "synthetic" : `synthetic-${seed}`, source: { kind: "synthetic", seed } };
  }
  if (data === "mysql") {
    const url = process.env.MYSQL_URL;
    if (!url) throw new InvalidArgumentError('MYSQL_URL (for DATA = "mysql")', "a MySQL URL such as mysql://root@127.0.0.1:3306/test", url);
    const db = /\/([^/?]+)(\?|$)/.exec(url.replace(/^mysql:\/\/[^/]*/, ""))?.[1] ?? "db";
    return { name: safeName(`mysql-${db}`), source: { kind: "mysql", url } };
  }
  const full = path.resolve(cwd, data);
  const kind = format === "auto" ? sniffFormat(full) : format;
  const base = path.basename(full);
  // A MovieLens file is named for its folder (ml-100k/u.data -> ml-100k-u.data), a folder or CSV file for itself.
  const name = kind === "movielens" && !isDirectory(full) ? `${path.basename(path.dirname(full))}-${base}` : base.replace(/\.csv$/i, "");
  return { name: safeName(name), source: kind === "csv" ? { kind: "csv", path: full } : { kind: "movielens", path: full } };
}

/**
 * Loads the data the parameters name, splits it and makes its output folder: what the first data cell of every
 * notebook calls. The input is only read.
 *
 * @example
 * const wb = await openWorkbook({ data: "path/to/ml-100k" });
 * wb.name    //=> "ml-100k"
 * wb.outDir  //=> "<project>/out/workbook/ml-100k"
 */
export async function openWorkbook(parameters: WorkbookParameters): Promise<Workbook> {
  const { name, source } = resolveWorkbookSource(parameters);
  const dataset = await loadDataset(source);
  const outDir = process.env.EWB_WORKBOOK_OUT ? path.resolve(process.env.EWB_WORKBOOK_OUT) : projectPath("out", "workbook", name);
  fs.mkdirSync(outDir, { recursive: true });
  return { name, source, description: describeSource(source), dataset, split: randomSplit(dataset.interactions), labels: labelsOf(dataset), outDir };
}

/**
 * The model directory for these settings on this training data: <outDir>/models/mf-<hash of the training data's
 * fingerprint and every hyperparameter>. Different settings, different directory: no model replaces another.
 */
export function modelDirFor(wb: Pick<Workbook, "outDir" | "split">, hyperparameters: Partial<Hyperparameters> = {}): string {
  const hyper = resolveHyperparameters(hyperparameters);
  const canonical = JSON.stringify(
    Object.keys(hyper)
      .sort()
      .map((k) => [k, hyper[k as keyof Hyperparameters]]),
  );
  const hash = createHash("sha256")
    .update(`${fingerprintInteractions(wb.split.train)}\n${canonical}`)
    .digest("hex")
    .slice(0, 12);
  return path.join(wb.outDir, "models", `mf-${hash}`);
}

/** The file naming notebook 02's latest model on this data (what 01 and 03-05 use). */
export const CURRENT_MODEL_FILE = "model.json";

/** Saves notebook 02's model in its settings' directory and records it as the current model of this data. Returns the directory. */
export async function saveWorkbookModel(wb: Pick<Workbook, "outDir" | "split">, model: TrainedModel): Promise<string> {
  const dir = modelDirFor(wb, model.hyperparameters);
  saveModel(model, dir);
  const pointer = { dir: path.relative(wb.outDir, dir), dataFingerprint: model.dataFingerprint, hyperparameters: model.hyperparameters };
  await writeFileAtomic(path.join(wb.outDir, CURRENT_MODEL_FILE), JSON.stringify(pointer, null, 2) + "\n");
  return dir;
}

/** How {@link loadOrTrainModel} got its model. */
export type ModelSource = "loaded" | "trained";

/**
 * The model the notebooks after 02 use. With `hyperparameters`: the model of those settings (loaded from its
 * directory, or trained and saved there). Without: the model notebook 02 last saved for this data, whatever
 * settings it used (change 02's HYPER and 01, 03-05 follow); when 02 has not run, trained with the defaults.
 */
export async function workbookModel(
  wb: Pick<Workbook, "outDir" | "split" | "dataset">,
  options: {
    readonly hyperparameters?: Partial<Hyperparameters>;
    readonly backend?: string;
    readonly onEpochEnd?: (record: EpochRecord) => void | boolean;
  } = {},
): Promise<{ model: TrainedModel; source: ModelSource; dir: string; hyperparameters: Hyperparameters }> {
  const hyper = resolveHyperparameters(options.hyperparameters ?? currentSettings(wb) ?? {});
  const dir = modelDirFor(wb, hyper);
  const r = await loadOrTrainModel({
    dir,
    dataset: wb.dataset,
    split: wb.split,
    hyperparameters: hyper,
    ...(options.backend === undefined ? {} : { backend: options.backend }),
    ...(options.onEpochEnd === undefined ? {} : { onEpochEnd: options.onEpochEnd }),
  });
  return { ...r, dir, hyperparameters: hyper };
}

/** Notebook 02's settings for this training data, when it recorded a model for it. */
function currentSettings(wb: Pick<Workbook, "outDir" | "split">): Partial<Hyperparameters> | undefined {
  const file = path.join(wb.outDir, CURRENT_MODEL_FILE);
  if (!fs.existsSync(file)) return undefined;
  try {
    const p = JSON.parse(fs.readFileSync(file, "utf8")) as { dataFingerprint?: unknown; hyperparameters?: Partial<Hyperparameters> };
    return p.dataFingerprint === fingerprintInteractions(wb.split.train) ? p.hyperparameters : undefined;
  } catch {
    return undefined; // an unreadable pointer is as good as none: the defaults are used
  }
}

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

function sniffFormat(file: string): "csv" | "movielens" {
  if (isDirectory(file)) return "movielens";
  let head = "";
  try {
    const fd = fs.openSync(file, "r");
    try {
      const buf = Buffer.alloc(512);
      head = buf
        .subarray(0, fs.readSync(fd, buf, 0, buf.length, 0))
        .toString("utf8")
        .replace(/^\uFEFF/, "");
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return "csv"; // the reader reports the missing or unreadable file, naming it
  }
  const first = head.split(/\r?\n/)[0] ?? "";
  return first.includes("\t") || first.split(",")[0]?.trim() === "userId" ? "movielens" : "csv";
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[.-]+/, "") || "data";
}
