import { strict as assert } from "node:assert";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { formatInteractionsCsv, readInteractionsCsv, writeInteractionsCsv } from "../../src/data/csv";
import { generateSyntheticDataset } from "../../src/data/generate";
import { DataFormatError, InvalidArgumentError, StorageError } from "../../src/errors";
import type { DatasetObjects } from "../../src/data/types";
import { useTempDir } from "../tmpdir";

describe("interactions CSV", () => {
  const tmp = useTempDir("ewb-csv-");
  const file = tmp.write;
  const rejects = async (name: string, text: string, re: RegExp): Promise<void> => {
    const p = await file(name, text);
    await assert.rejects(readInteractionsCsv(p), (e: unknown) => {
      assert.ok(e instanceof DataFormatError, `got ${String(e)}`);
      assert.match(e.message, re);
      assert.equal(e.location.source, p);
      return true;
    });
  };

  it("round-trips the synthetic dataset to identical records, ground truth included", async () => {
    const ds = generateSyntheticDataset({ seed: 3 });
    const p = tmp.join("syn.csv");
    const w = await writeInteractionsCsv(p, ds);
    assert.equal(w.rows, ds.interactions.length);
    const back = await readInteractionsCsv(p);
    assert.deepEqual(back.interactions, ds.interactions);
    assert.deepEqual(back.users, ds.users);
    assert.deepEqual(back.items, ds.items);
    assert.equal(back.source, p);
    const head = (await fs.readFile(p, "utf8")).split("\n")[0];
    assert.equal(head, "user_id,item_id,rating,user_group,item_category");
  });

  it("writes the same bytes for the same seed and different bytes for another", () => {
    const a = formatInteractionsCsv(generateSyntheticDataset({ seed: 8 }));
    const b = formatInteractionsCsv(generateSyntheticDataset({ seed: 8 }));
    const c = formatInteractionsCsv(generateSyntheticDataset({ seed: 9 }));
    assert.equal(a, b);
    assert.notEqual(a, c);
  });

  it("round-trips unicode IDs, IDs with commas, quotes and edge spaces, and numeric-looking IDs as strings", async () => {
    const ids = ["é-ü", "用户😀", "a,b", 'say "hi"', '"', " padded ", "007", "1e3", "1"];
    const ds: DatasetObjects = {
      interactions: ids.map((u, k) => ({ userId: u, itemId: ids[(k + 1) % ids.length]!, rating: [1, 2.5, 3, 4.5, 5][k % 5]! })),
      users: [...ids].sort().map((userId) => ({ userId })),
      items: [...ids].sort().map((itemId) => ({ itemId })),
      source: "test",
    };
    const p = tmp.join("odd.csv");
    await writeInteractionsCsv(p, ds);
    const back = await readInteractionsCsv(p);
    assert.deepEqual(back.interactions, ds.interactions);
    assert.deepEqual(back.users, ds.users);
    for (const r of back.interactions) assert.equal(typeof r.userId, "string");
  });

  it("keeps all-numeric-looking ID columns as written (danfojs would infer numbers: 007 -> 7, 1e3 -> 1000)", async () => {
    const ds: DatasetObjects = {
      interactions: [
        { userId: "007", itemId: "1.50", rating: 4.5 },
        { userId: "1e3", itemId: "2", rating: 3 },
      ],
      users: [],
      items: [],
      source: "x",
    };
    assert.equal(formatInteractionsCsv(ds), "user_id,item_id,rating\n007,1.50,4.5\n1e3,2,3\n");
    const p = tmp.join("numeric.csv");
    await writeInteractionsCsv(p, ds);
    assert.deepEqual((await readInteractionsCsv(p)).interactions, ds.interactions);
  });

  it("reads columns in any order, timestamps and fractional ratings, skips blank lines and a byte-order mark", async () => {
    const p = await file("order.csv", "\uFEFFrating,extra,item_id,user_id,timestamp\r\n4.5,x,I2,U1,881250949\r\n\r\n1,y,I1,U1,\r\n");
    const ds = await readInteractionsCsv(p);
    assert.deepEqual(ds.interactions, [
      { userId: "U1", itemId: "I2", rating: 4.5, timestamp: 881250949 },
      { userId: "U1", itemId: "I1", rating: 1 },
    ]);
    assert.deepEqual(ds.items, [{ itemId: "I1" }, { itemId: "I2" }]);
  });

  it("writes atomically: no temp file remains and a failed write leaves the old file untouched", async () => {
    const p = tmp.join("atomic", "out.csv");
    await writeInteractionsCsv(p, generateSyntheticDataset({ seed: 1, interactionsPerUser: { min: 1, max: 1 } }));
    const before = await fs.readFile(p, "utf8");
    const bad = {
      interactions: [
        { userId: "U1", itemId: "I1", rating: 3 },
        { userId: "U2", itemId: "I1", rating: 9 },
      ],
      users: [],
      items: [],
      source: "x",
    };
    assert.throws(() => formatInteractionsCsv(bad), /Expected interactions\[1\]\.rating to be a number between 1 and 5, but got 9/);
    await assert.rejects(writeInteractionsCsv(p, bad), InvalidArgumentError);
    assert.equal(await fs.readFile(p, "utf8"), before);
    assert.deepEqual(await fs.readdir(path.dirname(p)), ["out.csv"]);
  });

  it("refuses to write an ID with a line break", () => {
    const ds = { interactions: [{ userId: "a\nb", itemId: "I1", rating: 3 }], users: [], items: [], source: "x" };
    assert.throws(() => formatInteractionsCsv(ds), /Expected interactions\[0\]\.userId to be a non-empty ID without line breaks, but got "a\\nb"/);
  });

  it("rejects an empty file", () => rejects("empty.csv", "", /empty\.csv:1: expected a header line naming user_id,item_id,rating, but the file is empty/));

  it("rejects a header without rows", () =>
    rejects("hdr.csv", "user_id,item_id,rating\n", /hdr\.csv:2: expected at least one interaction after the header, but found none/));

  it("rejects a missing column, naming it and the header found", () =>
    rejects(
      "miss.csv",
      "user_id,item_id,score\nU1,I1,3\n",
      /miss\.csv:1 \(field rating\): expected a header with column "rating" \(needs user_id,item_id,rating\), but found "user_id,item_id,score"/,
    ));

  it("rejects a row with the wrong number of fields", () =>
    rejects("count.csv", "user_id,item_id,rating\nU1,I1,3\nU2,I2\n", /count\.csv:3: expected 3 fields \(user_id,item_id,rating\), but found 2/));

  it("rejects a non-numeric rating", () =>
    rejects(
      "nan.csv",
      "user_id,item_id,rating\nU1,I1,3\nU1,I2,four\n",
      /nan\.csv:3 \(field rating\): expected a rating, a number between 1 and 5, but found "four"/,
    ));

  it("rejects an out-of-range rating", () =>
    rejects("range.csv", "user_id,item_id,rating\nU1,I1,0\n", /range\.csv:2 \(field rating\): expected a rating, a number between 1 and 5, but found "0"/));

  it("rejects an empty rating", () =>
    rejects("blank.csv", "user_id,item_id,rating\nU1,I1,\n", /blank\.csv:2 \(field rating\): expected a rating, a number between 1 and 5, but found ""/));

  it("rejects an empty ID", () =>
    rejects("id.csv", "user_id,item_id,rating\nU1,I1,3\n,I1,3\n", /id\.csv:3 \(field user_id\): expected a non-empty user ID, but found an empty field/));

  it("rejects duplicate (user, item) pairs, naming both lines", () =>
    rejects(
      "dup.csv",
      "user_id,item_id,rating\nU1,I1,3\nU2,I1,3\nU1,I1,4\n",
      /dup\.csv:4: duplicate \(user, item\) pair \("U1", "I1"\), first on line 2; each pair may be rated once/,
    ));

  it("rejects a non-integer timestamp", () =>
    rejects(
      "ts.csv",
      "user_id,item_id,rating,timestamp\nU1,I1,3,yesterday\n",
      /ts\.csv:2 \(field timestamp\): expected a timestamp, a non-negative integer \(seconds\), but found "yesterday"/,
    ));

  it("rejects a user whose group changes between rows", () =>
    rejects(
      "grp.csv",
      "user_id,item_id,rating,user_group,item_category\nU1,I1,3,tech,tech\nU1,I2,3,sports,tech\n",
      /grp\.csv:3 \(field user_group\): expected user "U1" to keep "tech" \(line 2\), but found "sports"/,
    ));

  it("rejects an ID with a line break inside quotes (it would make later line numbers wrong)", () =>
    rejects(
      "nl.csv",
      'user_id,item_id,rating\nU1,I1,3\n"U\n2",I1,3\n',
      /nl\.csv:3 \(field user_id\): expected a user ID without line breaks, but found "U\\n2"/,
    ));

  it("rejects an unterminated quote", () =>
    rejects(
      "quote.csv",
      'user_id,item_id,rating\n"U1,I1,3\n',
      /quote\.csv:2: expected comma-separated text, but a quoted field opened on line 2 is never closed/,
    ));

  it("reports a missing file as a StorageError naming the path", async () => {
    const p = tmp.join("nope.csv");
    await assert.rejects(readInteractionsCsv(p), (e: unknown) => e instanceof StorageError && /Cannot read .*nope\.csv: no such file/.test(e.message));
  });
});
