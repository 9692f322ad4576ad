/** Turns raw text rows from any source into a checked columnar Dataset: IDs, ratings, duplicates, ground-truth columns. */
import { DataFormatError, formatLocation, type DataLocation } from "../errors";
import { datasetFromColumns } from "./dataset";
import { IdMap } from "./idmap";
import { MAX_ID_LENGTH, RATING_MAX, RATING_MIN, type Dataset } from "./types";

/** One row as read from a file, every field still text; `line` is its 1-based line number (a header is line 1). */
export interface RawRow {
  readonly line: number;
  readonly userId: string;
  readonly itemId: string;
  readonly rating: string;
  readonly timestamp?: string;
  readonly group?: string;
  readonly category?: string;
}

/** What the source calls each field, so that messages name the column the user sees. */
export interface FieldNames {
  readonly user: string;
  readonly item: string;
  readonly rating: string;
  readonly timestamp: string;
  readonly group: string;
  readonly category: string;
}

export interface DatasetBuilderOptions {
  /** Lowest valid rating; default RATING_MIN (MovieLens ratings.csv: 0.5). */
  readonly ratingMin?: number;
  /**
   * Where a row is, for error messages; default `{ source, line }`. A source without lines (a MySQL table) passes
   * its own row counter as `line` and says here what to print instead, e.g. `{ source: "table t (user_id=U1, item_id=I2)" }`.
   * Called only when a row is refused (also for the first row of a duplicate pair).
   */
  readonly locate?: (row: { readonly line: number; readonly userId: string; readonly itemId: string }) => DataLocation;
  /**
   * How a duplicate's message names the first row of the pair; default `first on line N` (or `first at <locate>`).
   * A table, whose rows have no lines, says instead that it holds the pair more than once.
   */
  readonly duplicateFirst?: (row: { readonly line: number; readonly userId: string; readonly itemId: string }) => string;
  /**
   * About how many rows will be added (a file size over the bytes per row, a table's row count), so the row arrays
   * are allocated once near their final size instead of doubling (which holds the old and the new arrays at once);
   * the arrays still grow if the estimate was low. Default: unknown.
   */
  readonly expectedRows?: number;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
// Module-local copies: read once per row, and an imported binding is a property read of the other module.
const ID_CAP = MAX_ID_LENGTH,
  TOP = RATING_MAX;
/** Distinct rating texts remembered per builder (files have a handful: "1".."5", "4.5"). */
const RATING_CACHE_SIZE = 4096;
const LINE_BREAK = /[\r\n]/;
/** Interned indices are packed as user * 2^26 + item into a double for sorting; both stay below these. */
const MAX_INTERNED = 2 ** 26;
/**
 * `finish()` hands over the row arrays without copying them (a view of the filled part) when they are at least this
 * full (80%); emptier ones are copied to their length, so a high estimate costs a copy, not memory held for good.
 */
const KEEP_FILLED = 0.8;

/**
 * Checks rows one at a time and builds a columnar Dataset (users and items sorted by ID, rows in the order added).
 * Rules, each broken one a `DataFormatError` naming source, line and field with expected vs found:
 * IDs are non-empty, at most MAX_ID_LENGTH characters, kept exactly as written (no trimming, no number conversion)
 * and without line breaks; a rating is a number in [ratingMin, 5] (fractions allowed, MovieLens has x.5); a
 * timestamp, when present, is a non-negative integer; a (user, item) pair occurs once: duplicates are rejected with
 * both line numbers, because silently keeping either rating would change the data without telling anyone; a
 * user's group and an item's category, when given, agree on every row.
 *
 * Memory: each distinct ID is stored once (interned); rows go into growing typed arrays. Duplicates are found at
 * `finish()` (or before any other refusal, so the first bad line is the one reported, as when checked row by row)
 * by sorting each user's items, not with a map of pairs.
 *
 * @example
 * const b = new DatasetBuilder("table ratings", names);
 * for (const row of rows) b.add(row);
 * const ds = b.finish();
 */
export class DatasetBuilder {
  readonly source: string;
  private readonly names: FieldNames;
  private readonly ratingMin: number;
  private readonly locateRow: ((row: { line: number; userId: string; itemId: string }) => DataLocation) | undefined;
  private readonly duplicateFirst: ((row: { line: number; userId: string; itemId: string }) => string) | undefined;
  /** Growth factor of the row arrays: doubling without an estimate, smaller steps past a (usually close) estimate. */
  private growth: number;
  private readonly userIndex = new Map<string, number>();
  private readonly itemIndex = new Map<string, number>();
  private readonly ratingCache = new Map<string, number>();
  private readonly userNames: string[] = [];
  private readonly itemNames: string[] = [];
  private readonly userGroup: (string | undefined)[] = [];
  private readonly userGroupLine: number[] = [];
  private readonly itemCategory: (string | undefined)[] = [];
  private readonly itemCategoryLine: number[] = [];
  private users: Int32Array;
  private items: Int32Array;
  private ratings: Float32Array;
  private timestamps: Float64Array | undefined;
  private n = 0;
  /** Line numbers, stored as runs: row breakRows[k] is on line breakLines[k], and each next row on the next line. */
  private readonly breakRows: number[] = [];
  private readonly breakLines: number[] = [];
  private lastLine = -1;
  private done = false;

