import { strict as assert } from "node:assert";
import { shuffleRecords, shuffleTogether } from "../../src/model/shuffle";

describe("shuffleTogether", () => {
  it("permutes parallel arrays with one permutation, the same for the same seed", () => {
    const n = 1000;
    const a = Int32Array.from({ length: n }, (_, k) => k),
      b = Int32Array.from(a, (x) => 2 * x),
      c = Float32Array.from(a, (x) => x / 2);
    shuffleTogether(123, a, b, c);
    assert.deepEqual(
      [...a].sort((x, y) => x - y),
      Array.from({ length: n }, (_, k) => k),
    );
    for (let k = 0; k < n; k++) {
      assert.equal(b[k], 2 * a[k]!);
      assert.equal(c[k], a[k]! / 2);
    }
    const again = Int32Array.from({ length: n }, (_, k) => k);
    shuffleTogether(123, again);
    assert.deepEqual(again, a);
    const other = Int32Array.from({ length: n }, (_, k) => k);
    shuffleTogether(124, other);
    assert.notDeepEqual(other, a);
  });

  it("puts every element in every position about equally often (chi-square over 6000 shuffles of 6)", () => {
    const n = 6,
      trials = 6000;
    const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let t = 0; t < trials; t++) {
      const a = Int32Array.from({ length: n }, (_, k) => k);
      shuffleTogether(t * 2654435761, a);
      a.forEach((v, pos) => counts[v]![pos]!++);
    }
    const expected = trials / n;
    let chi2 = 0;
    for (const row of counts) for (const c of row) chi2 += (c - expected) ** 2 / expected;
    // 25 degrees of freedom: the 99.9th percentile is 52.6.
    assert.ok(chi2 < 52.6, `chi-square ${chi2.toFixed(1)}`);
  });
});

describe("shuffleRecords", () => {
  it("moves records of several words with the permutation shuffleTogether gives parallel arrays", () => {
    const n = 777,
      at = 5;
    const a = Int32Array.from({ length: n }, (_, k) => k),
      b = Int32Array.from(a, (x) => -x),
      c = Int32Array.from(a, (x) => 3 * x);
    const words = new Int32Array(at + 3 * n + 2).fill(-9);
    for (let k = 0; k < n; k++) words.set([a[k]!, b[k]!, c[k]!], at + 3 * k);
    shuffleRecords(99, words, at, n, 3);
    shuffleTogether(99, a, b, Float32Array.from(c));
    for (let k = 0; k < n; k++) assert.deepEqual([...words.subarray(at + 3 * k, at + 3 * k + 3)], [a[k], b[k], 3 * a[k]!], `record ${k}`);
    assert.deepEqual([...words.subarray(0, at)], [-9, -9, -9, -9, -9]);
    assert.deepEqual([...words.subarray(at + 3 * n)], [-9, -9]);
  });
});
