import { strict as assert } from "node:assert";
import { sideBySide } from "../../src/charts/side-by-side";
import type { Figure } from "../../src/charts/types";

const heat = (title: string): Figure => ({
  data: [
    {
      type: "heatmap",
      z: [
        [1, 0],
        [0, 1],
      ],
      zmin: -1,
      zmax: 1,
    },
  ],
  layout: {
    title: { text: title },
    xaxis: { tickvals: [0, 1] },
    yaxis: { autorange: "reversed", scaleanchor: "x" },
    shapes: [
      { type: "line", x0: 0.5, x1: 0.5, y0: 0, y1: 1 },
      { type: "line", xref: "paper", x0: 0, x1: 1, y0: 0, y1: 0 },
    ],
  },
});

describe("sideBySide", () => {
  const f = sideBySide([heat("random"), heat("trained")], { title: "both", gap: 0.1 });
  const layout = f.layout as Record<string, any>;
  const data = f.data as Record<string, any>[];

  it("puts each figure's traces on its own axes, panels splitting the width", () => {
    assert.deepEqual(
      data.map((t) => [t.xaxis, t.yaxis]),
      [
        ["x", "y"],
        ["x2", "y2"],
      ],
    );
    assert.deepEqual(layout.xaxis.domain, [0, 0.45]);
    assert.deepEqual(layout.xaxis2.domain, [0.55, 1]);
    assert.equal(layout.yaxis2.anchor, "x2");
    assert.deepEqual(layout.title, { text: "both" });
  });

  it("keeps each panel's axis settings, pointing scaleanchor at the panel's own x axis", () => {
    assert.equal(layout.yaxis.scaleanchor, "x");
    assert.equal(layout.yaxis2.scaleanchor, "x2");
    assert.equal(layout.yaxis2.autorange, "reversed");
    assert.deepEqual(layout.xaxis2.tickvals, [0, 1]);
  });

  it("moves shapes onto their panel and turns titles into panel headings", () => {
    const shapes = layout.shapes as Record<string, any>[];
    assert.deepEqual(
      shapes.map((s) => [s.xref, s.yref]),
      [
        ["x", "y"],
        ["paper", "y"],
        ["x2", "y2"],
        ["paper", "y2"],
      ],
    );
    assert.deepEqual([shapes[3]!.x0, shapes[3]!.x1], [0.55, 1], "a paper-wide line spans only its panel");
    assert.deepEqual(
      (layout.annotations as Record<string, any>[]).map((a) => [a.text, a.x]),
      [
        ["random", 0.225],
        ["trained", 0.775],
      ],
    );
  });

  it("shows one colour bar, the last panel's, and does not change its inputs", () => {
    assert.deepEqual(
      data.map((t) => t.showscale),
      [false, undefined],
    );
    const input = heat("x");
    sideBySide([input, heat("y")]);
    assert.deepEqual(input, heat("x"));
  });

  it("rejects an empty list and a non-figure, naming the position", () => {
    assert.throws(() => sideBySide([]), /Expected figures to be a non-empty array of Plotly figures/);
    assert.throws(() => sideBySide([heat("a"), {} as never]), /Expected figures\[1\] to be a Plotly figure/);
  });
});
