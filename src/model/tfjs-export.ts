/**
 * A trained model as a tf.layers model, and its export in TF.js's own format (model.json + weights.bin) through
 * tf.io handlers that read and write plain files: TF.js's `file://` handler needs tfjs-node's native binding.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as tfTypes from "@tensorflow/tfjs";
import type { TrainedModel } from "./types";
import type { Tf } from "./tfjs-loader";
import { buildLayersMf } from "./layers-mf";
import { buildNeuralModel, setNeuralWeights } from "./neural";
import { customLayers } from "./layers-custom";
import { ModelFormatError, StorageError } from "../errors";
import { checkString } from "../validate";
import { writeFileAtomicSync } from "../data/atomic";

export const TFJS_MODEL_FILE = "model.json";
export const TFJS_WEIGHTS_FILE = "weights.bin";

/** The saved model (MF or neural) as a tf.layers model with its weights; the caller disposes it. */
export function layersModelOf(tf: Tf, model: TrainedModel): tfTypes.LayersModel {
  if ((model.modelType ?? "mf") === "mf") return buildLayersMf(tf, model.weights);
  if (!model.network) throw new ModelFormatError("model.network", "a neural model without its dense layers");
  const built = buildNeuralModel(tf, { initial: model.weights, config: model.network.config, seed: 0, outputBias: 0 });
  setNeuralWeights(tf, built, model.weights, model.network);
  return built;
}

/**
 * A `tf.io` save handler writing `model.json` (topology + weights manifest, TF.js's layers-model format) and
 * `weights.bin` into `dir` (created). The new files are written beside and renamed into place, weights first,
 * so an interrupted save leaves the previous export loadable. Use with `model.save(fileSaveHandler(dir))`.
 */
export function fileSaveHandler(tf: Tf, dir: string): tfTypes.io.IOHandler {
  checkString("dir", dir);
  const root = path.resolve(dir);
  return {
    async save(artifacts: tfTypes.io.ModelArtifacts): Promise<tfTypes.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer)
        throw new StorageError("Cannot export a binary (GraphDef) topology: this handler writes layers models");
      const weightData =
        artifacts.weightData === undefined
          ? new ArrayBuffer(0)
          : Array.isArray(artifacts.weightData)
            ? tf.io.concatenateArrayBuffers(artifacts.weightData)
            : artifacts.weightData;
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? "layers-model",
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      try {
        fs.mkdirSync(root, { recursive: true });
        writeFileAtomicSync(path.join(root, TFJS_WEIGHTS_FILE), Buffer.from(weightData));
        writeFileAtomicSync(path.join(root, TFJS_MODEL_FILE), JSON.stringify(json));
      } catch (e) {
        throw new StorageError(`Cannot export the TF.js model to ${root}: ${(e as Error).message}`, { cause: e });
      }
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON({ ...artifacts, weightData }) };
    },
  };
}

/**
 * A `tf.io` load handler for what `fileSaveHandler` wrote: `tf.loadLayersModel(fileLoadHandler(tf, dir))`.
 * Registers the workbook's custom layers first. A missing or malformed file throws `ModelFormatError` naming it.
 */
export function fileLoadHandler(tf: Tf, dir: string): tfTypes.io.IOHandler {
  checkString("dir", dir);
  const root = path.resolve(dir);
  customLayers(tf);
  return {
    async load(): Promise<tfTypes.io.ModelArtifacts> {
      const jsonPath = path.join(root, TFJS_MODEL_FILE);
      if (!fs.existsSync(jsonPath)) throw new ModelFormatError(jsonPath, "missing: no TF.js model was exported here");
      let json: {
        modelTopology?: unknown;
        format?: string;
        generatedBy?: string;
        convertedBy?: string | null;
        weightsManifest?: { paths: string[]; weights: tfTypes.io.WeightsManifestEntry[] }[];
        userDefinedMetadata?: Record<string, unknown>;
      };
      try {
        json = JSON.parse(fs.readFileSync(jsonPath, "utf8"));
      } catch (e) {
        throw new ModelFormatError(jsonPath, `not valid JSON (${(e as Error).message})`, { cause: e });
      }
      if (!json.modelTopology || !Array.isArray(json.weightsManifest))
        throw new ModelFormatError(jsonPath, "not a TF.js layers model (no modelTopology or weightsManifest)");
      const specs: tfTypes.io.WeightsManifestEntry[] = [];
      const buffers: Buffer[] = [];
      for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          if (path.basename(p) !== p) throw new ModelFormatError(jsonPath, `weights path ${JSON.stringify(p)} is not a plain file name`);
          const file = path.join(root, p);
          if (!fs.existsSync(file)) throw new ModelFormatError(file, "missing: model.json names this weights file but it does not exist");
          buffers.push(fs.readFileSync(file));
        }
      }
      const all = Buffer.concat(buffers);
      const expected = specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
      if (all.length !== expected)
        throw new ModelFormatError(path.join(root, TFJS_WEIGHTS_FILE), `${all.length} bytes, the manifest's weights need ${expected}`);
      return {
        modelTopology: json.modelTopology as tfTypes.io.ModelArtifacts["modelTopology"],
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy ?? undefined,
        weightSpecs: specs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.length) as ArrayBuffer,
        ...(json.userDefinedMetadata ? { userDefinedMetadata: json.userDefinedMetadata as Record<string, object> } : {}),
      };
    },
  };
}

/** Exports a trained model (MF or neural) in TF.js's format into `dir`; `tf.loadLayersModel(fileLoadHandler(tf, dir))` reads it back. */
export async function exportTfjsModel(tf: Tf, model: TrainedModel, dir: string): Promise<void> {
  const layers = layersModelOf(tf, model);
  try {
    await layers.save(fileSaveHandler(tf, dir));
  } finally {
    layers.dispose();
  }
}
