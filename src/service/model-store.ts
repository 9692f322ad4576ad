/** Holds the model the service answers from, and swaps in a reloaded one atomically or not at all. */
import * as fs from "node:fs";
import * as path from "node:path";
import { ModelFormatError } from "../errors";
import type { TrainedModel } from "../model/types";
import { checkModel } from "../model/check";
import { resolveWithinRoot } from "./paths";
import { PrecomputedRecommendations } from "./precompute";
import { MAX_TOP_N } from "./schemas";

/** What a loader gives back: the model and the on-disk format version it was read from. */
export interface LoadedModel {
  readonly model: TrainedModel;
  readonly formatVersion: number;
}

/** Reads a saved model directory (the service's default is ENGINE's `loadModel`). */
export type ModelLoader = (dir: string) => Promise<LoadedModel>;

/** The model being served, with where and when it was loaded. Immutable: a reload makes a new one. */
export interface ServedModel extends LoadedModel {
  /** Real path of the model directory (what was read). */
  readonly dir: string;
  /** The path as configured or requested (absolute; may be a symbolic link, resolved again on every reload). */
  readonly requestedDir: string;
  /** ISO time this process loaded it. */
  readonly loadedAt: string;
  /** 1 for the model loaded at start, +1 per successful reload. */
  readonly generation: number;
  /** Every user's top lists, when precomputed (see {@link StoreOptions.precompute}). */
  readonly precomputed?: PrecomputedRecommendations;
  /** How POST /recommend answers for this model, and why (what /health reports). */
  readonly recommendations: RecommendationMode;
}

/** "precomputed": lists made at load, a lookup per request; "per-request": every item scored per request. */
export interface RecommendationMode {
  readonly mode: "precomputed" | "per-request";
  readonly reason: string;
}

export interface StoreOptions {
  /**
   * Precompute every user's top-100 lists at load (true), never (false), or when the work and the memory stay
   * within {@link PRECOMPUTE_MAX_SCORES} and {@link PRECOMPUTE_MAX_BYTES} ("auto", the default). Precomputed
   * answers are identical to computed ones.
   */
  readonly precompute?: boolean | "auto";
}

/**
 * "auto" precomputes only up to users x items = 5e8 scores (about 10-20 s of load work on one core: 1,000 x 500
 * takes 0.2 s) and lists of at most 64 MB (2 variants x users x k x 12 bytes: 26,000 users at k 100). Above
 * either, POST /recommend scores per request (one user x 60,000 items x 64 dims is a few ms).
 */
export const PRECOMPUTE_MAX_SCORES = 5e8;
export const PRECOMPUTE_MAX_BYTES = 64 * 1024 * 1024;

/** Decides how a model is served under `option` (exported for tests and the CLI's messages). */
export function recommendationMode(numUsers: number, numItems: number, option: boolean | "auto" = "auto"): RecommendationMode {
  if (option === true) return { mode: "precomputed", reason: "precompute on" };
  if (option === false) return { mode: "per-request", reason: "precompute off" };
  const k = Math.min(MAX_TOP_N, Math.max(1, numItems));
  const scores = numUsers * numItems,
    bytes = 2 * numUsers * k * 12;
  if (scores > PRECOMPUTE_MAX_SCORES)
    return {
      mode: "per-request",
      reason: `${numUsers} users x ${numItems} items is over the ${PRECOMPUTE_MAX_SCORES.toExponential(0)} scores precompute allows`,
    };
  if (bytes > PRECOMPUTE_MAX_BYTES)
    return { mode: "per-request", reason: `the lists would take ${(bytes / 2 ** 20).toFixed(0)} MB, over ${PRECOMPUTE_MAX_BYTES / 2 ** 20} MB` };
  return { mode: "precomputed", reason: `${numUsers} users x ${numItems} items is within the precompute bounds` };
}

/** A reload queued behind the running one; later requests for the same target share it. */
interface PendingReload {
  readonly key: string | undefined;
  readonly promise: Promise<ServedModel>;
  started: boolean;
}

/**
 * The current model behind one reference. A request reads `current` once and uses that object to the end,
 * so a reload in between never mixes two models in one answer. Reloads run one at a time and coalesce: while
 * one runs, every further request for the same target joins the one queued after it (a storm of SIGHUPs makes
 * at most two loads, not one per signal). A model that fails to load or to pass the consistency checks is
 * refused and the old one keeps serving.
 */
