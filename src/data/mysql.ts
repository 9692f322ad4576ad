/** MySQL/MariaDB storage of a dataset via mysql2: users, items and interactions tables with keys and constraints. */
import { Readable } from "node:stream";
import type { Connection, RowDataPacket } from "mysql2/promise";
import { DataFormatError, InvalidArgumentError, StorageError, describe } from "../errors";
import { checkInteger, checkString } from "../validate";
import { compareIds } from "./idmap";
import { DatasetBuilder, type FieldNames } from "./records";
import { ratingValue } from "./indexed";
import { RATING_MAX, type Dataset } from "./types";

/** The lowest rating the tables accept: MovieLens' half star (the synthetic data starts at 1). */
export const DB_RATING_MIN = 0.5;
/** IDs are VARCHAR(255): two of them in the interactions key stay under InnoDB's 3072-byte key limit in utf8mb4. */
export const MAX_ID_LENGTH = 255;

export interface MySqlStoreOptions {
  /** Prepended to the three table names, e.g. "t123_" for a test's own tables. Letters, digits and _ only. */
  readonly tablePrefix?: string;
  /** Rows per multi-row INSERT (and per chunk sent to LOAD DATA); default 5000. */
  readonly batchSize?: number;
  /**
   * How saveDataset writes: "auto" (default) by `LOAD DATA LOCAL INFILE`, or batched INSERTs when the server refuses
   * it; "load-data" refuses to fall back; "insert" always INSERTs.
   */
  readonly method?: "auto" | "load-data" | "insert";
  /** Whether the client offers LOCAL INFILE at all (its LOCAL_FILES capability); default true. */
  readonly localFiles?: boolean;
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
  /** How the rows went in. */
  readonly method: "load-data" | "insert";
  /** Why INSERTs were used in "auto" mode (the server refused LOCAL INFILE), when they were. */
  readonly note?: string;
}

/** Each table's columns and its rows by number, as saveDataset writes them. */
type TableRows = Record<SaveProgress["table"], { readonly columns: readonly string[]; readonly count: number; readonly row: (k: number) => unknown[] }>;

/** MariaDB's and MySQL's errors for a LOCAL INFILE the server (or the client's capability) does not allow. */
const ER_NOT_ALLOWED_COMMAND = 1148;
const ER_CLIENT_LOCAL_FILES_DISABLED = 3948;
const ER_LOAD_INFILE_CAPABILITY_DISABLED = 4166;

/** The refusal of LOAD DATA LOCAL INFILE, caught by saveDataset to fall back (`failure` is the error to show otherwise). */
class LocalInfileRefused extends Error {
  constructor(
    readonly serverMessage: string,
    readonly failure: StorageError,
  ) {
    super(serverMessage);
  }
}

// utf8mb4_nopad_bin: binary, so "u1" and "U1" are distinct keys, and NO PAD, so "a" and "a " are too.
const ID = `VARCHAR(${MAX_ID_LENGTH}) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin`;
const LABEL = "VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin";

/**
 * The ID rules the readers apply (non-empty, no line breaks) as a CHECK, so our own tables cannot hold such IDs
 * (VARCHAR NOT NULL alone admits ''). The interactions' IDs follow through their foreign keys.
 */
const idRule = (col: string): string => `\`${col}\` <> '' AND INSTR(\`${col}\`, CHAR(10)) = 0 AND INSTR(\`${col}\`, CHAR(13)) = 0`;

