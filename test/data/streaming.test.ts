/** The streaming readers on files split across reads at every awkward place, and the bad inputs of issue 12 (6, 9, 3). */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import { readInteractionsCsv } from "../../src/data/csv";
import { readMovieLens } from "../../src/data/movielens";
import { loadDataFromOptions } from "../../src/cli/data-options";
import { DataFormatError, StorageError } from "../../src/errors";
import type { Dataset } from "../../src/data/types";
import { useTempDir } from "../tmpdir";

const view = (ds: Dataset): unknown => ({ interactions: ds.interactions, users: ds.users, items: ds.items });

/** Every chunk size from 1 byte to the whole file (so every byte offset is a read boundary at least once). */
function chunkSizes(bytes: number): number[] {
  const out: number[] = [];
  for (let c = 1; c <= bytes + 1; c++) out.push(c);
  return out;
}

async function messageOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  return "(no error)";
}

describe("streaming readers, split across reads", () => {
  const tmp = useTempDir("ewb-stream-");

  // Quoted fields with commas, doubled quotes and a line break (in an ignored column), multi-byte characters
  // (2, 3 and 4 bytes), CRLF line ends, a byte-order mark, blank lines and no final line break.
  const TRICKY =
    "\uFEFFuser_id,item_id,rating,note,timestamp\r\n" +
    'U1,"I,1",4.5,"said ""hi""",881250949\r\n' +
    "\r\n" +
    '用户😀,é-ü,3,"two\r\nlines",1\r\n' +
    '"U 2",I😀,1,,\r\n' +
    'U1,用户,5,"",7';
  const EXPECTED = [
    { userId: "U1", itemId: "I,1", rating: 4.5, timestamp: 881250949 },
    { userId: "用户😀", itemId: "é-ü", rating: 3, timestamp: 1 },
    { userId: "U 2", itemId: "I😀", rating: 1 },
    { userId: "U1", itemId: "用户", rating: 5, timestamp: 7 },
  ];

  it("gives the same records for every chunk size (inside quotes, inside a UTF-8 character, between CR and LF)", async () => {
    const p = await tmp.write("tricky.csv", TRICKY);
    const whole = await readInteractionsCsv(p);
    assert.deepEqual(whole.interactions, EXPECTED);
    const bytes = Buffer.byteLength(TRICKY);
    for (const chunkSize of chunkSizes(bytes)) {
      assert.deepEqual(view(await readInteractionsCsv(p, { chunkSize })), view(whole), `chunk size ${chunkSize}`);
    }
  });

  it("gives the same located error for every chunk size, with lines counted after a multi-line quoted field", async () => {
    const text = 'user_id,item_id,rating,note\nU1,I1,3,"a\nb\nc"\nU2,I2,3,x\nU3,I3,nine,y\n';
    const p = await tmp.write("late.csv", text);
    const expected = `${p}:6 (field rating): expected a rating, a number between 1 and 5, but found "nine"`;
    for (const chunkSize of chunkSizes(Buffer.byteLength(text))) {
      assert.equal(await messageOf(readInteractionsCsv(p, { chunkSize })), expected, `chunk size ${chunkSize}`);
    }
  });

  it("reports a duplicate pair before a later bad line, whatever the chunk size", async () => {
    const text = "user_id,item_id,rating\nU1,I1,3\nU1,I1,4\nU2,I2,3,extra\n";
    const p = await tmp.write("dup.csv", text);
    for (const chunkSize of [1, 3, 7, 64]) {
      assert.equal(
        await messageOf(readInteractionsCsv(p, { chunkSize })),
        `${p}:3: duplicate (user, item) pair ("U1", "I1"), first on line 2; each pair may be rated once`,
      );
    }
  });

  it("reads u.data and ratings.csv the same for every chunk size", async () => {
    const udata = "196\t242\t3\t881250949\r\n186\t302\t3\t891717742\r\n22\t377\t1\n";
    const p = await tmp.write("u.data", udata);
    const whole = await readMovieLens(p);
    assert.equal(whole.indexed.length, 3);
    for (const chunkSize of chunkSizes(udata.length)) assert.deepEqual(view(await readMovieLens(p, "auto", { chunkSize })), view(whole));
    const csv = "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,4.5,964981247\n";
    const q = await tmp.write("ratings.csv", csv);
    const w2 = await readMovieLens(q);
    for (const chunkSize of chunkSizes(csv.length)) assert.deepEqual(view(await readMovieLens(q, "auto", { chunkSize })), view(w2));
  });
});

