/** MySQL/MariaDB storage of a dataset via mysql2: users, items and interactions tables with keys and constraints. */
import type { Connection, RowDataPacket } from "mysql2/promise";
import { DataFormatError, InvalidArgumentError, StorageError } from "../errors";
import { checkInteger, checkString } from "../validate";
import { compareIds } from "./idmap";
import { RATING_MAX, type Dataset, type Interaction, type ItemRecord, type UserRecord } from "./types";

/** The lowest rating the tables accept: MovieLens' half star (the synthetic data starts at 1). */
export const DB_RATING_MIN = 0.5;
/** IDs are VARCHAR(255): two of them in the interactions key stay under InnoDB's 3072-byte key limit in utf8mb4. */
export const MAX_ID_LENGTH = 255;

export interface MySqlStoreOptions {
  /** Prepended to the three table names, e.g. "t123_" for a test's own tables. Letters, digits and _ only. */
  readonly tablePrefix?: string;
  /** Rows per multi-row INSERT; default 5000. */
  readonly batchSize?: number;
}

export interface SaveProgress {
  readonly table: "users" | "items" | "interactions";
  readonly rowsWritten: number;
  readonly rowsTotal: number;
}

export interface SaveResult {
  readonly users: number;
  readonly items: number;
  readonly interactions: number;
}

// utf8mb4_nopad_bin: binary, so "u1" and "U1" are distinct keys, and NO PAD, so "a" and "a " are too.
const ID = `VARCHAR(${MAX_ID_LENGTH}) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin`;
const LABEL = "VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin";

/** Columns each table must have, with the data types (information_schema DATA_TYPE) accepted for them. */
const SHAPE: Record<"users" | "items" | "interactions", Record<string, readonly string[]>> = {
  users: { user_id: ["varchar", "char"], user_group: ["varchar", "char"] },
  items: { item_id: ["varchar", "char"], category: ["varchar", "char"] },
  interactions: { user_id: ["varchar", "char"], item_id: ["varchar", "char"], rating: ["double", "float", "decimal", "tinyint", "smallint", "int"], timestamp: ["bigint", "int"], row_order: ["int", "bigint"] },
};

/**
 * A dataset in MySQL: `users(user_id PK, user_group)`, `items(item_id PK, category)` and
 * `interactions(user_id FK, item_id FK, rating CHECK 0.5-5, timestamp NULL, row_order, PK(user_id, item_id))`.
 * `row_order` keeps the dataset's row order so a MySQL round-trip gives the records a CSV round-trip gives
 * (splits depend on order). Owns one connection: call `close()`.
 *
 * @example
 * const store = await MySqlStore.connect(process.env.MYSQL_URL);
 * await store.saveDataset(generateSyntheticDataset());
 * const ds = await store.loadDataset();
 * await store.close();
 */
export class MySqlStore {
  /** `mysql://host:port/database` (no credentials), plus `#prefix` when tables are prefixed: for messages and fingerprints. */
  readonly source: string;
  readonly tables: { readonly users: string; readonly items: string; readonly interactions: string };
  private readonly conn: Connection;
  private readonly batchSize: number;
  private readonly database: string;

  private constructor(conn: Connection, source: string, database: string, prefix: string, batchSize: number) {
    this.conn = conn;
    this.source = source;
    this.database = database;
    this.batchSize = batchSize;
    this.tables = { users: `${prefix}users`, items: `${prefix}items`, interactions: `${prefix}interactions` };
  }

