/** The model `ewb train` saves when it did not refit: rated items over every row of the data, the split recorded. */
import type { RecordedSplit, TrainedModel } from "../model/types";
import type { LoadedData } from "./data-options";
import { indexInteractions } from "../data/indexed";
import { withRatedRows } from "../model/rated-items";

/**
 * The model to save from one trained on `data.split.train` alone (`--no-refit`, `--test`, BPR): its rated items
 * become every row of the data the user has, held-out rows too (what "exclude rated" must leave out when it
 * serves: a user's validation item is an item the user rated), and the seeded split is recorded so `ewb evaluate`
 * re-creates the training rows (with `--test` the held-out rows come from that file again). A model refit on all
 * rows is returned unchanged.
 */
export function servedModel(model: TrainedModel, data: Pick<LoadedData, "split" | "info">): TrainedModel {
  if (model.fittedOn === "all") return model;
  // The split's indexed validation rows (over the dataset's maps, the model's) when it has them: no row objects.
  const held = data.split.validationIndexed ?? indexInteractions(data.split.validation, model.userIds, model.itemIds, { skipUnknown: true });
  const info = data.info;
  const split: RecordedSplit | undefined =
    (info.split === "random" || info.split === "per-user") && info.validationFraction !== undefined && info.seed !== undefined
      ? { kind: info.split, fraction: info.validationFraction, seed: info.seed }
      : undefined;
  return { ...model, ratedItems: withRatedRows(model.ratedItems, held.users, held.items, held.length), ...(split ? { split } : {}) };
}
