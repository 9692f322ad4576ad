/** One entry point for every data source: a CSV file, MovieLens files, MySQL, or the generator. */
import { InvalidArgumentError } from "../errors";
import { readInteractionsCsv } from "./csv";
import { generateSyntheticDataset } from "./generate";
import type { MovieLensLayout } from "./movielens";
import { readMovieLensFolder } from "./movielens-folder";
import { MySqlStore } from "./mysql";
import type { Dataset } from "./types";

/** Where a dataset comes from. */
export type DataSource =
  | { readonly kind: "csv"; readonly path: string }
  | { readonly kind: "movielens"; readonly path: string; readonly layout?: MovieLensLayout }
  | { readonly kind: "mysql"; readonly url?: string; readonly tablePrefix?: string }
  | { readonly kind: "synthetic"; readonly seed?: number };

/** The default interactions file, written by `ewb generate` (relative to the working directory). */
export const DEFAULT_DATA_PATH = "data/synthetic.csv";

/**
 * Loads a dataset from any source; each reader validates its input (see csv.ts, movielens.ts, mysql.ts).
 * MySQL uses `url` or else `MYSQL_URL` and closes its connection before returning.
 *
 * @example
 * const ds = await loadDataset({ kind: "csv", path: "data/synthetic.csv" });
 * const ml = await loadDataset({ kind: "movielens", path: "ml-100k/u1.base" });
 */
export async function loadDataset(source: DataSource): Promise<Dataset> {
  if (source === null || typeof source !== "object") throw new InvalidArgumentError("data source", "an object with a kind", source);
  switch (source.kind) {
    case "csv":
      return readInteractionsCsv(source.path);
    case "movielens":
      return readMovieLensFolder(source.path, source.layout ?? "auto");
    case "mysql": {
      const store = await MySqlStore.connect(source.url ?? process.env.MYSQL_URL, source.tablePrefix === undefined ? {} : { tablePrefix: source.tablePrefix });
      try {
        return await store.loadDataset();
      } finally {
        await store.close();
      }
    }
    case "synthetic":
      return generateSyntheticDataset(source.seed === undefined ? {} : { seed: source.seed });
    default:
      throw new InvalidArgumentError("data source kind", 'one of "csv", "movielens", "mysql", "synthetic"', (source as { kind?: unknown }).kind);
  }
}

/** A short description of a source for messages and JSON results (never includes a password). */
export function describeSource(source: DataSource): string {
  switch (source.kind) {
    case "csv":
      return source.path;
    case "movielens":
      return `${source.path} (MovieLens)`;
    case "mysql":
      return `MySQL ${(source.url ?? process.env.MYSQL_URL ?? "(MYSQL_URL unset)").replace(/\/\/[^@/]*@/, "//")}${source.tablePrefix ? ` tables ${source.tablePrefix}*` : ""}`;
    case "synthetic":
      return `generated(seed=${source.seed ?? "default"})`;
  }
}