  /**
   * Connects to `url` (`mysql://user[:password]@host[:port]/database`; default `MYSQL_URL`). An unreachable
   * server throws `StorageError` naming host:port; a missing or malformed URL throws `InvalidArgumentError`.
   */
  static async connect(url: string | undefined = process.env.MYSQL_URL, options: MySqlStoreOptions = {}): Promise<MySqlStore> {
    if (url === undefined || url === "") throw new InvalidArgumentError("MySQL URL (MYSQL_URL)", "a URL like mysql://root@127.0.0.1:3306/test", url);
    checkString("MySQL URL", url);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new InvalidArgumentError("MySQL URL", "a URL like mysql://root@127.0.0.1:3306/test", url.replace(/\/\/[^@/]*@/, "//***@"));
    }
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
    if (parsed.protocol !== "mysql:" || database === "" || database.includes("/")) {
      throw new InvalidArgumentError("MySQL URL", "a URL like mysql://root@127.0.0.1:3306/test (mysql: scheme, one database name)", `${parsed.protocol}//${parsed.host}${parsed.pathname}`);
    }
    const prefix = options.tablePrefix ?? "";
    if (typeof prefix !== "string" || !/^[A-Za-z0-9_]{0,40}$/.test(prefix)) throw new InvalidArgumentError("tablePrefix", "letters, digits and _ (at most 40)", prefix);
    const batchSize = checkInteger("batchSize", options.batchSize ?? 5000, 1, 100000);
    const host = parsed.hostname || "localhost";
    const port = parsed.port ? Number(parsed.port) : 3306;
    const mysql = require("mysql2/promise") as typeof import("mysql2/promise");
    let conn: Connection;
    try {
      conn = await mysql.createConnection({
        host, port, database,
        user: decodeURIComponent(parsed.username || "root"),
        password: decodeURIComponent(parsed.password),
        charset: "utf8mb4_bin",
        connectTimeout: 5000,
      });
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { sqlMessage?: string };
      throw new StorageError(`Cannot connect to MySQL at ${host}:${port} (database ${database}): ${err.code ?? ""} ${err.sqlMessage ?? err.message}`.replace(/ +/g, " "), { cause: e });
    }
    return new MySqlStore(conn, `mysql://${host}:${port}/${database}${prefix ? `#${prefix}` : ""}`, database, prefix, batchSize);
  }

  /** Creates the three tables when missing, then checks that existing ones have the expected columns. */
  async ensureSchema(): Promise<void> {
    const t = this.tables;
    // row_order (0..n-1 as written) has no index: it is only sorted on in JS, and an index slowed the import by ~20%.
    await this.sql(`CREATE TABLE IF NOT EXISTS \`${t.users}\` (
      \`user_id\` ${ID} NOT NULL, \`user_group\` ${LABEL} NULL, PRIMARY KEY (\`user_id\`)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin`);
    await this.sql(`CREATE TABLE IF NOT EXISTS \`${t.items}\` (
      \`item_id\` ${ID} NOT NULL, \`category\` ${LABEL} NULL, PRIMARY KEY (\`item_id\`)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin`);
    await this.sql(`CREATE TABLE IF NOT EXISTS \`${t.interactions}\` (
      \`user_id\` ${ID} NOT NULL, \`item_id\` ${ID} NOT NULL, \`rating\` DOUBLE NOT NULL, \`timestamp\` BIGINT NULL,
      \`row_order\` INT UNSIGNED NOT NULL,
      PRIMARY KEY (\`user_id\`, \`item_id\`), KEY \`${t.interactions}_item\` (\`item_id\`),
      CONSTRAINT \`${t.interactions}_user_fk\` FOREIGN KEY (\`user_id\`) REFERENCES \`${t.users}\` (\`user_id\`),
      CONSTRAINT \`${t.interactions}_item_fk\` FOREIGN KEY (\`item_id\`) REFERENCES \`${t.items}\` (\`item_id\`),
      CONSTRAINT \`${t.interactions}_rating_range\` CHECK (\`rating\` >= ${DB_RATING_MIN} AND \`rating\` <= ${RATING_MAX})
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin`);
    await this.checkSchema(true);
  }

