import { strict as assert } from "node:assert";
import { pca } from "../../src/analysis/pca";
import { matrixFromRows } from "../../src/analysis/embeddings";
import { createRng } from "../../src/random";

describe("PCA", () => {
  it("finds the axes of data spread along known directions, with variances and sign convention", () => {
    // Points on the line y = 2x (plus a smaller orthogonal spread): PC1 is (1, 2)/sqrt(5).
    const rng = createRng(1);
    const rows = Array.from({ length: 400 }, () => {
      const t = rng.normal() * 3,
        s = rng.normal() * 0.5;
      return [t / Math.sqrt(5) - (2 * s) / Math.sqrt(5) + 10, (2 * t) / Math.sqrt(5) + s / Math.sqrt(5) - 4];
    });
    const r = pca(matrixFromRows(rows), { components: 2 });
    assert.ok(Math.abs((r.axes[0] as number) - 1 / Math.sqrt(5)) < 0.01 && Math.abs((r.axes[1] as number) - 2 / Math.sqrt(5)) < 0.01, String(r.axes));
    // Variance along PC1 ~ 9, PC2 ~ 0.25, explained ratios sum to 1 in 2-D.
    assert.ok(Math.abs(r.variance[0]! - 9) < 1.5 && Math.abs(r.variance[1]! - 0.25) < 0.05, String(r.variance));
    assert.ok(Math.abs(r.explainedRatio[0]! + r.explainedRatio[1]! - 1) < 1e-9);
    // Coordinates are centred projections.
    let mx = 0;
    for (let i = 0; i < 400; i++) mx += r.coordinates[i * 2] as number;
    assert.ok(Math.abs(mx / 400) < 1e-9);
  });

  it("matches the projection computed by hand on a tiny example and is the same for any seed", () => {
    // Points (-1,0), (1,0), (0,0.5), (0,-0.5): axes x (var 2/3) then y (var 1/6).
    const m = matrixFromRows([
      [-1, 0],
      [1, 0],
      [0, 0.5],
      [0, -0.5],
    ]);
    const a = pca(m, { seed: 1 }),
      b = pca(m, { seed: 99 });
    [-1, 0, 1, 0, 0, 0.5, 0, -0.5].forEach((v, i) => assert.ok(Math.abs((a.coordinates[i] as number) - v) < 1e-9, `coordinate ${i}`));
    assert.ok(Math.abs(a.variance[0]! - 2 / 3) < 1e-12 && Math.abs(a.variance[1]! - 1 / 6) < 1e-12);
    Array.from(a.coordinates).forEach((v, i) => assert.ok(Math.abs(v - (b.coordinates[i] as number)) < 1e-9));
  });

  it("rejects bad input", () => {
    assert.throws(() => pca(matrixFromRows([[1, 2]])), /Expected matrix\.rows to be at least 2, but got 1/);
    assert.throws(
      () =>
        pca(
          matrixFromRows([
            [1, 2],
            [3, 4],
          ]),
          { components: 3 },
        ),
      /Expected options\.components to be an integer between 1 and 2, but got 3/,
    );
  });
});