  constructor(source: string, names: FieldNames, options: DatasetBuilderOptions = {}) {
    this.source = source;
    this.names = names;
    this.ratingMin = options.ratingMin ?? RATING_MIN;
    this.locateRow = options.locate;
    this.duplicateFirst = options.duplicateFirst;
    const expected = options.expectedRows;
    const hinted = expected !== undefined && Number.isFinite(expected) && expected > 0;
    const capacity = hinted ? Math.min(Math.max(1024, Math.ceil(expected)), 2 ** 31 - 1) : 1024;
    this.growth = hinted ? 1.25 : 2;
    this.users = new Int32Array(capacity);
    this.items = new Int32Array(capacity);
    this.ratings = new Float32Array(capacity);
  }

  /** The number of rows added so far. */
  get length(): number {
    return this.n;
  }

  /** Checks and adds one row; throws `DataFormatError` (after reporting any earlier duplicate pair first). */
  add(row: RawRow): void {
    this.addFields(row.line, row.userId, row.itemId, row.rating, row.timestamp, row.group, row.category);
  }

  /** `add` without the row object (the file readers' hot path). */
  addFields(line: number, userId: string, itemId: string, ratingText: string, timestampText?: string, group?: string, category?: string): void {
    if (this.done) throw new Error("DatasetBuilder: add after finish");
    const names = this.names;
    // An ID seen before passed the ID checks then; only new ones are checked (in the order of the row's fields).
    let u = this.userIndex.get(userId);
    if (u === undefined) this.checkId(userId, "user", line, names.user, userId, itemId);
    let i = this.itemIndex.get(itemId);
    if (i === undefined) this.checkId(itemId, "item", line, names.item, userId, itemId);
    let rating = this.ratingCache.get(ratingText);
    if (rating === undefined) {
      rating = this.parseRating(ratingText, line, userId, itemId);
      if (this.ratingCache.size < RATING_CACHE_SIZE) this.ratingCache.set(ratingText, rating);
    }
    let timestamp = NaN;
    if (timestampText !== undefined && timestampText !== "") timestamp = this.parseTimestamp(timestampText, line, userId, itemId);
    if (u === undefined) {
      u = this.userNames.length;
      if (u >= MAX_INTERNED) this.fail(line, userId, itemId, undefined, `expected at most ${MAX_INTERNED} distinct user IDs`);
      userId = ownString(userId);
      this.userIndex.set(userId, u);
      this.userNames.push(userId);
      this.userGroup.push(undefined);
      this.userGroupLine.push(line);
    }
    if (i === undefined) {
      i = this.itemNames.length;
      if (i >= MAX_INTERNED) this.fail(line, userId, itemId, undefined, `expected at most ${MAX_INTERNED} distinct item IDs`);
      itemId = ownString(itemId);
      this.itemIndex.set(itemId, i);
      this.itemNames.push(itemId);
      this.itemCategory.push(undefined);
      this.itemCategoryLine.push(line);
    }
    if (group !== undefined && group !== "") this.note(this.userGroup, this.userGroupLine, u, group, line, names.group, "user", userId, itemId);
    if (category !== undefined && category !== "")
      this.note(this.itemCategory, this.itemCategoryLine, i, category, line, names.category, "item", userId, itemId);
    const k = this.n;
    if (k === this.users.length) this.grow();
    this.users[k] = u;
    this.items[k] = i;
    this.ratings[k] = rating;
    if (!Number.isNaN(timestamp)) {
      if (this.timestamps === undefined) this.timestamps = new Float64Array(this.users.length).fill(NaN);
      this.timestamps[k] = timestamp;
    }
    if (line !== this.lastLine + 1 || k === 0) {
      this.breakRows.push(k);
      this.breakLines.push(line);
    }
    this.lastLine = line;
    this.n = k + 1;
  }

