/** The thin layer over danfojs-node's CSV reader and writer: lazy loading, string-only cells, correct quoting. */
import { promises as fs } from "node:fs";
import { DataFormatError, StorageError } from "../errors";

type Danfo = typeof import("danfojs-node");
let danfo: Danfo | undefined;

/** danfojs-node (and the TF.js it pulls in) takes about a second to load, so only commands that read or write CSV pay for it. */
export function loadDanfo(): Danfo {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  danfo ??= require("danfojs-node") as Danfo;
  return danfo;
}

/**
 * Reads a delimited text file into rows of raw string cells with danfojs' `readCSV` (papaparse underneath).
 * `header: false` and `dynamicTyping: false` keep every cell exactly as written: with its defaults danfojs
 * turns the ID "007" into 7 and "1e3" into 1000. Row k of the result is line k+1 of the file as long as no quoted
 * field spans lines (the workbook's writers never produce one; IDs with line breaks are rejected). Blank lines
 * come back as [""]. A leading byte-order mark is removed.
 */
export async function readRawRows(path: string, delimiter: "," | "\t"): Promise<string[][]> {
  await checkReadableFile(path);
  const stat = await fs.stat(path);
  if (stat.size === 0) return [];
  let df;
  try {
    df = await loadDanfo().readCSV(path, { header: false, dynamicTyping: false, delimiter, skipEmptyLines: false } as never);
  } catch (e) {
    const msg = (e as Error).message;
    if (/No data found/.test(msg)) return [];
    throw new DataFormatError({ source: path }, `expected ${delimiter === "," ? "comma" : "tab"}-separated text, but the parser failed: ${msg}`, { cause: e });
  }
  const rows = df.values as unknown as string[][];
  const first = rows[0];
  if (first && typeof first[0] === "string" && first[0].charCodeAt(0) === 0xfeff) first[0] = first[0].slice(1);
  return rows.map((r) => (Array.isArray(r) ? r.map((c) => (c === undefined || c === null ? "" : String(c))) : [String(r)]));
}

/**
 * Formats a table as RFC 4180 CSV with danfojs' `toCSV`. danfojs joins cells with commas without quoting, so an
 * ID like `a,b` or `say "hi"` would come back as different fields; cells are therefore quoted here first
 * (only when needed, so ordinary files look ordinary) and danfojs does the joining.
 */
export function formatCsv(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return columns.map(quoteCsvField).join(",") + "\n";
  const dfd = loadDanfo();
  const quoted = rows.map((r) => r.map(quoteCsvField));
  const df = new dfd.DataFrame(quoted, { columns: columns.map(quoteCsvField) });
  return dfd.toCSV(df, { header: true }) as string;
}

/** Quotes a cell when it holds a comma, quote, line break or edge whitespace (doubling inner quotes). */
export function quoteCsvField(cell: string): string {
  return /[",\r\n]|^\s|\s$/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

async function checkReadableFile(path: string): Promise<void> {
  let stat;
  try {
    stat = await fs.stat(path);
  } catch (e) {
    throw new StorageError(`Cannot read ${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`, { cause: e });
  }
  if (!stat.isFile()) throw new StorageError(`Cannot read ${path}: expected a file, but found a directory or device`);
}
