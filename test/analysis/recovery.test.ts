import { strict as assert } from "node:assert";
import { knnPurity, silhouette } from "../../src/analysis/recovery";
import { matrixFromRows, userEmbeddings } from "../../src/analysis/embeddings";
import { plantedWeights, randomTestWeights } from "./fixtures";

describe("group recovery", () => {
  it("computes kNN purity on a hand-worked example", () => {
    // Row 0's nearest are rows 1 (same group) and 2 (other): purity 1/2 at k = 2.
    const m = matrixFromRows([
      [1, 0],
      [1, 0.1],
      [1, 0.3],
      [0, 1],
    ]);
    const labels = ["a", "a", "b", "b"];
    const p = knnPurity(m, labels, 1);
    // k=1: 0 -> 1 (a, same), 1 -> 0 (same), 2 -> 1 (a, differs), 3 -> 2 (b, same) => 3/4.
    assert.equal(p.purity, 0.75);
    assert.deepEqual(p.byLabel, { a: 1, b: 0.5 });
    // chance: 2 groups of 2 out of 4: 2 * (1/2 * 1/3) = 1/3.
    assert.ok(Math.abs(p.chance - 1 / 3) < 1e-12);
  });

  it("is high for planted groups and near chance for random embeddings", () => {
    const groups = Array.from({ length: 90 }, (_, i) => i % 3);
    const labels = groups.map((g) => ["tech", "fashion", "sports"][g] as string);
    const planted = knnPurity(userEmbeddings(plantedWeights(groups, [0], 16, 4, 0.3)), labels, 10);
    const random = knnPurity(userEmbeddings(randomTestWeights(90, 1, 16, 9)), labels, 10);
    assert.ok(planted.purity > 0.95, `planted ${planted.purity}`);
    assert.ok(Math.abs(random.purity - random.chance) < 0.1, `random ${random.purity} vs chance ${random.chance}`);
  });

  it("computes the cosine silhouette on a hand-worked example and is about 0 for random data", () => {
    // Two orthogonal tight pairs: a = distance 0 inside, b = distance 1 across -> silhouette 1.
    assert.ok(
      Math.abs(
        silhouette(
          matrixFromRows([
            [1, 0],
            [2, 0],
            [0, 1],
            [0, 3],
          ]),
          ["a", "a", "b", "b"],
        ) - 1,
      ) < 1e-12,
    );
    // (1,0),(1,1) vs (0,1): row 0: a = 1 - s, b = 1 -> (1 - (1 - s)) / 1 = s; row 1: a = 1 - s, b = 1 - s -> 0; row 2 alone -> 0.
    const s = Math.SQRT1_2;
    assert.ok(
      Math.abs(
        silhouette(
          matrixFromRows([
            [1, 0],
            [1, 1],
            [0, 1],
          ]),
          ["a", "a", "b"],
        ) -
          s / 3,
      ) < 1e-12,
    );
    const labels = Array.from({ length: 120 }, (_, i) => String(i % 3));
    assert.ok(Math.abs(silhouette(userEmbeddings(randomTestWeights(120, 1, 16, 4)), labels)) < 0.05);
  });

  it("rejects bad input", () => {
    const m = matrixFromRows([
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    assert.throws(() => knnPurity(m, ["a", "b", "a"], 3), /Expected k to be an integer between 1 and 2, but got 3/);
    assert.throws(() => knnPurity(m, ["a"], 1), /Expected labels to be an array of 3 labels/);
    assert.throws(() => silhouette(m, ["a", "a", "a"]), /Expected labels to be at least two different labels, but got 1/);
  });
});
