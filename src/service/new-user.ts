/** POST /recommend/new-user: the request's ratings checked against the served model, then fold-in. */
import { InvalidArgumentError } from "../errors";
import { RATING_MAX, RATING_MIN } from "../data/types";
import type { TrainedModel } from "../model/types";
import type { UserRecommendations } from "../recommend/types";
import { recommendForNewUser } from "../recommend/foldin";
import type { ServedModel } from "./model-store";

/** One rating of a new user, as the request carries it. */
export interface RequestRating {
  readonly item_id: string;
  readonly rating: number;
}

/** The rating scale a model was trained on; `recorded` is false for a model saved before the scale was recorded. */
export interface RatingScale {
  readonly min: number;
  readonly max: number;
  readonly recorded: boolean;
}

/** The model's recorded rating scale (manifest `ratingMin` / `ratingMax`), else the data layer's 1..5. */
export function ratingScaleOf(model: TrainedModel): RatingScale {
  const m = model as TrainedModel & { readonly ratingMin?: unknown; readonly ratingMax?: unknown };
  if (
    typeof m.ratingMin === "number" &&
    typeof m.ratingMax === "number" &&
    Number.isFinite(m.ratingMin) &&
    Number.isFinite(m.ratingMax) &&
    m.ratingMin <= m.ratingMax
  ) {
    return { min: m.ratingMin, max: m.ratingMax, recorded: true };
  }
  return { min: RATING_MIN, max: RATING_MAX, recorded: false };
}

/**
 * Recommendations for a user the model has never seen, from a few ratings (fold-in: the user's vector and bias
 * are solved with the item embeddings frozen; nothing is retrained). An item the model does not know, the same
 * item twice, or a rating off the model's rating scale is a bad request naming the entry (`ratings[2].rating`).
 */
export function recommendNewUser(served: ServedModel, ratings: readonly RequestRating[], top: number, includeRated: boolean): UserRecommendations {
  if (served.model.modelType === "neural") {
    // Fold-in solves an MF user vector; a neural model has no such closed form (issue 13).
    throw new InvalidArgumentError("model", "an MF model to fold a new user into (this service serves a neural model)", "neural");
  }
  const itemIds = served.model.itemIds;
  const scale = ratingScaleOf(served.model);
  const seen = new Map<string, number>();
  ratings.forEach((r, k) => {
    if (!itemIds.has(r.item_id)) throw new InvalidArgumentError(`ratings[${k}].item_id`, "an item ID the model knows", r.item_id);
    const first = seen.get(r.item_id);
    if (first !== undefined) throw new InvalidArgumentError(`ratings[${k}].item_id`, `an item not already rated (ratings[${first}] rates it)`, r.item_id);
    seen.set(r.item_id, k);
    if (!(r.rating >= scale.min && r.rating <= scale.max)) {
      throw new InvalidArgumentError(
        `ratings[${k}].rating`,
        `a rating on the model's scale ${scale.min}..${scale.max}${scale.recorded ? "" : " (the default; this model does not record its scale)"}`,
        r.rating,
      );
    }
  });
  return recommendForNewUser(
    served.model,
    ratings.map((r) => ({ itemId: r.item_id, rating: r.rating })),
    { top, includeRated },
  );
}