  /**
   * Makes room for about `rows` rows in all (as the `expectedRows` option, for a reader that learns the size later,
   * e.g. from the file's size): the arrays grow to that size once now, and by small steps past it.
   */
  reserve(rows: number): void {
    if (!(Number.isFinite(rows) && rows > this.users.length)) return;
    const cap = Math.min(Math.ceil(rows), 2 ** 31 - 1);
    this.growth = 1.25;
    this.resize(cap);
  }

  /**
   * Registers a user before (or without) any row, e.g. from a users table, with its group; returns its interned index,
   * or -1 when the ID is already known (the caller reports the repeat in its own terms). The caller has checked the
   * ID (non-empty, no line breaks, at most MAX_ID_LENGTH characters): only `add`/`addFields` check IDs themselves.
   */
  internUser(userId: string, group?: string): number {
    return this.intern(this.userIndex, this.userNames, this.userGroup, this.userGroupLine, userId, group, "user");
  }

  /** `internUser` for an item and its category. */
  internItem(itemId: string, category?: string): number {
    return this.intern(this.itemIndex, this.itemNames, this.itemCategory, this.itemCategoryLine, itemId, category, "item");
  }

  /** The interned index of a known user ID, else undefined. */
  userIndexOf(userId: string): number | undefined {
    return this.userIndex.get(userId);
  }

  /** The interned index of a known item ID, else undefined. */
  itemIndexOf(itemId: string): number | undefined {
    return this.itemIndex.get(itemId);
  }

  /** The interned user IDs, by interned index (the builder's own array: do not change it). */
  internedUserIds(): readonly string[] {
    return this.userNames;
  }

  /** The interned item IDs, by interned index (the builder's own array: do not change it). */
  internedItemIds(): readonly string[] {
    return this.itemNames;
  }

  /** The rows added so far as interned indices (views of the builder's arrays: read them before the next add). */
  rowsView(): { readonly users: Int32Array; readonly items: Int32Array } {
    return { users: this.users.subarray(0, this.n), items: this.items.subarray(0, this.n) };
  }

  /**
   * Adds a row of already interned user and item indices (from `internUser` / `internItem` / `userIndexOf`), the
   * rating and timestamp as a source hands them: numbers (a database's DOUBLE, INT) or texts (DECIMAL), checked by
   * the same rules and messages as a file's fields (a number as the text it prints as). A timestamp of undefined or
   * null: none. No per-row object is made.
   */
  addInterned(line: number, u: number, i: number, rating: number | string, timestamp?: number | string | null): void {
    if (this.done) throw new Error("DatasetBuilder: add after finish");
    const userId = this.userNames[u],
      itemId = this.itemNames[i];
    if (userId === undefined || itemId === undefined) throw new Error(`DatasetBuilder: row with unknown interned index (user ${u}, item ${i})`);
    let value: number;
    if (typeof rating === "number") {
      value = rating;
      if (!(value >= this.ratingMin && value <= TOP)) this.parseRating(String(rating), line, userId, itemId);
    } else {
      value = this.parseRating(rating, line, userId, itemId);
    }
    let ts = NaN;
    if (typeof timestamp === "number") {
      ts = timestamp;
      if (!(Number.isSafeInteger(ts) && ts >= 0)) this.parseTimestamp(String(timestamp), line, userId, itemId);
    } else if (typeof timestamp === "string" && timestamp !== "") {
      ts = this.parseTimestamp(timestamp, line, userId, itemId);
    }
    const k = this.n;
    if (k === this.users.length) this.grow();
    this.users[k] = u;
    this.items[k] = i;
    this.ratings[k] = value;
    if (!Number.isNaN(ts)) {
      if (this.timestamps === undefined) this.timestamps = new Float64Array(this.users.length).fill(NaN);
      this.timestamps[k] = ts;
    }
    if (line !== this.lastLine + 1 || k === 0) {
      this.breakRows.push(k);
      this.breakLines.push(line);
    }
    this.lastLine = line;
    this.n = k + 1;
  }

