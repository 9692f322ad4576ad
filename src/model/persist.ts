/** Saving and loading trained models: a binary weights file plus manifest.json, replaced atomically, checked on load. */
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { EpochRecord, Hyperparameters, MfWeights, Objective, TrainedModel } from "./types";
import { IdMap } from "../data/idmap";
import { ModelFormatError, StorageError, WorkbookError } from "../errors";
import { resolveSavedHyperparameters } from "./hyperparameters";
import { checkString } from "../validate";
import { checkModel } from "./check";
import { checkRatedItems } from "./rated-items";

/** Identifies the files; bump `MODEL_FORMAT_VERSION` on any incompatible change. */
export const MODEL_FORMAT = "embedding-workbook-mf";
export const MODEL_FORMAT_VERSION = 1;
export const MANIFEST_FILE = "manifest.json";
const WEIGHTS_FILE_PATTERN = /^weights-[0-9a-f]{16}\.bin$/;

type SectionName = "userFactors" | "itemFactors" | "userBias" | "itemBias" | "ratedOffsets" | "ratedItems";
const SECTION_NAMES: readonly SectionName[] = ["userFactors", "itemFactors", "userBias", "itemBias", "ratedOffsets", "ratedItems"];

/** One typed block of the weights file, little-endian. */
interface Section {
  readonly name: SectionName;
  readonly type: "float32" | "int32";
  readonly byteOffset: number;
  readonly length: number;
}

/** What manifest.json holds (format version 1). */
export interface ModelManifest {
  readonly format: string;
  readonly formatVersion: number;
  readonly dim: number;
  readonly numUsers: number;
  readonly numItems: number;
  readonly globalBias: number;
  readonly userIds: string[];
  readonly itemIds: string[];
  readonly hyperparameters: Hyperparameters;
  readonly history: readonly EpochRecord[];
  readonly bestEpoch: number;
  /** The epoch record of the saved weights (validation figures as measured during training). */
  readonly finalMetrics: EpochRecord | null;
  readonly dataFingerprint: string;
  readonly backend: string;
  readonly trainedAt: string;
  /** Rating scale of the data the model was fitted on (absent in older models). */
  readonly ratingMin?: number;
  readonly ratingMax?: number;
  /** "train" or "all" (absent in older models: "train"). */
  readonly fittedOn?: "train" | "all";
  /** Absent in models saved before ranking objectives: "mse". */
  readonly objective?: Objective;
  /** Ranking objectives: ratings >= this were the positives; null = every interaction. */
  readonly implicitMinRating?: number | null;
  readonly weights: { readonly file: string; readonly bytes: number; readonly sha256: string; readonly sections: readonly Section[] };
}

/** Hooks for tests of the crash-safety: `beforeCommit` runs after the new files are on disk, before they replace the old ones. */
export interface SaveOptions {
  readonly beforeCommit?: () => void;
}

/**
 * Saves `model` into directory `dir` (created if needed): `weights-<hash>.bin` (factors, biases and the rated
 * items as little-endian float32/int32 sections) and `manifest.json` (format version, ID maps, hyperparameters,
 * history, final metrics, data fingerprint, backend, byte lengths and the SHA-256 of the weights file).
 *
 * Crash-safe: a new directory is written beside `dir` and renamed into place; an existing model directory
 * gets its new weights file first and then its manifest replaced by an atomic rename, so at every moment the
 * manifest names a complete weights file and a crash leaves the previous model loadable.
 */
