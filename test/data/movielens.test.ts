import { strict as assert } from "node:assert";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { readMovieLens } from "../../src/data/movielens";
import { DataFormatError } from "../../src/errors";
import { ML100K } from "../ml100k";
import { useTempDir } from "../tmpdir";

describe("readMovieLens", () => {
  const tmp = useTempDir("ewb-ml-");
  const file = tmp.write;

  it("reads u.data-style tab-separated rows with string IDs and timestamps", async () => {
    const p = await file("u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n196\t1\t5\t881250950\n");
    const ds = await readMovieLens(p);
    assert.deepEqual(ds.interactions[0], { userId: "196", itemId: "242", rating: 3, timestamp: 881250949 });
    assert.equal(ds.interactions.length, 4);
    assert.deepEqual(
      ds.users.map((u) => u.userId),
      ["186", "196", "22"],
    );
    assert.deepEqual(
      ds.items.map((i) => i.itemId),
      ["1", "242", "302", "377"],
    );
    for (const u of ds.users) assert.equal(u.group, undefined);
  });

  it("reads ratings.csv-style files with a header and half-star ratings", async () => {
    const p = await file("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,4.5,964981247\n2,1,0.5,964982224\n");
    const ds = await readMovieLens(p);
    assert.deepEqual(
      ds.interactions.map((r) => r.rating),
      [4, 4.5, 0.5],
    );
    assert.deepEqual(ds.interactions[1], { userId: "1", itemId: "3", rating: 4.5, timestamp: 964981247 });
  });

  it("rejects a rating off MovieLens' 0.5-5 scale", async () => {
    const p = await file("bad.csv", "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,5.5,964981247\n");
    await assert.rejects(readMovieLens(p), /bad\.csv:3 \(field rating\): expected a rating, a number between 0\.5 and 5, but found "5\.5"/);
  });

  it("chooses the layout when told to", async () => {
    const p = await file("explicit.tsv", "1\t2\t3\t4\n");
    assert.equal((await readMovieLens(p, "u.data")).interactions.length, 1);
    await assert.rejects(
      readMovieLens(p, "ratings.csv"),
      /explicit\.tsv:1: expected a header starting userId,movieId,rating,timestamp, but found "1\\t2\\t3\\t4"/,
    );
  });

  it("rejects a row with a missing field, naming the line", async () => {
    const p = await file("short.data", "1\t2\t3\t4\n5\t6\n");
    await assert.rejects(
      readMovieLens(p),
      (e: unknown) =>
        e instanceof DataFormatError && /short\.data:2: expected 4 tab-separated fields \(user item rating timestamp\), but found 2/.test(e.message),
    );
  });

  it("rejects duplicate ratings of one movie by one user, naming both lines", async () => {
    const p = await file("dup.data", "1\t2\t3\t4\n1\t3\t3\t4\n1\t2\t5\t9\n");
    await assert.rejects(readMovieLens(p), /dup\.data:3: duplicate \(user, item\) pair \("1", "2"\), first on line 1/);
  });

  it("rejects a file in neither layout and an empty file", async () => {
    await assert.rejects(readMovieLens(await file("odd.txt", "a;b;c\n")), /odd\.txt:1: expected a MovieLens layout/);
    await assert.rejects(readMovieLens(await file("empty.data", "")), /empty\.data:1: expected MovieLens ratings, but the file is empty/);
  });

  it("reads the local ml-100k u.data when present (100,000 ratings, 943 users, 1682 items)", async function () {
    const p = path.join(ML100K, "u.data");
    try {
      await fs.access(p);
    } catch {
      this.skip();
    }
    const ds = await readMovieLens(p);
    assert.equal(ds.interactions.length, 100000);
    assert.equal(ds.users.length, 943);
    assert.equal(ds.items.length, 1682);
  });
});
