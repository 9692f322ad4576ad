/** `ewb import`: loads an interactions CSV or MovieLens file into the MySQL tables, all or nothing. */
import type { Command } from "../command";
import { numberOption, stringOption, UsageError } from "../command";
import { loadDataset, type DataSource } from "../../data/load";
import { MySqlStore } from "../../data/mysql";
import { round } from "../../util";

export const importCommand: Command = {
  name: "import",
  summary: "Load an interactions CSV or MovieLens ratings file into MySQL at MYSQL_URL (replaces the tables' rows in one transaction)",
  usage: "--data <file> [--format csv|movielens] [--table-prefix <p>] [--method auto|load-data|insert] [--batch-size N]",
  options: {
    data: {
      type: "string",
      placeholder: "<file>",
      description: "file to import (CSV: user_id,item_id,rating[,timestamp][,user_group,item_category]; or MovieLens with --format movielens)",
    },
    format: { type: "string", placeholder: "csv|movielens", description: "file format of --data", default: "csv" },
    "table-prefix": { type: "string", placeholder: "<prefix>", description: "prefix of the MySQL table names (letters, digits, _)" },
    method: {
      type: "string",
      placeholder: "auto|load-data|insert",
      description:
        "how rows are written: LOAD DATA LOCAL INFILE streamed from the checked columns (load-data), batched INSERTs (insert), or load-data with INSERTs when the server refuses LOCAL INFILE (auto, says so)",
      default: "auto",
    },
    "batch-size": { type: "string", placeholder: "<n>", description: "rows per multi-row INSERT (and per chunk sent to LOAD DATA)", default: "5000" },
  },
  async run(opts, ctx) {
    const file = stringOption(opts, "data");
    if (file === undefined) throw new UsageError("Expected --data <file> naming the file to import");
    const format = stringOption(opts, "format") ?? "csv";
    if (format !== "csv" && format !== "movielens") throw new UsageError(`Expected --format to be csv or movielens, but got ${JSON.stringify(format)}`);
    const batchSize = numberOption(opts, "batch-size", true) ?? 5000;
    if (batchSize < 1 || batchSize > 100000) throw new UsageError(`Expected --batch-size to be an integer between 1 and 100000, but got ${batchSize}`);
    const method = stringOption(opts, "method") ?? "auto";
    if (method !== "auto" && method !== "load-data" && method !== "insert")
      throw new UsageError(`Expected --method to be auto, load-data or insert, but got ${JSON.stringify(method)}`);
    const prefix = stringOption(opts, "table-prefix");
    const t0 = performance.now();
    // Connect first: a wrong MYSQL_URL is reported before a long read of the file.
    const store = await MySqlStore.connect(process.env.MYSQL_URL, { batchSize, method, ...(prefix === undefined ? {} : { tablePrefix: prefix }) });
    try {
      const source: DataSource = format === "movielens" ? { kind: "movielens", path: file } : { kind: "csv", path: file };
      const dataset = await loadDataset(source);
      const tRead = performance.now();
      if (!ctx.json)
        ctx.io.stderr.write(`ewb import: read ${dataset.indexed.length} ratings from ${file} in ${round((tRead - t0) / 1000, 1)} s; writing ${store.source}\n`);
      const saved = await store.saveDataset(dataset, (p) => {
        if (!ctx.json && p.rowsWritten === p.rowsTotal) ctx.io.stderr.write(`ewb import: ${p.table}: ${p.rowsTotal} rows\n`);
      });
      const tEnd = performance.now();
      if (saved.note !== undefined) ctx.io.stderr.write(`ewb import: ${saved.note}\n`);
      const result = {
        source: file,
        format,
        mysql: store.source,
        ...saved,
        seconds: { read: round((tRead - t0) / 1000, 3), write: round((tEnd - tRead) / 1000, 3), total: round((tEnd - t0) / 1000, 3) },
      };
      if (!ctx.json) {
        ctx.io.stdout.write(
          `Imported ${saved.interactions} ratings by ${saved.users} users of ${saved.items} items from ${file} into ${store.source} in ${result.seconds.total} s (${saved.method === "load-data" ? "LOAD DATA LOCAL INFILE" : "batched INSERTs"})\n`,
        );
      }
      return result;
    } finally {
      await store.close();
    }
  },
};
