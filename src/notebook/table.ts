/** Tables in a notebook: records or a danfojs DataFrame shown as HTML with an aligned text copy. */
import { InvalidArgumentError } from "../errors";
import { checkInteger } from "../validate";
import { writeBundle, type MimeBundle } from "./kernel";

/** Options for {@link tableBundle}. */
export interface TableOptions {
  /** Shown above the table. */
  readonly caption?: string;
  /** Decimal places for non-integer numbers (default 3). */
  readonly digits?: number;
  /** Show at most this many rows (default 20); the text says how many were left out. */
  readonly maxRows?: number;
}

/**
 * An HTML table plus an aligned text copy for rows of plain records (e.g. `dfd.toJSON(df)` of a danfojs
 * DataFrame); columns are the union of the rows' keys in first-seen order.
 */
export function tableBundle(rows: readonly object[], options: TableOptions = {}): MimeBundle {
  if (!Array.isArray(rows)) throw new InvalidArgumentError("rows", "an array of records", rows);
  const digits = checkInteger("digits", options.digits ?? 3, 0, 12);
  const maxRows = checkInteger("maxRows", options.maxRows ?? 20, 1);
  const columns: string[] = [];
  rows.forEach((r, i) => {
    if (r === null || typeof r !== "object" || Array.isArray(r)) throw new InvalidArgumentError(`rows[${i}]`, "a record (object)", r);
    for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  });
  const fmt = (v: unknown): string =>
    typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(digits)) : v === undefined || v === null ? "" : String(v);
  const shown = rows.slice(0, maxRows).map((r) => columns.map((c) => fmt((r as Record<string, unknown>)[c])));
  const more = rows.length - shown.length;
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const caption = options.caption ? `<caption style="text-align:left;font-weight:bold">${esc(options.caption)}</caption>` : "";
  const head = `<tr>${columns.map((c) => `<th>${esc(c)}</th>`).join("")}</tr>`;
  const body = shown.map((cells) => `<tr>${cells.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`).join("");
  const note = more > 0 ? `<p>… ${more} more row(s)</p>` : "";
  const widths = columns.map((c, j) => Math.max(c.length, ...shown.map((cells) => (cells[j] ?? "").length)));
  const line = (cells: readonly string[]) => cells.map((c, j) => c.padStart(widths[j] ?? 0)).join("  ");
  const text = [options.caption ?? "", line(columns), ...shown.map(line), more > 0 ? `… ${more} more row(s)` : ""].filter((l) => l !== "").join("\n");
  return { "text/html": `<table class="ewb-table">${caption}${head}${body}</table>${note}`, "text/plain": text };
}

/** What {@link showTable} takes: records (any objects), or a table with `columns` and row `values` (a danfojs DataFrame). */
export type TableLike = readonly object[] | { readonly columns: readonly string[]; readonly values: readonly unknown[] };

/** Turns a danfojs-style frame (columns + row arrays) into records; passes records through. */
export function tableRows(table: TableLike): readonly object[] {
  if (Array.isArray(table)) return table;
  const t = table as { columns?: unknown; values?: unknown };
  if (t && Array.isArray(t.columns) && Array.isArray(t.values)) {
    const cols = t.columns as string[];
    return (t.values as unknown[]).map((row) => {
      const cells = Array.isArray(row) ? row : [row];
      return Object.fromEntries(cols.map((c, j) => [c, cells[j]]));
    });
  }
  throw new InvalidArgumentError("table", "an array of records or a DataFrame (columns and values)", table);
}

/** Displays records or a danfojs DataFrame as a table in the running tslab kernel. */
export function showTable(table: TableLike, options: TableOptions = {}): void {
  writeBundle(tableBundle(tableRows(table), options));
}
