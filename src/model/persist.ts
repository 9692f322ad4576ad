/** Saving and loading trained models: a binary weights file plus manifest.json, replaced atomically, checked before and on load. */
import * as buffer from "node:buffer";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { processAlive, syncDirectory, tempOwner, tempPathFor, writeFileAtomicSync } from "../data/atomic";
import type { EpochRecord, Hyperparameters, MfWeights, Objective, RecordedSplit, TrainedModel } from "./types";
import { IdMap } from "../data/idmap";
import { ModelFormatError, StorageError, WorkbookError } from "../errors";
import { resolveSavedHyperparameters } from "./hyperparameters";
import { checkString } from "../validate";
import { checkModel } from "./check";
import { checkRatedItems } from "./rated-items";
import { describeNetwork, networkLength, networkManifestProblem, packNetwork, unpackNetwork, type NetworkManifest } from "./neural-persist";

/**
 * Identifies the files; bump `MODEL_FORMAT_VERSION` on any incompatible change. Version 2 moved the ID maps out of
 * manifest.json into the weights file (sections userIdEnds, itemIdEnds, idText), so a reload parses a small
 * manifest and builds the maps in steps; version 1 (IDs in the manifest) is still read, and written on request.
 */
export const MODEL_FORMAT = "embedding-workbook-mf";
export const MODEL_FORMAT_VERSION = 2;
/** The versions `loadModel` reads. */
export const READABLE_FORMAT_VERSIONS: readonly number[] = [1, 2];
export const MANIFEST_FILE = "manifest.json";
const WEIGHTS_FILE_PATTERN = /^weights-[0-9a-f]{16}\.bin$/;

type SectionName = "userFactors" | "itemFactors" | "userBias" | "itemBias" | "ratedOffsets" | "ratedItems" | "network" | "userIdEnds" | "itemIdEnds" | "idText";
const SECTION_NAMES: readonly SectionName[] = ["userFactors", "itemFactors", "userBias", "itemBias", "ratedOffsets", "ratedItems"];
/**
 * Version 2's ID maps: `idText` is every user ID then every item ID, in index order, concatenated, as UTF-8;
 * `userIdEnds[k]` / `itemIdEnds[k]` is where ID k ends in that text, decoded (UTF-16 code units, item ends counted
 * from the text's start). No separator, so an ID may hold any character.
 */
const ID_SECTION_NAMES: readonly SectionName[] = ["userIdEnds", "itemIdEnds", "idText"];
const SECTION_TYPES: Record<SectionName, Section["type"]> = {
  userFactors: "float32",
  itemFactors: "float32",
  userBias: "float32",
  itemBias: "float32",
  network: "float32",
  ratedOffsets: "int32",
  ratedItems: "int32",
  userIdEnds: "int32",
  itemIdEnds: "int32",
  idText: "utf8",
};

/** One typed block of the weights file, little-endian; `length` counts elements (bytes for "utf8"). */
interface Section {
  readonly name: SectionName;
  readonly type: "float32" | "int32" | "utf8";
  readonly byteOffset: number;
  readonly length: number;
}

/** What manifest.json holds (format version 2; version 1 also had `userIds` and `itemIds`). */
export interface ModelManifest {
  readonly format: string;
  readonly formatVersion: number;
  readonly dim: number;
  readonly numUsers: number;
  readonly numItems: number;
  readonly globalBias: number;
  /** Version 1 only: the ID maps (version 2 keeps them in the weights file). */
  readonly userIds?: string[];
  readonly itemIds?: string[];
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
  /** The seeded split of the training rows, when the rated items hold more than them (absent in older models). */
  readonly split?: RecordedSplit;
  readonly weights: { readonly file: string; readonly bytes: number; readonly sha256: string; readonly sections: readonly Section[] };
  /** "mf" when absent; a "neural" model has `network` and a "network" section (src/model/neural-persist.ts). */
  readonly modelType?: "mf" | "neural";
  readonly network?: NetworkManifest;
}

/** Hooks for tests of the crash-safety: `beforeCommit` runs after the new files are on disk, before they replace the old ones. */
export interface SaveOptions {
  readonly beforeCommit?: () => void;
  /**
   * The format to write: MODEL_FORMAT_VERSION (default), or 1 for a workbook that reads only version 1 (IDs in the
   * manifest, parsed in one block on load). A model whose IDs are not well-formed Unicode (a lone surrogate, which
   * UTF-8 cannot hold) is written as version 1.
   */
  readonly formatVersion?: 1 | 2;
}

