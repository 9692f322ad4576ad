/** The records that flow between the data, model, analysis and service modules. Raw IDs only. */
import type { DatasetLabels } from "./labels";

import type { IdMap } from "./idmap";
import type { IndexedRatings } from "./indexed";

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

/**
 * The longest raw user or item ID, in characters (Unicode code points), that any source accepts: CSV, MovieLens,
 * MySQL (its VARCHAR width) and the REST API all refuse longer ones with this number in the message.
 */
export const MAX_ID_LENGTH = 255;

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

/** The record-per-object form of a dataset: what the generator builds and the CSV writer and MySQL saver take. */
export interface DatasetObjects {
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

/**
 * Interactions plus the user and item tables they refer to, in two forms over the same rows:
 * - columnar (the form for large data): `userIds` / `itemIds` map raw IDs to indices 0..n-1 in sorted ID order
 *   (`IdMap.fromIds` of the user and item tables), and `indexed` holds row r as (users[r], items[r], ratings[r],
 *   timestamps?.[r]) in source row order;
 * - objects (`interactions`, `users`, `items`): one object per row / user / item. Readers build these lazily on
 *   first access, so a caller that only uses the columnar fields never pays for 25M objects.
 * Build one with `datasetFromObjects` (from records) or a reader; do not spread a Dataset to change its rows (the
 * columnar fields would still describe the old ones): make a new one with `datasetFromObjects`.
 */
export interface Dataset extends DatasetObjects {
  readonly userIds: IdMap;
  readonly itemIds: IdMap;
  readonly indexed: IndexedRatings;
}

/**
 * A dataset divided for training: `validation` may be an explicit test file's interactions.
 * Splits made by `randomSplit` / `perUserSplit` of a Dataset and by the CLI's data options also carry
 * `trainIndexed` / `validationIndexed`: the same rows over the dataset's `userIds` / `itemIds` (for a test file,
 * only its rows whose user and item the dataset knows). A hand-made split may omit them: `indexedSplit(dataset,
 * split)` (indexed.ts) gives them either way.
 */
export interface DataSplit {
  readonly train: readonly Interaction[];
  readonly validation: readonly Interaction[];
  readonly trainIndexed?: IndexedRatings;
  readonly validationIndexed?: IndexedRatings;
}
