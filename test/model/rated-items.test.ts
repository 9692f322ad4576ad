import { strict as assert } from "node:assert";
import {
  withRatedRows,
  checkRatedItems,
  checkRatedItemsShape,
  hasRated,
  ratedItemsFromLists,
  ratedItemsFromRows,
  ratedItemsOf,
  ratedItemsToLists,
  ratedUserCount,
} from "../../src/model/rated-items";
import { createRng } from "../../src/random";

/** The previous representation, built the previous way: one sorted, de-duplicated Int32Array per user. */
function listsTheOldWay(users: Int32Array, items: Int32Array, numUsers: number): Int32Array[] {
  const lists: number[][] = Array.from({ length: numUsers }, () => []);
  users.forEach((u, k) => lists[u]!.push(items[k]!));
  return lists.map((l) => Int32Array.from(new Set(l)).sort());
}

describe("rated items as CSR", () => {
  it("hold the same sorted, unique rows as one list per user, on seeded random rows with duplicates", () => {
    const rng = createRng(5);
    for (const [numUsers, numItems, rows] of [
      [1, 1, 0],
      [7, 5, 40],
      [300, 90, 5000],
      [50, 2000, 3000],
    ] as const) {
      const users = Int32Array.from({ length: rows }, () => rng.int(numUsers));
      const items = Int32Array.from({ length: rows }, () => rng.int(numItems));
      const csr = ratedItemsFromRows(users, items, numUsers);
      const old = listsTheOldWay(users, items, numUsers);
      assert.equal(ratedUserCount(csr), numUsers);
      assert.deepEqual(ratedItemsToLists(csr), old);
      checkRatedItems(csr, numUsers, numItems);
      for (let u = 0; u < numUsers; u++) {
        for (let i = 0; i < numItems; i += 7) assert.equal(hasRated(csr, u, i), old[u]!.includes(i), `user ${u} item ${i}`);
      }
      assert.equal(
        csr.items.length,
        old.reduce((s, l) => s + l.length, 0),
      );
    }
  });

  it("reads only the first `length` rows, and rows are views into one array", () => {
    const csr = ratedItemsFromRows(Int32Array.of(1, 1, 0, 1, 0), Int32Array.of(3, 2, 5, 3, 9), 3, 4);
    assert.deepEqual(
      ratedItemsToLists(csr).map((l) => [...l]),
      [[5], [2, 3], []],
    );
    assert.deepEqual([...csr.offsets], [0, 1, 3, 3]);
    assert.equal(ratedItemsOf(csr, 1).buffer, csr.items.buffer);
    assert.deepEqual(
      ratedItemsToLists(ratedItemsFromLists([[4, 1, 4], [], [0]])).map((l) => [...l]),
      [[1, 4], [], [0]],
    );
  });

  it("reject a wrong shape and wrong contents, naming the user and position", () => {
    const ok = ratedItemsFromLists([[0, 2], [1]]);
    assert.throws(() => checkRatedItemsShape([Int32Array.of(1)], 1), /Expected ratedItems to be rated items as CSR/);
    assert.throws(() => checkRatedItemsShape(ok, 3), /Expected ratedItems\.offsets to be an Int32Array of 4 offsets \(users \+ 1\), but got "length 3"/);
    assert.throws(
      () => checkRatedItemsShape({ offsets: Int32Array.of(0, 1, 2), items: ok.items }, 2),
      /Expected ratedItems\.offsets to be offsets from 0 to items\.length \(3\)/,
    );
    assert.throws(
      () => checkRatedItems({ offsets: Int32Array.of(0, 2, 1, 3), items: Int32Array.of(0, 1, 2) }, 3, 3),
      /Expected ratedItems\.offsets\[2\] to be an offset >= offsets\[1\] \(2\), but got 1/,
    );
    assert.throws(
      () => checkRatedItems(ok, 2, 2, "model.ratedItems"),
      /Expected model\.ratedItems of user index 0 \(items\[1\]\) to be an item index in \[0, 2\), but got 2/,
    );
    assert.throws(
      () => checkRatedItems({ offsets: Int32Array.of(0, 2), items: Int32Array.of(1, 1) }, 1, 3),
      /of user index 0 \(items\[1\]\) to be an index above the previous one \(1\)/,
    );
  });

  it("adds rows to a user's rated items (the union: sorted, unique; unknown rows skipped)", () => {
    const rated = ratedItemsFromRows(Int32Array.of(0, 0, 2), Int32Array.of(3, 1, 0), 3);
    const all = withRatedRows(rated, Int32Array.of(0, 1, 2, -1, 0), Int32Array.of(2, 4, 0, 1, -1));
    assert.deepEqual(Array.from(all.offsets), [0, 3, 4, 5]);
    assert.deepEqual(Array.from(all.items), [1, 2, 3, 4, 0]);
    assert.deepEqual(Array.from(rated.items), [1, 3, 0], "the input is not changed");
    assert.throws(() => withRatedRows(rated, Int32Array.of(3), Int32Array.of(0)), /Expected users\[0\] to be a user index in \[0, 3\), but got 3/);
  });
});