/** Largest manifest.json read (it holds the ID maps: 220k IDs take a few MB); bigger is refused unread. */
export const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;
/** Largest weights file read (the largest Buffer Node makes). */
export const MAX_WEIGHTS_BYTES = Math.min(buffer.constants.MAX_LENGTH, 2 ** 32 - 1);
/** Marks a save in progress inside a model directory: `.saving-<pid>-<8 hex>`. */
const SAVING_MARKER = /^\.saving-(\d+)-[0-9a-f]{8}$/;

/**
 * Saves `model` into directory `dir` (created if needed): `weights-<16 hex>.bin` (factors, biases and the rated
 * items as little-endian float32/int32 sections) and `manifest.json` (format version, ID maps, hyperparameters,
 * history, final metrics, data fingerprint, backend, byte lengths and the SHA-256 of the weights file).
 *
 * Crash- and concurrency-safe. A new directory is written complete beside `dir` and renamed into place. In an
 * existing directory each save writes a weights file of its own (a fresh name), then swaps the manifest in by
 * one atomic rename, so at every moment the manifest names a complete weights file. Old weights files are
 * deleted only when no other live process is saving into the directory (each save marks itself with a
 * `.saving-<pid>-*` file), and only files that existed before the check: two processes saving at once both
 * succeed, the last rename wins, and neither deletes the other's weights. Temp files and directories that a
 * killed save left behind (`*.tmp-<pid>-*` of a dead process) are removed by the next save.
 */
export function saveModel(model: TrainedModel, dir: string, options: SaveOptions = {}): void {
  checkString("dir", dir);
  checkModel(model);
  checkRatedItems(model.ratedItems, model.weights.numUsers, model.weights.numItems, "model.ratedItems");
  const version = options.formatVersion ?? MODEL_FORMAT_VERSION;
  if (version !== 1 && version !== 2)
    throw new StorageError(`Cannot save a model in format version ${JSON.stringify(version)}: this workbook writes ${READABLE_FORMAT_VERSIONS.join(" or ")}`);
  const ids = version === 2 ? encodeIds(model) : undefined;
  const { bytes, sections } = encodeWeights(model, ids);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  // A fresh name per save: two saves of the same model must not write to one file name.
  const weightsFile = `weights-${randomBytes(8).toString("hex")}.bin`;
  const last = model.history.find((r) => r.epoch === model.bestEpoch) ?? model.history[model.history.length - 1] ?? null;
  const manifest: ModelManifest = {
    format: MODEL_FORMAT,
    formatVersion: ids ? 2 : 1,
    dim: model.weights.dim,
    numUsers: model.weights.numUsers,
    numItems: model.weights.numItems,
    globalBias: model.weights.globalBias,
    ...(ids ? {} : { userIds: model.userIds.toArray(), itemIds: model.itemIds.toArray() }),
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
    ...(model.split !== undefined ? { split: model.split } : {}),
    weights: { file: weightsFile, bytes: bytes.length, sha256, sections },
    ...(model.modelType === "neural" && model.network ? { modelType: "neural" as const, network: describeNetwork(model.network) } : {}),
  };
  const manifestText = JSON.stringify(manifest, null, 1) + "\n";
  const target = path.resolve(dir);
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    removeDeadTemps(path.dirname(target), `${path.basename(target)}.tmp-`);
    if (!fs.existsSync(target)) {
      const tmp = tempPathFor(target);
      fs.mkdirSync(tmp);
      let renamed = false;
      try {
        writeFileAtomicSync(path.join(tmp, weightsFile), bytes);
        writeFileAtomicSync(path.join(tmp, MANIFEST_FILE), manifestText);
        options.beforeCommit?.();
        try {
          fs.renameSync(tmp, target);
          renamed = true;
        } catch (e) {
          // Another save created the directory meanwhile: save into it like into any existing model.
          const code = (e as NodeJS.ErrnoException).code;
          if (code !== "ENOTEMPTY" && code !== "EEXIST") throw e;
        }
      } finally {
        if (!renamed) fs.rmSync(tmp, { recursive: true, force: true });
      }
      if (renamed) {
        syncDirectory(path.dirname(target));
        return;
      }
    }
    if (!fs.statSync(target).isDirectory()) throw new StorageError(`Cannot save a model to ${target}: it exists and is not a directory`);
    saveIntoExisting(target, weightsFile, bytes, manifestText, options);
  } catch (e) {
    if (e instanceof WorkbookError) throw e;
    throw new StorageError(`Cannot save the model to ${target}: ${(e as Error).message}`, { cause: e });
  }
}

