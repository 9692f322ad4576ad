/** The records that flow between the data, model, analysis and service modules. Raw IDs only. */
import type { DatasetLabels } from "./labels";

/** Column names of the interactions CSV and table (seed 002's names). */
export const COL_USER = "user_id";
export const COL_ITEM = "item_id";
export const COL_RATING = "rating";
export const COL_TIMESTAMP = "timestamp";
/** Optional ground-truth columns the synthetic data carries on every row. */
export const COL_USER_GROUP = "user_group";
export const COL_ITEM_CATEGORY = "item_category";

/** Ratings live on this closed scale (MovieLens and the synthetic data alike). */
export const RATING_MIN = 1;
export const RATING_MAX = 5;

/** One user's rating of one item. */
export interface Interaction {
  readonly userId: string;
  readonly itemId: string;
  readonly rating: number;
  /** Seconds since the epoch, when the source has one (MovieLens). */
  readonly timestamp?: number;
}

/** A user and, when known, the ground-truth group the synthetic generator put it in. */
export interface UserRecord {
  readonly userId: string;
  readonly group?: string;
}

/** An item and, when known, its ground-truth category. */
export interface ItemRecord {
  readonly itemId: string;
  readonly category?: string;
}

/** Interactions plus the user and item tables they refer to. */
export interface Dataset {
  readonly interactions: readonly Interaction[];
  /** Every user that appears in `interactions` (and possibly more), sorted by `userId`. */
  readonly users: readonly UserRecord[];
  /** Every item that appears in `interactions` (and possibly more), sorted by `itemId`. */
  readonly items: readonly ItemRecord[];
  /** Where it came from, for messages and fingerprints: a file path, "mysql://…/db", "generated(seed=…)". */
  readonly source: string;
  /** Labels and titles beside the ratings (synthetic groups/categories, MovieLens genres): see labels.ts. */
  readonly labels?: DatasetLabels;
}

/** A dataset divided for training: `validation` may be an explicit test file's interactions. */
export interface DataSplit {
  readonly train: readonly Interaction[];
  readonly validation: readonly Interaction[];
}
