import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { figureBundle, plotlyLoaderBundle, readPlotlyBundle, type PlotlyFigure } from "../../src/notebook/display";
import type { PlotData } from "plotly.js";
import { useTempDir } from "../tmpdir";

const ROOT = path.resolve(__dirname, "..", "..");

interface ChartResult {
  n: number;
  drew: boolean;
  faults: string[];
}
interface PageResult {
  file: string;
  expected: number;
  charts: ChartResult[];
  ok: boolean;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { checkPages, findChromium } = require(path.join(ROOT, "scripts", "check-report.js")) as {
  checkPages: (files: string[], shotsDir: string) => Promise<{ pages: PageResult[]; ok: boolean }>;
  findChromium: () => string | null;
};

/** A report-like page: plotly.js inlined once, then each figure's HTML output as the notebooks write it. */
function page(figures: readonly PlotlyFigure[]): string {
  const html = (b: Record<string, unknown>) => b["text/html"] as string;
  return (
    `<!doctype html><html><head><meta charset="utf-8"></head><body>${html(plotlyLoaderBundle(readPlotlyBundle()))}` +
    figures.map((f, k) => html(figureBundle(f, `ewb-plot-t-${k}`))).join("\n") +
    "</body></html>"
  );
}

const line = (name: string, y: (number | null)[]): Partial<PlotData> => ({ type: "scatter", mode: "lines+markers", name, x: y.map((_, k) => k), y });

/** Figures a reader would find fault with, each with the fault the check must name. */
const FAULTY: { what: string; figure: PlotlyFigure; fault: RegExp }[] = [
  {
    what: "a horizontal legend over the x-axis title",
    figure: {
      data: [line("train loss", [3, 2, 1]), line("validation loss", [3.1, 2.2, 1.4])],
      layout: { xaxis: { title: { text: "epoch" } }, legend: { orientation: "h", x: 0.3, y: -0.12, yanchor: "top" }, margin: { b: 60 } },
    },
    fault: /the legend overlaps axis title "epoch"|axis title "epoch" overlaps the legend/,
  },
  {
    what: "a category label cut off at the left edge",
    figure: {
      data: [
        {
          type: "heatmap",
          x: ["a", "b"],
          y: ["tech", "fashion+sports"],
          z: [
            [1, 0],
            [0, 1],
          ],
        },
      ],
      layout: { margin: { l: 20 }, yaxis: { automargin: false } },
    },
    fault: /tick label "fashion\+sports" is clipped/,
  },
  {
    what: "a drawn trace left out of the legend",
    figure: { data: [line("users", [1, 2]), { ...line("fashion+sports", [2, 1]), showlegend: false }], layout: {} },
    fault: /trace "fashion\+sports" is drawn but has no legend entry/,
  },
  {
    what: "a legend entry for a series with no bars",
    figure: {
      data: [
        { type: "bar", name: "model", x: ["RMSE"], y: [0.9] },
        { type: "bar", name: "popularity", x: ["RMSE"], y: [null] },
      ],
      layout: {},
    },
    fault: /legend entry "popularity" has nothing drawn/,
  },
  {
    what: "a log axis that labels 0.4 as 4",
    figure: { data: [line("loss", [13.8, 5, 2, 0.9, 0.6, 0.45, 0.41])], layout: { yaxis: { type: "log" } } },
    fault: /log axis yaxis labels 0\.\d+ as "\d"/,
  },
];

describe("the chart check (scripts/check-report.js) in headless Chromium", function () {
  this.timeout(240_000);
  const tmp = useTempDir("ewb-chart-check-");
  let result: { pages: PageResult[]; ok: boolean };

  before(async function () {
    if (!findChromium()) {
      console.log("      (skipped: Chromium is not installed: run scripts/setup-system.sh)");
      this.skip();
    }
    {
      const dir = tmp.path;
      const good: PlotlyFigure = {
        data: [line("train loss", [3, 2, 1]), line("validation loss", [3.1, 2.2, 1.4])],
        layout: { title: { text: "Loss per epoch" }, xaxis: { title: { text: "epoch" } }, yaxis: { title: { text: "MSE" } } },
      };
      const files = [path.join(dir, "00-good.html"), path.join(dir, "01-faulty.html")];
      fs.writeFileSync(files[0]!, page([good]));
      fs.writeFileSync(files[1]!, page(FAULTY.map((f) => f.figure)));
      result = await checkPages(files, path.join(dir, "charts"));
    }
  });

  it("passes a clean chart", () => {
    const good = result.pages[0]!;
    assert.equal(good.charts.length, 1);
    assert.deepEqual(good.charts[0]!.faults, []);
    assert.ok(good.ok);
  });

  for (const [k, f] of FAULTY.entries()) {
    it(`catches ${f.what}`, () => {
      const chart = result.pages[1]!.charts[k]!;
      assert.ok(chart.drew, `chart ${k + 1} drew`);
      assert.ok(
        chart.faults.some((x) => f.fault.test(x)),
        `expected a fault matching ${f.fault}, got ${JSON.stringify(chart.faults)}`,
      );
    });
  }

  it("fails the page that has them", () => {
    assert.equal(result.pages[1]!.ok, false);
    assert.equal(result.ok, false);
  });
});
