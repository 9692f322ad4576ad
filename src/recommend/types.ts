/** The records recommendations are returned as: raw IDs, 1-based ranks, predicted ratings. */
import type { ScoringModel } from "../model/check";

/** Default list length (library, CLI and service), as in seed 002's API. */
export const DEFAULT_TOP_N = 10;

/** One recommended item. `predictedRating` is the model's raw score (not clipped to the 1-5 scale). */
export interface Recommendation {
  readonly rank: number;
  readonly itemId: string;
  readonly predictedRating: number;
}

/**
 * How a list was made: "model" = the user's trained vector; "fold-in" = a vector solved from given ratings;
 * "bias-only" = the documented fallback for a user with no usable history (global + item bias, i.e. the items
 * rated highest after regularisation, the same list for everyone).
 */
export type RecommendationStrategy = "model" | "fold-in" | "bias-only";

export interface UserRecommendations {
  /** The raw user ID (or "(new user)" for a fold-in). */
  readonly userId: string;
  readonly strategy: RecommendationStrategy;
  readonly recommendations: readonly Recommendation[];
}

/** The parts of a trained model recommending needs (a TrainedModel has them all). */
export type RecommenderModel = ScoringModel;

/** Options of the single-user recommenders. */
export interface RecommendOptions {
  /** How many items (default 10); fewer come back when fewer are left after exclusion. */
  readonly top?: number;
  /** Keep items the user already rated anywhere in the model's data (default false: they are excluded). */
  readonly includeRated?: boolean;
}