  /**
   * Puts the rows added so far in the order `perm` gives (row k becomes the row that was at perm[k]; a permutation of
   * 0..length-1), for a source that reads rows in another order than its own (a table scanned in key order with
   * a row_order column). Line k+1 is then row k. One column is copied at a time.
   */
  reorder(perm: Uint32Array | Int32Array): void {
    if (this.done) throw new Error("DatasetBuilder: reorder after finish");
    const n = this.n;
    if (perm.length !== n) throw new Error(`DatasetBuilder: reorder by ${perm.length} positions for ${n} rows`);
    const gather = <A extends Int32Array | Float32Array | Float64Array>(a: A, out: A): A => {
      for (let k = 0; k < n; k++) out[k] = a[perm[k]!]!;
      return out;
    };
    this.users = gather(this.users, new Int32Array(n));
    this.items = gather(this.items, new Int32Array(n));
    this.ratings = gather(this.ratings, new Float32Array(n));
    if (this.timestamps) this.timestamps = gather(this.timestamps, new Float64Array(n));
    this.breakRows.length = 0;
    this.breakLines.length = 0;
    if (n > 0) {
      this.breakRows.push(0);
      this.breakLines.push(1);
    }
    this.lastLine = n;
  }

  /**
   * Throws `error`, unless the rows added so far hold a duplicate pair: that one is on an earlier line and is thrown
   * instead. Readers call this for their own refusals (field counts, parse errors) to keep first-error order.
   */
  raise(error: Error): never {
    this.checkDuplicates();
    throw error;
  }

  /** Checks for duplicate pairs and returns the Dataset (ready once; the builder cannot be used after). */
  finish(): Dataset {
    this.checkDuplicates();
    this.done = true;
    const n = this.n;
    const userIds = IdMap.fromIds("user", this.userNames);
    const itemIds = IdMap.fromIds("item", this.itemNames);
    const uperm = new Int32Array(this.userNames.length);
    this.userNames.forEach((id, k) => (uperm[k] = userIds.index(id)));
    const iperm = new Int32Array(this.itemNames.length);
    this.itemNames.forEach((id, k) => (iperm[k] = itemIds.index(id)));
    // The row arrays themselves (their filled part) when nearly full, else copies to length: never both at once for long.
    const keep = n >= KEEP_FILLED * this.users.length;
    const users = keep ? this.users.subarray(0, n) : this.users.slice(0, n);
    const items = keep ? this.items.subarray(0, n) : this.items.slice(0, n);
    for (let r = 0; r < n; r++) {
      users[r] = uperm[users[r]!]!;
      items[r] = iperm[items[r]!]!;
    }
    const ratings = keep ? this.ratings.subarray(0, n) : this.ratings.slice(0, n);
    const timestamps = this.timestamps && (keep ? this.timestamps.subarray(0, n) : this.timestamps.slice(0, n));
    this.users = this.items = new Int32Array(0);
    this.ratings = new Float32Array(0);
    this.timestamps = undefined;
    const reorder = (values: (string | undefined)[], perm: Int32Array): (string | undefined)[] | undefined => {
      if (!values.some((v) => v !== undefined)) return undefined;
      const out = new Array<string | undefined>(values.length);
      values.forEach((v, k) => (out[perm[k]!] = v));
      return out;
    };
    const userGroups = reorder(this.userGroup, uperm),
      itemCategories = reorder(this.itemCategory, iperm);
    return datasetFromColumns({
      source: this.source,
      userIds,
      itemIds,
      indexed: timestamps ? { users, items, ratings, timestamps, length: n } : { users, items, ratings, length: n },
      ...(userGroups ? { userGroups } : {}),
      ...(itemCategories ? { itemCategories } : {}),
    });
  }

