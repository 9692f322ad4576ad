/** Reads what an executed notebook recorded: its key numbers (see recordResults) and its cell errors. */
import { DataFormatError } from "../errors";
import { RESULTS_MIME } from "./display";

/** A notebook's recorded results by name, e.g. { training: { valMse: 0.53, ... } }. */
export type RecordedResults = Record<string, Record<string, unknown>>;

/** A cell that failed while the notebook ran. */
export interface CellError {
  /** 0-based index among all cells (markdown included), as JupyterLab counts them. */
  readonly cellIndex: number;
  readonly errorName: string;
  /** The error value plus whatever the kernel wrote to stderr in that cell (tslab puts type errors there). */
  readonly message: string;
}

interface NotebookJson {
  cells: { cell_type: string; outputs?: OutputJson[] }[];
}
interface OutputJson {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}

/**
 * Collects every output recorded under {@link RESULTS_MIME}. A later record with the same name replaces
 * an earlier one (a re-run cell). `source` names the notebook in error messages.
 */
export function readRecordedResults(notebook: unknown, source: string): RecordedResults {
  const nb = checkNotebook(notebook, source);
  const results: RecordedResults = {};
  nb.cells.forEach((cell, i) => {
    for (const out of cell.outputs ?? []) {
      const rec = out.data?.[RESULTS_MIME];
      if (rec === undefined) continue;
      const r = rec as { name?: unknown; values?: unknown };
      if (typeof r.name !== "string" || r.values === null || typeof r.values !== "object") {
        throw new DataFormatError({ source, field: `cells[${i}] ${RESULTS_MIME}` }, "expected { name: string, values: object }");
      }
      results[r.name] = r.values as Record<string, unknown>;
    }
  });
  return results;
}

/** The cells that ended in an error, in order. */
export function findCellErrors(notebook: unknown, source: string): CellError[] {
  const nb = checkNotebook(notebook, source);
  const errors: CellError[] = [];
  nb.cells.forEach((cell, i) => {
    const outs = cell.outputs ?? [];
    const err = outs.find((o) => o.output_type === "error");
    if (!err) return;
    const stderr = outs
      .filter((o) => o.output_type === "stream" && o.name === "stderr")
      .map((o) => joinText(o.text))
      .join("")
      .trim();
    const message = [err.evalue ?? "", stderr].filter((s) => s.length > 0).join("\n");
    errors.push({ cellIndex: i, errorName: err.ename ?? "Error", message });
  });
  return errors;
}

/** Number of outputs in the notebook's code cells; committed notebooks must have none. */
export function countOutputs(notebook: unknown, source: string): number {
  const nb = checkNotebook(notebook, source);
  return nb.cells.reduce((n, c) => n + (c.outputs?.length ?? 0), 0);
}

function checkNotebook(notebook: unknown, source: string): NotebookJson {
  const cells = (notebook as { cells?: unknown } | null)?.cells;
  if (notebook === null || typeof notebook !== "object" || !Array.isArray(cells)) {
    throw new DataFormatError({ source, field: "cells" }, "expected a Jupyter notebook (an object with a cells array)");
  }
  return notebook as NotebookJson;
}

function joinText(text: string | string[] | undefined): string {
  return Array.isArray(text) ? text.join("") : (text ?? "");
}
