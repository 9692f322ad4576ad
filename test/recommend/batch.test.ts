import { strict as assert } from "node:assert";
import { biasOnlyOrder, forEachTopNBlock, topNAllUsers } from "../../src/recommend/batch";
import { ItemScorer } from "../../src/recommend/scorer";
import { createRng } from "../../src/random";
import type { MfWeights } from "../../src/model/types";
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

  describe("bias-only weights (all factors zero): the global order instead of scoring every item", () => {
    /** The scorer's own answer for every user (the kernel path, which the shortcut must reproduce to the bit). */
    function viaScorer(w: MfWeights, n: number, rated: RatedItems, users: Int32Array) {
      const items = new Int32Array(users.length * n).fill(-1),
        scores = new Float64Array(users.length * n).fill(NaN),
        counts = new Int32Array(users.length);
      new ItemScorer(w).topNMany(w.userFactors, w.userBias, users, n, rated, items, scores, counts);
      return { n, users, items, scores, counts };
    }
    function biasOnly(
      numUsers: number,
      numItems: number,
      seed: number,
      bias: (rng: ReturnType<typeof createRng>) => number,
      userBias = bias,
      g = 3.5,
    ): MfWeights {
      const rng = createRng(seed);
      return {
        dim: 1,
        numUsers,
        numItems,
        userFactors: new Float32Array(numUsers),
        itemFactors: new Float32Array(numItems),
        userBias: Float32Array.from({ length: numUsers }, () => userBias(rng)),
        itemBias: Float32Array.from({ length: numItems }, () => bias(rng)),
        globalBias: g,
      };
    }
    const cases: [string, MfWeights][] = [
      ["random biases", biasOnly(300, 500, 1, (r) => r.normal())],
      // Popularity: integer counts, so many exact ties (to the lower index).
      [
        "tied integer biases (popularity counts)",
        biasOnly(
          200,
          400,
          2,
          (r) => r.int(6),
          () => 0,
          0,
        ),
      ],
      // User biases far larger than the item biases' differences: f32 rounding of (ub + ib) ties items whose biases
      // differ, so a user's order is the global one with runs of ties re-ordered by index.
      [
        "f32 rounding ties",
        biasOnly(
          200,
          300,
          3,
          (r) => r.next() * 0.01,
          (r) => (r.next() - 0.5) * 2e5,
          0.25,
        ),
      ],
      [
        "zeros and signed zeros",
        biasOnly(
          50,
          40,
          4,
          (r) => (r.int(3) === 0 ? -0 : r.int(2)),
          (r) => (r.int(2) ? -0 : 0),
          -0,
        ),
      ],
    ];
    for (const [what, w] of cases) {
      it(`gives the scorer's lists and scores, bit for bit: ${what}`, () => {
        assert.ok(biasOnlyOrder(w) !== null);
        const rng = createRng(9);
        const lists = Array.from({ length: w.numUsers }, (_, u) =>
          Array.from({ length: u % 7 === 0 ? w.numItems - 2 : rng.int(60) }, () => rng.int(w.numItems)),
        );
        const rated = ratedItemsFromLists(lists);
        const all = Int32Array.from({ length: w.numUsers }, (_, u) => u);
        for (const n of [1, 10, 50]) assert.deepStrictEqual(topNAllUsers(w, n, { exclude: rated }), viaScorer(w, n, rated, all), `n = ${n}`);
        const some = Int32Array.of(3, 0, 3, w.numUsers - 1);
        assert.deepStrictEqual(topNAllUsers(w, 5, { exclude: rated, users: some }), viaScorer(w, 5, rated, some));
        const none = ratedItemsFromLists(Array.from({ length: w.numUsers }, () => []));
        assert.deepStrictEqual(topNAllUsers(w, w.numItems + 3, { exclude: none }), viaScorer(w, w.numItems + 3, none, all));
      });
    }

    it("is not taken for weights with any non-zero factor or a non-finite bias", () => {
      const w = biasOnly(5, 6, 1, (r) => r.normal());
      assert.equal(biasOnlyOrder({ ...w, itemFactors: Float32Array.of(0, 0, 0, 1e-30, 0, 0) }), null);
      assert.equal(biasOnlyOrder({ ...w, userFactors: Float32Array.of(0, 0, 0, -0, 0) }), null);
      assert.equal(biasOnlyOrder({ ...w, itemBias: Float32Array.of(1, 2, Infinity, 0, 0, 0) }), null);
      assert.equal(biasOnlyOrder(randomTestWeights(5, 6, 3)), null);
    });
  });

  it("forEachTopNBlock streams the same rows as topNAllUsers, in blocks of any size", () => {
    for (const w of [
      randomTestWeights(70, 90, 8, 5),
      { ...randomTestWeights(70, 90, 1, 6), userFactors: new Float32Array(70), itemFactors: new Float32Array(90) },
    ]) {
      const rated = testModel(w, 11).ratedItems;
      const want = topNAllUsers(w, 7, { exclude: rated });
      for (const blockUsers of [1, 16, 70, 1000]) {
        const items: number[] = [],
          counts: number[] = [],
          starts: number[] = [];
        forEachTopNBlock(w, 7, { exclude: rated, blockUsers }, (b, start) => {
          starts.push(start);
          items.push(...b.items);
          counts.push(...b.counts);
          assert.ok(b.users.length <= blockUsers && b.items.length === b.users.length * 7);
        });
        assert.deepEqual(items, Array.from(want.items), `blocks of ${blockUsers}`);
        assert.deepEqual(counts, Array.from(want.counts));
        assert.deepEqual(
          starts,
          Array.from({ length: Math.ceil(70 / blockUsers) }, (_, j) => j * blockUsers),
        );
      }
    }
    assert.throws(
      () => forEachTopNBlock(randomTestWeights(2, 3, 2), 1, { blockUsers: 0 }, () => {}),
      /Expected options\.blockUsers to be an integer >= 1, but got 0/,
    );
  });
});
