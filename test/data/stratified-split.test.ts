import { strict as assert } from "node:assert";
import { NumpyRandom, roundHalfEven, stratifiedAssignment, stratifiedSplit, STRATIFIED_DROPPED } from "../../src/data/stratified-split";
import type { Interaction } from "../../src/data/types";

const rows = (users: string[], items?: string[]): Interaction[] => users.map((u, r) => ({ userId: u, itemId: items?.[r] ?? `i${r}`, rating: 1 + (r % 5) }));

describe("stratified split (recommenders' python_stratified_split)", () => {
  it("draws numpy's numbers: np.random.seed(42); np.random.rand()", () => {
    // Printed by numpy 1.24: np.random.seed(42); np.random.rand(2000)[[0, 1, 2, 1999]]; np.random.seed(0); np.random.rand().
    const r = new NumpyRandom(42);
    const a = Array.from({ length: 2000 }, () => r.randomSample());
    assert.deepEqual([a[0], a[1], a[2], a[1999]], [0.3745401188473625, 0.9507143064099162, 0.7319939418114051, 0.28218707469320015]);
    assert.equal(new NumpyRandom(0).randomSample(), 0.5488135039273248);
  });

  it("rounds shares half to even, as numpy", () => {
    assert.deepEqual([0.5, 1.5, 2.5, 4.5, 7.5, 2.25, 2.75].map(roundHalfEven), [0, 2, 2, 4, 8, 2, 3]);
  });

  it("matches a hand-worked split with seed 42", () => {
    // Rows A A B A B A C C C C C C. numpy's draws for seed 42, by row: .375 .951 .732 .599 .156 .15599 .058 .866 .601 .708 .021 .970.
    // A (rows 0 1 3 5): order 5 0 3 1, keeps round(0.75*4) = 3, so row 1 is test.
    // B (rows 2 4): keeps round(1.5) = 2: both in training.
    // C (rows 6..11): order 10 6 8 9 7 11, keeps round(4.5) = 4, so rows 7 and 11 are test.
    const data = rows(["A", "A", "B", "A", "B", "A", "C", "C", "C", "C", "C", "C"]);
    const s = stratifiedSplit(data, { ratio: 0.75, seed: 42 });
    assert.deepEqual(s.validation, [data[1], data[7], data[11]]);
    assert.deepEqual(
      s.train,
      data.filter((_, r) => ![1, 7, 11].includes(r)),
    );
    // Another seed, another hand-worked answer (seed 7: A's order 0 5 3 1; C's 7 8 9 6 10 11).
    assert.deepEqual(stratifiedSplit(data, { seed: 7 }).validation, [data[1], data[10], data[11]]);
  });

  it("gives every user round(ratio * n) training rows, no row in both parts and none lost", () => {
    const users: string[] = [];
    for (let u = 0; u < 40; u++) for (let k = 0; k < 1 + ((u * 7) % 23); k++) users.push(`U${u}`);
    const data = rows(users.map((_u, r) => users[(r * 37) % users.length]!)); // interleaved users
    for (const ratio of [0.75, 0.5, 0.8]) {
      const s = stratifiedSplit(data, { ratio, seed: 3 });
      assert.equal(s.train.length + s.validation.length, data.length);
      const inTrain = new Set(s.train);
      assert.ok(s.validation.every((r) => !inTrain.has(r)));
      const count = (a: readonly Interaction[], u: string): number => a.filter((r) => r.userId === u).length;
      for (const u of new Set(data.map((r) => r.userId))) assert.equal(count(s.train, u), roundHalfEven(ratio * count(data, u)), `user ${u}`);
    }
  });

  it("is the same for the same seed and differs for another; stratifies by item when asked", () => {
    const data = rows(
      Array.from({ length: 400 }, (_, r) => `U${r % 13}`),
      Array.from({ length: 400 }, (_, r) => `I${(r * 7) % 17}`),
    );
    assert.deepEqual(stratifiedSplit(data, { seed: 5 }), stratifiedSplit(data, { seed: 5 }));
    assert.notDeepEqual(stratifiedSplit(data, { seed: 5 }).validation, stratifiedSplit(data, { seed: 6 }).validation);
    const byItem = stratifiedSplit(data, { seed: 5, by: "item" });
    for (const i of new Set(data.map((r) => r.itemId))) {
      const n = data.filter((r) => r.itemId === i).length;
      assert.equal(byItem.train.filter((r) => r.itemId === i).length, roundHalfEven(0.75 * n));
    }
  });

  it("drops groups with fewer than minRows rows from both parts and does not mutate the input", () => {
    const data = rows(["A", "B", "B", "B", "B"]);
    const copy = JSON.parse(JSON.stringify(data));
    const s = stratifiedSplit(data, { minRows: 2 });
    assert.ok([...s.train, ...s.validation].every((r) => r.userId === "B"));
    assert.equal(s.train.length, 3);
    assert.deepEqual(data, copy);
    assert.equal(stratifiedAssignment(Int32Array.of(0, 1, 1), { minRows: 2 })[0], STRATIFIED_DROPPED);
  });

  it("rejects bad options with a message naming the option", () => {
    assert.throws(() => stratifiedSplit(rows(["A"]), { ratio: 1 }), /Expected options.ratio to be a number > 0 and < 1, but got 1/);
    assert.throws(() => stratifiedSplit(rows(["A"]), { by: "group" as never }), /Expected options.by to be one of "user", "item"/);
    assert.throws(() => stratifiedSplit(rows(["A"]), { seed: -1 }), /Expected options.seed to be an integer between 0 and 4294967295/);
    assert.throws(() => stratifiedSplit("x" as never), /Expected interactions to be an array of interactions/);
  });
});
