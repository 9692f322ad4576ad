import { strict as assert } from "node:assert";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MySqlStore } from "../../src/data/mysql";
import { generateSyntheticDataset } from "../../src/data/generate";
import { readInteractionsCsv, writeInteractionsCsv } from "../../src/data/csv";
import { DataFormatError, InvalidArgumentError, StorageError } from "../../src/errors";
import type { Dataset } from "../../src/data/types";
import { datasetFromObjects } from "../../src/data/dataset";

const URL = process.env.MYSQL_URL;

// Every test runs for both ways of writing: LOAD DATA LOCAL INFILE (the default when the server allows it) and INSERTs.
for (const method of ["load-data", "insert"] as const)
  describe(`MySqlStore, writing by ${method} (real MariaDB via MYSQL_URL)`, () => {
    const prefix = `ewbt${process.pid}${method === "insert" ? "i" : "l"}_`;
    let store: MySqlStore;

    before(async function () {
      if (!URL) {
        console.log("    (skipped: MYSQL_URL is not set; e.g. MYSQL_URL=mysql://root@127.0.0.1:3306/test)");
        this.skip();
      }
      store = await MySqlStore.connect(URL, { tablePrefix: prefix, batchSize: 4000, method });
    });
    after(async () => {
      if (store) {
        await store.dropTables();
        await store.close();
      }
    });

    const small = (): Dataset =>
      datasetFromObjects({
        interactions: [
          { userId: "u1", itemId: "é-ü", rating: 4.5, timestamp: 881250949 },
          { userId: "U1", itemId: "a,b", rating: 1 },
          { userId: "U1", itemId: 'q"x', rating: 5 },
          { userId: "用户😀", itemId: "a ", rating: 3 },
          { userId: "用户😀", itemId: "a", rating: 2 },
          // LOAD DATA's escape character, field and NULL markers inside IDs and labels: they must arrive as written.
          { userId: "tab\there", itemId: "back\\slash", rating: 3.5 },
          { userId: "tab\there", itemId: "\\N", rating: 0.5 },
        ],
        // In IdMap (code unit) order, the order the tables give them back.
        users: [{ userId: "U1", group: "tech" }, { userId: "tab\there", group: "\\N" }, { userId: "u1" }, { userId: "用户😀", group: "sports" }],
        items: [
          { itemId: "\\N" },
          { itemId: "a", category: "x" },
          { itemId: "a ", category: "y" },
          { itemId: "a,b" },
          { itemId: "back\\slash", category: "t\tb" },
          { itemId: 'q"x' },
          { itemId: "é-ü", category: "z" },
        ],
        source: "test",
      });

    it("round-trips the synthetic dataset to identical records (users, items, interactions in order)", async () => {
      const ds = generateSyntheticDataset({ seed: 4 });
      const saved = await store.saveDataset(ds);
      assert.deepEqual(saved, { users: 1000, items: 500, interactions: ds.interactions.length, method });
      const back = await store.loadDataset();
      assert.deepEqual(back.interactions, ds.interactions);
      assert.deepEqual(back.users, ds.users);
      assert.deepEqual(back.items, ds.items);
      assert.match(back.source, /^mysql:\/\/[^@]+:\d+\/\w+#ewbt\d+[il]_$/);
    });

    it("gives the same records through MySQL as through CSV", async () => {
      const ds = generateSyntheticDataset({ seed: 12 });
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), "ewb-my-"));
      try {
        const p = path.join(dir, "d.csv");
        await writeInteractionsCsv(p, ds);
        const fromCsv = await readInteractionsCsv(p);
        await store.saveDataset(fromCsv);
        const fromDb = await store.loadDataset();
        assert.deepEqual(fromDb.interactions, fromCsv.interactions);
        assert.deepEqual(fromDb.users, fromCsv.users);
        assert.deepEqual(fromDb.items, fromCsv.items);
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    });

    it("keeps IDs that differ only in case or trailing space distinct, and round-trips unicode, commas and quotes", async () => {
      const ds = small();
      await store.saveDataset(ds);
      const back = await store.loadDataset();
      assert.deepEqual(back.interactions, ds.interactions);
      assert.deepEqual(back.users, ds.users);
      assert.deepEqual(back.items, ds.items);
    });

    it("rolls back an import interrupted midway: the old data stays and no partial rows remain", async () => {
      const old = small();
      await store.saveDataset(old);
      const ds = generateSyntheticDataset({ seed: 5 });
      let batches = 0;
      await assert.rejects(
        store.saveDataset(ds, (p) => {
          if (p.table === "interactions" && ++batches === 3) throw new Error("simulated crash");
        }),
        (e: unknown) =>
          e instanceof StorageError &&
          (method === "insert"
            ? /failed while inserting interactions rows 8001-12000 of \d+ into ewbt\d+[il]_interactions; rolled back, no rows changed: simulated crash/
            : /failed while sending interactions rows 8001-12000 of \d+ to ewbt\d+[il]_interactions \(LOAD DATA LOCAL INFILE\); rolled back, no rows changed: simulated crash/
          ).test(e.message),
      );
      assert.equal(batches, 3);
      const back = await store.loadDataset();
      assert.deepEqual(back.interactions, old.interactions);
      assert.deepEqual(back.users, old.users);
    });

    it("rolls back when the database rejects a row midway (CHECK on the rating range)", async () => {
      const old = small();
      await store.saveDataset(old);
      const ds = generateSyntheticDataset({ seed: 6 });
      const rows = ds.interactions.slice();
      rows[rows.length - 1] = { ...rows[rows.length - 1]!, rating: 9 };
      await assert.rejects(
        store.saveDataset({ ...ds, interactions: rows }),
        (e: unknown) =>
          e instanceof StorageError &&
          (method === "insert"
            ? /inserting interactions rows .* rolled back, no rows changed: .*(CONSTRAINT|constraint).*rating_range/
            : /loading interactions rows 1-\d+ into \S+ \(LOAD DATA LOCAL INFILE\); rolled back, no rows changed: the server stored \d+ of \d+ rows with 1 warning\(s\): Warning 4025: CONSTRAINT .*rating_range/
          ).test(e.message),
      );
      assert.deepEqual((await store.loadDataset()).interactions, old.interactions);
    });

    it("rejects an interaction whose user is not in the users table (foreign key), rolling back", async () => {
      const ds = small();
      await assert.rejects(store.saveDataset({ ...ds, users: ds.users.slice(1) }), /rolled back, no rows changed: .*foreign key constraint fails/);
      assert.deepEqual((await store.loadDataset()).interactions, ds.interactions);
    });

    it("rejects a duplicate (user, item) pair of a dataset built from objects, rolling back", async () => {
      const ds = small();
      await store.saveDataset(ds);
      const rows = [...ds.interactions, { ...ds.interactions[0]!, rating: 1 }];
      await assert.rejects(
        store.saveDataset({ ...ds, interactions: rows }),
        (e: unknown) => e instanceof StorageError && /rolled back, no rows changed: .*Duplicate entry 'u1-é-ü'/.test(e.message),
      );
      assert.deepEqual((await store.loadDataset()).interactions, ds.interactions);
    });

    it("rejects IDs longer than the column before touching the database", async () => {
      const ds = small();
      const long = "x".repeat(256);
      await assert.rejects(
        store.saveDataset({ ...ds, users: [...ds.users, { userId: long }] }),
        (e: unknown) => e instanceof InvalidArgumentError && /Expected users\[4\]\.userId to be a non-empty string of at most 255 characters/.test(e.message),
      );
    });

    it("reports a table of the wrong shape, naming table and column", async () => {
      const other = await MySqlStore.connect(URL, { tablePrefix: `${prefix}bad_` });
      try {
        await other.dropTables();
        await other.ensureSchema();
        const conn = (other as unknown as { conn: { query(s: string): Promise<unknown> } }).conn;
        await conn.query(`ALTER TABLE \`${prefix}bad_interactions\` DROP CONSTRAINT \`${prefix}bad_interactions_rating_range\``);
        await conn.query(`ALTER TABLE \`${prefix}bad_interactions\` DROP COLUMN \`rating\``);
        await assert.rejects(
          other.loadDataset(),
          (e: unknown) =>
            e instanceof DataFormatError &&
            e.location.field === "rating" &&
            new RegExp(
              `table ${prefix}bad_interactions \\(field rating\\): expected column rating \\(double or float.*\\), but table ${prefix}bad_interactions has only user_id, item_id`,
            ).test(e.message),
        );
      } finally {
        await other.dropTables();
        await other.close();
      }
    });

    it("reads tables made elsewhere without row_order, timestamp or ground-truth columns, ordered by user and item", async () => {
      const other = await MySqlStore.connect(URL, { tablePrefix: `${prefix}plain_` });
      const conn = (other as unknown as { conn: { query(s: string): Promise<unknown> } }).conn;
      const p = `${prefix}plain_`;
      try {
        await other.dropTables();
        await conn.query(`CREATE TABLE \`${p}users\` (user_id VARCHAR(20) PRIMARY KEY)`);
        await conn.query(`CREATE TABLE \`${p}items\` (item_id VARCHAR(20) PRIMARY KEY)`);
        await conn.query(`CREATE TABLE \`${p}interactions\` (user_id VARCHAR(20), item_id VARCHAR(20), rating INT, PRIMARY KEY (user_id, item_id))`);
        await conn.query(`INSERT INTO \`${p}users\` VALUES ('U2'), ('U1')`);
        await conn.query(`INSERT INTO \`${p}items\` VALUES ('I1'), ('I2')`);
        await conn.query(`INSERT INTO \`${p}interactions\` VALUES ('U2', 'I1', 4), ('U1', 'I2', 5), ('U1', 'I1', 3)`);
        const ds = await other.loadDataset();
        assert.deepEqual(ds.interactions, [
          { userId: "U1", itemId: "I1", rating: 3 },
          { userId: "U1", itemId: "I2", rating: 5 },
          { userId: "U2", itemId: "I1", rating: 4 },
        ]);
        assert.deepEqual(ds.users, [{ userId: "U1" }, { userId: "U2" }]);
      } finally {
        await other.dropTables();
        await other.close();
      }
    });

    it("reads straight into the columnar Dataset: the CSV reader's maps and rows, no row objects until asked", async () => {
      const ds = generateSyntheticDataset({ seed: 13 });
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), "ewb-my-"));
      try {
        const p = path.join(dir, "d.csv");
        await writeInteractionsCsv(p, ds);
        const fromCsv = await readInteractionsCsv(p);
        await store.saveDataset(fromCsv);
        const fromDb = await store.loadDataset();
        // The object views are built on first access (getters), not by the reader.
        assert.equal(typeof Object.getOwnPropertyDescriptor(fromDb, "interactions")?.get, "function");
        assert.deepEqual(fromDb.userIds.toArray(), fromCsv.userIds.toArray());
        assert.deepEqual(fromDb.itemIds.toArray(), fromCsv.itemIds.toArray());
        assert.deepEqual(fromDb.indexed.users, fromCsv.indexed.users);
        assert.deepEqual(fromDb.indexed.items, fromCsv.indexed.items);
        assert.deepEqual(fromDb.indexed.ratings, fromCsv.indexed.ratings);
        assert.equal(fromDb.indexed.length, fromCsv.indexed.length);
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    });

    it("saves a reader's columnar Dataset from its columns, never building its row objects", async () => {
      const ds = generateSyntheticDataset({ seed: 14 });
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), "ewb-my-"));
      try {
        const p = path.join(dir, "d.csv");
        await writeInteractionsCsv(p, ds);
        const fromCsv = await readInteractionsCsv(p);
        const trapped = new Proxy(fromCsv, {
          get: (target, key, receiver) => {
            if (key === "interactions") throw new Error("row objects were built");
            return Reflect.get(target, key, receiver);
          },
        });
        const saved = await store.saveDataset(trapped);
        assert.equal(saved.interactions, fromCsv.indexed.length);
        const back = await store.loadDataset();
        assert.deepEqual(back.interactions, fromCsv.interactions);
        assert.deepEqual(back.users, fromCsv.users);
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    });

    it("keeps users and items without ratings, and orders rows by a row_order that is not 0..n-1 (NULL last)", async () => {
      const other = await MySqlStore.connect(URL, { tablePrefix: `${prefix}ord_` });
      const conn = (other as unknown as { conn: { query(s: string): Promise<unknown> } }).conn;
      const p = `${prefix}ord_`;
      try {
        await other.dropTables();
        await conn.query(`CREATE TABLE \`${p}users\` (user_id VARCHAR(20) PRIMARY KEY, user_group VARCHAR(20))`);
        await conn.query(`CREATE TABLE \`${p}items\` (item_id VARCHAR(20) PRIMARY KEY)`);
        await conn.query(
          `CREATE TABLE \`${p}interactions\` (user_id VARCHAR(20), item_id VARCHAR(20), rating DOUBLE, row_order INT, PRIMARY KEY (user_id, item_id))`,
        );
        await conn.query(`INSERT INTO \`${p}users\` VALUES ('U2', 'g'), ('U1', NULL), ('U0', 'idle')`);
        await conn.query(`INSERT INTO \`${p}items\` VALUES ('I1'), ('I2'), ('I3')`);
        await conn.query(`INSERT INTO \`${p}interactions\` VALUES ('U2', 'I1', 4, 50), ('U1', 'I2', 5, NULL), ('U1', 'I1', 3, 7)`);
        const ds = await other.loadDataset();
        assert.deepEqual(ds.interactions, [
          { userId: "U1", itemId: "I1", rating: 3 },
          { userId: "U2", itemId: "I1", rating: 4 },
          { userId: "U1", itemId: "I2", rating: 5 },
        ]);
        assert.deepEqual(ds.users, [{ userId: "U0", group: "idle" }, { userId: "U1" }, { userId: "U2", group: "g" }]);
        assert.deepEqual(ds.itemIds.toArray(), ["I1", "I2", "I3"]);
      } finally {
        await other.dropTables();
        await other.close();
      }
    });

    it(`${method === "load-data" ? "falls back to INSERTs, saying so," : "is not affected"} when LOCAL INFILE is refused (a client without the LOCAL_FILES capability)`, async () => {
      const noLocal = await MySqlStore.connect(URL, {
        tablePrefix: prefix,
        batchSize: 4000,
        localFiles: false,
        method: method === "insert" ? "insert" : "auto",
      });
      try {
        const ds = generateSyntheticDataset({ seed: 7 });
        const saved = await noLocal.saveDataset(ds);
        assert.equal(saved.method, "insert");
        if (method === "insert") assert.equal(saved.note, undefined);
        else assert.match(saved.note ?? "", /^the server refused LOAD DATA LOCAL INFILE \(.*local infile.*\); wrote with batched INSERTs instead$/);
        assert.deepEqual((await store.loadDataset()).interactions, ds.interactions);
      } finally {
        await noLocal.close();
      }
    });

    it('with method "load-data" refuses to fall back, and leaves the tables as they were', async () => {
      const old = small();
      await store.saveDataset(old);
      const strict = await MySqlStore.connect(URL, { tablePrefix: prefix, localFiles: false, method: "load-data" });
      try {
        await assert.rejects(
          strict.saveDataset(generateSyntheticDataset({ seed: 8 })),
          (e: unknown) =>
            e instanceof StorageError &&
            /failed while loading users rows 1-1000 into \S+ \(LOAD DATA LOCAL INFILE\); rolled back, no rows changed: /.test(e.message),
        );
      } finally {
        await strict.close();
      }
      assert.deepEqual((await store.loadDataset()).interactions, old.interactions);
      await assert.rejects(MySqlStore.connect(URL, { method: "fast" as never }), /Expected method to be "auto", "load-data" or "insert"/);
    });

    it("reports missing tables with a hint", async () => {
      const other = await MySqlStore.connect(URL, { tablePrefix: `${prefix}none_` });
      try {
        await assert.rejects(
          other.loadDataset(),
          /table ewbt\d+[il]_none_users: expected table ewbt\d+[il]_none_users to exist, but it does not \(write a dataset first/,
        );
      } finally {
        await other.close();
      }
    });

    it("reports an unreachable server as a StorageError naming host and port", async () => {
      await assert.rejects(
        MySqlStore.connect("mysql://root@127.0.0.1:1/test"),
        (e: unknown) => e instanceof StorageError && /Cannot connect to MySQL at 127\.0\.0\.1:1 \(database test\)/.test(e.message),
      );
    });

    it("rejects a malformed URL and a bad table prefix", async () => {
      await assert.rejects(MySqlStore.connect("postgres://x@h/db"), /Expected MySQL URL to be a URL like mysql:\/\/root@127\.0\.0\.1:3306\/test/);
      await assert.rejects(MySqlStore.connect("", {}), /Expected MySQL URL \(MYSQL_URL\) to be a URL/);
      await assert.rejects(MySqlStore.connect(URL, { tablePrefix: "x; DROP" }), /Expected tablePrefix to be letters, digits and _/);
    });
  });
