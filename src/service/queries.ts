/** The service's queries on a served model: request-shaped arguments in, library calls (analysis, recommend) out. */
import { InvalidArgumentError } from "../errors";
import { nearestItems, nearestUsers, type Neighbour } from "../analysis/neighbours";
import type { UserRecommendations } from "../recommend/types";
import { recommendForNewUser } from "../recommend/foldin";
import type { ServedModel } from "./model-store";

/** One rating of a new user, as the request carries it. */
export interface RequestRating {
  readonly item_id: string;
  readonly rating: number;
}

/**
 * Recommendations for a user the model has never seen, from a few ratings (fold-in: the user's vector and bias
 * are solved with the item embeddings frozen; nothing is retrained). An item the model does not know, or the
 * same item twice, is a bad request naming the entry (`ratings[2].item_id`), not a missing resource.
 */
export function recommendNewUser(served: ServedModel, ratings: readonly RequestRating[], top: number, includeRated: boolean): UserRecommendations {
  if (served.model.modelType === "neural") {
    // Fold-in solves an MF user vector; a neural model has no such closed form (issue 13).
    throw new InvalidArgumentError("model", "an MF model to fold a new user into (this service serves a neural model)", "neural");
  }
  const itemIds = served.model.itemIds;
  const seen = new Map<string, number>();
  ratings.forEach((r, k) => {
    if (!itemIds.has(r.item_id)) throw new InvalidArgumentError(`ratings[${k}].item_id`, "an item ID the model knows", r.item_id);
    const first = seen.get(r.item_id);
    if (first !== undefined) throw new InvalidArgumentError(`ratings[${k}].item_id`, `an item not already rated (ratings[${first}] rates it)`, r.item_id);
    seen.set(r.item_id, k);
  });
  return recommendForNewUser(served.model, ratings.map((r) => ({ itemId: r.item_id, rating: r.rating })), { top, includeRated });
}

/** The k items nearest `itemId` by cosine similarity of the item embeddings (itself excluded). */
export function similarItems(served: ServedModel, itemId: string, top: number): Neighbour[] {
  return nearestItems(served.model, itemId, top);
}

/** The k users nearest `userId` by cosine similarity of the user embeddings (itself excluded). */
export function similarUsers(served: ServedModel, userId: string, top: number): Neighbour[] {
  return nearestUsers(served.model, userId, top);
}
