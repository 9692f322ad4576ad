/** One summary of how much group structure a set of embeddings has: raw cosine means and scale-free recovery measures. */
import type { Dataset } from "../data/types";
import type { TrainedModel } from "../model/types";
import { InvalidArgumentError } from "../errors";
import { checkInteger } from "../validate";
import { itemEmbeddings, userEmbeddings } from "./embeddings";
import { checkWeights } from "../model/check";
import { labelsOf } from "../data/labels";
import { groupSimilarity, itemCategoryLabels, requireLabels, userGroupLabels, type GroupSimilarity } from "./groups";
import { knnPurity, silhouette } from "./recovery";

export interface StructureSummary {
  /** Mean cosine within / across user groups (the blog's numbers: 0.89 / 0.21). */
  readonly userWithin: number;
  readonly userAcross: number;
  readonly itemWithin: number;
  readonly itemAcross: number;
  /** Share of each user's k nearest users in its own group (scale-free), and what random vectors give. */
  readonly userKnnPurity: number;
  readonly userKnnChance: number;
  /** The same for items by category. */
  readonly itemKnnPurity: number;
  readonly itemKnnChance: number;
  /** Cosine silhouette of users by group (about 0 for random vectors, 1 for tight separated groups). */
  readonly userSilhouette: number;
  readonly users: GroupSimilarity;
  readonly items: GroupSimilarity;
}

/**
 * Group structure of a model's user and item factors against the dataset's ground truth (users by group, items by
 * category with the fashion+sports overlap as its own category). Works the same for random weights: pass
 * `{ ...model, weights: randomWeights(...) }`. Throws when the dataset has no group labels (e.g. MovieLens).
 */
export function embeddingStructure(
  model: Pick<TrainedModel, "weights" | "userIds" | "itemIds">,
  dataset: Pick<Dataset, "users" | "items" | "labels">,
  options: { k?: number } = {},
): StructureSummary {
  if (typeof model !== "object" || model === null) throw new InvalidArgumentError("model", "a trained model", model);
  const w = checkWeights(model.weights, "model.weights");
  if (typeof dataset !== "object" || dataset === null || !Array.isArray(dataset.users) || !Array.isArray(dataset.items)) {
    throw new InvalidArgumentError("dataset", "a Dataset with users and items", dataset);
  }
  if (!model.userIds || model.userIds.size !== w.numUsers)
    throw new InvalidArgumentError("model.userIds", `an IdMap of ${w.numUsers} users`, model.userIds?.size);
  if (!model.itemIds || model.itemIds.size !== w.numItems)
    throw new InvalidArgumentError("model.itemIds", `an IdMap of ${w.numItems} items`, model.itemIds?.size);
  const k = checkInteger("options.k", options.k ?? 10, 1);
  const ul = userGroupLabels(model.userIds, dataset),
    il = itemCategoryLabels(model.itemIds, dataset);
  requireLabels(ul, "the dataset's user groups");
  requireLabels(il, "the dataset's item categories");
  const U = userEmbeddings(w),
    I = itemEmbeddings(w);
  const labels = labelsOf(dataset);
  const users = groupSimilarity(U, ul, labels.users?.values),
    items = groupSimilarity(I, il, labels.items?.values);
  const uk = knnPurity(U, ul, k),
    ik = knnPurity(I, il, k);
  return {
    userWithin: users.within,
    userAcross: users.across,
    itemWithin: items.within,
    itemAcross: items.across,
    userKnnPurity: uk.purity,
    userKnnChance: uk.chance,
    itemKnnPurity: ik.purity,
    itemKnnChance: ik.chance,
    userSilhouette: silhouette(U, ul),
    users,
    items,
  };
}