export class ModelStore {
  readonly root: string;
  private readonly loader: ModelLoader;
  private readonly options: StoreOptions;
  private served: ServedModel;
  private tail: Promise<unknown> = Promise.resolve();
  private pending: PendingReload | undefined;

  private constructor(root: string, loader: ModelLoader, options: StoreOptions, served: ServedModel) {
    this.root = root;
    this.loader = loader;
    this.options = options;
    this.served = served;
  }

  /**
   * Loads the first model. `root` bounds every later reload (default: the parent of `dir`).
   * @throws ModelFormatError (or the loader's error) when the model cannot be served.
   */
  static async open(dir: string, loader: ModelLoader, root: string = path.dirname(path.resolve(dir)), options: StoreOptions = {}): Promise<ModelStore> {
    const requestedDir = path.resolve(dir);
    const realDir = resolveWithinRoot(root, requestedDir, "model directory");
    const served = await loadChecked(loader, realDir, requestedDir, 1, options);
    return new ModelStore(root, loader, options, served);
  }

  get current(): ServedModel {
    return this.served;
  }

  /**
   * Loads `requested` (relative to the root, or absolute inside it; default: the current directory again, as
   * configured, so a symbolic link re-pointed since is followed to its new target) and swaps it in. Resolves to
   * the new model; rejects, leaving the old one serving, when the path is outside the root or the model is
   * unusable. A call while another reload for the same target waits to start returns that reload's promise.
   */
  reload(requested?: string): Promise<ServedModel> {
    const key = requested;
    if (this.pending && !this.pending.started && this.pending.key === key) return this.pending.promise;
    const entry: PendingReload = { key, promise: undefined as unknown as Promise<ServedModel>, started: false };
    const run = async (): Promise<ServedModel> => {
      entry.started = true;
      const target = requested === undefined ? this.served.requestedDir : requested;
      const dir = resolveWithinRoot(this.root, target, "model_dir");
      const requestedDir = path.resolve(realRoot(this.root), target);
      const next = await loadChecked(this.loader, dir, requestedDir, this.served.generation + 1, this.options);
      this.served = next; // the swap: one assignment
      return next;
    };
    const result = this.tail.then(run, run);
    (entry as { promise: Promise<ServedModel> }).promise = result;
    this.pending = entry;
    this.tail = result.catch(() => undefined);
    return result;
  }
}

function realRoot(root: string): string {
  try {
    return fs.realpathSync(root);
  } catch {
    return path.resolve(root);
  }
}

/** Yields to the event loop every `chunk` elements of a long check, so a reload never stalls requests for long. */
async function checkFinite(dir: string, name: string, a: Float32Array, chunk = 1 << 20): Promise<void> {
  for (let start = 0; start < a.length; start += chunk) {
    const end = Math.min(a.length, start + chunk);
    for (let k = start; k < end; k++) {
      if (!Number.isFinite(a[k])) throw new ModelFormatError(dir, `weights.${name}[${k}] is ${a[k]}, not a finite number`);
    }
    if (end < a.length) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

async function loadChecked(loader: ModelLoader, dir: string, requestedDir: string, generation: number, options: StoreOptions): Promise<ServedModel> {
  const loaded = await loader(dir);
  try {
    checkModel(loaded.model);
  } catch (e) {
    throw new ModelFormatError(dir, `inconsistent model: ${(e as Error).message}`, { cause: e });
  }
  const w = loaded.model.weights;
  for (const [name, a] of [
    ["userFactors", w.userFactors],
    ["itemFactors", w.itemFactors],
    ["userBias", w.userBias],
    ["itemBias", w.itemBias],
  ] as const) {
    await checkFinite(dir, name, a);
  }
  const recommendations = recommendationMode(loaded.model.userIds.size, loaded.model.itemIds.size, options.precompute ?? "auto");
  const k = Math.min(MAX_TOP_N, Math.max(1, loaded.model.itemIds.size));
  const precomputed = recommendations.mode === "precomputed" ? await PrecomputedRecommendations.build(loaded.model, k) : undefined;
  return { ...loaded, dir, requestedDir, loadedAt: new Date().toISOString(), generation, recommendations, ...(precomputed ? { precomputed } : {}) };
}
