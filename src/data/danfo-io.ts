/**
 * The thin layer over danfojs-node's CSV writer: lazy loading and correct quoting. Reading is streamed by
 * delimited.ts instead (danfojs parses a whole file into JS arrays first: 836 MB peak RSS for 1M rows).
 */

type Danfo = typeof import("danfojs-node");
let danfo: Danfo | undefined;

/** danfojs-node (and the TF.js it pulls in) takes about a second to load, so only commands that read or write CSV pay for it. */
export function loadDanfo(): Danfo {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  danfo ??= require("danfojs-node") as Danfo;
  return danfo;
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
