/** MovieLens rating files: u.data-style (tab-separated, no header) and ratings.csv-style (header userId,movieId,...). */
import { DataFormatError, describe } from "../errors";
import { checkOneOf, checkString } from "../validate";
import type { ReadOptions } from "./csv";
import { ESTIMATE_MARGIN, openRegularFile, readDelimited } from "./delimited";
import { DatasetBuilder, type FieldNames } from "./records";
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
 * not 1.0); errors name file, line and field as for the workbook's CSV. Streamed into typed arrays (delimited.ts).
 * Only regular files are read: a FIFO or device is refused before it is opened.
 *
 * @example
 * const ds = await readMovieLens("ml-100k/u.data");
 * ds.interactions[0] //=> { userId: "196", itemId: "242", rating: 3, timestamp: 881250949 }
 */
export async function readMovieLens(path: string, layout: MovieLensLayout = "auto", options: ReadOptions = {}): Promise<Dataset> {
  checkString("path", path);
  checkOneOf("MovieLens layout", layout, ["u.data", "ratings.csv", "auto"]);
  const chosen = layout === "auto" ? await detectLayout(path) : layout;
  const tsv = chosen === "u.data";
  const names = tsv ? UDATA_NAMES : CSV_NAMES;
  const builder = new DatasetBuilder(path, names, { ratingMin: MOVIELENS_RATING_MIN });
  let width = tsv ? 4 : 0;
  let firstLine = 0;
  const onRecord = (line: number, cells: readonly string[], count: number): void => {
    if (firstLine === 0) {
      firstLine = line;
      if (!tsv) {
        const header = cells.slice(0, count).map((h) => h.trim());
        if (CSV_HEADER.slice(0, 3).some((h, k) => header[k] !== h)) {
          throw new DataFormatError({ source: path, line }, `expected a header starting ${CSV_HEADER.join(",")}, but found ${describe(header.join(","))}`);
        }
        width = count;
        return;
      }
    }
    // u.data's timestamp column is optional in hand-made files; three fields are accepted.
    if (!(count === width || (tsv && count === 3))) {
      builder.raise(
        new DataFormatError(
          { source: path, line },
          `expected ${tsv ? "4 tab-separated fields (user item rating timestamp)" : `${width} fields (${CSV_HEADER.join(",")})`}, but found ${count}`,
        ),
      );
    }
    builder.addFields(line, cells[0]!.trim(), cells[1]!.trim(), cells[2]!, count > 3 ? cells[3] : undefined);
  };
  try {
    await readDelimited(
      path,
      {
        delimiter: tsv ? "\t" : ",",
        onEstimate: (lines) => builder.reserve(lines * ESTIMATE_MARGIN),
        ...(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize }),
      },
      onRecord,
    );
  } catch (e) {
    if (e instanceof DataFormatError) builder.raise(e);
    throw e;
  }
  if (firstLine === 0) throw new DataFormatError({ source: path, line: 1 }, "expected MovieLens ratings, but the file is empty");
  const ds = builder.finish();
  if (ds.indexed.length === 0) throw new DataFormatError({ source: path, line: firstLine + 1 }, "expected at least one rating, but the file has none");
  return ds;
}

/** The layout from the first non-blank line (the file is checked to be a regular file first: a FIFO would hang). */
async function detectLayout(path: string): Promise<"u.data" | "ratings.csv"> {
  const fh = await openRegularFile(path);
  let head: string;
  try {
    const buf = Buffer.alloc(65536);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    head = buf
      .subarray(0, bytesRead)
      .toString("utf8")
      .replace(/^\uFEFF/, "");
  } finally {
    await fh.close();
  }
  const lines = head.split(/\r?\n/);
  const index = lines.findIndex((l) => l.trim() !== "");
  if (index < 0) {
    if (head.length < 65536) throw new DataFormatError({ source: path, line: 1 }, "expected MovieLens ratings, but the file is empty");
    throw new DataFormatError({ source: path, line: 1 }, "expected MovieLens ratings, but the first 64 KiB are blank");
  }
  const first = lines[index]!;
  if (first.includes("\0")) throw new DataFormatError({ source: path, line: index + 1 }, "expected text, but found a NUL byte: this looks like a binary file");
  if (first.includes("\t")) return "u.data";
  if (first.split(",")[0]!.trim() === "userId") return "ratings.csv";
  throw new DataFormatError(
    { source: path, line: index + 1 },
    `expected a MovieLens layout: tab-separated "user item rating timestamp" or a header "${CSV_HEADER.join(",")}", but found ${JSON.stringify(first.slice(0, 60))}`,
  );
}
