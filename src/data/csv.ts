/** The interactions CSV (user_id,item_id,rating[,timestamp][,user_group,item_category]): the workbook's file format. */
import { DataFormatError, InvalidArgumentError, describe } from "../errors";
import { checkString } from "../validate";
import { writeFileAtomic } from "./atomic";
import { formatCsv } from "./danfo-io";
import { ESTIMATE_MARGIN, readDelimited } from "./delimited";
import { DatasetBuilder } from "./records";
import {
  COL_ITEM,
  COL_ITEM_CATEGORY,
  COL_RATING,
  COL_TIMESTAMP,
  COL_USER,
  COL_USER_GROUP,
  RATING_MAX,
  RATING_MIN,
  type Dataset,
  type DatasetObjects,
} from "./types";

const REQUIRED = [COL_USER, COL_ITEM, COL_RATING] as const;
const NAMES = { user: COL_USER, item: COL_ITEM, rating: COL_RATING, timestamp: COL_TIMESTAMP, group: COL_USER_GROUP, category: COL_ITEM_CATEGORY };

/** Options of the file readers; `chunkSize` (bytes per read) exists for tests that split records across reads. */
export interface ReadOptions {
  readonly chunkSize?: number;
}

/**
 * Reads an interactions CSV, streaming, whose header names at least user_id,item_id,rating in any order;
 * timestamp, user_group and item_category are read when present, other columns ignored. IDs stay strings exactly
 * as written ("007" stays "007"), each distinct ID stored once; rows go into typed arrays (`Dataset.indexed`).
 * Bad input throws `DataFormatError` naming file, line and field: empty file, missing column, wrong field count,
 * empty or over-long ID, non-numeric or out-of-range rating, duplicate pair, bytes that are not UTF-8, binary
 * input, an unclosed quote. Line numbers are physical lines (a quoted field over two lines counts two).
 *
 * @example
 * const ds = await readInteractionsCsv("data/synthetic.csv");
 * ds.interactions[0] //=> { userId: "U10421", itemId: "SPRT1177", rating: 4 }
 */
export async function readInteractionsCsv(path: string, options: ReadOptions = {}): Promise<Dataset> {
  checkString("path", path);
  let builder: DatasetBuilder | undefined;
  let width = 0,
    headerLine = 0,
    names: string[] = [];
  let cu = 0,
    ci = 0,
    cr = 0,
    ct = -1,
    cg = -1,
    cc = -1;
  let estimate = 0;
  const onRecord = (line: number, fields: readonly string[], count: number): void => {
    if (builder === undefined) {
      names = fields.slice(0, count).map((h) => h.trim());
      headerLine = line;
      const col = (name: string): number => names.indexOf(name);
      for (const name of REQUIRED) {
        if (col(name) < 0) {
          throw new DataFormatError(
            { source: path, line, field: name },
            `expected a header with column ${JSON.stringify(name)} (needs ${REQUIRED.join(",")}), but found ${describe(names.join(","))}`,
          );
        }
      }
      names.forEach((n, k) => {
        if (names.indexOf(n) !== k) throw new DataFormatError({ source: path, line, field: n }, `expected each column once, but found ${describe(n)} twice`);
      });
      [cu, ci, cr, ct, cg, cc] = [COL_USER, COL_ITEM, COL_RATING, COL_TIMESTAMP, COL_USER_GROUP, COL_ITEM_CATEGORY].map(col) as [
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      width = count;
      builder = new DatasetBuilder(path, NAMES, { expectedRows: Math.ceil(estimate * ESTIMATE_MARGIN) - line });
      return;
    }
    if (count !== width) {
      builder.raise(new DataFormatError({ source: path, line }, `expected ${width} fields (${names.join(",")}), but found ${count}`));
    }
    builder.addFields(
      line,
      fields[cu]!,
      fields[ci]!,
      fields[cr]!,
      ct >= 0 ? fields[ct] : undefined,
      cg >= 0 ? fields[cg] : undefined,
      cc >= 0 ? fields[cc] : undefined,
    );
  };
  try {
    await readDelimited(
      path,
      {
        delimiter: ",",
        onEstimate: (lines) => (estimate = lines),
        ...(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize }),
      },
      onRecord,
    );
  } catch (e) {
    if (builder !== undefined && e instanceof DataFormatError) builder.raise(e);
    throw e;
  }
  if (builder === undefined) {
    throw new DataFormatError({ source: path, line: 1 }, `expected a header line naming ${REQUIRED.join(",")}, but the file is empty`);
  }
  const ds = builder.finish();
  if (ds.indexed.length === 0)
    throw new DataFormatError({ source: path, line: headerLine + 1 }, "expected at least one interaction after the header, but found none");
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
  if (
    dataset === null ||
    typeof dataset !== "object" ||
    !Array.isArray(dataset.interactions) ||
    !Array.isArray(dataset.users) ||
    !Array.isArray(dataset.items)
  ) {
    throw new InvalidArgumentError("dataset", "a Dataset with interactions, users and items arrays", dataset);
  }
}

/** Line breaks in IDs would make file line numbers lie in later error messages, so they are refused up front. */
function checkWritable(id: unknown, name: string): void {
  if (typeof id !== "string" || id === "" || /[\r\n]/.test(id)) throw new InvalidArgumentError(name, "a non-empty ID without line breaks", id);
}
