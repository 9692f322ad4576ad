/** Turns raw text rows from any file format into a checked Dataset: IDs, ratings, duplicates, ground-truth columns. */
import { DataFormatError } from "../errors";
import { compareIds } from "./idmap";
import { RATING_MAX, RATING_MIN, type Dataset, type Interaction, type ItemRecord, type UserRecord } from "./types";

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

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Checks rows and builds a Dataset (users and items sorted by ID, interactions in row order).
 * Rules, each broken one a `DataFormatError` naming source, line and field with expected vs found:
 * IDs are non-empty and kept exactly as written (no trimming, no number conversion) but may not contain line
 * breaks; a rating is a number in [ratingMin, 5] (fractions allowed, MovieLens has x.5); a timestamp, when present,
 * is a non-negative integer; a (user, item) pair occurs once: duplicates are rejected with both line numbers,
 * because silently keeping either rating would change the data without telling anyone; a user's group and an
 * item's category, when given, agree on every row.
 */
export function datasetFromRows(rows: Iterable<RawRow>, source: string, names: FieldNames, ratingMin: number = RATING_MIN): Dataset {
  const interactions: Interaction[] = [];
  const seen = new Map<string, number>();
  const groups = new Map<string, { value: string | undefined; line: number }>();
  const categories = new Map<string, { value: string | undefined; line: number }>();
  for (const r of rows) {
    checkId(r.userId, "user", source, r.line, names.user);
    checkId(r.itemId, "item", source, r.line, names.item);
    const rating = parseRating(r.rating, source, r.line, names.rating, ratingMin);
    const key = `${r.userId}\u0000${r.itemId}`;
    const first = seen.get(key);
    if (first !== undefined) {
      throw new DataFormatError({ source, line: r.line },
        `duplicate (user, item) pair (${JSON.stringify(r.userId)}, ${JSON.stringify(r.itemId)}), first on line ${first}; each pair may be rated once`);
    }
    seen.set(key, r.line);
    let timestamp: number | undefined;
    if (r.timestamp !== undefined && r.timestamp !== "") timestamp = parseTimestamp(r.timestamp, source, r.line, names.timestamp);
    interactions.push(timestamp === undefined ? { userId: r.userId, itemId: r.itemId, rating } : { userId: r.userId, itemId: r.itemId, rating, timestamp });
    note(groups, r.userId, r.group, source, r.line, names.group, "user");
    note(categories, r.itemId, r.category, source, r.line, names.category, "item");
  }
  const users: UserRecord[] = [...groups.entries()].map(([userId, g]) => (g.value === undefined ? { userId } : { userId, group: g.value }));
  const items: ItemRecord[] = [...categories.entries()].map(([itemId, c]) => (c.value === undefined ? { itemId } : { itemId, category: c.value }));
  users.sort((a, b) => compareIds(a.userId, b.userId));
  items.sort((a, b) => compareIds(a.itemId, b.itemId));
  return { interactions, users, items, source };
}

function checkId(id: string, kind: string, source: string, line: number, field: string): void {
  if (id === "") throw new DataFormatError({ source, line, field }, `expected a non-empty ${kind} ID, but found an empty field`);
  if (/[\r\n]/.test(id)) throw new DataFormatError({ source, line, field }, `expected a ${kind} ID without line breaks, but found ${JSON.stringify(id)}`);
}

/** Parses a rating; exported for sources that read ratings one by one. */
export function parseRating(text: string, source: string, line: number | undefined, field: string, min: number = RATING_MIN): number {
  const t = text.trim();
  const v = NUMBER.test(t) ? Number(t) : NaN;
  if (!(v >= min && v <= RATING_MAX)) {
    throw new DataFormatError({ source, ...(line === undefined ? {} : { line }), field },
      `expected a rating, a number between ${min} and ${RATING_MAX}, but found ${JSON.stringify(text)}`);
  }
  return v;
}

function parseTimestamp(text: string, source: string, line: number, field: string): number {
  const t = text.trim();
  const v = /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(v)) throw new DataFormatError({ source, line, field }, `expected a timestamp, a non-negative integer (seconds), but found ${JSON.stringify(text)}`);
  return v;
}

function note(map: Map<string, { value: string | undefined; line: number }>, id: string, value: string | undefined, source: string,
  line: number, field: string, kind: string): void {
  const v = value === undefined || value === "" ? undefined : value;
  const prev = map.get(id);
  if (prev === undefined) { map.set(id, { value: v, line }); return; }
  if (v === undefined) return;
  if (prev.value === undefined) { map.set(id, { value: v, line }); return; }
  if (prev.value !== v) {
    throw new DataFormatError({ source, line, field },
      `expected ${kind} ${JSON.stringify(id)} to keep ${JSON.stringify(prev.value)} (line ${prev.line}), but found ${JSON.stringify(v)}`);
  }
}
