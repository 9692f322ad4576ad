import { strict as assert } from "node:assert";
import { createRng } from "../src/random";

describe("createRng", () => {
  it("gives the same stream for the same seed and a different one for another seed", () => {
    const a = createRng(7),
      b = createRng(7),
      c = createRng(8);
    const sa = Array.from({ length: 20 }, () => a.next());
    const sb = Array.from({ length: 20 }, () => b.next());
    const sc = Array.from({ length: 20 }, () => c.next());
    assert.deepEqual(sa, sb);
    assert.notDeepEqual(sa, sc);
  });

  it("draws uniform numbers in [0, 1) with mean near 1/2 and integers in [0, n)", () => {
    const r = createRng(1);
    let sum = 0;
    const counts = new Array<number>(5).fill(0);
    for (let i = 0; i < 50_000; i++) {
      const x = r.next();
      assert.ok(x >= 0 && x < 1);
      sum += x;
      const k = r.int(5);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    assert.ok(Math.abs(sum / 50_000 - 0.5) < 0.01);
    for (const c of counts) assert.ok(Math.abs(c / 50_000 - 0.2) < 0.01, `bucket share ${c / 50_000}`);
  });

  it("draws normals with mean 0 and variance 1", () => {
    const r = createRng(3);
    let s = 0,
      s2 = 0;
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    assert.ok(Math.abs(s / n) < 0.02);
    assert.ok(Math.abs(s2 / n - 1) < 0.03);
  });

  it("shuffles into a permutation of the input, deterministically", () => {
    const x = Array.from({ length: 100 }, (_, i) => i);
    const a = createRng(5).shuffle([...x]);
    const b = createRng(5).shuffle(new Int32Array(x));
    assert.deepEqual(
      [...a].sort((p, q) => p - q),
      x,
    );
    assert.deepEqual(a, [...b]);
    assert.notDeepEqual(a, x);
  });

  it("rejects a seed that is not a 32-bit unsigned integer, naming it", () => {
    assert.throws(() => createRng(-1), /Expected seed to be an integer between 0 and 4294967295, but got -1/);
    assert.throws(() => createRng(1.5), /Expected seed .* but got 1.5/);
    assert.throws(() => createRng(Number.NaN as number), /but got NaN/);
  });
});