function saveIntoExisting(target: string, weightsFile: string, bytes: Buffer, manifestText: string, options: SaveOptions): void {
  const marker = path.join(target, `.saving-${process.pid}-${randomBytes(4).toString("hex")}`);
  fs.writeFileSync(marker, "");
  try {
    const weightsPath = path.join(target, weightsFile);
    writeFileAtomicSync(weightsPath, bytes);
    try {
      writeFileAtomicSync(path.join(target, MANIFEST_FILE), manifestText, options.beforeCommit);
    } catch (e) {
      fs.rmSync(weightsPath, { force: true });
      throw e;
    }
  } finally {
    fs.rmSync(marker, { force: true });
  }
  collectGarbage(target);
}

/**
 * Deletes what no manifest can name any more: weights files other than the current manifest's, and temp
 * files or markers of dead processes. Skipped while another live process is saving here. The order (list the
 * files, then the markers, then read the manifest) makes it safe: a weights file in the first listing was
 * renamed into place by a save whose marker existed before it, so either that save is still marked (skip) or
 * its manifest rename is done and the manifest read afterwards is its or a later one.
 */
function collectGarbage(target: string): void {
  const names = fs.readdirSync(target);
  let busy = false;
  for (const name of fs.readdirSync(target)) {
    const m = SAVING_MARKER.exec(name);
    if (!m) continue;
    if (processAlive(Number(m[1]))) busy = true;
    else fs.rmSync(path.join(target, name), { force: true });
  }
  removeDeadTemps(target, "");
  if (busy) return;
  const current = currentWeightsFile(target);
  if (current === undefined) return;
  for (const name of names) {
    if (WEIGHTS_FILE_PATTERN.test(name) && name !== current) fs.rmSync(path.join(target, name), { force: true });
  }
}

/** Removes `<prefix>*.tmp-<pid>-*` entries of `dir` whose process is gone (what a killed save leaves). */
function removeDeadTemps(dir: string, prefix: string): void {
  for (const name of fs.readdirSync(dir)) {
    if (!name.startsWith(prefix)) continue;
    const pid = tempOwner(name);
    if (pid !== undefined && !processAlive(pid)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}

/**
 * Loads a model saved by `saveModel`. A missing directory or file, invalid JSON, another format version, a
 * weights file of the wrong size (truncated) or checksum (corrupt), or inconsistent fields throw
 * `ModelFormatError` naming the file and the problem. Only the manifest and the weights file it names (a
 * plain file name inside `dir`) are read, and each only after checking that it is a regular file inside the
 * directory and within its size bound: a FIFO, a device or a link out of the directory is refused unread.
 * Synchronous (the CLI); a server uses `loadModelAsync`, which never blocks the event loop for long.
 */
export function loadModel(dir: string): TrainedModel {
  return loadSavedModel(dir).model;
}

/** `loadModel`, with the format version the directory was written in. */
export function loadSavedModel(dir: string): { model: TrainedModel; formatVersion: number } {
  const root = checkModelDir(dir);
  const manifestPath = path.join(root.dir, MANIFEST_FILE);
  const parsed = runSteps(
    parseManifest(readCheckedSync(manifestPath, root.real, MAX_MANIFEST_BYTES, "missing: this directory holds no saved model"), manifestPath),
  );
  const m = parsed.m;
  const weightsPath = path.join(root.dir, m.weights.file);
  const data = readCheckedSync(weightsPath, root.real, MAX_WEIGHTS_BYTES, MISSING_WEIGHTS, m.weights.bytes);
  checkSha(weightsPath, m, createHash("sha256").update(data).digest("hex"));
  return { model: runSteps(modelFrom(m, parsed, data, weightsPath)), formatVersion: m.formatVersion };
}

/** `loadModel` reading through the thread pool in chunks and hashing as it goes: a server keeps answering meanwhile. */
export async function loadModelAsync(dir: string): Promise<TrainedModel> {
  return (await loadSavedModelAsync(dir)).model;
}

/** `loadModelAsync`, with the format version the directory was written in. */
export async function loadSavedModelAsync(dir: string): Promise<{ model: TrainedModel; formatVersion: number }> {
  const root = checkModelDir(dir);
  const manifestPath = path.join(root.dir, MANIFEST_FILE);
  const manifestBytes = await readChecked(manifestPath, root.real, MAX_MANIFEST_BYTES, "missing: this directory holds no saved model");
  const parsed = await runStepsYielding(parseManifest(manifestBytes, manifestPath));
  const m = parsed.m;
  const weightsPath = path.join(root.dir, m.weights.file);
  const hash = createHash("sha256");
  const data = await readChecked(weightsPath, root.real, MAX_WEIGHTS_BYTES, MISSING_WEIGHTS, m.weights.bytes, (chunk) => hash.update(chunk));
  checkSha(weightsPath, m, hash.digest("hex"));
  await yieldToEventLoop();
  return { model: await runStepsYielding(modelFrom(m, parsed, data, weightsPath)), formatVersion: m.formatVersion };
}

/**
 * Decoding runs as steps (a generator yields between them): the sync loader runs them back to back, the async
 * one gives the event loop a turn at each yield, so no single block of a large model's decoding is long.
 */
type Steps<T> = Generator<void, T, void>;

function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

async function runStepsYielding<T>(steps: Steps<T>): Promise<T> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await yieldToEventLoop();
  }
}

