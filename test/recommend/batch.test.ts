import { strict as assert } from "node:assert";
import { topNAllUsers } from "../../src/recommend/batch";
import { topNForUserIndex } from "../../src/recommend/single";
import { plantedWeights, randomTestWeights, testModel } from "../analysis/fixtures";
import { ratedItemsFromLists, ratedItemsOf, type RatedItems } from "../../src/model/rated-items";

function assertSameAsSingle(w: ReturnType<typeof randomTestWeights>, rated: RatedItems, n: number): void {
  const b = topNAllUsers(w, n, { exclude: rated });
  for (let u = 0; u < w.numUsers; u++) {
    const s = topNForUserIndex(w, u, n, ratedItemsOf(rated, u));
    assert.equal(b.counts[u], s.items.length, `user ${u} count`);
    assert.deepEqual(Array.from(b.items.subarray(u * n, u * n + s.items.length)), Array.from(s.items), `user ${u}`);
    // Same scoring function: equal to the bit.
    assert.deepEqual(Array.from(b.scores.subarray(u * n, u * n + s.items.length)), Array.from(s.scores), `user ${u} scores`);
  }
}

describe("batched recommendations", () => {
  it("equal the single-user path for every user, on random weights", () => {
    const w = randomTestWeights(150, 400, 16, 31);
    const model = testModel(w, 30);
    assertSameAsSingle(w, model.ratedItems, 10);
    assertSameAsSingle(w, model.ratedItems, 3);
  });

  it("equal the single-user path for every user on clustered weights, for n = 1, 10 and 50", () => {
    const groups = Array.from({ length: 200 }, (_, i) => i % 3);
    const items = Array.from({ length: 300 }, (_, i) => (i % 4 === 3 ? 1 : i % 4 === 2 ? 2 : i % 4));
    const w = plantedWeights(groups, items, 32, 6, 0.2);
    const model = testModel(w, 20);
    assertSameAsSingle(w, model.ratedItems, 10);
    assertSameAsSingle(w, model.ratedItems, 1);
    assertSameAsSingle(w, model.ratedItems, 50);
  });

  it("equal the single-user path across blocks of 256 users, with n above the number of items", () => {
    const w = randomTestWeights(600, 80, 8, 41);
    const model = testModel(w, 7);
    assertSameAsSingle(w, model.ratedItems, 10);
    assertSameAsSingle(w, model.ratedItems, 100);
  });

  it("pads with -1 and NaN when fewer items than n are left, and serves a subset of users", () => {
    const w = randomTestWeights(3, 5, 2, 1);
    const rated = ratedItemsFromLists([[0, 1], [], [0, 1, 2, 3, 4]]);
    const b = topNAllUsers(w, 4, { exclude: rated, users: [2, 0] });
    assert.deepEqual(Array.from(b.users), [2, 0]);
    assert.deepEqual(Array.from(b.counts), [0, 3]);
    assert.deepEqual(Array.from(b.items.subarray(0, 4)), [-1, -1, -1, -1]);
    assert.ok(Number.isNaN(b.scores[7]!));
    assert.equal(b.items[7], -1);
  });

  it("rejects bad input", () => {
    const w = randomTestWeights(2, 3, 2);
    assert.throws(() => topNAllUsers(w, 0), /Expected n to be an integer >= 1, but got 0/);
    assert.throws(() => topNAllUsers(w, 1, { exclude: [Int32Array.of(1)] as never }), /Expected options\.exclude to be rated items as CSR/);
    assert.throws(
      () => topNAllUsers(w, 1, { exclude: ratedItemsFromLists([[1]]) }),
      /Expected options\.exclude\.offsets to be an Int32Array of 3 offsets \(users \+ 1\), but got "length 2"/,
    );
    assert.throws(
      () => topNAllUsers(w, 1, { exclude: ratedItemsFromLists([[9], []]) }),
      /Expected options\.exclude of user index 0 \(items\[0\]\) to be an item index in \[0, 3\), but got 9/,
    );
    assert.throws(() => topNAllUsers(w, 1, { users: [5] }), /Expected options\.users\[0\] to be an integer between 0 and 1, but got 5/);
  });
});
