import { strict as assert } from "node:assert";
import { datasetFromObjects } from "../../src/data/dataset";
import { generateSyntheticDataset } from "../../src/data/generate";
import { fingerprintIndexed, fingerprintInteractions, indexedSplit, ratingValue } from "../../src/data/indexed";
import { DatasetBuilder, datasetFromRows } from "../../src/data/records";
import { perUserSplit, randomSplit, testFileSplit, unknownInValidation } from "../../src/data/split";
import type { Dataset } from "../../src/data/types";

const NAMES = { user: "user_id", item: "item_id", rating: "rating", timestamp: "timestamp", group: "user_group", category: "item_category" };

/** The columnar rows read back as objects through the maps. */
function columnarRows(ds: Dataset): { userId: string; itemId: string; rating: number }[] {
  const out = [];
  for (let r = 0; r < ds.indexed.length; r++) {
    out.push({ userId: ds.userIds.id(ds.indexed.users[r]!), itemId: ds.itemIds.id(ds.indexed.items[r]!), rating: ds.indexed.ratings[r]! });
  }
  return out;
}

describe("columnar Dataset", () => {
  it("datasetFromObjects: sorted maps over users and items, rows in order, timestamps kept", () => {
    const ds = datasetFromObjects({
      interactions: [
        { userId: "b", itemId: "y", rating: 4, timestamp: 7 },
        { userId: "a", itemId: "y", rating: 2 },
      ],
      users: [{ userId: "b" }, { userId: "a" }],
      items: [{ itemId: "y" }, { itemId: "x" }],
      source: "t",
    });
    assert.deepEqual(ds.userIds.toArray(), ["a", "b"]);
    assert.deepEqual(ds.itemIds.toArray(), ["x", "y"]);
    assert.deepEqual([...ds.indexed.users], [1, 0]);
    assert.deepEqual([...ds.indexed.items], [1, 1]);
    assert.deepEqual([...ds.indexed.ratings], [4, 2]);
    assert.deepEqual([...ds.indexed.timestamps!], [7, NaN]);
  });

  it("the builder's Dataset builds the same object views as the generator's records", () => {
    const gen = generateSyntheticDataset({ seed: 5 });
    const groupOf = new Map(gen.users.map((u) => [u.userId, u.group]));
    const catOf = new Map(gen.items.map((i) => [i.itemId, i.category]));
    const ds = datasetFromRows(
      gen.interactions.map((r, k) => ({
        line: k + 2,
        userId: r.userId,
        itemId: r.itemId,
        rating: String(r.rating),
        group: groupOf.get(r.userId),
        category: catOf.get(r.itemId),
      })),
      "x",
      NAMES,
    );
    assert.deepEqual(ds.interactions, gen.interactions);
    assert.deepEqual(ds.users, gen.users);
    assert.deepEqual(ds.items, gen.items);
    assert.deepEqual(ds.userIds.toArray(), gen.userIds.toArray());
    assert.deepEqual(columnarRows(ds), columnarRows(gen));
  });

  it("fingerprints the columnar rows as fingerprintInteractions does the objects", () => {
    const ds = datasetFromRows(
      [
        { line: 2, userId: "u", itemId: "i", rating: "3.3" },
        { line: 3, userId: "v", itemId: "i", rating: "4" },
      ],
      "x",
      NAMES,
    );
    assert.equal(fingerprintIndexed(ds.indexed, ds.userIds, ds.itemIds), fingerprintInteractions(ds.interactions));
    const gen = generateSyntheticDataset({ seed: 1 });
    assert.equal(fingerprintIndexed(gen.indexed, gen.userIds, gen.itemIds), fingerprintInteractions(gen.interactions));
  });

  it("gives a fractional rating back as written (the stored 32-bit float's shortest decimal)", () => {
    assert.equal(ratingValue(Math.fround(3.7)), 3.7);
    assert.equal(ratingValue(Math.fround(0.5)), 0.5);
    const ds = datasetFromRows([{ line: 2, userId: "u", itemId: "i", rating: "3.3" }], "x", NAMES);
    assert.deepEqual(ds.interactions, [{ userId: "u", itemId: "i", rating: 3.3 }]);
  });

  it("interns IDs: every row of a user shares one string", () => {
    const b = new DatasetBuilder("x", NAMES);
    b.add({ line: 2, userId: "user-with-a-long-name-1", itemId: "I1", rating: "3" });
    b.add({ line: 3, userId: "user-with-a-long-name-1", itemId: "I2", rating: "4" });
    const ds = b.finish();
    assert.equal(ds.userIds.size, 1);
    assert.equal(ds.interactions[0]!.userId, ds.interactions[1]!.userId);
  });

  it("names both lines of a duplicate pair, and reports it before a later bad line", () => {
    const rows = [
      { line: 2, userId: "U1", itemId: "I1", rating: "3" },
      { line: 4, userId: "U2", itemId: "I1", rating: "3" },
      { line: 5, userId: "U1", itemId: "I1", rating: "4" },
      { line: 6, userId: "U3", itemId: "I1", rating: "nine" },
    ];
    assert.throws(
      () => datasetFromRows(rows, "f.csv", NAMES),
      /^DataFormatError: f\.csv:5: duplicate \(user, item\) pair \("U1", "I1"\), first on line 2; each pair may be rated once$/,
    );
    assert.throws(() => datasetFromRows(rows.slice(0, 2).concat(rows.slice(3)), "f.csv", NAMES), /f\.csv:6 \(field rating\)/);
  });

  it("locates a refused row where the caller says (a table row, not a line)", () => {
    const b = new DatasetBuilder("db", NAMES, { locate: (r) => ({ source: `table t row (user_id=${r.userId}, item_id=${r.itemId})` }) });
    b.add({ line: 1, userId: "U1", itemId: "I1", rating: "3" });
    assert.throws(
      () => b.add({ line: 2, userId: "U1", itemId: "I2", rating: "99" }),
      /^DataFormatError: table t row \(user_id=U1, item_id=I2\) \(field rating\): expected a rating, a number between 1 and 5, but found "99"$/,
    );
  });

  it("refuses an ID longer than MAX_ID_LENGTH characters, counting code points", () => {
    const ok = "😀".repeat(255); // 510 UTF-16 units, 255 characters
    assert.equal(datasetFromRows([{ line: 2, userId: ok, itemId: "i", rating: "3" }], "x", NAMES).userIds.size, 1);
    assert.throws(
      () => datasetFromRows([{ line: 2, userId: "u", itemId: "x".repeat(256), rating: "3" }], "f", NAMES),
      /^DataFormatError: f:2 \(field item_id\): expected an item ID of at most 255 characters, but found one of 256 characters/,
    );
  });
});