/** Elements checked between two yields. */
const STEP = 1 << 20;

const MISSING_WEIGHTS = "missing: the manifest names this weights file but it does not exist";
const READ_CHUNK = 8 * 1024 * 1024;
/**
 * The async reader's chunk: each is hashed (SHA-256) in one synchronous call between event-loop turns, and 8 MiB
 * took ~30-40 ms of CPU (the longest block of a reload); 1 MiB keeps each under ~5 ms.
 */
const ASYNC_READ_CHUNK = 1024 * 1024;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function checkModelDir(dir: string): { dir: string; real: string } {
  checkString("dir", dir);
  const root = path.resolve(dir);
  let st: fs.Stats;
  try {
    st = fs.statSync(root);
  } catch {
    throw new ModelFormatError(root, "no such model directory");
  }
  if (!st.isDirectory()) throw new ModelFormatError(root, "not a directory (expected a model directory with manifest.json)");
  return { dir: root, real: fs.realpathSync(root) };
}

/** The file's real path, checked to lie directly in the model directory (a link out of it is refused). */
function realInside(file: string, realRoot: string, missing: string): string {
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelFormatError(file, code === "ENOENT" ? missing : `cannot be read (${code ?? (e as Error).message})`, { cause: e });
  }
  if (path.dirname(real) !== realRoot) throw new ModelFormatError(file, `resolves to ${real}, outside the model directory; refusing to read it`);
  return real;
}

// O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer; the fstat below then refuses it.
const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

/** Refuses anything but a regular file within `maxBytes` (and of `exactBytes`, when given), before any read. */
function checkOpened(file: string, st: fs.Stats, maxBytes: number, exactBytes: number | undefined): number {
  if (!st.isFile()) throw new ModelFormatError(file, `is ${fileKind(st)}, not a regular file; refusing to read it`);
  if (exactBytes !== undefined && st.size !== exactBytes) {
    throw new ModelFormatError(file, `${st.size < exactBytes ? "truncated" : "too long"}: ${st.size} bytes, the manifest says ${exactBytes}`);
  }
  if (st.size > maxBytes) throw new ModelFormatError(file, `is ${st.size} bytes, more than the ${maxBytes} this reader accepts`);
  return st.size;
}

function fileKind(st: fs.Stats): string {
  return st.isDirectory()
    ? "a directory"
    : st.isFIFO()
      ? "a FIFO (named pipe)"
      : st.isCharacterDevice()
        ? "a character device"
        : st.isBlockDevice()
          ? "a block device"
          : st.isSocket()
            ? "a socket"
            : "not a regular file";
}

