/**
 * The library, by package name: `import { loadDataset, trainModel, recommendForUser } from "embedding-workbook"`.
 * A curated entry point: the calls a notebook of your own needs, from data to a running service. Everything else
 * stays reachable in the repository's src/ for the workbook's own notebooks.
 *
 * @example
 * const ds = await loadDataset({ kind: "csv", path: "my-ratings.csv" });
 * const split = randomSplit(ds.interactions);
 * const model = await trainModel(split, ds, { epochs: 20 });
 * recommendForUser(model, ds.users[0]!.userId, { top: 5 }).recommendations;
 */

// Data: read, generate, split, label.
export { loadDataset, describeSource, DEFAULT_DATA_PATH, type DataSource } from "./data/load";
export { readInteractionsCsv, writeInteractionsCsv } from "./data/csv";
export { readMovieLens, type MovieLensLayout } from "./data/movielens";
export { readMovieLensFolder, findMovieLensFiles } from "./data/movielens-folder";
export { generateSyntheticDataset, DEFAULT_SEED, type GeneratorOptions } from "./data/generate";
export { randomSplit, perUserSplit, DEFAULT_VALIDATION_FRACTION, DEFAULT_SPLIT_SEED } from "./data/split";
export { IdMap } from "./data/idmap";
export { labelsOf, labelsByIndex, labelSet, type DatasetLabels, type LabelSet } from "./data/labels";
export type { Dataset, DataSplit, Interaction, UserRecord, ItemRecord } from "./data/types";

// Model: train, save, load, predict.
export { trainModel, DEFAULT_HYPERPARAMETERS, BLOG_HYPERPARAMETERS, resolveHyperparameters } from "./model/train";
export { saveModel, loadModel } from "./model/persist";
export { predictRating, evaluateRatings } from "./model/predict";
export type { TrainedModel, Hyperparameters, EpochRecord, MfWeights } from "./model/types";

// Recommendations and evaluation.
export { recommendForUser } from "./recommend/single";
export { recommendForNewUser } from "./recommend/foldin";
export { topNAllUsers } from "./recommend/batch";
export { evaluateModel } from "./evaluate/report";

// Analysis of the embeddings.
export { userEmbeddings, itemEmbeddings } from "./analysis/embeddings";
export { groupSimilarity, userLabels, itemLabels } from "./analysis/groups";
export { nearestItems, nearestUsers } from "./analysis/neighbours";
export { pca } from "./analysis/pca";

// Notebook display and charts (tslab).
export { showTable, showFigure } from "./notebook/display";
export { lossFigure } from "./charts/loss";
export { groupHeatmapFigure } from "./charts/heatmap";
export { embeddingScatterFigure } from "./charts/scatter";

// The REST service.
export { startService } from "./service/server";
export { ServiceClient } from "./service/client";

// Errors every call may throw.
export { WorkbookError, InvalidArgumentError, DataFormatError, UnknownIdError, ModelFormatError, StorageError } from "./errors";
