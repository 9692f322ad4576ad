/** `ewb generate`: writes the synthetic three-group dataset to a CSV file (default data/synthetic.csv) or MySQL. */
import type { Command } from "../command";
import { round } from "../../util";
import { numberOption, stringOption, UsageError } from "../command";
import { DEFAULT_SEED, generateSyntheticDataset } from "../../data/generate";
import { noiseFloorMse, summariseGroups } from "../../data/generate-truth";
import { writeInteractionsCsv } from "../../data/csv";
import { MySqlStore } from "../../data/mysql";
import { DEFAULT_DATA_PATH } from "../../data/load";

export const generateCommand: Command = {
  name: "generate",
  summary: "Generate the synthetic dataset (1000 users in 3 groups, 500 items, ~50k ratings) into a CSV file or MySQL",
  usage: "[--out <file>] [--seed N] [--mysql [--table-prefix <p>]]",
  options: {
    out: { type: "string", placeholder: "<file>", description: `CSV file to write (atomically) (default: ${DEFAULT_DATA_PATH} unless --mysql)` },
    seed: { type: "string", placeholder: "<n>", description: "generator seed; the same seed gives the same bytes", default: String(DEFAULT_SEED) },
    mysql: { type: "boolean", description: "write into MySQL at MYSQL_URL (tables users, items, interactions; replaces their rows in one transaction)" },
    "table-prefix": { type: "string", placeholder: "<prefix>", description: "prefix of the MySQL table names (letters, digits, _)" },
  },
  async run(opts, ctx) {
    const seed = numberOption(opts, "seed", true) ?? DEFAULT_SEED;
    if (seed < 0 || seed > 2 ** 32 - 1) throw new UsageError(`Expected --seed to be an integer between 0 and 4294967295, but got ${seed}`);
    const toMysql = opts.mysql === true;
    const out = stringOption(opts, "out") ?? (toMysql ? undefined : DEFAULT_DATA_PATH);
    const t0 = performance.now();
    const dataset = generateSyntheticDataset({ seed });
    const tGen = performance.now();
    const targets: string[] = [];
    let bytes: number | undefined;
    if (out !== undefined) {
      bytes = (await writeInteractionsCsv(out, dataset)).bytes;
      targets.push(out);
    }
    const tCsv = performance.now();
    if (toMysql) {
      const prefix = stringOption(opts, "table-prefix");
      const store = await MySqlStore.connect(process.env.MYSQL_URL, prefix === undefined ? {} : { tablePrefix: prefix });
      try {
        await store.saveDataset(dataset, (p) => {
          if (!ctx.json && p.rowsWritten === p.rowsTotal) ctx.io.stderr.write(`ewb generate: ${p.table}: ${p.rowsTotal} rows\n`);
        });
        targets.push(store.source);
      } finally {
        await store.close();
      }
    }
    const tEnd = performance.now();
    const groups = summariseGroups(dataset).map((g) => ({ ...g, meanPreferred: round(g.meanPreferred, 4), meanOther: round(g.meanOther, 4) }));
    const result = {
      seed,
      ...(out !== undefined ? { path: out, bytes } : {}),
      ...(toMysql ? { mysql: targets[targets.length - 1] } : {}),
      targets,
      users: dataset.users.length,
      items: dataset.items.length,
      interactions: dataset.interactions.length,
      groups,
      noiseFloorMse: round(noiseFloorMse(dataset), 4),
      seconds: {
        generate: round((tGen - t0) / 1000, 3),
        ...(out !== undefined ? { csv: round((tCsv - tGen) / 1000, 3) } : {}),
        ...(toMysql ? { mysql: round((tEnd - tCsv) / 1000, 3) } : {}),
        total: round((tEnd - t0) / 1000, 3),
      },
    };
    if (!ctx.json) {
      const w = ctx.io.stdout;
      w.write(`Wrote ${result.interactions} ratings by ${result.users} users of ${result.items} items (seed ${seed}) to ${targets.join(" and ")}\n`);
      for (const g of groups)
        w.write(
          `  ${g.group.padEnd(8)} ${String(g.users).padStart(4)} users  mean ${g.meanPreferred.toFixed(3)} on preferred items, ${g.meanOther.toFixed(3)} elsewhere\n`,
        );
      w.write(`  noise floor (Bayes-optimal MSE): ${result.noiseFloorMse}; ${result.seconds.total} s\n`);
    }
    return result;
  },
};
