/** MovieLens rating files: u.data-style (tab-separated, no header) and ratings.csv-style (header userId,movieId,...). */
import { promises as fs } from "node:fs";
import { DataFormatError, StorageError } from "../errors";
import { checkOneOf, checkString } from "../validate";
import { readRawRows } from "./danfo-io";
import { datasetFromRows, type FieldNames, type RawRow } from "./records";
import type { Dataset } from "./types";

export type MovieLensLayout = "u.data" | "ratings.csv" | "auto";

const UDATA_NAMES: FieldNames = { user: "user", item: "item", rating: "rating", timestamp: "timestamp", group: "-", category: "-" };
const CSV_HEADER = ["userId", "movieId", "rating", "timestamp"] as const;
/** ml-latest's ratings.csv runs from 0.5 to 5 stars in half stars (ml-100k: 1 to 5). */
export const MOVIELENS_RATING_MIN = 0.5;
const CSV_NAMES: FieldNames = { user: "userId", item: "movieId", rating: "rating", timestamp: "timestamp", group: "-", category: "-" };

/**
 * Reads MovieLens ratings. `auto` (the default) picks the layout from the first line: a tab means u.data
 * (`user item rating timestamp`, no header; ml-100k's u.data, u1.base, ...), a first field `userId` means
 * ratings.csv (`userId,movieId,rating,timestamp`, ratings 0.5-5 in half stars; ml-latest). IDs stay strings ("1" is
 * not 1.0); errors name file, line and field as for the workbook's CSV. Read with danfojs-node.
 *
 * @example
 * const ds = await readMovieLens("ml-100k/u.data");
 * ds.interactions[0] //=> { userId: "196", itemId: "242", rating: 3, timestamp: 881250949 }
 */
export async function readMovieLens(path: string, layout: MovieLensLayout = "auto"): Promise<Dataset> {
  checkString("path", path);
  checkOneOf("MovieLens layout", layout, ["u.data", "ratings.csv", "auto"]);
  const chosen = layout === "auto" ? await detectLayout(path) : layout;
  const tsv = chosen === "u.data";
  const table = await readRawRows(path, tsv ? "\t" : ",");
  let start = 0;
  if (!tsv) {
    const header = (table[0] ?? []).map((h) => h.trim());
    if (CSV_HEADER.slice(0, 3).some((h, k) => header[k] !== h)) {
      throw new DataFormatError({ source: path, line: 1 }, `expected a header starting ${CSV_HEADER.join(",")}, but found ${JSON.stringify(header.join(","))}`);
    }
    start = 1;
  }
  const width = tsv ? 4 : (table[0]?.length ?? 0);
  const names = tsv ? UDATA_NAMES : CSV_NAMES;
  function* rows(): Generator<RawRow> {
    for (let k = start; k < table.length; k++) {
      const cells = table[k]!;
      const line = k + 1;
      if (cells.length === 1 && cells[0] === "") continue;
      // u.data's timestamp column is optional in hand-made files; three fields are accepted.
      if (!(cells.length === width || (tsv && cells.length === 3))) {
        throw new DataFormatError({ source: path, line },
          `expected ${tsv ? "4 tab-separated fields (user item rating timestamp)" : `${width} fields (${CSV_HEADER.join(",")})`}, but found ${cells.length}`);
      }
      yield { line, userId: cells[0]!.trim(), itemId: cells[1]!.trim(), rating: cells[2]!, ...(cells.length > 3 ? { timestamp: cells[3]! } : {}) };
    }
  }
  const ds = datasetFromRows(rows(), path, names, MOVIELENS_RATING_MIN);
  if (ds.indexed.length === 0) throw new DataFormatError({ source: path, line: start + 1 }, "expected at least one rating, but the file has none");
  return ds;
}

async function detectLayout(path: string): Promise<"u.data" | "ratings.csv"> {
  let head: string;
  try {
    const fh = await fs.open(path, "r");
    try {
      const buf = Buffer.alloc(4096);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      head = buf.subarray(0, bytesRead).toString("utf8").replace(/^\uFEFF/, "");
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new StorageError(`Cannot read ${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`, { cause: e });
  }
  const first = head.split(/\r?\n/)[0] ?? "";
  if (first === "") throw new DataFormatError({ source: path, line: 1 }, "expected MovieLens ratings, but the file is empty");
  if (first.includes("\t")) return "u.data";
  if (first.split(",")[0]!.trim() === "userId") return "ratings.csv";
  throw new DataFormatError({ source: path, line: 1 },
    `expected a MovieLens layout: tab-separated "user item rating timestamp" or a header "${CSV_HEADER.join(",")}", but found ${JSON.stringify(first.slice(0, 60))}`);
}
