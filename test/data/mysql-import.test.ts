/** `ewb import` against the real MariaDB: file -> tables, the readers' located errors, all or nothing under kill -9. */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import type { Connection } from "mysql2/promise";
import { main } from "../../src/cli/main";
import { readInteractionsCsv } from "../../src/data/csv";
import { readMovieLens } from "../../src/data/movielens";
import { MySqlStore } from "../../src/data/mysql";
import { createRng } from "../../src/random";
import { capture } from "../cli/capture";
import { ML100K } from "../ml100k";
import { useTempDir } from "../tmpdir";

const URL = process.env.MYSQL_URL;
const REPO = path.resolve(__dirname, "../..");
const ML100K_DATA = path.join(ML100K, "u.data");

/** A seeded interactions CSV of `users` x `perUser` distinct items (of `items`), ratings 1-5. */
function bigCsv(users: number, perUser: number, items: number, seed: number): string {
  const rng = createRng(seed);
  const lines = ["user_id,item_id,rating"];
  for (let u = 0; u < users; u++) {
    const start = rng.int(items);
    for (let k = 0; k < perUser; k++) lines.push(`U${u},I${(start + k * 7) % items},${1 + rng.int(5)}`);
  }
  return lines.join("\n") + "\n";
}

describe("ewb import (real MariaDB via MYSQL_URL)", () => {
  const p = `ewbi${process.pid}_`;
  const tmp = useTempDir("ewb-import-");
  let store: MySqlStore;
  let conn: Connection;

  before(async function () {
    if (!URL) {
      console.log("    (skipped: MYSQL_URL is not set; e.g. MYSQL_URL=mysql://root@127.0.0.1:3306/test)");
      this.skip();
    }
    store = await MySqlStore.connect(URL, { tablePrefix: p });
    const mysql = require("mysql2/promise") as typeof import("mysql2/promise");
    const u = new globalThis.URL(URL!);
    conn = await mysql.createConnection({
      host: u.hostname,
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username || "root"),
      password: decodeURIComponent(u.password),
      database: u.pathname.slice(1),
    });
    // Dirty reads: this connection sees the rows an import has inserted but not committed.
    await conn.query("SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED");
  });
  after(async () => {
    if (store) {
      await store.dropTables();
      await store.close();
    }
    if (conn) await conn.end();
  });

  const count = async (): Promise<number> => {
    const [rows] = (await conn.query(`SELECT COUNT(*) n FROM \`${p}interactions\``)) as unknown as [{ n: number }[]];
    return Number(rows[0]!.n);
  };

  it("imports a CSV: the tables then give the records the CSV reader gives", async () => {
    const file = await tmp.write("small.csv", "user_id,item_id,rating,timestamp\nU2,I1,4,100\nu1,I2,4.5,\nU2,I3,1,7\n");
    const c = capture();
    assert.equal(await main(["import", "--data", file, "--table-prefix", p, "--json"], c.io), 0, c.err());
    const r = c.json();
    assert.deepEqual([r.users, r.items, r.interactions], [2, 3, 3]);
    assert.match(String(r.mysql), new RegExp(`#${p}$`));
    const fromCsv = await readInteractionsCsv(file);
    const fromDb = await store.loadDataset();
    assert.deepEqual(fromDb.interactions, fromCsv.interactions);
    assert.deepEqual(fromDb.users, fromCsv.users);
    assert.deepEqual(fromDb.items, fromCsv.items);
  });

  it("imports MovieLens u.data with --format movielens", async () => {
    const file = await tmp.write("u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n");
    const c = capture();
    assert.equal(await main(["import", "--data", file, "--format", "movielens", "--table-prefix", p], c.io), 0, c.err());
    assert.match(
      c.out(),
      new RegExp(`^Imported 3 ratings by 3 users of 3 items from .*u\\.data into mysql://.*#${p} in [\\d.]+ s \\(LOAD DATA LOCAL INFILE\\)\\n$`),
    );
    assert.deepEqual((await store.loadDataset()).interactions, (await readMovieLens(file)).interactions);
  });

  it("imports MovieLens 100k (skipped when ml-100k is absent)", async function () {
    if (!existsSync(ML100K_DATA)) {
      console.log(`    (skipped: ${ML100K_DATA} is absent)`);
      this.skip();
    }
    const c = capture();
    assert.equal(await main(["import", "--data", ML100K_DATA, "--format", "movielens", "--table-prefix", p, "--json"], c.io), 0, c.err());
    assert.deepEqual([c.json().users, c.json().items, c.json().interactions], [943, 1682, 100000]);
    const back = await store.loadDataset();
    assert.deepEqual(back.interactions, (await readMovieLens(ML100K_DATA)).interactions);
  });

  it("refuses a bad file with the reader's file:line:field message, leaving the tables as they were", async () => {
    const good = await tmp.write("good.csv", "user_id,item_id,rating\nU1,I1,4\nU2,I1,3\n");
    assert.equal(await main(["import", "--data", good, "--table-prefix", p], capture().io), 0);
    const bad = await tmp.write("bad.csv", "user_id,item_id,rating\nU1,I1,4\nU2,I2,3\nU3,I1,9\n");
    const c = capture();
    assert.equal(await main(["import", "--data", bad, "--table-prefix", p], c.io), 1);
    assert.match(c.err(), /^ewb import: .*bad\.csv:4 \(field rating\): expected a rating, a number between 1 and 5, but found "9"\n$/);
    const dup = await tmp.write("dup.csv", "user_id,item_id,rating\nU1,I1,4\nU1,I1,3\n");
    const d = capture();
    assert.equal(await main(["import", "--data", dup, "--table-prefix", p], d.io), 1);
    assert.match(d.err(), /dup\.csv:3: duplicate \(user, item\) pair \("U1", "I1"\), first on line 2/);
    assert.deepEqual((await store.loadDataset()).interactions, (await readInteractionsCsv(good)).interactions);
  });

  it("reports usage errors with exit status 2", async () => {
    const c = capture();
    assert.equal(await main(["import", "--table-prefix", p], c.io), 2);
    assert.match(c.err(), /Expected --data <file> naming the file to import/);
    const f = capture();
    assert.equal(await main(["import", "--data", "x.csv", "--format", "xml"], f.io), 2);
    assert.match(f.err(), /Expected --format to be csv or movielens, but got "xml"/);
    const m = capture();
    assert.equal(await main(["import", "--data", "x.csv", "--method", "fast"], m.io), 2);
    assert.match(m.err(), /Expected --method to be auto, load-data or insert, but got "fast"/);
  });

  it("leaves the old tables intact when the importing process is killed (kill -9) mid-transaction", async function () {
    this.timeout(240_000);
    const old = await tmp.write("old.csv", "user_id,item_id,rating\nU1,I1,4\nU2,I1,3\nU2,I2,5\n");
    assert.equal(await main(["import", "--data", old, "--table-prefix", p], capture().io), 0);
    const oldRecords = (await readInteractionsCsv(old)).interactions;
    const big = await tmp.write("big.csv", bigCsv(3000, 100, 1000, 5)); // 300,000 ratings: LOAD DATA must still be mid-way at 100,000
    for (const threshold of [3_000, 50_000, 100_000]) {
      const script = `require(${JSON.stringify(path.join(REPO, "src/cli/main"))}).main(${JSON.stringify(["import", "--data", big, "--table-prefix", p, "--batch-size", "2000"])}).then((c) => { process.exitCode = c; });`;
      const child = spawn(process.execPath, ["-r", "tsx/cjs", "-e", script], {
        cwd: REPO,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, MYSQL_URL: URL },
      });
      let err = "";
      child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      let seen = 0,
        done = false;
      void exited.then(() => (done = true));
      while (!done && seen < threshold) {
        seen = await count().catch(() => 0);
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(!done, `the import finished before ${threshold} uncommitted rows were seen (saw ${seen}): ${err}`);
      child.kill("SIGKILL");
      assert.equal(await exited, null);
      // The server rolls the dead connection's transaction back; until then dirty reads still see its rows.
      const end = Date.now() + 60_000;
      while ((await count()) !== oldRecords.length && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      assert.equal(await count(), oldRecords.length, `after a kill at ${seen} uncommitted rows`);
      const back = await store.loadDataset();
      assert.deepEqual(back.interactions, oldRecords, `after a kill at ${seen} uncommitted rows`);
      assert.deepEqual(
        back.users.map((u) => u.userId),
        ["U1", "U2"],
      );
    }
    // And an import left to finish replaces the old rows completely.
    const c = capture();
    assert.equal(await main(["import", "--data", big, "--table-prefix", p, "--json"], c.io), 0, c.err());
    assert.equal(c.json().interactions, 300_000);
    assert.equal(c.json().method, "load-data");
    assert.equal((await store.loadDataset()).interactions.length, 300_000);
  });
});
