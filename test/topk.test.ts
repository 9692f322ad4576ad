import { strict as assert } from "node:assert";
import { selectTopK, TopKHeap } from "../src/topk";
import { createRng } from "../src/random";

const bruteTopK = (scores: number[], k: number, skip?: Uint8Array): number[] =>
  scores
    .map((s, i) => ({ s, i }))
    .filter((x) => !skip || skip[x.i] === 0)
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .slice(0, k)
    .map((x) => x.i);

describe("top-k selection", () => {
  it("agrees with a brute-force sort for many random inputs, including heavy ties", () => {
    const rng = createRng(11);
    for (let t = 0; t < 300; t++) {
      const n = 1 + rng.int(60),
        k = 1 + rng.int(15);
      const scores = Array.from({ length: n }, () => (t % 2 === 0 ? rng.normal() : rng.int(4)));
      const skip = t % 3 === 0 ? Uint8Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0)) : undefined;
      assert.deepEqual(Array.from(selectTopK(scores, k, skip)), bruteTopK(scores, k, skip), `case ${t}`);
    }
  });

  it("breaks ties by the lower index whatever the push order", () => {
    const h = new TopKHeap(2);
    for (const i of [5, 3, 9, 1]) h.push(i, 1);
    const idx = new Int32Array(2),
      sc = new Float64Array(2);
    assert.equal(h.drainInto(idx, sc), 2);
    assert.deepEqual(Array.from(idx), [1, 3]);
    assert.equal(h.size, 0);
  });

  it("treats NaN as the worst score", () => {
    assert.deepEqual(Array.from(selectTopK([NaN, 1, NaN, 0], 3)), [1, 3, 0]);
  });

  it("rejects bad input", () => {
    assert.throws(() => selectTopK([1], 0), /Expected k to be an integer >= 1, but got 0/);
    assert.throws(() => selectTopK([1, 2], 1, new Uint8Array(1)), /Expected skip to be a Uint8Array of length 2/);
    assert.throws(() => new TopKHeap(1.5), /Expected k to be an integer >= 1, but got 1\.5/);
  });
});