describe("DatasetBuilder: interned rows, pre-sizing, reordering", () => {
  const gen = generateSyntheticDataset({ seed: 9 });
  const rowsOf = (ds: Dataset) => ({ users: [...ds.indexed.users], items: [...ds.indexed.items], ratings: [...ds.indexed.ratings] });
  const fromRows = (expectedRows?: number): Dataset => {
    const b = new DatasetBuilder("x", NAMES, expectedRows === undefined ? {} : { expectedRows });
    gen.interactions.forEach((r, k) => b.addFields(k + 2, r.userId, r.itemId, String(r.rating)));
    return b.finish();
  };

  it("gives the same Dataset whatever the row estimate: none, exact, far too low, far too high", () => {
    const n = gen.interactions.length;
    const plain = fromRows();
    for (const est of [n, 10, n * 3, n - 1]) {
      const ds = fromRows(est);
      assert.deepEqual(rowsOf(ds), rowsOf(plain), `estimate ${est}`);
      assert.equal(ds.indexed.users.length, n);
      assert.deepEqual(ds.userIds.toArray(), plain.userIds.toArray());
    }
  });

  it("hands over its arrays without a copy when nearly full, and copies to length when the estimate was high", () => {
    const n = gen.interactions.length;
    assert.equal(fromRows(n).indexed.users.buffer.byteLength, n * 4);
    assert.equal(fromRows(n + 10).indexed.users.buffer.byteLength, (n + 10) * 4); // kept, a view of the filled part
    assert.equal(fromRows(n * 3).indexed.users.buffer.byteLength, n * 4); // copied
  });

  it("addInterned: IDs interned first (kept without rows), numbers and texts checked by the file rules", () => {
    const b = new DatasetBuilder("db", NAMES, { ratingMin: 0.5, locate: (r) => ({ source: `t (${r.userId}, ${r.itemId})` }) });
    assert.equal(b.internUser("U2", "g2"), 0);
    assert.equal(b.internUser("U1"), 1);
    assert.equal(b.internUser("U1"), -1);
    assert.equal(b.internUser("U3"), 2); // no ratings: still a user of the Dataset
    assert.equal(b.internItem("I1", "c"), 0);
    assert.equal(b.userIndexOf("U1"), 1);
    assert.equal(b.userIndexOf("U9"), undefined);
    b.addInterned(1, 1, 0, 4.5, 7);
    b.addInterned(2, 0, 0, "3.0", null);
    assert.throws(
      () => b.addInterned(3, 2, 0, 99),
      /^DataFormatError: t \(U3, I1\) \(field rating\): expected a rating, a number between 0\.5 and 5, but found "99"$/,
    );
    assert.throws(() => b.addInterned(3, 2, 0, Number.NaN), /found "NaN"$/);
    assert.throws(() => b.addInterned(3, 2, 0, "4", -1), /\(field timestamp\): expected a timestamp, a non-negative integer \(seconds\), but found "-1"$/);
    assert.throws(() => b.addInterned(3, 2, 0, 4, 1.5), /found "1\.5"$/);
    const ds = b.finish();
    assert.deepEqual(ds.interactions, [
      { userId: "U1", itemId: "I1", rating: 4.5, timestamp: 7 },
      { userId: "U2", itemId: "I1", rating: 3 },
    ]);
    assert.deepEqual(ds.users, [{ userId: "U1" }, { userId: "U2", group: "g2" }, { userId: "U3" }]);
    assert.deepEqual(ds.items, [{ itemId: "I1", category: "c" }]);
  });

  it("reorder puts rows in the given order, and a duplicate is then named in that order, in the caller's words", () => {
    const b = new DatasetBuilder("db", NAMES, { locate: (r) => ({ source: `t (${r.userId}, ${r.itemId})` }), duplicateFirst: () => "held twice" });
    const u = b.internUser("U1"),
      i1 = b.internItem("I1"),
      i2 = b.internItem("I2");
    b.addInterned(1, u, i1, 1, 10);
    b.addInterned(2, u, i2, 2);
    b.addInterned(3, u, i1, 3, 30);
    b.reorder(new Uint32Array([1, 2, 0]));
    assert.deepEqual(b.rowsView().items, new Int32Array([i2, i1, i1]));
    assert.throws(() => b.finish(), /^DataFormatError: t \(U1, I1\): duplicate \(user, item\) pair \("U1", "I1"\), held twice; each pair may be rated once$/);
    const c = new DatasetBuilder("db", NAMES);
    c.internUser("U1");
    c.internItem("I1");
    c.internItem("I2");
    c.addInterned(1, 0, 0, 1, 10);
    c.addInterned(2, 0, 1, 2);
    c.reorder(new Uint32Array([1, 0]));
    const ds = c.finish();
    assert.deepEqual(ds.interactions, [
      { userId: "U1", itemId: "I2", rating: 2 },
      { userId: "U1", itemId: "I1", rating: 1, timestamp: 10 },
    ]);
    assert.throws(() => new DatasetBuilder("x", NAMES).reorder(new Uint32Array(1)), /reorder by 1 positions for 0 rows/);
  });
});

