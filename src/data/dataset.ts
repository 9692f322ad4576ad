/** Building a Dataset in both forms: columnar (IdMaps + typed arrays) and objects (one record per row, lazily). */
import { IdMap } from "./idmap";
import { indexInteractions, ratingValue, type IndexedRatings } from "./indexed";
import type { Dataset, DatasetObjects, Interaction, ItemRecord, UserRecord } from "./types";

/**
 * A Dataset from records (the generator, MySQL, tests): the objects are kept as given and the columnar fields are
 * computed from them. The ID maps cover the user and item tables and every ID the interactions use. Any other
 * field of `objects` (e.g. `labels`) is kept.
 *
 * @example
 * const ds = datasetFromObjects({ interactions: [{ userId: "U1", itemId: "I9", rating: 4 }], users: [{ userId: "U1" }], items: [{ itemId: "I9" }], source: "x" });
 * ds.indexed.items[0] //=> 0
 */
export function datasetFromObjects<T extends DatasetObjects>(objects: T): T & Dataset {
  const userIds = IdMap.fromIds("user", [...objects.users.map((u) => u.userId), ...objects.interactions.map((r) => r.userId)]);
  const itemIds = IdMap.fromIds("item", [...objects.items.map((i) => i.itemId), ...objects.interactions.map((r) => r.itemId)]);
  return { ...objects, userIds, itemIds, indexed: indexInteractions(objects.interactions, userIds, itemIds) };
}

/** What a columnar reader hands over: the maps, the rows, and per-index ground truth when the source has it. */
export interface DatasetColumns {
  readonly source: string;
  readonly userIds: IdMap;
  readonly itemIds: IdMap;
  readonly indexed: IndexedRatings;
  /** Ground-truth group of user index u (undefined: none). */
  readonly userGroups?: readonly (string | undefined)[];
  /** Ground-truth category of item index i (undefined: none). */
  readonly itemCategories?: readonly (string | undefined)[];
}

/**
 * A Dataset whose truth is the columnar form; `interactions`, `users` and `items` are built on first access (and
 * then kept). They are enumerable properties, so spreading or comparing datasets sees them. A rating comes back as
 * the shortest decimal that rounds to the stored 32-bit float (4.5 -> 4.5, 3.7 -> 3.7, not 3.700000047...).
 */
export function datasetFromColumns(c: DatasetColumns): Dataset {
  let interactions: Interaction[] | undefined, users: UserRecord[] | undefined, items: ItemRecord[] | undefined;
  const ds = { source: c.source, userIds: c.userIds, itemIds: c.itemIds, indexed: c.indexed } as Dataset;
  Object.defineProperties(ds, {
    interactions: { enumerable: true, get: () => (interactions ??= interactionObjects(c.indexed, c.userIds, c.itemIds)) },
    users: {
      enumerable: true,
      get: () =>
        (users ??= c.userIds.toArray().map((userId, k) => {
          const group = c.userGroups?.[k];
          return group === undefined ? { userId } : { userId, group };
        })),
    },
    items: {
      enumerable: true,
      get: () =>
        (items ??= c.itemIds.toArray().map((itemId, k) => {
          const category = c.itemCategories?.[k];
          return category === undefined ? { itemId } : { itemId, category };
        })),
    },
  });
  return ds;
}

/** One object per row of `indexed`, IDs from the maps (shared strings, not copies). */
export function interactionObjects(indexed: IndexedRatings, userIds: IdMap, itemIds: IdMap): Interaction[] {
  const uid = userIds.toArray(),
    iid = itemIds.toArray();
  const out = new Array<Interaction>(indexed.length);
  const ts = indexed.timestamps;
  for (let r = 0; r < indexed.length; r++) {
    const rating = ratingValue(indexed.ratings[r]!);
    const t = ts ? ts[r]! : NaN;
    out[r] = Number.isNaN(t)
      ? { userId: uid[indexed.users[r]!]!, itemId: iid[indexed.items[r]!]!, rating }
      : { userId: uid[indexed.users[r]!]!, itemId: iid[indexed.items[r]!]!, rating, timestamp: t };
  }
  return out;
}
