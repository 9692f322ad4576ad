/** The service's default model loader: the saved-model format of src/model/persist, read without blocking the event loop. */
import { loadSavedModelAsync } from "../model/persist";
import type { LoadedModel } from "./model-store";

/** Reads a model directory written by `saveModel` (or `ewb train --model <dir>`); a bad one throws ModelFormatError. */
export async function defaultLoader(dir: string): Promise<LoadedModel> {
  return loadSavedModelAsync(dir);
}