/** Columns each table must have, with the data types (information_schema DATA_TYPE) accepted for them. */
const SHAPE: Record<"users" | "items" | "interactions", Record<string, readonly string[]>> = {
  users: { user_id: ["varchar", "char"], user_group: ["varchar", "char"] },
  items: { item_id: ["varchar", "char"], category: ["varchar", "char"] },
  interactions: {
    user_id: ["varchar", "char"],
    item_id: ["varchar", "char"],
    rating: ["double", "float", "decimal", "tinyint", "smallint", "int"],
    timestamp: ["bigint", "int"],
    row_order: ["int", "bigint"],
  },
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
  private readonly method: "auto" | "load-data" | "insert";

  private constructor(conn: Connection, source: string, database: string, prefix: string, batchSize: number, method: "auto" | "load-data" | "insert") {
    this.conn = conn;
    this.method = method;
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
      throw new InvalidArgumentError(
        "MySQL URL",
        "a URL like mysql://root@127.0.0.1:3306/test (mysql: scheme, one database name)",
        `${parsed.protocol}//${parsed.host}${parsed.pathname}`,
      );
    }
    const prefix = options.tablePrefix ?? "";
    if (typeof prefix !== "string" || !/^[A-Za-z0-9_]{0,40}$/.test(prefix))
      throw new InvalidArgumentError("tablePrefix", "letters, digits and _ (at most 40)", prefix);
    const batchSize = checkInteger("batchSize", options.batchSize ?? 5000, 1, 100000);
    const method = options.method ?? "auto";
    if (method !== "auto" && method !== "load-data" && method !== "insert") throw new InvalidArgumentError("method", '"auto", "load-data" or "insert"', method);
    const host = parsed.hostname || "localhost";
    const port = parsed.port ? Number(parsed.port) : 3306;
    const mysql = require("mysql2/promise") as typeof import("mysql2/promise");
    let conn: Connection;
    try {
      conn = await mysql.createConnection({
        host,
        port,
        database,
        user: decodeURIComponent(parsed.username || "root"),
        password: decodeURIComponent(parsed.password),
        charset: "utf8mb4_bin",
        connectTimeout: 5000,
        ...(options.localFiles === false ? { flags: ["-LOCAL_FILES"] } : {}),
      });
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { sqlMessage?: string };
      throw new StorageError(
        `Cannot connect to MySQL at ${host}:${port} (database ${database}): ${err.code ?? ""} ${err.sqlMessage ?? err.message}`.replace(/ +/g, " "),
        { cause: e },
      );
    }
    return new MySqlStore(conn, `mysql://${host}:${port}/${database}${prefix ? `#${prefix}` : ""}`, database, prefix, batchSize, method);
  }

  /** Creates the three tables when missing, then checks that existing ones have the expected columns. */
  async ensureSchema(): Promise<void> {
    const t = this.tables;
    // row_order (0..n-1 as written) has no index: it is only sorted on in JS, and an index slowed the import by ~20%.
    await this.sql(`CREATE TABLE IF NOT EXISTS \`${t.users}\` (
      \`user_id\` ${ID} NOT NULL, \`user_group\` ${LABEL} NULL, PRIMARY KEY (\`user_id\`),
      CONSTRAINT \`${t.users}_id_rule\` CHECK (${idRule("user_id")})
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin`);
    await this.sql(`CREATE TABLE IF NOT EXISTS \`${t.items}\` (
      \`item_id\` ${ID} NOT NULL, \`category\` ${LABEL} NULL, PRIMARY KEY (\`item_id\`),
      CONSTRAINT \`${t.items}_id_rule\` CHECK (${idRule("item_id")})
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
      [this.database, this.tables.users, this.tables.items, this.tables.interactions],
    );
    const cols = new Map<string, Map<string, string>>();
    for (const r of rows) {
      const t = String(r.t),
        c = String(r.c).toLowerCase(),
        d = String(r.d).toLowerCase();
      if (!cols.has(t)) cols.set(t, new Map());
      cols.get(t)!.set(c, d);
    }
    for (const kind of ["users", "items", "interactions"] as const) {
      const table = this.tables[kind];
      const have = cols.get(table);
      const source = `${this.source.replace(/#.*$/, "")} table ${table}`;
      if (!have)
        throw new DataFormatError({ source }, `expected table ${table} to exist, but it does not (write a dataset first, e.g. \`ewb generate --mysql\`)`);
      for (const [col, types] of Object.entries(SHAPE[kind])) {
        const optional = !requireAll && (col === "timestamp" || col === "row_order" || col === "user_group" || col === "category");
        const d = have.get(col);
        if (d === undefined) {
          if (optional) continue;
          throw new DataFormatError(
            { source, field: col },
            `expected column ${col} (${types.join(" or ")}), but table ${table} has only ${[...have.keys()].join(", ")}`,
          );
        }
        if (!types.includes(d)) throw new DataFormatError({ source, field: col }, `expected column ${col} to be ${types.join(" or ")}, but found ${d}`);
      }
    }
  }

  /**
   * Replaces the stored dataset with `dataset` in ONE transaction: delete old rows, then write the new ones, by
   * `LOAD DATA LOCAL INFILE` streamed from the columns (when the server allows it; `method`) or by batched multi-row
   * INSERTs. Any failure (a constraint, a lost connection, a row the server skipped, `onProgress` throwing) rolls
   * everything back, so the tables hold either the old dataset or the whole new one, never part of it. In "auto"
   * mode a server that refuses LOCAL INFILE gets INSERTs instead, and the result's `note` says so.
   */
  async saveDataset(dataset: Dataset, onProgress?: (p: SaveProgress) => void): Promise<SaveResult> {
    // A reader's Dataset whose row objects were never built is written from its columns (no object per row).
    const columnar = hasLazyRows(dataset);
    checkDatasetForDb(dataset, columnar);
    await this.ensureSchema();
    const users = dataset.users,
      items = dataset.items;
    const rowCount = columnar ? dataset.indexed.length : dataset.interactions.length;
    const rows: TableRows = {
      users: { columns: ["user_id", "user_group"], count: users.length, row: (k) => [users[k]!.userId, users[k]!.group ?? null] },
      items: { columns: ["item_id", "category"], count: items.length, row: (k) => [items[k]!.itemId, items[k]!.category ?? null] },
      interactions: (() => {
        const interactionRow = columnar ? columnRow(dataset) : objectRow(dataset.interactions);
        // Interactions go in primary-key order (user, item), row_order keeping the dataset's order: InnoDB then appends
        // to its clustered index instead of splitting pages at random (the rows of a dataset are usually shuffled).
        const order = columnar ? indexedKeyOrder(dataset) : primaryKeyOrder(dataset);
        return { columns: ["user_id", "item_id", "rating", "timestamp", "row_order"], count: rowCount, row: (k: number) => interactionRow(order[k]!) };
      })(),
    };
    let method: "load-data" | "insert" = this.method === "insert" ? "insert" : "load-data";
    let note: string | undefined;
    if (method === "load-data") {
      const refused = await this.localInfileRefusal();
      if (refused !== undefined) {
        if (this.method === "load-data") throw new StorageError(`Cannot use LOAD DATA LOCAL INFILE on ${this.source}: ${refused}`);
        method = "insert";
        note = `${refused}; wrote with batched INSERTs instead`;
      }
    }
    try {
      await this.writeAll(rows, method, onProgress);
    } catch (e) {
      // The client's own setting or a server that says local_infile=ON and still refuses: one more go with INSERTs.
      if (!(e instanceof LocalInfileRefused) || this.method === "load-data") throw e instanceof LocalInfileRefused ? e.failure : e;
      method = "insert";
      note = `the server refused LOAD DATA LOCAL INFILE (${e.serverMessage}); wrote with batched INSERTs instead`;
      await this.writeAll(rows, method, onProgress);
    }
    return { users: users.length, items: items.length, interactions: rowCount, method, ...(note === undefined ? {} : { note }) };
  }

  /** Why the server will not take LOAD DATA LOCAL INFILE (its local_infile setting), or undefined when it will. */
  private async localInfileRefusal(): Promise<string | undefined> {
    const [r] = await this.sql<RowDataPacket[]>("SELECT @@GLOBAL.local_infile AS v");
    const v = r[0]?.v;
    return v === 0 || v === "0" || v === "OFF" ? "the server has local_infile=OFF" : undefined;
  }

  /** The transaction of saveDataset: delete the old rows, write the three tables by `method`, commit; rolled back on any failure. */
  private async writeAll(rows: TableRows, method: "load-data" | "insert", onProgress?: (p: SaveProgress) => void): Promise<void> {
    const t = this.tables;
    let step = "starting the transaction";
    try {
      await this.conn.beginTransaction();
      step = `deleting old rows from ${t.interactions}`;
      await this.conn.query(`DELETE FROM \`${t.interactions}\``);
      step = `deleting old rows from ${t.users}`;
      await this.conn.query(`DELETE FROM \`${t.users}\``);
      step = `deleting old rows from ${t.items}`;
      await this.conn.query(`DELETE FROM \`${t.items}\``);
      for (const kind of ["users", "items", "interactions"] as const) {
        const { columns, count, row } = rows[kind];
        const cols = columns.map((c) => `\`${c}\``).join(", ");
        if (method === "insert") {
          for (let start = 0; start < count; start += this.batchSize) {
            const end = Math.min(count, start + this.batchSize);
            const batch: unknown[][] = new Array(end - start);
            for (let k = start; k < end; k++) batch[k - start] = row(k);
            step = `inserting ${kind} rows ${start + 1}-${end} of ${count} into ${t[kind]}`;
            await this.conn.query(`INSERT INTO \`${t[kind]}\` (${cols}) VALUES ?`, [batch]);
            onProgress?.({ table: kind, rowsWritten: end, rowsTotal: count });
          }
        } else {
          step = `loading ${kind} rows 1-${count} into ${t[kind]} (LOAD DATA LOCAL INFILE)`;
          await this.loadLocal(kind, cols, count, row, (s) => (step = s), onProgress);
        }
      }
      step = "committing";
      await this.conn.commit();
    } catch (e) {
      await this.conn.rollback().catch(() => undefined);
      const err = e as { sqlMessage?: string; message?: string; errno?: number };
      const failure = new StorageError(
        `Saving the dataset to ${this.source} failed while ${step}; rolled back, no rows changed: ${err.sqlMessage ?? err.message ?? String(e)}`,
        { cause: e },
      );
      if (method === "load-data" && [ER_NOT_ALLOWED_COMMAND, ER_CLIENT_LOCAL_FILES_DISABLED, ER_LOAD_INFILE_CAPABILITY_DISABLED].includes(err.errno ?? 0))
        throw new LocalInfileRefused(err.sqlMessage ?? String(err.message), failure);
      throw failure;
    }
  }

  /**
   * One table by `LOAD DATA LOCAL INFILE`: the rows are streamed to the server as tab-separated text (escaped, NULL as
   * \N) in chunks of `batchSize` rows, generated as the server reads them (nothing the size of the table is built).
   * With LOCAL the server skips a row it cannot store (a constraint, a duplicate key) with a warning instead of
   * failing, so the count of stored rows and the warnings are checked: any warning is an error here.
   */
  private async loadLocal(
    kind: SaveProgress["table"],
    cols: string,
    count: number,
    row: (k: number) => unknown[],
    setStep: (s: string) => void,
    onProgress?: (p: SaveProgress) => void,
  ): Promise<void> {
    const table = this.tables[kind];
    const chunk = Math.max(this.batchSize, 1000);
    let next = 0;
    const stream = new Readable({
      read() {
        try {
          if (next >= count) {
            this.push(null);
            return;
          }
          const end = Math.min(count, next + chunk);
          setStep(`sending ${kind} rows ${next + 1}-${end} of ${count} to ${table} (LOAD DATA LOCAL INFILE)`);
          let text = "";
          for (let k = next; k < end; k++) text += tsvLine(row(k));
          next = end;
          this.push(Buffer.from(text, "utf8"));
          onProgress?.({ table: kind, rowsWritten: end, rowsTotal: count });
        } catch (e) {
          this.destroy(e as Error);
        }
      },
    });
    const sql =
      `LOAD DATA LOCAL INFILE 'ewb-${kind}.tsv' INTO TABLE \`${table}\` CHARACTER SET utf8mb4 ` +
      `FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${cols})`;
    const [res] = (await this.conn.query({ sql, infileStreamFactory: () => stream } as never)) as unknown as [{ affectedRows: number; warningStatus: number }];
    setStep(`loading ${kind} rows 1-${count} into ${table} (LOAD DATA LOCAL INFILE)`);
    if (res.affectedRows !== count || res.warningStatus > 0) {
      const [warnings] = (await this.conn.query("SHOW WARNINGS LIMIT 3")) as unknown as [{ Level: string; Code: number; Message: string }[]];
      const first = warnings.map((w) => `${w.Level} ${w.Code}: ${w.Message}`).join("; ");
      throw new Error(`the server stored ${res.affectedRows} of ${count} rows with ${res.warningStatus} warning(s)${first ? `: ${first}` : ""}`);
    }
  }

  /**
   * Reads the dataset back as a columnar Dataset, streaming each table's rows (mysql2 query streams, never one
   * giant result) straight into a `DatasetBuilder` (interned IDs, typed arrays sized by the server's row estimate;
   * no object per row is kept), checked as they arrive with exactly the CSV rules (records.ts): IDs non-empty, without line breaks,
   * at most MAX_ID_LENGTH characters; ratings in [DB_RATING_MIN, 5], never NULL; timestamps non-negative integers;
   * each (user, item) pair once; every interaction's user and item listed once in the users and items tables.
   * Tables made elsewhere may lack the keys and CHECK constraints of `ensureSchema`, so nothing is assumed: a
   * broken rule throws `DataFormatError` naming table, primary key and column, for the first bad row in scan order
   * (a duplicate pair once the scan has ended). Rows come in saved row order (or by user and item when the table
   * has no row_order); `interactions`, `users` and `items` are built only when read (datasetFromColumns).
   */
  async loadDataset(): Promise<Dataset> {
    await this.checkSchema();
    const t = this.tables;
    const [ucols] = await this.sql<RowDataPacket[]>(
      "SELECT TABLE_NAME t, COLUMN_NAME c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?, ?, ?)",
      [this.database, t.users, t.items, t.interactions],
    );
    const has = (table: string, col: string): boolean => ucols.some((r) => r.t === table && String(r.c).toLowerCase() === col);
    const ordered = has(t.interactions, "row_order");
    const timed = has(t.interactions, "timestamp");
    const table = `${this.dbSource} table ${t.interactions}`;
    const where = (u: unknown, i: unknown): string => `${table} row (user_id ${showKey(u)}, item_id ${showKey(i)})`;
    const expected = await this.estimatedRows(t.interactions);
    // Rows go straight from the stream into the builder's typed arrays (interned indices; the same rules and messages
    // as a file's rows, located by the row's primary key); the users and items tables are interned first, so an ID
    // that is in neither is refused by lookup, and users or items without ratings are kept.
    const builder = new DatasetBuilder(this.source, DB_NAMES, {
      ratingMin: DB_RATING_MIN,
      ...(expected > 0 ? { expectedRows: expected } : {}),
      locate: ({ userId, itemId }) => ({ source: where(userId, itemId) }),
      duplicateFirst: () => "which the table holds more than once (it has no unique key on (user_id, item_id))",
    });
    await this.readEntities(builder, "user", t.users, "user_id", has(t.users, "user_group") ? "user_group" : undefined);
    await this.readEntities(builder, "item", t.items, "item_id", has(t.items, "category") ? "category" : undefined);
    const order = ordered ? new GrowableFloat64(expected > 0 ? expected : 1024) : undefined;
    const orderAt = timed ? 4 : 3;
    let scanned = 0;
    // No ORDER BY: with an index on row_order MariaDB walked it and looked every row up in the clustered key (about
    // 15x slower for 50k rows than a plain scan), without one it sorts on disk; the order is restored here.
    const sql = `SELECT \`user_id\`, \`item_id\`, \`rating\`${timed ? ", `timestamp`" : ""}${ordered ? ", `row_order`" : ""} FROM \`${t.interactions}\``;
    await this.stream(sql, (r) => {
      const u = r[0],
        i = r[1],
        rating = r[2];
      const ui = builder.userIndexOf(checkDbId(u, "user", () => where(u, i), "user_id"));
      if (ui === undefined)
        throw new DataFormatError({ source: where(u, i), field: "user_id" }, `expected user ${JSON.stringify(u)} to be in table ${t.users}, but it is not`);
      const ii = builder.itemIndexOf(checkDbId(i, "item", () => where(u, i), "item_id"));
      if (ii === undefined)
        throw new DataFormatError({ source: where(u, i), field: "item_id" }, `expected item ${JSON.stringify(i)} to be in table ${t.items}, but it is not`);
      if (rating === null || rating === undefined) {
        throw new DataFormatError(
          { source: where(u, i), field: "rating" },
          `expected a rating, a number between ${DB_RATING_MIN} and ${RATING_MAX}, but found NULL`,
        );
      }
      builder.addInterned(++scanned, ui, ii, numberOrText(rating) as number | string, timed ? numberOrText(r[3]) : null);
      if (order) {
        const o = r[orderAt];
        order.push(o === null || o === undefined ? Number.NaN : Number(o));
      }
    });
    if (builder.length === 0) throw new DataFormatError({ source: table }, "expected at least one interaction, but the table is empty");
    if (order) {
      builder.reorder(rowOrderPermutation(order.view()));
    } else {
      const rows = builder.rowsView();
      builder.reorder(pairPermutation(rows.users, rows.items, sortRanks(builder.internedUserIds()), sortRanks(builder.internedItemIds())));
    }
    return builder.finish();
  }

  /** The server's estimate of a table's row count (information_schema; InnoDB's is approximate), 0 when unknown. */
  private async estimatedRows(table: string): Promise<number> {
    const [rows] = await this.sql<RowDataPacket[]>("SELECT TABLE_ROWS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", [
      this.database,
      table,
    ]);
    const n = Number(rows[0]?.n ?? 0);
    return Number.isFinite(n) && n > 0 ? n : 0;
  }

  /** `mysql://host:port/database` without the table prefix, the start of every location in a table. */
  private get dbSource(): string {
    return this.source.replace(/#.*$/, "");
  }

  /**
   * Streams a users or items table into the builder: each ID checked (non-empty, no line breaks, length cap, listed
   * once) and interned with its label, in scan order.
   */
  private async readEntities(builder: DatasetBuilder, kind: "user" | "item", table: string, idCol: string, labelCol: string | undefined): Promise<void> {
    const source = `${this.dbSource} table ${table}`;
    await this.stream(`SELECT \`${idCol}\`${labelCol ? `, \`${labelCol}\`` : ""} FROM \`${table}\``, (r) => {
      const where = (): string => `${source} row (${idCol} ${showKey(r[0])})`;
      const id = checkDbId(r[0], kind, where, idCol);
      const label = labelCol && r[1] != null ? String(r[1]) : undefined;
      const k = kind === "user" ? builder.internUser(id, label) : builder.internItem(id, label);
      if (k < 0) throw new DataFormatError({ source: where(), field: idCol }, `expected each ${kind} once, but found ${JSON.stringify(id)} twice`);
    });
  }

  /**
   * Runs `sql` as a mysql2 query stream (rows as arrays), calling `onRow` per row with back-pressure. If `onRow`
   * throws, the stream is destroyed (mysql2 then discards the rest of the result) and the error propagates.
   */
  private async stream(sql: string, onRow: (row: unknown[]) => void): Promise<void> {
    const raw = (this.conn as unknown as { connection: import("mysql2").Connection }).connection;
    const rows = raw.query({ sql, rowsAsArray: true }).stream({ highWaterMark: 4096 });
    try {
      for await (const row of rows) onRow(row as unknown[]);
    } catch (e) {
      if (e instanceof DataFormatError) throw e;
      const err = e as { sqlMessage?: string; message?: string };
      throw new StorageError(`MySQL ${this.source} failed: ${err.sqlMessage ?? err.message ?? String(e)}`, { cause: e });
    }
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

/** Field names in messages about table rows: the column names. */
const DB_NAMES: FieldNames = { user: "user_id", item: "item_id", rating: "rating", timestamp: "timestamp", group: "user_group", category: "category" };

/**
 * A numeric column's value as the builder takes it: a number (DOUBLE, INT), a text (DECIMAL arrives as one), or null.
 * (A function rather than a conditional on `unknown`: tslab's older TypeScript does not narrow that.)
 */
function numberOrText(v: unknown): number | string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return v;
  return String(v);
}

/** rank[k] = the place of ids[k] in IdMap (sorted) order. */
function sortRanks(ids: readonly string[]): Int32Array {
  const sorted = Array.from(ids.keys()).sort((a, b) => compareIds(ids[a]!, ids[b]!));
  const rank = new Int32Array(ids.length);
  sorted.forEach((pos, k) => (rank[pos] = k));
  return rank;
}

/** A key value in a location: JSON for text (shortened like other found values), NULL for SQL NULL. */
function showKey(v: unknown): string {
  return v === null || v === undefined ? "NULL" : describe(typeof v === "string" ? v : String(v));
}

/**
 * The ID rules of the CSV reader (records.ts) for a value read from an ID column, plus the two a table can break
 * and a file cannot: NULL, and more than MAX_ID_LENGTH characters (our column width).
 */
function checkDbId(v: unknown, kind: "user" | "item", where: () => string, field: string): string {
  if (v === null || v === undefined) throw new DataFormatError({ source: where(), field }, `expected a non-empty ${kind} ID, but found NULL`);
  const id = typeof v === "string" ? v : String(v);
  if (id === "") throw new DataFormatError({ source: where(), field }, `expected a non-empty ${kind} ID, but found an empty field`);
  if (/[\r\n]/.test(id)) throw new DataFormatError({ source: where(), field }, `expected a ${kind} ID without line breaks, but found ${JSON.stringify(id)}`);
  if (id.length > MAX_ID_LENGTH) {
    const chars = [...id].length;
    if (chars > MAX_ID_LENGTH)
      throw new DataFormatError(
        { source: where(), field },
        `expected a${kind === "item" ? "n" : ""} ${kind} ID of at most ${MAX_ID_LENGTH} characters, but found one of ${chars}`,
      );
  }
  return id;
}

/** Scan positions in `row_order` order: placed directly when the values are 0..n-1 (our own tables), else sorted (stable). */
function rowOrderPermutation(order: Float64Array): Uint32Array {
  const n = order.length;
  const perm = new Uint32Array(n);
  const placed = new Uint8Array(n);
  let direct = true;
  for (let k = 0; k < n; k++) {
    const o = order[k]!;
    if (!(Number.isInteger(o) && o >= 0 && o < n) || placed[o]) {
      direct = false;
      break;
    }
    placed[o] = 1;
    perm[o] = k;
  }
  if (direct) return perm;
  for (let k = 0; k < n; k++) perm[k] = k;
  // NULL row_order (NaN) sorts last.
  return perm.sort((a, b) => {
    const x = order[a]!,
      y = order[b]!;
    return (Number.isNaN(x) ? Infinity : x) - (Number.isNaN(y) ? Infinity : y) || a - b;
  });
}

/** Scan positions ordered by (user ID, item ID) in IdMap order, via the IDs' sorted ranks. */
function pairPermutation(users: Int32Array, items: Int32Array, userRank: Int32Array, itemRank: Int32Array): Uint32Array {
  const n = users.length;
  const width = itemRank.length;
  const key = new Float64Array(n);
  for (let k = 0; k < n; k++) key[k] = userRank[users[k]!]! * width + itemRank[items[k]!]!;
  const perm = new Uint32Array(n);
  for (let k = 0; k < n; k++) perm[k] = k;
  return perm.sort((a, b) => key[a]! - key[b]! || a - b);
}

/**
 * Whether `dataset.interactions` is still the unbuilt getter of a reader's columnar Dataset (datasetFromColumns), so
 * its columns are the rows. A spread copy or datasetFromObjects has a plain array there, which is then the truth.
 */
function hasLazyRows(dataset: Dataset): boolean {
  const d = Object.getOwnPropertyDescriptor(dataset, "interactions");
  return d !== undefined && typeof d.get === "function" && dataset.indexed !== undefined && dataset.userIds !== undefined;
}

/**
 * One row as a line of LOAD DATA's text format (FIELDS TERMINATED BY '\t' ESCAPED BY '\\' LINES TERMINATED BY '\n'):
 * NULL as \N, and the backslash, tab, line breaks and NUL escaped, so any ID arrives as it was.
 */
function tsvLine(values: readonly unknown[]): string {
  let line = "";
  for (let c = 0; c < values.length; c++) {
    const v = values[c];
    if (c > 0) line += "\t";
    if (v === null || v === undefined) line += "\\N";
    else if (typeof v === "number") line += String(v);
    else {
      const text = String(v);
      line += /[\\\t\n\r\0]/.test(text) ? text.replace(/[\\\t\n\r\0]/g, (ch) => TSV_ESCAPES[ch]!) : text;
    }
  }
  return line + "\n";
}
const TSV_ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0" };

/** Row r of the columns as INSERT values: IDs through the maps, the rating as written (ratingValue), row_order r. */
function columnRow(dataset: Dataset): (r: number) => unknown[] {
  const uid = dataset.userIds.toArray(),
    iid = dataset.itemIds.toArray();
  const x = dataset.indexed,
    ts = x.timestamps;
  return (r) => {
    const t = ts ? ts[r]! : Number.NaN;
    return [uid[x.users[r]!], iid[x.items[r]!], ratingValue(x.ratings[r]!), Number.isNaN(t) ? null : t, r];
  };
}

function objectRow(inter: Dataset["interactions"]): (r: number) => unknown[] {
  return (r) => {
    const x = inter[r]!;
    return [x.userId, x.itemId, x.rating, x.timestamp ?? null, r];
  };
}

/** Row numbers of the columns sorted by (user, item) index: IdMap order is the tables' order. */
function indexedKeyOrder(dataset: Dataset): Uint32Array {
  const x = dataset.indexed,
    n = x.length,
    width = dataset.itemIds.size;
  const key = new Float64Array(n);
  for (let k = 0; k < n; k++) key[k] = x.users[k]! * width + x.items[k]!;
  const perm = new Uint32Array(n);
  for (let k = 0; k < n; k++) perm[k] = k;
  return perm.sort((a, b) => key[a]! - key[b]! || a - b);
}

/** Row numbers of `dataset.interactions` sorted by (user ID, item ID) in IdMap order (the users and items tables' order). */
function primaryKeyOrder(dataset: Dataset): Uint32Array {
  const userRank = new Map<string, number>(),
    itemRank = new Map<string, number>();
  dataset.users.forEach((u, k) => userRank.set(u.userId, k));
  dataset.items.forEach((i, k) => itemRank.set(i.itemId, k));
  const inter = dataset.interactions;
  const n = inter.length,
    width = dataset.items.length;
  const key = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const u = userRank.get(inter[k]!.userId),
      i = itemRank.get(inter[k]!.itemId);
    // An ID missing from its table sorts last; the foreign key then refuses the row.
    key[k] = u === undefined || i === undefined ? Number.MAX_VALUE : u * width + i;
  }
  const perm = new Uint32Array(n);
  for (let k = 0; k < n; k++) perm[k] = k;
  return perm.sort((a, b) => key[a]! - key[b]! || a - b);
}

/** A Float64Array of an estimated capacity that grows by 1.25x past it; `view()` is the filled part. */
class GrowableFloat64 {
  private data: Float64Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Float64Array(Math.max(1024, Math.ceil(capacity)));
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Float64Array(Math.ceil(this.data.length * 1.25));
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** Types and lengths the database would otherwise reject mid-transaction with a less helpful message. */
function checkDatasetForDb(dataset: Dataset, columnar: boolean): void {
  if (
    dataset === null ||
    typeof dataset !== "object" ||
    (!columnar && !Array.isArray(dataset.interactions)) ||
    !Array.isArray(dataset.users) ||
    !Array.isArray(dataset.items)
  ) {
    throw new InvalidArgumentError("dataset", "a Dataset with interactions, users and items arrays", dataset);
  }
  const id = (v: unknown, name: string): void => {
    if (typeof v !== "string" || v === "" || [...v].length > MAX_ID_LENGTH)
      throw new InvalidArgumentError(name, `a non-empty string of at most ${MAX_ID_LENGTH} characters`, v);
  };
  dataset.users.forEach((u, k) => id(u.userId, `users[${k}].userId`));
  dataset.items.forEach((i, k) => id(i.itemId, `items[${k}].itemId`));
  if (columnar) {
    // The reader checked every ID (non-empty, <= MAX_ID_LENGTH characters) and rating; the maps hold the IDs.
    for (const [map, name] of [
      [dataset.userIds, "userIds"],
      [dataset.itemIds, "itemIds"],
    ] as const) {
      map.toArray().forEach((v, k) => id(v, `${name}[${k}]`));
    }
    const rt = dataset.indexed.ratings;
    for (let k = 0; k < dataset.indexed.length; k++)
      if (!Number.isFinite(rt[k]!)) throw new InvalidArgumentError(`indexed.ratings[${k}]`, "a finite number", rt[k]);
    return;
  }
  dataset.interactions.forEach((r, k) => {
    id(r.userId, `interactions[${k}].userId`);
    id(r.itemId, `interactions[${k}].itemId`);
    if (typeof r.rating !== "number" || !Number.isFinite(r.rating)) throw new InvalidArgumentError(`interactions[${k}].rating`, "a finite number", r.rating);
  });
}
