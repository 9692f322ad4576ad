/** The interactions CSV (user_id,item_id,rating[,timestamp][,user_group,item_category]): the workbook's file format. */
import { DataFormatError, InvalidArgumentError } from "../errors";
import { checkString } from "../validate";
import { writeFileAtomic } from "./atomic";
import { formatCsv, readRawRows } from "./danfo-io";
import { datasetFromRows, type RawRow } from "./records";
import {
  COL_ITEM, COL_ITEM_CATEGORY, COL_RATING, COL_TIMESTAMP, COL_USER, COL_USER_GROUP, RATING_MAX, RATING_MIN, type Dataset, type DatasetObjects,
} from "./types";

const REQUIRED = [COL_USER, COL_ITEM, COL_RATING] as const;
const NAMES = { user: COL_USER, item: COL_ITEM, rating: COL_RATING, timestamp: COL_TIMESTAMP, group: COL_USER_GROUP, category: COL_ITEM_CATEGORY };

/**
 * Reads an interactions CSV (read by danfojs-node) whose header names at least user_id,item_id,rating in any
 * order; timestamp, user_group and item_category are read when present, other columns ignored. IDs stay strings
 * exactly as written ("007" stays "007"). Bad input throws `DataFormatError` naming file, line and field:
 * empty file, missing column, wrong field count, empty ID, non-numeric or out-of-range rating, duplicate pair.
 *
 * @example
 * const ds = await readInteractionsCsv("data/synthetic.csv");
 * ds.interactions[0] //=> { userId: "U10421", itemId: "SPRT1177", rating: 4 }
 */
export async function readInteractionsCsv(path: string): Promise<Dataset> {
  checkString("path", path);
  const table = await readRawRows(path, ",");
  const header = table[0];
  if (header === undefined || (header.length === 1 && header[0]!.trim() === "")) {
    throw new DataFormatError({ source: path, line: 1 }, `expected a header line naming ${REQUIRED.join(",")}, but the file is empty`);
  }
  const names = header.map((h) => h.trim());
  const col = (name: string): number => names.indexOf(name);
  for (const name of REQUIRED) {
    if (col(name) < 0) {
      throw new DataFormatError({ source: path, line: 1, field: name },
        `expected a header with column ${JSON.stringify(name)} (needs ${REQUIRED.join(",")}), but found ${JSON.stringify(names.join(","))}`);
    }
  }
  names.forEach((n, k) => {
    if (names.indexOf(n) !== k) throw new DataFormatError({ source: path, line: 1, field: n }, `expected each column once, but found ${JSON.stringify(n)} twice`);
  });
  const [cu, ci, cr, ct, cg, cc] = [COL_USER, COL_ITEM, COL_RATING, COL_TIMESTAMP, COL_USER_GROUP, COL_ITEM_CATEGORY].map(col) as number[];
  function* rows(): Generator<RawRow> {
    for (let k = 1; k < table.length; k++) {
      const cells = table[k]!;
      const line = k + 1;
      if (cells.length === 1 && cells[0] === "") continue; // a blank line
      if (cells.length !== names.length) {
        throw new DataFormatError({ source: path, line }, `expected ${names.length} fields (${names.join(",")}), but found ${cells.length}`);
      }
      yield {
        line,
        userId: cells[cu!]!,
        itemId: cells[ci!]!,
        rating: cells[cr!]!,
        ...(ct! >= 0 ? { timestamp: cells[ct!]! } : {}),
        ...(cg! >= 0 ? { group: cells[cg!]! } : {}),
        ...(cc! >= 0 ? { category: cells[cc!]! } : {}),
      };
    }
  }
  const ds = datasetFromRows(rows(), path, NAMES);
  if (ds.indexed.length === 0) throw new DataFormatError({ source: path, line: 2 }, "expected at least one interaction after the header, but found none");
  return ds;
}

/**
 * The CSV text of a dataset: one row per interaction in dataset order; a timestamp column when any interaction
 * has one; user_group,item_category columns when any user or item carries ground truth (so one file holds it).
 * Deterministic: the same dataset gives the same bytes. Users or items without interactions are not written.
 */
export function formatInteractionsCsv(dataset: DatasetObjects): string {
  checkDataset(dataset);
  const hasTime = dataset.interactions.some((r) => r.timestamp !== undefined);
  const groupOf = new Map<string, string>();
  for (const u of dataset.users) if (u.group !== undefined) groupOf.set(u.userId, u.group);
  const categoryOf = new Map<string, string>();
  for (const i of dataset.items) if (i.category !== undefined) categoryOf.set(i.itemId, i.category);
  const hasTruth = groupOf.size > 0 || categoryOf.size > 0;
  const columns = [COL_USER, COL_ITEM, COL_RATING, ...(hasTime ? [COL_TIMESTAMP] : []), ...(hasTruth ? [COL_USER_GROUP, COL_ITEM_CATEGORY] : [])];
  const rows = dataset.interactions.map((r, k) => {
    checkWritable(r.userId, `interactions[${k}].userId`);
    checkWritable(r.itemId, `interactions[${k}].itemId`);
    if (typeof r.rating !== "number" || !(r.rating >= RATING_MIN && r.rating <= RATING_MAX)) {
      throw new InvalidArgumentError(`interactions[${k}].rating`, `a number between ${RATING_MIN} and ${RATING_MAX}`, r.rating);
    }
    const row = [r.userId, r.itemId, String(r.rating)];
    if (hasTime) row.push(r.timestamp === undefined ? "" : String(r.timestamp));
    if (hasTruth) row.push(groupOf.get(r.userId) ?? "", categoryOf.get(r.itemId) ?? "");
    return row;
  });
  return formatCsv(columns, rows);
}

/** Writes `formatInteractionsCsv(dataset)` to `path` atomically (temp file + rename); returns what it wrote. */
export async function writeInteractionsCsv(path: string, dataset: DatasetObjects): Promise<{ path: string; rows: number; bytes: number }> {
  checkString("path", path);
  const text = formatInteractionsCsv(dataset);
  await writeFileAtomic(path, text);
  return { path, rows: dataset.interactions.length, bytes: Buffer.byteLength(text, "utf8") };
}

function checkDataset(dataset: DatasetObjects): void {
  if (dataset === null || typeof dataset !== "object" || !Array.isArray(dataset.interactions) || !Array.isArray(dataset.users) || !Array.isArray(dataset.items)) {
    throw new InvalidArgumentError("dataset", "a Dataset with interactions, users and items arrays", dataset);
  }
}

/** Line breaks in IDs would make file line numbers lie in later error messages, so they are refused up front. */
function checkWritable(id: unknown, name: string): void {
  if (typeof id !== "string" || id === "" || /[\r\n]/.test(id)) throw new InvalidArgumentError(name, "a non-empty ID without line breaks", id);
}
