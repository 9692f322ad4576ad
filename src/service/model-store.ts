/** Holds the model the service answers from, and swaps in a reloaded one atomically or not at all. */
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
  /** Real path of the model directory. */
  readonly dir: string;
  /** ISO time this process loaded it. */
  readonly loadedAt: string;
  /** 1 for the model loaded at start, +1 per successful reload. */
  readonly generation: number;
  /** Every user's top lists, when precomputed (see {@link StoreOptions.precompute}). */
  readonly precomputed?: PrecomputedRecommendations;
}

export interface StoreOptions {
  /**
   * Precompute every user's top-100 lists at load (true), never (false), or when there are at most
   * {@link PRECOMPUTE_MAX_USERS} users ("auto", the default). Precomputed answers are identical to computed ones.
   */
  readonly precompute?: boolean | "auto";
}

/** Above this many users "auto" computes on demand: the lists would take 2.4 KB per user. */
export const PRECOMPUTE_MAX_USERS = 20_000;

/**
 * The current model behind one reference. A request reads `current` once and uses that object to the end,
 * so a reload in between never mixes two models in one answer. Reloads run one at a time; a model that fails
 * to load or to pass the consistency checks is refused and the old one keeps serving.
 */
export class ModelStore {
  readonly root: string;
  private readonly loader: ModelLoader;
  private readonly options: StoreOptions;
  private served: ServedModel;
  private queue: Promise<unknown> = Promise.resolve();

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
    const realDir = resolveWithinRoot(root, path.resolve(dir), "model directory");
    const served = await loadChecked(loader, realDir, 1, options);
    return new ModelStore(root, loader, options, served);
  }

  get current(): ServedModel {
    return this.served;
  }

  /**
   * Loads `requested` (relative to the root, or absolute inside it; default: the current directory again, for a
   * model saved over the old one) and swaps it in. Resolves to the new model; rejects, leaving the old one
   * serving, when the path is outside the root or the model is unusable.
   */
  reload(requested?: string): Promise<ServedModel> {
    const run = async (): Promise<ServedModel> => {
      const dir = resolveWithinRoot(this.root, requested ?? this.served.dir, "model_dir");
      const next = await loadChecked(this.loader, dir, this.served.generation + 1, this.options);
      this.served = next; // the swap: one assignment
      return next;
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

async function loadChecked(loader: ModelLoader, dir: string, generation: number, options: StoreOptions): Promise<ServedModel> {
  const loaded = await loader(dir);
  try {
    checkModel(loaded.model);
  } catch (e) {
    throw new ModelFormatError(dir, `inconsistent model: ${(e as Error).message}`, { cause: e });
  }
  const w = loaded.model.weights;
  for (const [name, a] of [["userFactors", w.userFactors], ["itemFactors", w.itemFactors], ["userBias", w.userBias], ["itemBias", w.itemBias]] as const) {
    for (let k = 0; k < a.length; k++) {
      if (!Number.isFinite(a[k])) throw new ModelFormatError(dir, `weights.${name}[${k}] is ${a[k]}, not a finite number`);
    }
  }
  const mode = options.precompute ?? "auto";
  const precompute = mode === true || (mode === "auto" && loaded.model.userIds.size <= PRECOMPUTE_MAX_USERS);
  const k = Math.min(MAX_TOP_N, Math.max(1, loaded.model.itemIds.size));
  const precomputed = precompute ? await PrecomputedRecommendations.build(loaded.model, k) : undefined;
  return { ...loaded, dir, loadedAt: new Date().toISOString(), generation, ...(precomputed ? { precomputed } : {}) };
}
