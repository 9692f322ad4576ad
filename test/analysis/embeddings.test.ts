import { strict as assert } from "node:assert";
import { centredRows, matrixFromRows } from "../../src/analysis/embeddings";
import { cosine } from "../../src/analysis/cosine";

describe("centred embedding rows", () => {
  it("subtracts the mean row, so a direction every row shares no longer makes them similar (hand-worked)", () => {
    // Both rows share (10, 0); they differ only in the second coordinate: raw cosine near 1, centred -1.
    const m = matrixFromRows([
      [10, 1],
      [10, -1],
    ]);
    const c = centredRows(m);
    assert.deepEqual(Array.from(c.data), [0, 1, 0, -1]);
    assert.ok(cosine(m.data.subarray(0, 2), m.data.subarray(2, 4)) > 0.98);
    assert.equal(cosine(c.data.subarray(0, 2), c.data.subarray(2, 4)), -1);
    assert.deepEqual(Array.from(m.data), [10, 1, 10, -1], "the input is unchanged");
  });
});