export function saveModel(model: TrainedModel, dir: string, options: SaveOptions = {}): void {
  checkString("dir", dir);
  checkModel(model);
  checkRatedItems(model.ratedItems, model.weights.numUsers, model.weights.numItems, "model.ratedItems");
  const { bytes, sections } = encodeWeights(model);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const weightsFile = `weights-${sha256.slice(0, 16)}.bin`;
  const last = model.history.find((r) => r.epoch === model.bestEpoch) ?? model.history[model.history.length - 1] ?? null;
  const manifest: ModelManifest = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    dim: model.weights.dim,
    numUsers: model.weights.numUsers,
    numItems: model.weights.numItems,
    globalBias: model.weights.globalBias,
    userIds: model.userIds.toArray(),
    itemIds: model.itemIds.toArray(),
    hyperparameters: model.hyperparameters,
    history: model.history,
    bestEpoch: model.bestEpoch,
    finalMetrics: last,
    dataFingerprint: model.dataFingerprint,
    backend: model.backend,
    trainedAt: model.trainedAt,
    ...(model.ratingMin !== undefined && model.ratingMax !== undefined ? { ratingMin: model.ratingMin, ratingMax: model.ratingMax } : {}),
    fittedOn: model.fittedOn ?? "train",
    objective: model.objective ?? "mse",
    ...(model.implicitMinRating !== undefined ? { implicitMinRating: model.implicitMinRating } : {}),
    weights: { file: weightsFile, bytes: bytes.length, sha256, sections },
  };
  const manifestText = JSON.stringify(manifest, null, 1) + "\n";
  const target = path.resolve(dir);
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (!fs.existsSync(target)) {
      const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
      fs.mkdirSync(tmp);
      try {
        writeDurably(path.join(tmp, weightsFile), bytes);
        writeDurably(path.join(tmp, MANIFEST_FILE), manifestText);
        options.beforeCommit?.();
        fs.renameSync(tmp, target);
      } catch (e) {
        fs.rmSync(tmp, { recursive: true, force: true });
        throw e;
      }
      return;
    }
    if (!fs.statSync(target).isDirectory()) throw new StorageError(`Cannot save a model to ${target}: it exists and is not a directory`);
    const previous = currentWeightsFile(target);
    writeDurably(path.join(target, weightsFile), bytes);
    const tmpManifest = path.join(target, `${MANIFEST_FILE}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
    try {
      writeDurably(tmpManifest, manifestText);
      options.beforeCommit?.();
      fs.renameSync(tmpManifest, path.join(target, MANIFEST_FILE));
    } catch (e) {
      fs.rmSync(tmpManifest, { force: true });
      if (weightsFile !== previous) fs.rmSync(path.join(target, weightsFile), { force: true });
      throw e;
    }
    // Only now is the old weights file unreferenced.
    for (const name of fs.readdirSync(target)) {
      if (WEIGHTS_FILE_PATTERN.test(name) && name !== weightsFile) fs.rmSync(path.join(target, name), { force: true });
    }
  } catch (e) {
    if (e instanceof WorkbookError) throw e;
    throw new StorageError(`Cannot save the model to ${target}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Loads a model saved by `saveModel`. A missing directory or file, invalid JSON, another format version, a
 * weights file of the wrong size (truncated) or checksum (corrupt), or inconsistent fields throw
 * `ModelFormatError` naming the file and the problem. Only the manifest and the weights file it names (a
 * plain file name inside `dir`) are read.
 */
export function loadModel(dir: string): TrainedModel {
  checkString("dir", dir);
  const root = path.resolve(dir);
  if (!fs.existsSync(root)) throw new ModelFormatError(root, "no such model directory");
  if (!fs.statSync(root).isDirectory()) throw new ModelFormatError(root, "not a directory (expected a model directory with manifest.json)");
  const manifestPath = path.join(root, MANIFEST_FILE);
  if (!fs.existsSync(manifestPath)) throw new ModelFormatError(manifestPath, "missing: this directory holds no saved model");
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  } catch (e) {
    throw new ModelFormatError(manifestPath, `not valid JSON (${(e as Error).message})`, { cause: e });
  }
  const m = checkManifest(raw, manifestPath);
  const weightsPath = path.join(root, m.weights.file);
  if (!fs.existsSync(weightsPath)) throw new ModelFormatError(weightsPath, "missing: the manifest names this weights file but it does not exist");
  // The name is plain (checked above); a symbolic link could still point elsewhere, so compare real paths.
  const realRoot = fs.realpathSync(root);
  for (const f of [manifestPath, weightsPath]) {
    const real = fs.realpathSync(f);
    if (path.dirname(real) !== realRoot) throw new ModelFormatError(f, `resolves to ${real}, outside the model directory; refusing to read it`);
  }
  const bytes = fs.readFileSync(weightsPath);
  if (bytes.length !== m.weights.bytes) {
    throw new ModelFormatError(weightsPath, `${bytes.length < m.weights.bytes ? "truncated" : "too long"}: ${bytes.length} bytes, the manifest says ${m.weights.bytes}`);
  }
  const sha = createHash("sha256").update(bytes).digest("hex");
  if (sha !== m.weights.sha256) throw new ModelFormatError(weightsPath, `corrupt: SHA-256 ${sha.slice(0, 16)}… does not match the manifest's ${m.weights.sha256.slice(0, 16)}…`);
  const sec = new Map<SectionName, Float32Array | Int32Array>();
  for (const s of m.weights.sections) sec.set(s.name, decodeSection(bytes, s));
  const offsets = sec.get("ratedOffsets") as Int32Array;
  const rated = sec.get("ratedItems") as Int32Array;
  if (offsets[0] !== 0 || offsets[m.numUsers] !== rated.length) throw new ModelFormatError(weightsPath, `corrupt: rated-items offsets run ${offsets[0]}..${offsets[m.numUsers]}, not 0..${rated.length}`);
  for (let u = 0; u < m.numUsers; u++) {
    const a = offsets[u]!, b = offsets[u + 1]!;
    if (!(a >= 0 && b >= a && b <= rated.length)) throw new ModelFormatError(weightsPath, `corrupt: rated-items offsets of user index ${u} are ${a}..${b}`);
  }
  const ratedItems = { offsets, items: rated };
  for (let k = 0; k < rated.length; k++) {
    const i = rated[k]!;
    if (!(i >= 0 && i < m.numItems)) throw new ModelFormatError(weightsPath, `corrupt: rated item index ${i} is outside 0..${m.numItems - 1}`);
  }
  const weights: MfWeights = {
    dim: m.dim, numUsers: m.numUsers, numItems: m.numItems, globalBias: m.globalBias,
    userFactors: sec.get("userFactors") as Float32Array, itemFactors: sec.get("itemFactors") as Float32Array,
    userBias: sec.get("userBias") as Float32Array, itemBias: sec.get("itemBias") as Float32Array,
  };
  return {
    weights,
    userIds: IdMap.fromJSON("user", m.userIds),
    itemIds: IdMap.fromJSON("item", m.itemIds),
    hyperparameters: m.hyperparameters,
    history: m.history,
    bestEpoch: m.bestEpoch,
    backend: m.backend,
    dataFingerprint: m.dataFingerprint,
    trainedAt: m.trainedAt,
    ...(m.ratingMin !== undefined && m.ratingMax !== undefined ? { ratingMin: m.ratingMin, ratingMax: m.ratingMax } : {}),
    fittedOn: m.fittedOn ?? "train",
    ratedItems,
    objective: m.objective ?? "mse",
    ...(m.implicitMinRating !== undefined ? { implicitMinRating: m.implicitMinRating } : {}),
  };
}