describe("bad input (issue 12)", () => {
  const tmp = useTempDir("ewb-bad-");
  const bytes = async (name: string, data: Buffer): Promise<string> => {
    const p = tmp.join(name);
    await fs.writeFile(p, data);
    return p;
  };

  it("12.6: refuses bytes that are not UTF-8 with file and line, instead of merging U\\xff1 and U\\xfe1", async () => {
    const data = Buffer.concat([
      Buffer.from("user_id,item_id,rating\nU1,I1,3\nU"),
      Buffer.from([0xff]),
      Buffer.from("1,I1,3\nU"),
      Buffer.from([0xfe]),
      Buffer.from("1,I2,3\n"),
    ]);
    const p = await bytes("latin.csv", data);
    for (const chunkSize of [1, 2, 5, 1 << 20]) {
      const m = await messageOf(readInteractionsCsv(p, { chunkSize }));
      assert.equal(m, `${p}:3: expected UTF-8 text, but found a byte that is not UTF-8 (\\xff); re-encode the file as UTF-8`, `chunk ${chunkSize}`);
    }
    const ml = await bytes("latin.data", Buffer.concat([Buffer.from("1\t2\t3\t4\n"), Buffer.from([0x55, 0xfe, 0x31]), Buffer.from("\t2\t3\t4\n")]));
    assert.match(await messageOf(readMovieLens(ml)), /latin\.data:2: expected UTF-8 text, but found a byte that is not UTF-8 \(\\xfe\)/);
  });

  it("12.6: refuses a truncated multi-byte character at the end of the file and an overlong encoding", async () => {
    const p = await bytes("trunc.csv", Buffer.concat([Buffer.from("user_id,item_id,rating\nU1,I1,3\nU"), Buffer.from([0xe2, 0x82])]));
    assert.equal(await messageOf(readInteractionsCsv(p, { chunkSize: 4 })), `${p}:3: expected UTF-8 text, but the file ends inside a multi-byte character`);
    const q = await bytes("overlong.csv", Buffer.concat([Buffer.from("user_id,item_id,rating\nU"), Buffer.from([0xc0, 0xaf]), Buffer.from(",I1,3\n")]));
    assert.match(await messageOf(readInteractionsCsv(q)), /overlong\.csv:2: expected UTF-8 text/);
  });

  it("12.6: caps ID length at MAX_ID_LENGTH characters in CSV and MovieLens files, naming line and field", async () => {
    const p = await tmp.write("long.csv", `user_id,item_id,rating\nU1,I1,3\nU2,${"x".repeat(256)},3\n`);
    assert.match(
      await messageOf(readInteractionsCsv(p)),
      /long\.csv:3 \(field item_id\): expected an item ID of at most 255 characters, but found one of 256 characters/,
    );
    const q = await tmp.write("long.data", `${"9".repeat(300)}\t1\t3\t4\n`);
    assert.match(await messageOf(readMovieLens(q)), /long\.data:1 \(field user\): expected a user ID of at most 255 characters, but found one of 300/);
    const ok = await tmp.write("ok.csv", `user_id,item_id,rating\n${"é".repeat(255)},I1,3\n`);
    assert.equal((await readInteractionsCsv(ok)).userIds.id(0).length, 255);
  });

  it("12.9: a leading blank line in u.data is skipped, not 'file is empty'", async () => {
    const p = await tmp.write("blank-first.data", "\n\n196\t242\t3\t881250949\n");
    const ds = await readMovieLens(p);
    assert.deepEqual(ds.interactions, [{ userId: "196", itemId: "242", rating: 3, timestamp: 881250949 }]);
    const q = await tmp.write("blank-then-bad.data", "\n196\t242\tx\t881250949\n");
    assert.match(await messageOf(readMovieLens(q)), /blank-then-bad\.data:2 \(field rating\)/);
  });

  it("12.9: binary input gives one short message", async () => {
    const junk = Buffer.alloc(4096);
    for (let k = 0; k < junk.length; k++) junk[k] = (k * 7919 + 13) % 256;
    const p = await bytes("model.bin", junk);
    const m1 = await messageOf(readInteractionsCsv(p));
    assert.equal(m1, `${p}:1: expected text, but found a NUL byte: this looks like a binary file`);
    const m2 = await messageOf(readMovieLens(p));
    assert.ok(m2.length < 200 && /binary|UTF-8|MovieLens layout/.test(m2), m2);
    const noNul = Buffer.from(junk.map((b) => (b === 0 ? 1 : b)));
    const m3 = await messageOf(readInteractionsCsv(await bytes("noise.bin", noNul)));
    assert.ok(m3.length < 200 && /expected UTF-8 text/.test(m3), m3);
  });

  it("12.3: a FIFO given as --format movielens --data is refused at once, not read (it would hang)", async function () {
    const fifo = tmp.join("ratings.fifo");
    try {
      execFileSync("mkfifo", [fifo]);
    } catch {
      this.skip();
    }
    const started = Date.now();
    await assert.rejects(readMovieLens(fifo), (e: unknown) => e instanceof StorageError && /expected a regular file, but found a FIFO/.test(e.message));
    await assert.rejects(loadDataFromOptions({ data: fifo, format: "movielens" }), /expected a regular file, but found a FIFO/);
    await assert.rejects(readInteractionsCsv(fifo), /expected a regular file, but found a FIFO/);
    await assert.rejects(readMovieLens("/dev/zero"), /expected a regular file, but found a device/);
    assert.ok(Date.now() - started < 5000);
  });

  it("refuses a record longer than the cap (an unclosed quote in a large file) instead of buffering the file", async () => {
    const p = await tmp.write("open.csv", `user_id,item_id,rating\n"U1,I1,3\n${"U2,I2,3\n".repeat(200000)}`);
    assert.match(
      await messageOf(readInteractionsCsv(p, { chunkSize: 65536 })),
      /open\.csv:2: expected a record of at most 1048576 characters, but the one starting here is longer \(a quote that is never closed\?\)/,
    );
  });

  it("errors are DataFormatErrors with a location", async () => {
    const p = await tmp.write("loc.csv", "user_id,item_id,rating\nU1,,3\n");
    await assert.rejects(readInteractionsCsv(p), (e: unknown) => e instanceof DataFormatError && e.location.line === 2 && e.location.field === "item_id");
  });
});