  /** The line of row r. */
  private lineOf(r: number): number {
    let lo = 0,
      hi = this.breakRows.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.breakRows[mid]! <= r) lo = mid;
      else hi = mid - 1;
    }
    return this.breakLines[lo]! + (r - this.breakRows[lo]!);
  }

  private grow(): void {
    this.resize(Math.min(2 ** 31 - 1, Math.max(this.users.length + 1024, Math.ceil(this.users.length * this.growth))));
  }

  private resize(cap: number): void {
    const u = new Int32Array(cap);
    u.set(this.users);
    this.users = u;
    const i = new Int32Array(cap);
    i.set(this.items);
    this.items = i;
    const r = new Float32Array(cap);
    r.set(this.ratings);
    this.ratings = r;
    if (this.timestamps) {
      const t = new Float64Array(cap).fill(NaN);
      t.set(this.timestamps);
      this.timestamps = t;
    }
  }

  /**
   * Finds the first row (in row order) whose (user, item) pair an earlier row has, and throws naming both lines.
   * Rows are bucketed by user (counting sort) and each user's items sorted; only when a duplicate exists are that
   * user's rows rescanned in order to name the lines.
   */
  private checkDuplicates(): void {
    const n = this.n,
      numUsers = this.userNames.length;
    if (n < 2) return;
    const offsets = new Int32Array(numUsers + 1);
    for (let r = 0; r < n; r++) offsets[this.users[r]! + 1]!++;
    for (let u = 0; u < numUsers; u++) offsets[u + 1]! += offsets[u]!;
    const fill = offsets.slice(0, numUsers);
    const byUser = new Int32Array(n);
    for (let r = 0; r < n; r++) byUser[fill[this.users[r]!]!++] = this.items[r]!;
    const dupUsers = new Set<number>();
    for (let u = 0; u < numUsers; u++) {
      const seg = byUser.subarray(offsets[u]!, offsets[u + 1]!);
      if (seg.length < 2) continue;
      seg.sort();
      for (let k = 1; k < seg.length; k++)
        if (seg[k] === seg[k - 1]) {
          dupUsers.add(u);
          break;
        }
    }
    if (dupUsers.size === 0) return;
    const firstRow = new Map<number, number>();
    for (let r = 0; r < n; r++) {
      const u = this.users[r]!;
      if (!dupUsers.has(u)) continue;
      const key = u * MAX_INTERNED + this.items[r]!;
      const first = firstRow.get(key);
      if (first === undefined) {
        firstRow.set(key, r);
        continue;
      }
      const userId = this.userNames[u]!,
        itemId = this.itemNames[this.items[r]!]!;
      const firstLine = this.lineOf(first);
      const pair = { line: firstLine, userId, itemId };
      const where = this.duplicateFirst
        ? this.duplicateFirst(pair)
        : this.locateRow
          ? `first at ${formatLocation(this.locateRow(pair))}`
          : `first on line ${firstLine}`;
      throw new DataFormatError(
        this.locate(this.lineOf(r), userId, itemId),
        `duplicate (user, item) pair (${JSON.stringify(userId)}, ${JSON.stringify(itemId)}), ${where}; each pair may be rated once`,
      );
    }
  }

  private intern(
    index: Map<string, number>,
    names: string[],
    labels: (string | undefined)[],
    lines: number[],
    id: string,
    label: string | undefined,
    kind: string,
  ): number {
    if (this.done) throw new Error("DatasetBuilder: add after finish");
    if (index.has(id)) return -1;
    const k = names.length;
    if (k >= MAX_INTERNED) throw new Error(`DatasetBuilder: more than ${MAX_INTERNED} distinct ${kind} IDs`);
    index.set(id, k);
    names.push(id);
    labels.push(label);
    lines.push(0);
    return k;
  }

  private locate(line: number, userId: string, itemId: string, field?: string): DataLocation {
    const base = this.locateRow ? this.locateRow({ line, userId, itemId }) : { source: this.source, line };
    return field === undefined ? base : { ...base, field };
  }

  private fail(line: number, userId: string, itemId: string, field: string | undefined, problem: string): never {
    this.raise(new DataFormatError(this.locate(line, userId, itemId, field), problem));
  }

  private checkId(id: string, kind: string, line: number, field: string, userId: string, itemId: string): void {
    if (id === "") this.fail(line, userId, itemId, field, `expected a non-empty ${kind} ID, but found an empty field`);
    if (id.length > ID_CAP && codePoints(id) > ID_CAP) {
      this.fail(
        line,
        userId,
        itemId,
        field,
        `expected ${kind === "item" ? "an" : "a"} ${kind} ID of at most ${MAX_ID_LENGTH} characters, but found one of ${codePoints(id)} characters starting ${JSON.stringify(id.slice(0, 20))}`,
      );
    }
    if (LINE_BREAK.test(id)) this.fail(line, userId, itemId, field, `expected a ${kind} ID without line breaks, but found ${JSON.stringify(id)}`);
  }

  private parseRating(text: string, line: number, userId: string, itemId: string): number {
    const t = text.trim();
    const v = NUMBER.test(t) ? Number(t) : NaN;
    if (!(v >= this.ratingMin && v <= TOP)) {
      this.fail(
        line,
        userId,
        itemId,
        this.names.rating,
        `expected a rating, a number between ${this.ratingMin} and ${RATING_MAX}, but found ${JSON.stringify(text)}`,
      );
    }
    return v;
  }

  private parseTimestamp(text: string, line: number, userId: string, itemId: string): number {
    const t = text.trim();
    const v = /^\d+$/.test(t) ? Number(t) : NaN;
    if (!Number.isSafeInteger(v)) {
      this.fail(line, userId, itemId, this.names.timestamp, `expected a timestamp, a non-negative integer (seconds), but found ${JSON.stringify(text)}`);
    }
    return v;
  }

  private note(
    values: (string | undefined)[],
    lines: number[],
    k: number,
    value: string,
    line: number,
    field: string,
    kind: string,
    userId: string,
    itemId: string,
  ): void {
    const prev = values[k];
    if (prev === undefined) {
      values[k] = value;
      lines[k] = line;
      return;
    }
    if (prev !== value) {
      const id = kind === "user" ? userId : itemId;
      this.fail(
        line,
        userId,
        itemId,
        field,
        `expected ${kind} ${JSON.stringify(id)} to keep ${JSON.stringify(prev)} (line ${lines[k]}), but found ${JSON.stringify(value)}`,
      );
    }
  }
}

