/**
 * The items each user rated, stored compactly as CSR (compressed sparse rows): user u's item indices are
 * `items[offsets[u] .. offsets[u + 1])`, ascending and unique. Two Int32Arrays for the whole model instead of one
 * array per user: 20M ratings cost 80 MB plus 4 bytes per user, and the rows are views, never copies.
 */
import { InvalidArgumentError } from "../errors";

export interface RatedItems {
  /** numUsers + 1 ascending offsets into `items`; offsets[0] = 0 and offsets[numUsers] = items.length. */
  readonly offsets: Int32Array;
  /** Item indices, user by user, ascending within each user. */
  readonly items: Int32Array;
}

/** Number of users a RatedItems covers. */
export function ratedUserCount(rated: RatedItems): number {
  return rated.offsets.length - 1;
}

/** User u's rated item indices, ascending: a view into `rated.items` (do not write to it). */
export function ratedItemsOf(rated: RatedItems, u: number): Int32Array {
  return rated.items.subarray(rated.offsets[u] as number, rated.offsets[u + 1] as number);
}

/** True when user u rated item i (binary search in u's row). */
export function hasRated(rated: RatedItems, u: number, i: number): boolean {
  let lo = rated.offsets[u] as number,
    hi = (rated.offsets[u + 1] as number) - 1;
  const a = rated.items;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1,
      v = a[mid] as number;
    if (v === i) return true;
    if (v < i) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * The rated items of `numUsers` users from the first `length` rows (users[k], items[k]) of a columnar rating table:
 * counted per user, placed, sorted per user and de-duplicated. O(rows) memory beyond the result, no per-pair map.
 */
export function ratedItemsFromRows(users: Int32Array, items: Int32Array, numUsers: number, length = users.length): RatedItems {
  const offsets = new Int32Array(numUsers + 1);
  for (let k = 0; k < length; k++) offsets[(users[k] as number) + 1]!++;
  for (let u = 0; u < numUsers; u++) offsets[u + 1]! += offsets[u] as number;
  const out = new Int32Array(length);
  const fill = offsets.slice(0, numUsers);
  for (let k = 0; k < length; k++) out[fill[users[k] as number]!++] = items[k] as number;
  // Sort each row, then squeeze out duplicates in place (rows only move left).
  let w = 0;
  for (let u = 0; u < numUsers; u++) {
    const a = offsets[u] as number,
      b = offsets[u + 1] as number;
    const row = out.subarray(a, b).sort();
    offsets[u] = w;
    for (let r = 0; r < row.length; r++) if (r === 0 || row[r] !== row[r - 1]) out[w++] = row[r] as number;
  }
  offsets[numUsers] = w;
  return { offsets, items: w === length ? out : out.slice(0, w) };
}

/** RatedItems from one list of item indices per user (any order, duplicates dropped): for tests and small models. */
export function ratedItemsFromLists(lists: readonly ArrayLike<number>[]): RatedItems {
  let total = 0;
  for (const l of lists) total += l.length;
  const users = new Int32Array(total),
    items = new Int32Array(total);
  let k = 0;
  lists.forEach((l, u) => {
    for (let j = 0; j < l.length; j++, k++) {
      users[k] = u;
      items[k] = l[j] as number;
    }
  });
  return ratedItemsFromRows(users, items, lists.length);
}

/** One Int32Array per user (copies): the old shape, for code that wants plain lists. */
export function ratedItemsToLists(rated: RatedItems): Int32Array[] {
  return Array.from({ length: ratedUserCount(rated) }, (_, u) => ratedItemsOf(rated, u).slice());
}

/**
 * Checks the shape of a RatedItems for `numUsers` users (O(1)): what every call taking a model checks. Use
 * {@link checkRatedItems} for the full check of the contents.
 */
export function checkRatedItemsShape(value: unknown, numUsers: number, name = "ratedItems"): RatedItems {
  const r = value as Partial<RatedItems> | null;
  if (typeof r !== "object" || r === null || !(r.offsets instanceof Int32Array) || !(r.items instanceof Int32Array)) {
    throw new InvalidArgumentError(name, "rated items as CSR {offsets: Int32Array, items: Int32Array}", value);
  }
  if (r.offsets.length !== numUsers + 1) {
    throw new InvalidArgumentError(`${name}.offsets`, `an Int32Array of ${numUsers + 1} offsets (users + 1)`, `length ${r.offsets.length}`);
  }
  if (r.offsets[0] !== 0 || r.offsets[numUsers] !== r.items.length) {
    throw new InvalidArgumentError(`${name}.offsets`, `offsets from 0 to items.length (${r.items.length})`, `${r.offsets[0]}..${r.offsets[numUsers]}`);
  }
  return r as RatedItems;
}

/**
 * Checks a RatedItems whole (O(users + items)): the shape, offsets that never decrease, and item indices in
 * [0, numItems), strictly ascending within each user. Names the first user and position that is wrong.
 */
export function checkRatedItems(value: unknown, numUsers: number, numItems: number, name = "ratedItems"): RatedItems {
  const r = checkRatedItemsShape(value, numUsers, name);
  const off = r.offsets,
    items = r.items;
  for (let u = 0; u < numUsers; u++) {
    const a = off[u] as number,
      b = off[u + 1] as number;
    if (b < a) throw new InvalidArgumentError(`${name}.offsets[${u + 1}]`, `an offset >= offsets[${u}] (${a})`, b);
    for (let k = a; k < b; k++) {
      const i = items[k] as number;
      if (i < 0 || i >= numItems) throw new InvalidArgumentError(`${name} of user index ${u} (items[${k}])`, `an item index in [0, ${numItems})`, i);
      if (k > a && i <= (items[k - 1] as number)) {
        throw new InvalidArgumentError(
          `${name} of user index ${u} (items[${k}])`,
          `an index above the previous one (${items[k - 1]}): rows are sorted and unique`,
          i,
        );
      }
    }
  }
  return r;
}

/**
 * The union of `rated` and the rows (users[k], items[k]) for k < length (indices of the same model; rows with a
 * negative index, e.g. an unknown ID, are skipped): e.g. a model's training items plus its held-out ones.
 */
export function withRatedRows(rated: RatedItems, users: Int32Array, items: Int32Array, length = users.length): RatedItems {
  const numUsers = ratedUserCount(rated),
    base = rated.items.length;
  const us = new Int32Array(base + length),
    is = new Int32Array(base + length);
  let n = 0;
  for (let u = 0; u < numUsers; u++) {
    for (let k = rated.offsets[u] as number; k < (rated.offsets[u + 1] as number); k++) {
      us[n] = u;
      is[n++] = rated.items[k] as number;
    }
  }
  for (let k = 0; k < length; k++) {
    const u = users[k] as number,
      i = items[k] as number;
    if (u < 0 || i < 0) continue;
    if (u >= numUsers) throw new InvalidArgumentError(`users[${k}]`, `a user index in [0, ${numUsers})`, u);
    us[n] = u;
    is[n++] = i;
  }
  return ratedItemsFromRows(us, is, numUsers, n);
}