describe("splits of a columnar Dataset", () => {
  const ds = generateSyntheticDataset({ seed: 2, interactionsPerUser: { min: 1, max: 30 } });

  it("randomSplit and perUserSplit give the same rows from the Dataset as from its interactions", () => {
    for (const split of [randomSplit, perUserSplit]) {
      const a = split(ds, { seed: 7 }),
        b = split(ds.interactions, { seed: 7 });
      assert.deepEqual(a.train, b.train);
      assert.deepEqual(a.validation, b.validation);
      const ib = indexedSplit(ds, b);
      assert.deepEqual(a.trainIndexed, ib.train);
      assert.deepEqual(a.validationIndexed, ib.validation);
      assert.deepEqual(unknownInValidation(a, ds), unknownInValidation(b));
    }
  });

  it("testFileSplit keeps the test rows the dataset knows and names the others", () => {
    const train = datasetFromObjects({
      interactions: [
        { userId: "a", itemId: "x", rating: 3 },
        { userId: "b", itemId: "y", rating: 4 },
      ],
      users: [],
      items: [],
      source: "tr",
    });
    const test = datasetFromObjects({
      interactions: [
        { userId: "a", itemId: "y", rating: 5 },
        { userId: "c", itemId: "x", rating: 1 },
        { userId: "a", itemId: "z", rating: 2 },
      ],
      users: [],
      items: [],
      source: "te",
    });
    const { split, unknown, testRows } = testFileSplit(train, test);
    assert.equal(testRows, 3);
    assert.deepEqual(unknown, { rows: 2, users: ["c"], items: ["z"] });
    assert.deepEqual([...split.validationIndexed!.users], [train.userIds.index("a")]);
    assert.deepEqual([...split.validationIndexed!.items], [train.itemIds.index("y")]);
    assert.equal(split.validation.length, 3);
    assert.deepEqual(unknown, unknownInValidation({ train: train.interactions, validation: test.interactions }));
  });
});
