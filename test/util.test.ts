import { strict as assert } from "node:assert";
import { round, withDefaults } from "../src/util";

describe("util", () => {
  it("rounds to the given number of decimals", () => {
    assert.equal(round(0.123456, 3), 0.123);
    assert.equal(round(2.5e-4, 3), 0);
    assert.equal(round(1.23456), 1.235);
  });

  it("fills defaults, keeping a default where the partial says undefined, without mutating either", () => {
    const defaults: Readonly<{ a: number; b: number; c: number }> = Object.freeze({ a: 1, b: 2, c: 3 });
    const partial = { a: 10, b: undefined };
    assert.deepEqual(withDefaults(defaults, partial), { a: 10, b: 2, c: 3 });
    assert.deepEqual(partial, { a: 10, b: undefined });
    assert.deepEqual(defaults, { a: 1, b: 2, c: 3 });
  });
});