function encodeWeights(model: TrainedModel): { bytes: Buffer; sections: Section[] } {
  const w = model.weights;
  const { offsets, items: rated } = model.ratedItems;
  const parts: [SectionName, Float32Array | Int32Array][] = [
    ["userFactors", w.userFactors], ["itemFactors", w.itemFactors], ["userBias", w.userBias], ["itemBias", w.itemBias],
    ["ratedOffsets", offsets], ["ratedItems", rated],
  ];
  const total = parts.reduce((s, [, a]) => s + a.length * 4, 0);
  const bytes = Buffer.alloc(total);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const sections: Section[] = [];
  let at = 0;
  for (const [name, a] of parts) {
    const isFloat = a instanceof Float32Array;
    sections.push({ name, type: isFloat ? "float32" : "int32", byteOffset: at, length: a.length });
    // DataView with littleEndian = true makes the file the same on any machine.
    if (isFloat) for (let k = 0; k < a.length; k++, at += 4) view.setFloat32(at, a[k]!, true);
    else for (let k = 0; k < a.length; k++, at += 4) view.setInt32(at, a[k]!, true);
  }
  return { bytes, sections };
}

function decodeSection(bytes: Buffer, s: Section): Float32Array | Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out = s.type === "float32" ? new Float32Array(s.length) : new Int32Array(s.length);
  let at = s.byteOffset;
  if (out instanceof Float32Array) for (let k = 0; k < s.length; k++, at += 4) out[k] = view.getFloat32(at, true);
  else for (let k = 0; k < s.length; k++, at += 4) out[k] = view.getInt32(at, true);
  return out;
}

/** The weights file the directory's current manifest names, if it has a readable one. */
function currentWeightsFile(dir: string): string | undefined {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), "utf8")) as { weights?: { file?: unknown } };
    return typeof m.weights?.file === "string" ? m.weights.file : undefined;
  } catch {
    return undefined;
  }
}

