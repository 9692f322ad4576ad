import { strict as assert } from "node:assert";
import { lossFigure } from "../../src/charts/loss";
import { groupHeatmapFigure, similarityMatrixFigure } from "../../src/charts/heatmap";
import { embeddingScatterFigure } from "../../src/charts/scatter";
import { metricBarsFigure } from "../../src/charts/bars";
import { groupSimilarity } from "../../src/analysis/groups";
import { matrixFromRows } from "../../src/analysis/embeddings";
import { pca } from "../../src/analysis/pca";
import type { EvaluationReport } from "../../src/evaluate/report";

const history = [
  { epoch: 0, trainLoss: 3.2, valLoss: 3.1, valRmse: 1.76, valMae: 1.4, seconds: 0.1 },
  { epoch: 1, trainLoss: 1.5, valLoss: 1.7, valRmse: 1.3, valMae: 1.0, seconds: 0.1 },
];

describe("chart figures", () => {
  it("draw train and validation loss per epoch, with a best-epoch marker", () => {
    const f = lossFigure(history, { bestEpoch: 1 });
    assert.deepEqual(
      f.data.map((t) => t.name),
      ["train loss", "validation loss"],
    );
    assert.deepEqual(f.data[0]!.x, [0, 1]);
    assert.deepEqual(f.data[1]!.y, [3.1, 1.7]);
    assert.equal((f.layout.shapes as { x0: number }[])[0]!.x0, 1);
    JSON.parse(JSON.stringify(f)); // serialisable
    assert.throws(() => lossFigure([]), /Expected history to be a non-empty array of epoch records/);
    assert.throws(() => lossFigure(history, { bestEpoch: 7 }), /Expected options\.bestEpoch to be an epoch in the history, but got 7/);
  });

  it("draw the group similarity matrix as an annotated heatmap on a fixed scale", () => {
    const g = groupSimilarity(
      matrixFromRows([
        [1, 0],
        [1, 0.2],
        [0, 1],
        [0.1, 1],
      ]),
      ["tech", "tech", "sports", "sports"],
      ["tech", "sports"],
    );
    const f = groupHeatmapFigure(g);
    const t = f.data[0]!;
    assert.deepEqual(t.x, ["tech", "sports"]);
    assert.equal(t.zmin, -1);
    assert.equal(t.zmax, 1);
    assert.equal((t.z as number[][])[0]![0], Math.round(g.matrix[0]![0]! * 1000) / 1000);
    assert.match(String((f.layout.title as { text: string }).text), /within 0\.99, across 0\.\d\d/);
    assert.throws(() => groupHeatmapFigure({} as never), /Expected groups to be a GroupSimilarity/);
  });

  it("draw a user x user heatmap ordered by group from a seeded subsample", () => {
    const rows = Array.from({ length: 12 }, (_, i) => [i % 2, 1 - (i % 2), i / 12]);
    const labels = rows.map((_, i) => (i % 2 === 0 ? "b" : "a"));
    const f = similarityMatrixFigure(matrixFromRows(rows), labels, { perGroup: 4, seed: 1, order: ["b", "a"] });
    const z = f.data[0]!.z as number[][];
    assert.equal(z.length, 8);
    assert.equal(z[0]![0], 1);
    assert.deepEqual((f.layout.xaxis as { ticktext: string[] }).ticktext, ["b", "a"]);
    assert.deepEqual(
      similarityMatrixFigure(matrixFromRows(rows), labels, { perGroup: 4, seed: 1 }),
      similarityMatrixFigure(matrixFromRows(rows), labels, { perGroup: 4, seed: 1 }),
    );
    assert.throws(() => similarityMatrixFigure(matrixFromRows(rows), ["a"]), /Expected labels to be an array of 12 labels/);
  });

  it("draw every label of a scatter distinctly, also past the palette: seven shown labels and their 'other' (MovieLens occupations)", () => {
    const labels = ["tech", "educator", "engineer", "student", "other", "writer", "artist", "doctor", "lawyer", "nurse", "salesman", "scientist", "none"];
    const rows = labels.map((_, r) => [Math.cos(r), Math.sin(r), r / 10]);
    const f = embeddingScatterFigure([{ title: "users", projection: pca(matrixFromRows(rows)), labels }], { order: labels });
    const look = f.data.map((t) => {
      const m = t.marker as { color: string; symbol: string };
      return `${m.color}/${m.symbol}`;
    });
    assert.equal(look.length, labels.length);
    assert.equal(new Set(look).size, labels.length, `two labels drawn alike: ${look.join(", ")}`);
    // a known group keeps its fixed colour; the first labels without one get distinct colours before any symbol changes
    assert.equal((f.data[0]!.marker as { color: string }).color, "#1f77b4");
    const firstTen = f.data.slice(1, 11).map((t) => (t.marker as { color: string }).color);
    assert.equal(new Set(firstTen).size, 10);
    assert.notEqual((f.data[11]!.marker as { symbol: string }).symbol, (f.data[1]!.marker as { symbol: string }).symbol);
  });

  it("draw random beside trained embeddings, one trace per group and panel with a shared legend and colours", () => {
    const m = matrixFromRows([
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
      [1, 1, 1],
    ]);
    const p = pca(m);
    const f = embeddingScatterFigure(
      [
        { title: "random", projection: p, labels: ["tech", "sports", "tech", "sports"] },
        { title: "trained", projection: p, labels: ["tech", "sports", "tech", "sports"], names: ["U1", "U2", "U3", "U4"] },
      ],
      { order: ["tech", "sports"] },
    );
    assert.equal(f.data.length, 4);
    assert.deepEqual(
      f.data.map((t) => [t.name, t.xaxis, t.showlegend]),
      [
        ["tech", "x", true],
        ["sports", "x", true],
        ["tech", "x2", false],
        ["sports", "x2", false],
      ],
    );
    // A label the first panel lacks gets its legend entry on the panel that draws it.
    const items = embeddingScatterFigure(
      [
        { title: "users", projection: p, labels: ["tech", "sports", "tech", "sports"] },
        { title: "items", projection: p, labels: ["tech", "fashion+sports", "tech", "sports"] },
      ],
      { order: ["tech", "fashion+sports", "sports"] },
    );
    assert.deepEqual(
      items.data.filter((t) => t.showlegend).map((t) => [t.name, t.xaxis]),
      [
        ["tech", "x"],
        ["sports", "x"],
        ["fashion+sports", "x2"],
      ],
    );
    assert.equal((f.data[0]!.marker as { color: string }).color, (f.data[2]!.marker as { color: string }).color);
    assert.deepEqual(f.data[2]!.text, ["U1", "U3"]);
    assert.equal((f.data[0]!.x as number[]).length, 2);
    assert.ok(f.layout.xaxis2);
    assert.throws(() => embeddingScatterFigure([]), /Expected panels to be a non-empty array of scatter panels/);
  });

  it("draw metric bars for the model and baselines, leaving metrics that do not apply empty", () => {
    const report: EvaluationReport = {
      k: 10,
      relevanceThreshold: 4,
      heldOut: 1,
      skippedUnknown: 0,
      rankedUsers: 1,
      notes: [],
      rows: [
        { method: "matrix factorisation", rmse: 0.9, mae: 0.7, precision: 0.1, recall: 0.2, ndcg: 0.15, hitRate: 0.5, coverage: 0.3, categoryShare: null },
        { method: "popularity baseline", rmse: null, mae: null, precision: 0.2, recall: 0.3, ndcg: 0.25, hitRate: 0.6, coverage: 0.02, categoryShare: null },
      ],
    };
    const f = metricBarsFigure(report);
    assert.deepEqual(
      f.data.map((t) => t.name),
      ["matrix factorisation", "popularity baseline"],
    );
    assert.deepEqual(f.data[0]!.x, ["precision@10", "recall@10", "NDCG@10", "hit rate@10", "coverage"]);
    assert.deepEqual(f.data[1]!.y, [0.2, 0.3, 0.25, 0.6, 0.02]);
    // popularity has no RMSE: no trace, so no legend entry without a bar; the model keeps its colour.
    const errors = metricBarsFigure(report, { metrics: ["rmse", "precision"] });
    assert.deepEqual(
      errors.data.map((t) => [t.name, t.y]),
      [
        ["matrix factorisation", [0.9, 0.1]],
        ["popularity baseline", [null, 0.2]],
      ],
    );
    const rmseOnly = metricBarsFigure(report, { metrics: ["rmse"] });
    assert.deepEqual(
      rmseOnly.data.map((t) => t.name),
      ["matrix factorisation"],
    );
    assert.equal((rmseOnly.data[0]!.marker as { color: string }).color, (f.data[0]!.marker as { color: string }).color);
    assert.throws(() => metricBarsFigure(report, { metrics: ["speed" as never] }), /Expected options\.metrics\[0\] to be one of rmse, mae/);
  });
});