  /**
   * Checks that the tables exist with the columns this store reads (`DataFormatError` naming table and
   * column otherwise). `row_order` and `timestamp` may be missing from a table made elsewhere.
   */
  async checkSchema(requireAll = false): Promise<void> {
    const [rows] = await this.sql<RowDataPacket[]>(
      "SELECT TABLE_NAME t, COLUMN_NAME c, DATA_TYPE d FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?, ?, ?)",
      [this.database, this.tables.users, this.tables.items, this.tables.interactions]);
    const cols = new Map<string, Map<string, string>>();
    for (const r of rows) {
      const t = String(r.t), c = String(r.c).toLowerCase(), d = String(r.d).toLowerCase();
      if (!cols.has(t)) cols.set(t, new Map());
      cols.get(t)!.set(c, d);
    }
    for (const kind of ["users", "items", "interactions"] as const) {
      const table = this.tables[kind];
      const have = cols.get(table);
      const source = `${this.source.replace(/#.*$/, "")} table ${table}`;
      if (!have) throw new DataFormatError({ source }, `expected table ${table} to exist, but it does not (write a dataset first, e.g. \`ewb generate --mysql\`)`);
      for (const [col, types] of Object.entries(SHAPE[kind])) {
        const optional = !requireAll && (col === "timestamp" || col === "row_order" || col === "user_group" || col === "category");
        const d = have.get(col);
        if (d === undefined) {
          if (optional) continue;
          throw new DataFormatError({ source, field: col }, `expected column ${col} (${types.join(" or ")}), but table ${table} has only ${[...have.keys()].join(", ")}`);
        }
        if (!types.includes(d)) throw new DataFormatError({ source, field: col }, `expected column ${col} to be ${types.join(" or ")}, but found ${d}`);
      }
    }
  }

  /**
   * Replaces the stored dataset with `dataset` in ONE transaction: delete old rows, then batched multi-row
   * INSERTs. Any failure (a constraint, a lost connection, `onProgress` throwing) rolls everything back, so the
   * tables hold either the old dataset or the whole new one, never part of it.
   */
  async saveDataset(dataset: Dataset, onProgress?: (p: SaveProgress) => void): Promise<SaveResult> {
    checkDatasetForDb(dataset);
    await this.ensureSchema();
    const t = this.tables;
    const users = dataset.users.map((u) => [u.userId, u.group ?? null]);
    const items = dataset.items.map((i) => [i.itemId, i.category ?? null]);
    const rows = dataset.interactions.map((r, k) => [r.userId, r.itemId, r.rating, r.timestamp ?? null, k]);
    let step = "starting the transaction";
    try {
      await this.conn.beginTransaction();
      step = `deleting old rows from ${t.interactions}`;
      await this.conn.query(`DELETE FROM \`${t.interactions}\``);
      step = `deleting old rows from ${t.users}`;
      await this.conn.query(`DELETE FROM \`${t.users}\``);
      step = `deleting old rows from ${t.items}`;
      await this.conn.query(`DELETE FROM \`${t.items}\``);
      const insert = async (kind: SaveProgress["table"], columns: string, values: unknown[][]): Promise<void> => {
        for (let start = 0; start < values.length; start += this.batchSize) {
          const batch = values.slice(start, start + this.batchSize);
          step = `inserting ${kind} rows ${start + 1}-${start + batch.length} of ${values.length} into ${t[kind]}`;
          await this.conn.query(`INSERT INTO \`${t[kind]}\` (${columns}) VALUES ?`, [batch]);
          onProgress?.({ table: kind, rowsWritten: start + batch.length, rowsTotal: values.length });
        }
      };
      await insert("users", "`user_id`, `user_group`", users);
      await insert("items", "`item_id`, `category`", items);
      await insert("interactions", "`user_id`, `item_id`, `rating`, `timestamp`, `row_order`", rows);
      step = "committing";
      await this.conn.commit();
    } catch (e) {
      await this.conn.rollback().catch(() => undefined);
      const err = e as { sqlMessage?: string; message?: string };
      throw new StorageError(`Saving the dataset to ${this.source} failed while ${step}; rolled back, no rows changed: ${err.sqlMessage ?? err.message ?? String(e)}`, { cause: e });
    }
    return { users: users.length, items: items.length, interactions: rows.length };
  }

