/** The data options every data-reading command shares (--data | --mysql, --format, --test, --split, ...), and their loader. */
import type { OptionSpec } from "./command";
import { numberOption, stringOption, UsageError } from "./command";
import { DEFAULT_DATA_PATH, describeSource, loadDataset, type DataSource } from "../data/load";
import {
  DEFAULT_SPLIT_SEED,
  DEFAULT_VALIDATION_FRACTION,
  perUserSplit,
  randomSplit,
  testFileSplit,
  unknownInValidation,
  type UnknownInValidation,
} from "../data/split";
import type { DataSplit, Dataset } from "../data/types";
import { StorageError } from "../errors";
import { promises as fs } from "node:fs";

/** Spread into a command's `options`: `options: { ...DATA_OPTIONS, ... }`. */
export const DATA_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  data: {
    type: "string",
    placeholder: "<file>",
    description: `interactions file (CSV: user_id,item_id,rating; or MovieLens with --format movielens) (default: ${DEFAULT_DATA_PATH})`,
  },
  mysql: { type: "boolean", description: "read the dataset from MySQL at MYSQL_URL instead of a file" },
  "table-prefix": { type: "string", placeholder: "<prefix>", description: "prefix of the MySQL table names (with --mysql)" },
  format: { type: "string", placeholder: "csv|movielens", description: "file format of --data and --test", default: "csv" },
  test: { type: "string", placeholder: "<file>", description: "explicit test file in the same format; replaces the split" },
  split: {
    type: "string",
    placeholder: "random|per-user",
    description: "how to hold out validation rows (per-user keeps every user in training)",
    default: "random",
  },
  "validation-fraction": { type: "string", placeholder: "<x>", description: "share of rows held out, in [0, 1)", default: String(DEFAULT_VALIDATION_FRACTION) },
  seed: { type: "string", placeholder: "<n>", description: "seed of the split", default: String(DEFAULT_SPLIT_SEED) },
};

/** What `loadDataFromOptions` returns: the training dataset, its split, and what was done. */
export interface LoadedData {
  readonly dataset: Dataset;
  readonly split: DataSplit;
  readonly source: DataSource;
  /** For JSON results and messages. */
  readonly info: {
    readonly source: string;
    readonly test?: string;
    readonly split: "random" | "per-user" | "test-file";
    readonly validationFraction?: number;
    readonly seed?: number;
    readonly interactions: number;
    readonly users: number;
    readonly items: number;
    readonly train: number;
    readonly validation: number;
    /** Validation rows whose user or item training never saw (reported, not fatal). */
    readonly unknown: UnknownInValidation;
  };
  /** Human-readable notes for stderr, e.g. about test rows with unknown users or items. */
  readonly warnings: readonly string[];
}

/** Turns parsed options into a data source (usage errors for contradictory or bad flags). */
export function dataSourceFromOptions(opts: Readonly<Record<string, unknown>>): DataSource {
  const file = stringOption(opts, "data");
  const format = formatOption(opts);
  if (opts.mysql === true) {
    if (file !== undefined) throw new UsageError("Expected either --data <file> or --mysql, but got both");
    const tablePrefix = stringOption(opts, "table-prefix");
    return tablePrefix === undefined ? { kind: "mysql" } : { kind: "mysql", tablePrefix };
  }
  const path = file ?? DEFAULT_DATA_PATH;
  return format === "movielens" ? { kind: "movielens", path } : { kind: "csv", path };
}

/**
 * Loads the dataset the options name and splits it: `--test <file>` uses that file's interactions as
 * validation (the whole --data is training); otherwise a seeded random or per-user split. Validation rows
 * whose user or item is unknown to training are counted and listed in `info.unknown` and `warnings`.
 */
export async function loadDataFromOptions(opts: Readonly<Record<string, unknown>>): Promise<LoadedData> {
  const source = dataSourceFromOptions(opts);
  const format = formatOption(opts);
  const splitKind = stringOption(opts, "split") ?? "random";
  if (splitKind !== "random" && splitKind !== "per-user")
    throw new UsageError(`Expected --split to be random or per-user, but got ${JSON.stringify(splitKind)}`);
  const fraction = numberOption(opts, "validation-fraction") ?? DEFAULT_VALIDATION_FRACTION;
  if (!(fraction >= 0 && fraction < 1)) throw new UsageError(`Expected --validation-fraction to be in [0, 1), but got ${fraction}`);
  const seed = numberOption(opts, "seed", true) ?? DEFAULT_SPLIT_SEED;
  if (seed < 0 || seed > 2 ** 32 - 1) throw new UsageError(`Expected --seed to be an integer between 0 and 4294967295, but got ${seed}`);
  if ((source.kind === "csv" || source.kind === "movielens") && stringOption(opts, "data") === undefined) await requireDefaultFile(source.path);

  const dataset = await loadDataset(source);
  const testPath = stringOption(opts, "test");
  let split: DataSplit;
  let unknown: UnknownInValidation;
  let testRows: number | undefined;
  if (testPath !== undefined) {
    const test = await loadDataset(format === "movielens" ? { kind: "movielens", path: testPath } : { kind: "csv", path: testPath });
    const cross = testFileSplit(dataset, test);
    split = cross.split;
    unknown = cross.unknown;
    testRows = cross.testRows;
  } else {
    split =
      splitKind === "per-user" ? perUserSplit(dataset, { validationFraction: fraction, seed }) : randomSplit(dataset, { validationFraction: fraction, seed });
    unknown = unknownInValidation(split, dataset);
  }
  const validationRows = testRows ?? split.validationIndexed!.length;
  const warnings: string[] = [];
  if (unknown.rows > 0) {
    const show = (ids: string[]): string =>
      ids
        .slice(0, 5)
        .map((x) => JSON.stringify(x))
        .join(", ") + (ids.length > 5 ? `, ... (${ids.length})` : "");
    warnings.push(
      `${unknown.rows} of ${validationRows} validation rows have a user or item not in training` +
        (unknown.users.length ? `; users ${show(unknown.users)}` : "") +
        (unknown.items.length ? `; items ${show(unknown.items)}` : "") +
        "; a model cannot score them from embeddings",
    );
  }
  return {
    dataset,
    split,
    source,
    warnings,
    info: {
      source: describeSource(source),
      ...(testPath !== undefined ? { test: testPath, split: "test-file" as const } : { split: splitKind, validationFraction: fraction, seed }),
      interactions: dataset.indexed.length,
      users: dataset.userIds.size,
      items: dataset.itemIds.size,
      train: split.trainIndexed!.length,
      validation: validationRows,
      unknown,
    },
  };
}

function formatOption(opts: Readonly<Record<string, unknown>>): "csv" | "movielens" {
  const f = stringOption(opts, "format") ?? "csv";
  if (f !== "csv" && f !== "movielens") throw new UsageError(`Expected --format to be csv or movielens, but got ${JSON.stringify(f)}`);
  return f;
}

async function requireDefaultFile(path: string): Promise<void> {
  try {
    await fs.access(path);
  } catch {
    throw new StorageError(`No --data given and the default ${path} does not exist; run \`ewb generate\` first or pass --data <file> or --mysql`);
  }
}
