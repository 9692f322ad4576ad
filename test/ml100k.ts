import * as path from "node:path";

/**
 * MovieLens 100k for the tests that read it: ../shared/datasets/ml-100k beside the project, where CI has it (never
 * copied into the project: its licence forbids redistribution), or the folder EWB_ML100K_DIR names.
 */
export const ML100K = path.resolve(process.env.EWB_ML100K_DIR ?? path.join(__dirname, "..", "..", "shared", "datasets", "ml-100k"));
