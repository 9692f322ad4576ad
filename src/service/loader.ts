/** The service's default model loader: the saved-model format of src/model/persist, with its format version. */
import { ModelFormatError } from "../errors";
import type { LoadedModel } from "./model-store";

/** Reads a model directory written by `saveModel` (or `ewb train --model <dir>`). */
export async function defaultLoader(dir: string): Promise<LoadedModel> {
  // Placeholder until ENGINE's persist.ts lands.
  throw new ModelFormatError(dir, "no model loader available yet");
}