describe("row estimate from the file size (the readers' arrays sized once)", () => {
  const tmp = useTempDir("ewb-est-");

  it("is exact for a small file and within a few percent for a large one whose lines grow longer", async () => {
    const { estimateLines } = require("../../src/data/delimited") as typeof import("../../src/data/delimited");
    const { open } = fs;
    const small = tmp.join("s.csv");
    await fs.writeFile(small, "user_id,item_id,rating\nU1,I1,3\nU2,I1,4\n");
    let fh = await open(small);
    assert.equal(await estimateLines(fh, (await fh.stat()).size), 4); // 3 lines and the empty one after the last break
    await fh.close();
    const big = tmp.join("b.csv");
    let text = "userId,movieId,rating,timestamp\n";
    const lines = 200_000;
    for (let k = 1; k < lines; k++) text += `${k},${(k * 7919) % 60000},${1 + (k % 5)},${1_000_000_000 + k}\n`; // IDs 1..199999: longer later
    await fs.writeFile(big, text);
    fh = await open(big);
    const est = await estimateLines(fh, (await fh.stat()).size);
    await fh.close();
    assert.ok(Math.abs(est - lines) / lines < 0.05, `estimate ${est} for ${lines} lines`);
    const ds = await readMovieLens(big);
    assert.equal(ds.indexed.length, lines - 1);
    assert.ok(ds.indexed.users.buffer.byteLength / 4 <= lines * 1.1, `arrays of ${ds.indexed.users.buffer.byteLength / 4} rows`);
  });
});
