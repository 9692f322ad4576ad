import { strict as assert } from "node:assert";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DATA_OPTIONS, dataSourceFromOptions, loadDataFromOptions } from "../../src/cli/data-options";
import { UsageError } from "../../src/cli/command";
import { StorageError } from "../../src/errors";
import { writeInteractionsCsv } from "../../src/data/csv";
import { generateSyntheticDataset } from "../../src/data/generate";
import { MySqlStore } from "../../src/data/mysql";

/** Options as parseCommandArgs gives them: defaults filled in. */
function opts(o: Record<string, string | boolean>): Record<string, string | boolean | undefined> {
  const d: Record<string, string | boolean | undefined> = {};
  for (const [k, v] of Object.entries(DATA_OPTIONS)) d[k] = v.default;
  return { ...d, ...o };
}

describe("CLI data options", () => {
  let dir: string;
  let data: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "ewb-opts-"));
    data = path.join(dir, "d.csv");
    await writeInteractionsCsv(data, generateSyntheticDataset({ seed: 2, interactionsPerUser: { min: 10, max: 12 } }));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("splits --data at random by --validation-fraction and --seed, reproducibly", async () => {
    const a = await loadDataFromOptions(opts({ data, "validation-fraction": "0.25", seed: "5" }));
    const b = await loadDataFromOptions(opts({ data, "validation-fraction": "0.25", seed: "5" }));
    assert.equal(a.info.split, "random");
    assert.equal(a.info.validation, Math.round(0.25 * a.info.interactions));
    assert.equal(a.info.train + a.info.validation, a.dataset.interactions.length);
    assert.deepEqual(a.split, b.split);
    assert.equal(a.info.source, data);
  });

  it("keeps every user in training with --split per-user", async () => {
    const r = await loadDataFromOptions(opts({ data, split: "per-user", "validation-fraction": "0.5" }));
    assert.equal(r.info.split, "per-user");
    assert.equal(new Set(r.split.train.map((x) => x.userId)).size, r.dataset.users.length);
    assert.deepEqual(r.info.unknown.users, []);
  });

  it("uses --test as validation and reports test rows whose user or item training never saw", async () => {
    const test = path.join(dir, "t.csv");
    const ds = generateSyntheticDataset({ seed: 2, interactionsPerUser: { min: 10, max: 12 } });
    const known = ds.interactions[0]!;
    await fs.writeFile(test, `user_id,item_id,rating\n${known.userId},${known.itemId},3\nNEWUSER,${known.itemId},4\n${known.userId},NEWITEM,2\n`);
    const r = await loadDataFromOptions(opts({ data, test }));
    assert.equal(r.info.split, "test-file");
    assert.equal(r.split.train.length, r.dataset.interactions.length);
    assert.equal(r.split.validation.length, 3);
    assert.deepEqual(r.info.unknown, { rows: 2, users: ["NEWUSER"], items: ["NEWITEM"] });
    assert.match(r.warnings[0]!, /^2 of 3 validation rows have a user or item not in training; users "NEWUSER"; items "NEWITEM"/);
  });

  it("reads MovieLens files for --data and --test with --format movielens", async () => {
    const base = path.join(dir, "u1.base"),
      test = path.join(dir, "u1.test");
    await fs.writeFile(base, "1\t10\t5\t100\n1\t11\t3\t101\n2\t10\t4\t102\n");
    await fs.writeFile(test, "2\t11\t2\t103\n");
    const r = await loadDataFromOptions(opts({ data: base, test, format: "movielens" }));
    assert.deepEqual(r.split.validation, [{ userId: "2", itemId: "11", rating: 2, timestamp: 103 }]);
    assert.equal(r.info.unknown.rows, 0);
  });

  it("rejects contradictory or bad flags as usage errors naming the flag", async () => {
    assert.throws(
      () => dataSourceFromOptions(opts({ data, mysql: true })),
      (e: unknown) => e instanceof UsageError && /Expected either --data <file> or --mysql, but got both/.test(e.message),
    );
    assert.throws(() => dataSourceFromOptions(opts({ format: "xml" })), /Expected --format to be csv or movielens, but got "xml"/);
    await assert.rejects(loadDataFromOptions(opts({ data, split: "weird" })), /Expected --split to be random or per-user, but got "weird"/);
    await assert.rejects(loadDataFromOptions(opts({ data, "validation-fraction": "1" })), /Expected --validation-fraction to be in \[0, 1\), but got 1/);
    await assert.rejects(loadDataFromOptions(opts({ data, seed: "1.5" })), /Expected --seed to be an integer, but got "1\.5"/);
  });

  it("explains a missing default data file", async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      await assert.rejects(
        loadDataFromOptions(opts({})),
        (e: unknown) =>
          e instanceof StorageError && /No --data given and the default data\/synthetic\.csv does not exist; run `ewb generate` first/.test(e.message),
      );
    } finally {
      process.chdir(cwd);
    }
  });

  it("reads --mysql with --table-prefix (real MariaDB; skipped without MYSQL_URL)", async function () {
    if (!process.env.MYSQL_URL) {
      console.log("    (skipped: MYSQL_URL is not set)");
      this.skip();
    }
    const prefix = `ewbo${process.pid}_`;
    const store = await MySqlStore.connect(process.env.MYSQL_URL, { tablePrefix: prefix });
    try {
      const ds = generateSyntheticDataset({ seed: 2, interactionsPerUser: { min: 10, max: 12 } });
      await store.saveDataset(ds);
      const r = await loadDataFromOptions(opts({ mysql: true, "table-prefix": prefix }));
      assert.deepEqual(r.dataset.interactions, ds.interactions);
      const fromCsv = await loadDataFromOptions(opts({ data }));
      assert.deepEqual(r.split, fromCsv.split, "same data, same seed: same split whatever the storage");
    } finally {
      await store.dropTables();
      await store.close();
    }
  });
});
