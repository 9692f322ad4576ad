/**
 * Issue 12.5: rows read from MySQL obey exactly the CSV rules (src/data/records.ts), with table and primary key
 * in the message. The tables here are "made elsewhere": plain CREATE TABLEs without the CHECK, NOT NULL, primary
 * and foreign keys that `ewb generate --mysql` creates, which is how bad rows get in.
 */
import { strict as assert } from "node:assert";
import { promises as fs } from "node:fs";
import type { Connection } from "mysql2/promise";
import { MySqlStore } from "../../src/data/mysql";
import { DataFormatError } from "../../src/errors";
import { main } from "../../src/cli/main";
import { capture } from "../cli/capture";
import { useTempDir } from "../tmpdir";

const URL = process.env.MYSQL_URL;

describe("MySqlStore applies the CSV data rules to rows it reads (real MariaDB via MYSQL_URL)", () => {
  const p = `ewbr${process.pid}_`;
  let conn: Connection;
  let store: MySqlStore;
  const tmp = useTempDir("ewb-myr-");

  before(async function () {
    if (!URL) {
      console.log("    (skipped: MYSQL_URL is not set; e.g. MYSQL_URL=mysql://root@127.0.0.1:3306/test)");
      this.skip();
    }
    const mysql = require("mysql2/promise") as typeof import("mysql2/promise");
    const u = new globalThis.URL(URL!);
    conn = await mysql.createConnection({
      host: u.hostname,
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username || "root"),
      password: decodeURIComponent(u.password),
      database: u.pathname.slice(1),
      charset: "utf8mb4_bin",
    });
    store = await MySqlStore.connect(URL, { tablePrefix: p });
  });
  after(async () => {
    if (store) {
      await store.dropTables();
      await store.close();
    }
    if (conn) await conn.end();
  });

  /** Tables without any constraint, as a user's own schema might be; `rows` go into interactions as given. */
  async function foreignTables(rows: string, opts: { users?: string; items?: string; idType?: string; extraColumns?: string } = {}): Promise<void> {
    const id = opts.idType ?? "VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin";
    await store.dropTables();
    await conn.query(`CREATE TABLE \`${p}users\` (user_id ${id})`);
    await conn.query(`CREATE TABLE \`${p}items\` (item_id ${id})`);
    await conn.query(`CREATE TABLE \`${p}interactions\` (user_id ${id}, item_id ${id}, rating DOUBLE${opts.extraColumns ?? ""})`);
    await conn.query(`INSERT INTO \`${p}users\` VALUES ${opts.users ?? "('U1'), ('U2')"}`);
    await conn.query(`INSERT INTO \`${p}items\` VALUES ${opts.items ?? "('I1'), ('I2')"}`);
    await conn.query(`INSERT INTO \`${p}interactions\` VALUES ${rows}`);
  }

  const src = (table: string): string => `mysql://[^ ]+ table ${p}${table}`;
  const refused =
    (re: RegExp, field?: string) =>
    (e: unknown): boolean => {
      assert.ok(e instanceof DataFormatError, `expected a DataFormatError, got ${String(e)}`);
      assert.match(e.message, re);
      if (field !== undefined) assert.equal(e.location.field, field);
      return true;
    };

  it("refuses a rating of 99, naming table, primary key and field", async () => {
    await foreignTables("('U1', 'I1', 4), ('U1', 'I2', 99), ('U2', 'I1', 3)");
    await assert.rejects(
      store.loadDataset(),
      refused(
        new RegExp(
          `^${src("interactions")} row \\(user_id "U1", item_id "I2"\\) \\(field rating\\): expected a rating, a number between 0\\.5 and 5, but found "99"$`,
        ),
        "rating",
      ),
    );
  });

  it("refuses a NULL rating instead of reading it as 0", async () => {
    await foreignTables("('U1', 'I1', 4), ('U2', 'I2', NULL)");
    await assert.rejects(
      store.loadDataset(),
      refused(
        new RegExp(
          `^${src("interactions")} row \\(user_id "U2", item_id "I2"\\) \\(field rating\\): expected a rating, a number between 0\\.5 and 5, but found NULL$`,
        ),
        "rating",
      ),
    );
  });

  it("refuses a duplicate (user, item) pair", async () => {
    await foreignTables("('U1', 'I1', 4), ('U2', 'I1', 2), ('U1', 'I1', 5)");
    await assert.rejects(
      store.loadDataset(),
      refused(
        new RegExp(
          `^${src("interactions")} row \\(user_id "U1", item_id "I1"\\): duplicate \\(user, item\\) pair \\("U1", "I1"\\), .*each pair may be rated once$`,
        ),
      ),
    );
  });

  it("refuses an empty user ID in interactions, naming table and row", async () => {
    await foreignTables("('U1', 'I1', 4), ('', 'I2', 3)", { users: "('U1'), ('')" });
    await assert.rejects(
      store.loadDataset(),
      refused(
        new RegExp(
          `^${src("(users|interactions)")} row \\(user_id ""(, item_id "I2")?\\) \\(field user_id\\): expected a non-empty user ID, but found an empty field$`,
        ),
        "user_id",
      ),
    );
  });

  it("refuses an empty item ID in the items table", async () => {
    await foreignTables("('U1', 'I1', 4)", { items: "('I1'), ('')" });
    await assert.rejects(
      store.loadDataset(),
      refused(new RegExp(`^${src("items")} row \\(item_id ""\\) \\(field item_id\\): expected a non-empty item ID, but found an empty field$`), "item_id"),
    );
  });

  it("refuses NULL IDs", async () => {
    await foreignTables("('U1', NULL, 4)");
    await assert.rejects(
      store.loadDataset(),
      refused(
        new RegExp(`^${src("interactions")} row \\(user_id "U1", item_id NULL\\) \\(field item_id\\): expected a non-empty item ID, but found NULL$`),
        "item_id",
      ),
    );
  });

  it("refuses an ID with a line break, as the CSV reader does", async () => {
    await foreignTables("('U1', 'I1', 4), ('U\\n2', 'I1', 4)", { users: "('U1'), ('U\\n2')" });
    await assert.rejects(store.loadDataset(), refused(/\(field user_id\): expected a user ID without line breaks, but found "U\\n2"$/, "user_id"));
  });

  it("refuses IDs longer than 255 characters (the column width of our own tables)", async () => {
    const long = "x".repeat(256);
    await foreignTables(`('U1', '${long}', 4)`, { idType: "VARCHAR(300)", items: `('${long}')` });
    await assert.rejects(store.loadDataset(), refused(/\(field item_id\): expected an item ID of at most 255 characters, but found one of 256/, "item_id"));
  });

  it("refuses an interaction whose user is not in the users table", async () => {
    await foreignTables("('U1', 'I1', 4), ('U9', 'I2', 3)");
    await assert.rejects(
      store.loadDataset(),
      refused(
        new RegExp(
          `^${src("interactions")} row \\(user_id "U9", item_id "I2"\\) \\(field user_id\\): expected user "U9" to be in table ${p}users, but it is not$`,
        ),
        "user_id",
      ),
    );
  });

  it("refuses a user listed twice in the users table", async () => {
    await foreignTables("('U1', 'I1', 4)", { users: "('U1'), ('U2'), ('U1')" });
    await assert.rejects(
      store.loadDataset(),
      refused(new RegExp(`^${src("users")} row \\(user_id "U1"\\) \\(field user_id\\): expected each user once, but found "U1" twice$`), "user_id"),
    );
  });

  it("refuses a negative timestamp", async () => {
    await foreignTables("('U1', 'I1', 4, 5), ('U2', 'I2', 3, -1)", { extraColumns: ", timestamp BIGINT" });
    await assert.rejects(
      store.loadDataset(),
      refused(
        new RegExp(
          `^${src("interactions")} row \\(user_id "U2", item_id "I2"\\) \\(field timestamp\\): expected a timestamp, a non-negative integer \\(seconds\\), but found "-1"$`,
        ),
        "timestamp",
      ),
    );
  });

  it("reads good rows of every accepted rating type (DECIMAL, FLOAT, TINYINT) and NULL timestamps", async () => {
    for (const type of ["DECIMAL(3,1)", "FLOAT", "TINYINT"]) {
      await store.dropTables();
      await conn.query(`CREATE TABLE \`${p}users\` (user_id VARCHAR(20))`);
      await conn.query(`CREATE TABLE \`${p}items\` (item_id VARCHAR(20))`);
      await conn.query(`CREATE TABLE \`${p}interactions\` (user_id VARCHAR(20), item_id VARCHAR(20), rating ${type}, timestamp BIGINT)`);
      await conn.query(`INSERT INTO \`${p}users\` VALUES ('U1'), ('U2')`);
      await conn.query(`INSERT INTO \`${p}items\` VALUES ('I1'), ('I2')`);
      await conn.query(`INSERT INTO \`${p}interactions\` VALUES ('U2', 'I1', 4, NULL), ('U1', 'I2', 5, 7), ('U1', 'I1', 1, NULL)`);
      const ds = await store.loadDataset();
      assert.deepEqual(
        ds.interactions,
        [
          { userId: "U1", itemId: "I1", rating: 1 },
          { userId: "U1", itemId: "I2", rating: 5, timestamp: 7 },
          { userId: "U2", itemId: "I1", rating: 4 },
        ],
        type,
      );
    }
  });

  it("our own tables refuse empty IDs and IDs with line breaks at the server (CHECK), as well as 99, NULL and duplicates", async () => {
    await store.dropTables();
    await store.ensureSchema();
    await conn.query(`INSERT INTO \`${p}users\` VALUES ('U1', NULL)`);
    await conn.query(`INSERT INTO \`${p}items\` VALUES ('I1', NULL)`);
    await assert.rejects(conn.query(`INSERT INTO \`${p}users\` VALUES ('', NULL)`), /CONSTRAINT `ewbr\d+_users_id_rule` failed/);
    await assert.rejects(conn.query(`INSERT INTO \`${p}items\` VALUES ('I\\r2', NULL)`), /CONSTRAINT `ewbr\d+_items_id_rule` failed/);
    await assert.rejects(conn.query(`INSERT INTO \`${p}interactions\` VALUES ('U1', 'I1', 99, NULL, 0)`), /rating_range/);
    await assert.rejects(conn.query(`INSERT INTO \`${p}interactions\` VALUES ('U1', 'I1', NULL, NULL, 0)`), /cannot be null/);
    await conn.query(`INSERT INTO \`${p}interactions\` VALUES ('U1', 'I1', 3, NULL, 0)`);
    await assert.rejects(conn.query(`INSERT INTO \`${p}interactions\` VALUES ('U1', 'I1', 4, NULL, 1)`), /Duplicate entry/);
  });

  it("stops reading at the first bad row of a large table and leaves the connection usable", async () => {
    const { generateSyntheticDataset } = require("../../src/data/generate") as typeof import("../../src/data/generate");
    const ds = generateSyntheticDataset({ seed: 3 });
    await store.dropTables();
    await store.saveDataset(ds);
    await conn.query(`ALTER TABLE \`${p}interactions\` DROP CONSTRAINT \`${p}interactions_rating_range\``);
    // The scan runs in primary-key order: the smallest (user, item) pair comes first.
    const [first] = (await conn.query(`SELECT user_id, item_id FROM \`${p}interactions\` ORDER BY user_id, item_id LIMIT 1`)) as unknown as [
      { user_id: string; item_id: string }[],
    ];
    const { user_id: u, item_id: i } = first[0]!;
    await conn.query(`UPDATE \`${p}interactions\` SET rating = 99 WHERE user_id = ? AND item_id = ?`, [u, i]);
    await assert.rejects(store.loadDataset(), refused(new RegExp(`row \\(user_id "${u}", item_id "${i}"\\) \\(field rating\\): .*found "99"$`), "rating"));
    await conn.query(`UPDATE \`${p}interactions\` SET rating = 3 WHERE user_id = ? AND item_id = ?`, [u, i]);
    const back = await store.loadDataset();
    assert.equal(back.interactions.length, ds.interactions.length);
  });

  it("`ewb train --mysql` on a table with a rating of 99 exits 1 and names the row", async () => {
    await foreignTables("('U1', 'I1', 4), ('U1', 'I2', 99), ('U2', 'I1', 3), ('U2', 'I2', 3)");
    const c = capture();
    assert.equal(await main(["train", "--mysql", "--table-prefix", p, "--epochs", "1", "--model", tmp.join("never-written")], c.io), 1, c.out());
    await assert.rejects(fs.stat(tmp.join("never-written")));
    assert.match(c.err(), new RegExp(`table ${p}interactions row \\(user_id "U1", item_id "I2"\\) \\(field rating\\): expected a rating`));
  });
});