  /** Reads the dataset back: users, items, and all interactions in one query, in saved row order (or by user and item when a table has no row_order). */
  async loadDataset(): Promise<Dataset> {
    await this.checkSchema();
    const t = this.tables;
    const [ucols] = await this.sql<RowDataPacket[]>(
      "SELECT TABLE_NAME t, COLUMN_NAME c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?, ?, ?)",
      [this.database, t.users, t.items, t.interactions]);
    const has = (table: string, col: string): boolean => ucols.some((r) => r.t === table && String(r.c).toLowerCase() === col);
    const [urows] = await this.sql<RowDataPacket[]>(`SELECT \`user_id\`${has(t.users, "user_group") ? ", `user_group`" : ""} FROM \`${t.users}\``);
    const [irows] = await this.sql<RowDataPacket[]>(`SELECT \`item_id\`${has(t.items, "category") ? ", `category`" : ""} FROM \`${t.items}\``);
    const ordered = has(t.interactions, "row_order");
    const ts = has(t.interactions, "timestamp") ? ", `timestamp`" : "";
    // No ORDER BY: with an index on row_order MariaDB walked it and looked every row up in the clustered key (about
    // 15x slower for 50k rows than a plain scan), without one it sorts on disk; sorting 50k numbers here takes milliseconds.
    const [rrows] = await this.sql<RowDataPacket[]>(`SELECT \`user_id\`, \`item_id\`, \`rating\`${ts}${ordered ? ", `row_order`" : ""} FROM \`${t.interactions}\``);
    if (ordered) rrows.sort((a, b) => Number(a.row_order) - Number(b.row_order));
    else rrows.sort((a, b) => compareIds(String(a.user_id), String(b.user_id)) || compareIds(String(a.item_id), String(b.item_id)));
    const users: UserRecord[] = urows.map((r) => (r.user_group == null ? { userId: String(r.user_id) } : { userId: String(r.user_id), group: String(r.user_group) }));
    const items: ItemRecord[] = irows.map((r) => (r.category == null ? { itemId: String(r.item_id) } : { itemId: String(r.item_id), category: String(r.category) }));
    const interactions: Interaction[] = rrows.map((r) => {
      const base = { userId: String(r.user_id), itemId: String(r.item_id), rating: Number(r.rating) };
      return r.timestamp == null ? base : { ...base, timestamp: Number(r.timestamp) };
    });
    if (interactions.length === 0) {
      throw new DataFormatError({ source: `${this.source.replace(/#.*$/, "")} table ${t.interactions}` }, "expected at least one interaction, but the table is empty");
    }
    // The database's binary order is UTF-8 byte order; the workbook's is UTF-16 code-unit order (IdMap).
    users.sort((a, b) => compareIds(a.userId, b.userId));
    items.sort((a, b) => compareIds(a.itemId, b.itemId));
    return { interactions, users, items, source: this.source };
  }

  /** Drops the three tables (tests use this on their prefixed tables). */
  async dropTables(): Promise<void> {
    const t = this.tables;
    await this.sql(`DROP TABLE IF EXISTS \`${t.interactions}\`, \`${t.users}\`, \`${t.items}\``);
  }

  async close(): Promise<void> {
    await this.conn.end().catch(() => undefined);
  }

  private async sql<T extends RowDataPacket[] = RowDataPacket[]>(text: string, params?: unknown[]): Promise<[T, unknown]> {
    try {
      return (await this.conn.query(text, params)) as unknown as [T, unknown];
    } catch (e) {
      const err = e as { sqlMessage?: string; message?: string };
      throw new StorageError(`MySQL ${this.source} failed: ${err.sqlMessage ?? err.message ?? String(e)}`, { cause: e });
    }
  }
}

/** Types and lengths the database would otherwise reject mid-transaction with a less helpful message. */
function checkDatasetForDb(dataset: Dataset): void {
  if (dataset === null || typeof dataset !== "object" || !Array.isArray(dataset.interactions) || !Array.isArray(dataset.users) || !Array.isArray(dataset.items)) {
    throw new InvalidArgumentError("dataset", "a Dataset with interactions, users and items arrays", dataset);
  }
  const id = (v: unknown, name: string): void => {
    if (typeof v !== "string" || v === "" || [...v].length > MAX_ID_LENGTH) throw new InvalidArgumentError(name, `a non-empty string of at most ${MAX_ID_LENGTH} characters`, v);
  };
  dataset.users.forEach((u, k) => id(u.userId, `users[${k}].userId`));
  dataset.items.forEach((i, k) => id(i.itemId, `items[${k}].itemId`));
  dataset.interactions.forEach((r, k) => {
    id(r.userId, `interactions[${k}].userId`);
    id(r.itemId, `interactions[${k}].itemId`);
    if (typeof r.rating !== "number" || !Number.isFinite(r.rating)) throw new InvalidArgumentError(`interactions[${k}].rating`, "a finite number", r.rating);
  });
}