function writeDurably(file: string, data: string | Buffer): void {
  const fd = fs.openSync(file, "w");
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Validates the manifest's shape; every problem is a ModelFormatError naming the manifest and the field. */
function checkManifest(raw: unknown, file: string): ModelManifest {
  const bad = (field: string, problem: string): never => { throw new ModelFormatError(file, `field "${field}" ${problem}`); };
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new ModelFormatError(file, "not a JSON object");
  const m = raw as Record<string, unknown>;
  if (m.format !== MODEL_FORMAT) bad("format", `is ${JSON.stringify(m.format)}, expected ${JSON.stringify(MODEL_FORMAT)}`);
  if (m.formatVersion !== MODEL_FORMAT_VERSION) {
    throw new ModelFormatError(file, `format version ${JSON.stringify(m.formatVersion)} is not supported (this workbook reads version ${MODEL_FORMAT_VERSION}); retrain or save the model again`);
  }
  const int = (k: string, min: number): number => {
    const v = m[k];
    return typeof v === "number" && Number.isInteger(v) && v >= min ? v : bad(k, `must be an integer >= ${min}, but is ${JSON.stringify(v)}`);
  };
  const dim = int("dim", 1), numUsers = int("numUsers", 0), numItems = int("numItems", 0), bestEpoch = int("bestEpoch", -1);
  if (typeof m.globalBias !== "number" || !Number.isFinite(m.globalBias)) bad("globalBias", "must be a finite number");
  for (const k of ["dataFingerprint", "backend", "trainedAt"]) if (typeof m[k] !== "string") bad(k, "must be a string");
  for (const k of ["ratingMin", "ratingMax"]) if (m[k] !== undefined && (typeof m[k] !== "number" || !Number.isFinite(m[k]))) bad(k, "must be a finite number when present");
  if ((m.ratingMin === undefined) !== (m.ratingMax === undefined) || (m.ratingMin as number) > (m.ratingMax as number)) bad("ratingMin", "and ratingMax must both be present, with ratingMin <= ratingMax, or both absent");
  if (m.fittedOn !== undefined && m.fittedOn !== "train" && m.fittedOn !== "all") bad("fittedOn", `must be "train" or "all", but is ${JSON.stringify(m.fittedOn)}`);
  if (m.objective !== undefined && m.objective !== "mse" && m.objective !== "bpr") bad("objective", `must be "mse" or "bpr", but is ${JSON.stringify(m.objective)}`);
  if (m.implicitMinRating !== undefined && m.implicitMinRating !== null && !(typeof m.implicitMinRating === "number" && Number.isFinite(m.implicitMinRating))) bad("implicitMinRating", "must be a number or null");
  if (!Array.isArray(m.userIds) || m.userIds.length !== numUsers) bad("userIds", `must be an array of ${numUsers} IDs`);
  if (!Array.isArray(m.itemIds) || m.itemIds.length !== numItems) bad("itemIds", `must be an array of ${numItems} IDs`);
  try {
    IdMap.fromJSON("user", m.userIds);
    IdMap.fromJSON("item", m.itemIds);
  } catch (e) {
    throw new ModelFormatError(file, (e as Error).message, { cause: e });
  }
  let hyperparameters: Hyperparameters;
  try {
    hyperparameters = resolveSavedHyperparameters(m.hyperparameters as Partial<Hyperparameters>);
  } catch (e) {
    throw new ModelFormatError(file, `field "hyperparameters": ${(e as Error).message}`, { cause: e });
  }
  if (!Array.isArray(m.history)) bad("history", "must be an array of epoch records");
  const history = m.history as EpochRecord[];
  history.forEach((r, k) => {
    if (!r || typeof r !== "object" || typeof r.epoch !== "number" || typeof r.trainLoss !== "number") bad(`history[${k}]`, "must be an epoch record");
  });
  const w = m.weights as ModelManifest["weights"] | undefined;
  if (!w || typeof w !== "object") return bad("weights", "must be an object");
  if (typeof w.file !== "string" || !WEIGHTS_FILE_PATTERN.test(w.file)) {
    // A plain, fixed-shape name: the loader never follows a path out of the model directory.
    bad("weights.file", `must be a file name like weights-<16 hex>.bin inside the model directory, but is ${JSON.stringify(w.file)}`);
  }
  if (typeof w.bytes !== "number" || !Number.isInteger(w.bytes) || w.bytes < 0) bad("weights.bytes", "must be a byte count");
  if (typeof w.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(w.sha256)) bad("weights.sha256", "must be a SHA-256 hex digest");
  if (!Array.isArray(w.sections)) bad("weights.sections", "must be an array");
  const expected: Record<SectionName, number> = {
    userFactors: numUsers * dim, itemFactors: numItems * dim, userBias: numUsers, itemBias: numItems, ratedOffsets: numUsers + 1, ratedItems: -1,
  };
  const seen = new Set<string>();
  for (const s of w.sections) {
    if (!s || !SECTION_NAMES.includes(s.name) || seen.has(s.name)) bad("weights.sections", `has an unknown or repeated section ${JSON.stringify(s && s.name)}`);
    seen.add(s.name);
    const want = expected[s.name];
    if (!Number.isInteger(s.length) || s.length < 0 || (want >= 0 && s.length !== want)) bad(`weights.sections.${s.name}.length`, `is ${JSON.stringify(s.length)}, expected ${want}`);
    if (!Number.isInteger(s.byteOffset) || s.byteOffset < 0 || s.byteOffset % 4 !== 0 || s.byteOffset + s.length * 4 > w.bytes) bad(`weights.sections.${s.name}.byteOffset`, "points outside the weights file");
    if (s.type !== (s.name.startsWith("rated") ? "int32" : "float32")) bad(`weights.sections.${s.name}.type`, `is ${JSON.stringify(s.type)}`);
  }
  for (const n of SECTION_NAMES) if (!seen.has(n)) bad("weights.sections", `lacks the section ${n}`);
  return { ...(m as unknown as ModelManifest), dim, numUsers, numItems, bestEpoch, hyperparameters, history };
}