/**
 * Checks rows and builds a Dataset (see `DatasetBuilder` for the rules); kept for sources that have all rows at hand.
 */
export function datasetFromRows(rows: Iterable<RawRow>, source: string, names: FieldNames, ratingMin: number = RATING_MIN): Dataset {
  const b = new DatasetBuilder(source, names, { ratingMin });
  for (const r of rows) b.add(r);
  return b.finish();
}

/** Parses a rating; exported for sources that read ratings one by one. */
export function parseRating(text: string, source: string, line: number | undefined, field: string, min: number = RATING_MIN): number {
  const t = text.trim();
  const v = NUMBER.test(t) ? Number(t) : NaN;
  if (!(v >= min && v <= RATING_MAX)) {
    throw new DataFormatError(
      { source, ...(line === undefined ? {} : { line }), field },
      `expected a rating, a number between ${min} and ${RATING_MAX}, but found ${JSON.stringify(text)}`,
    );
  }
  return v;
}

function codePoints(s: string): number {
  let n = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 0xd800 || c > 0xdbff || k + 1 >= s.length) n++;
    else {
      const d = s.charCodeAt(k + 1);
      n++;
      if (d >= 0xdc00 && d <= 0xdfff) k++;
    }
  }
  return n;
}

/**
 * A copy of `s` that does not point into a larger string: V8 represents a slice of 13+ characters as a view of its
 * parent, so an interned ID sliced from a 64 KB chunk would keep the whole chunk alive.
 */
function ownString(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, "utf8").toString("utf8");
}