function openError(file: string, e: unknown): ModelFormatError {
  return new ModelFormatError(file, `cannot be opened (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
}

/** Reads a checked file whole into a fresh ArrayBuffer (so typed-array views on it are aligned). */
function readCheckedSync(file: string, realRoot: string, maxBytes: number, missing: string, exactBytes?: number): Uint8Array {
  const real = realInside(file, realRoot, missing);
  let fd: number;
  try {
    fd = fs.openSync(real, OPEN_FLAGS);
  } catch (e) {
    throw openError(file, e);
  }
  try {
    const size = checkOpened(file, fs.fstatSync(fd), maxBytes, exactBytes);
    const out = new Uint8Array(new ArrayBuffer(size));
    let at = 0;
    while (at < size) {
      const n = fs.readSync(fd, out, at, Math.min(READ_CHUNK, size - at), at);
      if (n === 0) break;
      at += n;
    }
    if (at !== size) throw new ModelFormatError(file, `truncated while reading: ${at} of ${size} bytes`);
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

async function readChecked(
  file: string,
  realRoot: string,
  maxBytes: number,
  missing: string,
  exactBytes?: number,
  onChunk?: (chunk: Uint8Array) => void,
): Promise<Uint8Array> {
  const real = realInside(file, realRoot, missing);
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(real, OPEN_FLAGS);
  } catch (e) {
    throw openError(file, e);
  }
  try {
    const size = checkOpened(file, await fh.stat(), maxBytes, exactBytes);
    const out = new Uint8Array(new ArrayBuffer(size));
    let at = 0;
    while (at < size) {
      const { bytesRead } = await fh.read(out, at, Math.min(ASYNC_READ_CHUNK, size - at), at);
      if (bytesRead === 0) break;
      onChunk?.(out.subarray(at, at + bytesRead));
      at += bytesRead;
    }
    if (at !== size) throw new ModelFormatError(file, `truncated while reading: ${at} of ${size} bytes`);
    return out;
  } finally {
    await fh.close();
  }
}

/** The manifest, checked; for version 1 also its ID maps (version 2 has them in the weights file). */
function* parseManifest(bytes: Uint8Array, manifestPath: string): Steps<{ m: ModelManifest; userIds?: IdMap; itemIds?: IdMap }> {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new ModelFormatError(manifestPath, `not valid JSON (${(e as Error).message})`, { cause: e });
  }
  yield;
  const m = checkManifest(raw, manifestPath);
  yield;
  if (m.formatVersion !== 1) return { m };
  try {
    const u = m.userIds!,
      i = m.itemIds!;
    const userIds = yield* IdMap.fromSortedSteps("user", u.length, (k) => u[k]);
    yield;
    const itemIds = yield* IdMap.fromSortedSteps("item", i.length, (k) => i[k]);
    return { m, userIds, itemIds };
  } catch (e) {
    throw new ModelFormatError(manifestPath, (e as Error).message, { cause: e });
  }
}

/** Version 2's ID maps from the weights file's ID sections, built in steps (see ID_SECTION_NAMES). */
function* decodeIds(
  m: ModelManifest,
  sec: Map<SectionName, Float32Array | Int32Array | Uint8Array>,
  weightsPath: string,
): Steps<{ userIds: IdMap; itemIds: IdMap }> {
  const userEnds = sec.get("userIdEnds") as Int32Array,
    itemEnds = sec.get("itemIdEnds") as Int32Array;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(sec.get("idText") as Uint8Array);
  } catch (e) {
    throw new ModelFormatError(weightsPath, "corrupt: the ID text is not UTF-8", { cause: e });
  }
  yield;
  const last = m.numItems > 0 ? itemEnds[m.numItems - 1]! : m.numUsers > 0 ? userEnds[m.numUsers - 1]! : 0;
  if (last !== text.length) throw new ModelFormatError(weightsPath, `corrupt: the ID ends run to ${last}, but the ID text has ${text.length} characters`);
  // Each map keeps the ID text and its starts (IdMap.fromTextSteps: no string per ID). An end before its start is corrupt.
  const startsOf = (ends: Int32Array, first: number, n: number): Int32Array => {
    const starts = new Int32Array(n + 1);
    starts[0] = first;
    for (let k = 0; k < n; k++) {
      const a = starts[k]!,
        b = ends[k]!;
      if (!(a >= 0 && b > a && b <= text.length))
        throw new ModelFormatError(weightsPath, `corrupt: ID ${k} runs ${a}..${b} in an ID text of ${text.length} characters`);
      starts[k + 1] = b;
    }
    return starts;
  };
  try {
    const userIds = yield* IdMap.fromTextSteps("user", text, startsOf(userEnds, 0, m.numUsers));
    yield;
    const itemIds = yield* IdMap.fromTextSteps("item", text, startsOf(itemEnds, m.numUsers > 0 ? userEnds[m.numUsers - 1]! : 0, m.numItems));
    return { userIds, itemIds };
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    throw new ModelFormatError(weightsPath, `corrupt ID sections: ${(e as Error).message}`, { cause: e });
  }
}

function checkSha(weightsPath: string, m: ModelManifest, sha: string): void {
  if (sha !== m.weights.sha256)
    throw new ModelFormatError(weightsPath, `corrupt: SHA-256 ${sha.slice(0, 16)}… does not match the manifest's ${m.weights.sha256.slice(0, 16)}…`);
}

function* modelFrom(m: ModelManifest, maps: { userIds?: IdMap; itemIds?: IdMap }, data: Uint8Array, weightsPath: string): Steps<TrainedModel> {
  const sec = new Map<SectionName, Float32Array | Int32Array | Uint8Array>();
  for (const s of m.weights.sections) sec.set(s.name, decodeSection(data, s));
  const { userIds, itemIds } = maps.userIds && maps.itemIds ? { userIds: maps.userIds, itemIds: maps.itemIds } : yield* decodeIds(m, sec, weightsPath);
  yield;
  const offsets = sec.get("ratedOffsets") as Int32Array;
  const rated = sec.get("ratedItems") as Int32Array;
  if (offsets[0] !== 0 || offsets[m.numUsers] !== rated.length)
    throw new ModelFormatError(weightsPath, `corrupt: rated-items offsets run ${offsets[0]}..${offsets[m.numUsers]}, not 0..${rated.length}`);
  for (let u = 0; u < m.numUsers; u++) {
    const a = offsets[u]!,
      b = offsets[u + 1]!;
    if (!(a >= 0 && b >= a && b <= rated.length)) throw new ModelFormatError(weightsPath, `corrupt: rated-items offsets of user index ${u} are ${a}..${b}`);
    if (u % STEP === STEP - 1) yield;
  }
  const ratedItems = { offsets, items: rated };
  for (let k = 0; k < rated.length; k++) {
    const i = rated[k]!;
    if (!(i >= 0 && i < m.numItems)) throw new ModelFormatError(weightsPath, `corrupt: rated item index ${i} is outside 0..${m.numItems - 1}`);
    if (k % STEP === STEP - 1) yield;
  }
  const weights: MfWeights = {
    dim: m.dim,
    numUsers: m.numUsers,
    numItems: m.numItems,
    globalBias: m.globalBias,
    userFactors: sec.get("userFactors") as Float32Array,
    itemFactors: sec.get("itemFactors") as Float32Array,
    userBias: sec.get("userBias") as Float32Array,
    itemBias: sec.get("itemBias") as Float32Array,
  };
  return {
    weights,
    userIds,
    itemIds,
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
    ...(m.split !== undefined ? { split: m.split } : {}),
    ...(m.modelType === "neural" ? { modelType: "neural" as const, network: unpackNetwork(m.network!, sec.get("network") as Float32Array) } : {}),
  };
}

/** Version 2's ID sections of a model (see ID_SECTION_NAMES), or undefined when an ID is not well-formed Unicode. */
function encodeIds(model: TrainedModel): { userEnds: Int32Array; itemEnds: Int32Array; text: Buffer } | undefined {
  const users = model.userIds.toArray(),
    items = model.itemIds.toArray();
  const userEnds = new Int32Array(users.length),
    itemEnds = new Int32Array(items.length);
  let at = 0;
  users.forEach((id, k) => (userEnds[k] = at += id.length));
  items.forEach((id, k) => (itemEnds[k] = at += id.length));
  const joined = users.join("") + items.join("");
  if (at > 2 ** 31 - 1 || !isWellFormed(joined)) return undefined;
  return { userEnds, itemEnds, text: Buffer.from(joined, "utf8") };
}

function isWellFormed(s: string): boolean {
  const f = (s as { isWellFormed?: () => boolean }).isWellFormed;
  return f ? f.call(s) : !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

function encodeWeights(model: TrainedModel, ids?: { userEnds: Int32Array; itemEnds: Int32Array; text: Buffer }): { bytes: Buffer; sections: Section[] } {
  const w = model.weights;
  const { offsets, items: rated } = model.ratedItems;
  const parts: [SectionName, Float32Array | Int32Array][] = [
    ["userFactors", w.userFactors],
    ["itemFactors", w.itemFactors],
    ["userBias", w.userBias],
    ["itemBias", w.itemBias],
    ["ratedOffsets", offsets],
    ["ratedItems", rated],
  ];
  if (model.modelType === "neural" && model.network) parts.push(["network", packNetwork(model.network)]);
  if (ids) parts.push(["userIdEnds", ids.userEnds], ["itemIdEnds", ids.itemEnds]);
  const total = parts.reduce((s, [, a]) => s + a.length * 4, 0) + (ids ? ids.text.length : 0);
  const bytes = Buffer.alloc(total);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const sections: Section[] = [];
  let at = 0;
  for (const [name, a] of parts) {
    const isFloat = a instanceof Float32Array;
    sections.push({ name, type: isFloat ? "float32" : "int32", byteOffset: at, length: a.length });
    // Little-endian on any machine: a plain copy where the machine is little-endian, else DataView.
    if (LITTLE_ENDIAN) {
      bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
      at += a.byteLength;
    } else if (isFloat) for (let k = 0; k < a.length; k++, at += 4) view.setFloat32(at, a[k]!, true);
    else for (let k = 0; k < a.length; k++, at += 4) view.setInt32(at, a[k]!, true);
  }
  if (ids) {
    sections.push({ name: "idText", type: "utf8", byteOffset: at, length: ids.text.length });
    bytes.set(ids.text, at);
  }
  return { bytes, sections };
}

const LITTLE_ENDIAN = os.endianness() === "LE";

/** One section of the weights file: a view on the read buffer on a little-endian machine (no copy), else decoded. */
function decodeSection(data: Uint8Array, s: Section): Float32Array | Int32Array | Uint8Array {
  if (s.type === "utf8") return data.subarray(s.byteOffset, s.byteOffset + s.length);
  const Type = s.type === "float32" ? Float32Array : Int32Array;
  // (The buffer is a plain ArrayBuffer, never shared: readChecked allocates it. TS 5.9's lib needs it said.)
  if (LITTLE_ENDIAN && (data.byteOffset + s.byteOffset) % 4 === 0) return new Type(data.buffer as ArrayBuffer, data.byteOffset + s.byteOffset, s.length);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = new Type(s.length);
  let at = s.byteOffset;
  if (out instanceof Float32Array) for (let k = 0; k < s.length; k++, at += 4) out[k] = view.getFloat32(at, true);
  else for (let k = 0; k < s.length; k++, at += 4) out[k] = view.getInt32(at, true);
  return out;
}

/** The weights file the directory's current manifest names, if it has a readable one (read with the same checks as a load). */
function currentWeightsFile(dir: string): string | undefined {
  try {
    const bytes = readCheckedSync(path.join(dir, MANIFEST_FILE), fs.realpathSync(dir), MAX_MANIFEST_BYTES, "missing");
    const m = JSON.parse(new TextDecoder().decode(bytes)) as { weights?: { file?: unknown } };
    return typeof m.weights?.file === "string" ? m.weights.file : undefined;
  } catch {
    return undefined;
  }
}

/** Validates the manifest's shape; every problem is a ModelFormatError naming the manifest and the field. */
function checkManifest(raw: unknown, file: string): ModelManifest {
  const bad = (field: string, problem: string): never => {
    throw new ModelFormatError(file, `field "${field}" ${problem}`);
  };
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new ModelFormatError(file, "not a JSON object");
  const m = raw as Record<string, unknown>;
  if (m.format !== MODEL_FORMAT) bad("format", `is ${JSON.stringify(m.format)}, expected ${JSON.stringify(MODEL_FORMAT)}`);
  if (typeof m.formatVersion !== "number" || !READABLE_FORMAT_VERSIONS.includes(m.formatVersion)) {
    throw new ModelFormatError(
      file,
      `format version ${JSON.stringify(m.formatVersion)} is not supported (this workbook reads versions ${READABLE_FORMAT_VERSIONS.join(" and ")}); retrain or save the model again with this workbook`,
    );
  }
  const v1 = m.formatVersion === 1;
  const int = (k: string, min: number): number => {
    const v = m[k];
    return typeof v === "number" && Number.isInteger(v) && v >= min ? v : bad(k, `must be an integer >= ${min}, but is ${JSON.stringify(v)}`);
  };
  const dim = int("dim", 1),
    numUsers = int("numUsers", 0),
    numItems = int("numItems", 0),
    bestEpoch = int("bestEpoch", -1);
  if (typeof m.globalBias !== "number" || !Number.isFinite(m.globalBias)) bad("globalBias", "must be a finite number");
  for (const k of ["dataFingerprint", "backend", "trainedAt"]) if (typeof m[k] !== "string") bad(k, "must be a string");
  for (const k of ["ratingMin", "ratingMax"])
    if (m[k] !== undefined && (typeof m[k] !== "number" || !Number.isFinite(m[k]))) bad(k, "must be a finite number when present");
  if ((m.ratingMin === undefined) !== (m.ratingMax === undefined) || (m.ratingMin as number) > (m.ratingMax as number))
    bad("ratingMin", "and ratingMax must both be present, with ratingMin <= ratingMax, or both absent");
  if (m.fittedOn !== undefined && m.fittedOn !== "train" && m.fittedOn !== "all")
    bad("fittedOn", `must be "train" or "all", but is ${JSON.stringify(m.fittedOn)}`);
  if (m.objective !== undefined && m.objective !== "mse" && m.objective !== "bpr")
    bad("objective", `must be "mse" or "bpr", but is ${JSON.stringify(m.objective)}`);
  if (m.implicitMinRating !== undefined && m.implicitMinRating !== null && !(typeof m.implicitMinRating === "number" && Number.isFinite(m.implicitMinRating)))
    bad("implicitMinRating", "must be a number or null");
  if (m.split !== undefined && !isRecordedSplit(m.split))
    bad(
      "split",
      `must be a recorded split ({kind: "random"|"per-user"|"stratified", fraction, seed} or {kind: "file", fingerprint}), but is ${JSON.stringify(m.split)}`,
    );
  if (v1) {
    if (!Array.isArray(m.userIds) || m.userIds.length !== numUsers) bad("userIds", `must be an array of ${numUsers} IDs`);
    if (!Array.isArray(m.itemIds) || m.itemIds.length !== numItems) bad("itemIds", `must be an array of ${numItems} IDs`);
  } else {
    for (const k of ["userIds", "itemIds"]) if (m[k] !== undefined) bad(k, "must be absent in format version 2 (the IDs are in the weights file)");
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
    userFactors: numUsers * dim,
    itemFactors: numItems * dim,
    userBias: numUsers,
    itemBias: numItems,
    ratedOffsets: numUsers + 1,
    ratedItems: -1,
    network: 0,
    userIdEnds: numUsers,
    itemIdEnds: numItems,
    idText: -1,
  };
  if (m.modelType !== undefined && m.modelType !== "mf" && m.modelType !== "neural")
    bad("modelType", `must be "mf" or "neural", but is ${JSON.stringify(m.modelType)}`);
  if (m.modelType === "neural") {
    const problem = networkManifestProblem(m.network, dim);
    if (problem) bad("network", problem);
    expected.network = networkLength(m.network as NetworkManifest);
  }
  const seen = new Set<string>();
  for (const s of w.sections) {
    const known = SECTION_NAMES.includes(s?.name) || (s?.name === "network" && m.modelType === "neural") || (!v1 && ID_SECTION_NAMES.includes(s?.name));
    if (!s || !known || seen.has(s.name)) bad("weights.sections", `has an unknown or repeated section ${JSON.stringify(s ? s.name : s)}`);
    seen.add(s.name);
    const want = expected[s.name];
    if (!Number.isInteger(s.length) || s.length < 0 || (want >= 0 && s.length !== want))
      bad(`weights.sections.${s.name}.length`, `is ${JSON.stringify(s.length)}, expected ${want}`);
    const width = SECTION_TYPES[s.name] === "utf8" ? 1 : 4;
    if (!Number.isInteger(s.byteOffset) || s.byteOffset < 0 || s.byteOffset % 4 !== 0 || s.byteOffset + s.length * width > w.bytes)
      bad(`weights.sections.${s.name}.byteOffset`, "points outside the weights file");
    if (s.type !== SECTION_TYPES[s.name]) bad(`weights.sections.${s.name}.type`, `is ${JSON.stringify(s.type)}`);
  }
  for (const n of v1 ? SECTION_NAMES : [...SECTION_NAMES, ...ID_SECTION_NAMES]) if (!seen.has(n)) bad("weights.sections", `lacks the section ${n}`);
  if (m.modelType === "neural" && !seen.has("network")) bad("weights.sections", "lacks the section network");
  return { ...(m as unknown as ModelManifest), formatVersion: m.formatVersion, dim, numUsers, numItems, bestEpoch, hyperparameters, history };
}

function isRecordedSplit(x: unknown): x is RecordedSplit {
  if (x === null || typeof x !== "object") return false;
  const r = x as Record<string, unknown>;
  const num = (v: unknown): boolean => typeof v === "number" && Number.isFinite(v);
  if (r.kind === "file") return typeof r.fingerprint === "string";
  if (r.kind === "random" || r.kind === "per-user") return num(r.fraction) && num(r.seed) && (r.minTrainPerUser === undefined || num(r.minTrainPerUser));
  if (r.kind === "stratified") return num(r.fraction) && num(r.seed) && (r.by === "user" || r.by === "item");
  return false;
}
