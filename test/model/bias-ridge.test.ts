import { strict as assert } from "node:assert";
import { ridgeBiases } from "../../src/model/bias-ridge";
import type { MfWeights } from "../../src/model/types";

const ratings = (rows: [number, number, number][]) => ({
  users: Int32Array.from(rows, (r) => r[0]),
  items: Int32Array.from(rows, (r) => r[1]),
  ratings: Float32Array.from(rows, (r) => r[2]),
  length: rows.length,
});

/** 3 users x 4 items, dim 1: user 0's factor 1, item 0's 0.5, the rest 0; item 3 has no rating. */
function weights(): MfWeights {
  return {
    dim: 1,
    numUsers: 3,
    numItems: 4,
    userFactors: Float32Array.of(1, 0, 0),
    itemFactors: Float32Array.of(0.5, 0, 0, 0),
    userBias: Float32Array.of(0.3, -0.2, 0.1),
    itemBias: Float32Array.of(0.9, 0.9, 0.9, 0.7),
    globalBias: 3.6,
  };
}

describe("ridgeBiases", () => {
  const train = ratings([
    [0, 0, 5],
    [0, 1, 3],
    [1, 0, 4],
    [1, 2, 1],
    [2, 0, 5],
  ]);

  it("re-estimates an item's bias as its residuals (factors and user biases fixed) over n_i + itemL2 (hand-worked, one round)", () => {
    // Item 0, user biases 0: residuals 5 - (3.6 + 1*0.5) = 0.9, 4 - 3.6 = 0.4, 5 - 3.6 = 1.4 -> 2.7 / (3 + 1).
    const w0 = { ...weights(), userBias: new Float32Array(3) };
    const w = ridgeBiases(w0, train, { itemL2: 1, userL2: 1e9, rounds: 1 });
    assert.ok(Math.abs(w.itemBias[0]! - 2.7 / 4) < 1e-6, String(w.itemBias[0]));
    assert.ok(Math.abs(w.itemBias[1]! - (3 - 3.6) / 2) < 1e-6);
    assert.ok(Math.abs(w.itemBias[2]! - (1 - 3.6) / 2) < 1e-6);
    // An item without training rows keeps its bias; the user step shrinks to ~0 under a huge userL2.
    assert.ok(Math.abs(w.itemBias[3]! - 0.7) < 1e-6);
    assert.ok(w.userBias.every((b) => Math.abs(b) < 1e-6));
  });

  it("shrinks by a count: an item with one rating keeps 1/(1 + itemL2) of its residual, one with many nearly all", () => {
    const many: [number, number, number][] = [];
    for (let u = 0; u < 200; u++) many.push([u, 0, 5]);
    many.push([0, 1, 5]);
    const zero = (nU: number): MfWeights => ({
      dim: 1,
      numUsers: nU,
      numItems: 2,
      userFactors: new Float32Array(nU),
      itemFactors: new Float32Array(2),
      userBias: new Float32Array(nU),
      itemBias: new Float32Array(2),
      globalBias: 4,
    });
    const w = ridgeBiases(zero(200), ratings(many), { itemL2: 10, userL2: 1e9, rounds: 1 });
    assert.ok(Math.abs(w.itemBias[1]! - 1 / 11) < 1e-6, `one rating: ${w.itemBias[1]}`);
    assert.ok(Math.abs(w.itemBias[0]! - 200 / 210) < 1e-6, `200 ratings: ${w.itemBias[0]}`);
  });

  it("without shrinkage converges to the least-squares biases (residuals of this exactly solvable case -> 0)", () => {
    const w = ridgeBiases(weights(), train, { itemL2: 0, userL2: 0, rounds: 500 });
    for (let r = 0; r < train.length; r++) {
      const u = train.users[r]!,
        i = train.items[r]!;
      const pred = w.globalBias + w.userBias[u]! + w.itemBias[i]! + w.userFactors[u]! * w.itemFactors[i]!;
      assert.ok(Math.abs(pred - train.ratings[r]!) < 1e-4, `row ${r}: ${pred}`);
    }
  });

  it("leaves the input weights, the factors and the global bias as they were", () => {
    const w0 = weights(),
      before = structuredClone(w0);
    const w = ridgeBiases(w0, train);
    assert.deepEqual(w0, before);
    assert.equal(w.userFactors, w0.userFactors);
    assert.equal(w.globalBias, 3.6);
    assert.notDeepEqual(w.itemBias, w0.itemBias);
  });

  it("rejects bad options and rows outside the tables, naming them", () => {
    assert.throws(() => ridgeBiases(weights(), train, { itemL2: -1 }), /Expected options\.itemL2 to be a finite number >= 0, but got -1/);
    assert.throws(() => ridgeBiases(weights(), train, { rounds: 0 }), /Expected options\.rounds/);
    assert.throws(() => ridgeBiases(weights(), ratings([[5, 0, 1]])), /Expected train\.users\[0\] to be a user index in \[0, 3\), but got 5/);
  });
});
