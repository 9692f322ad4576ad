import { strict as assert } from "node:assert";
import * as vm from "node:vm";
import {
  figureBundle,
  plotlyLoaderBundle,
  PLOTLY_MIME,
  readPlotlyBundle,
  recordResults,
  resultsBundle,
  RESULTS_MIME,
  showFigure,
  tableBundle,
  tableRows,
  lossSparklineSvg,
} from "../../src/notebook/display";

const figure = {
  data: [{ type: "scatter", x: [1, 2, 3], y: [3, 1, 2], name: "a </script> b" }],
  layout: { title: { text: "Loss per epoch" } },
};

/** Runs the HTML's inline script in a sandbox with a fake document and Plotly, and returns the newPlot calls. */
function runFigureScript(html: string, withPlotly: boolean): { calls: unknown[][]; el: { id: string; textContent: string } } {
  const script = /<script type="text\/javascript">([\s\S]*)<\/script>/.exec(html)?.[1];
  assert.ok(script, "the figure HTML has an inline script");
  const el = { id: /<div id="([^"]+)"/.exec(html)?.[1] ?? "", textContent: "" };
  const calls: unknown[][] = [];
  const window: Record<string, unknown> = {};
  if (withPlotly) window.Plotly = { newPlot: (...args: unknown[]) => calls.push(args) };
  const document = { getElementById: (id: string) => (id === el.id ? el : null) };
  vm.runInNewContext(script, { window, document });
  return { calls, el };
}

describe("notebook display", () => {
  it("puts the same figure under the Plotly MIME type and in HTML that draws it with newPlot", () => {
    const b = figureBundle(figure, "fig-1", 300);
    const plotly = b[PLOTLY_MIME] as { data: unknown; layout: unknown };
    assert.deepEqual(plotly.data, figure.data);
    assert.deepEqual(plotly.layout, figure.layout);
    assert.match(b["text/plain"] as string, /Plotly figure: Loss per epoch, 1 trace/);
    const html = b["text/html"] as string;
    assert.match(html, /<div id="fig-1" class="ewb-plot" style="width:100%;height:300px">/);
    const { calls, el } = runFigureScript(html, true);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.[0], el);
    assert.deepEqual(JSON.parse(JSON.stringify(calls[0]?.[1])), figure.data, "the trace (with its </script> label) survives the HTML escaping");
  });

  it("escapes </script> in figure labels so the HTML has exactly one closing script tag", () => {
    const html = figureBundle(figure, "fig-2")["text/html"] as string;
    assert.equal(html.match(/<\/script>/g)?.length, 1);
  });

  it("writes a readable message instead of drawing when plotly.js was not loaded into the page", () => {
    const { calls, el } = runFigureScript(figureBundle(figure, "fig-3")["text/html"] as string, false);
    assert.equal(calls.length, 0);
    assert.match(el.textContent, /plotly\.js is not loaded/);
  });

  it("rejects a figure without a data array, a bad div id and an absurd height", () => {
    assert.throws(() => figureBundle({} as never, "x"), /Expected figure to be a Plotly figure/);
    assert.throws(() => figureBundle(figure, "1 bad id"), /Expected divId to be an HTML id/);
    assert.throws(() => figureBundle(figure, "ok", 10), /Expected height to be an integer between 50 and 5000, but got 10/);
  });

  it("inlines the installed plotly.js bundle, which defines window.Plotly when run in a page", () => {
    const source = readPlotlyBundle();
    assert.ok(source.length > 1_000_000, "the full plotly.js-dist-min bundle");
    const html = plotlyLoaderBundle(source)["text/html"] as string;
    assert.ok(html.startsWith("<script") && html.endsWith("</script>"));
    assert.equal(html.match(/<\/script/gi)?.length, 1, "no closing script tag inside the bundle");
    assert.match(plotlyLoaderBundle("var a = '</script>';")["text/html"] as string, /var a = '<\\\/script>';/);
  });

  it("records results as JSON under its own MIME type with a text copy, and rejects non-finite numbers", () => {
    const b = resultsBundle("training", { valMse: 0.53, epochs: 50 });
    assert.deepEqual(b[RESULTS_MIME], { name: "training", values: { valMse: 0.53, epochs: 50 } });
    assert.deepEqual(JSON.parse(b["text/plain"] as string), b[RESULTS_MIME]);
    assert.throws(() => resultsBundle("t", { valMse: NaN }), /Expected values\.valMse to be a finite number, but got NaN/);
    assert.throws(() => resultsBundle("", {}), /Expected name to be a non-empty string/);
  });

  it("fails with a clear message when asked to display outside a Jupyter kernel", () => {
    assert.throws(() => showFigure(figure), /Expected a notebook display to run inside a tslab Jupyter kernel/);
    assert.throws(() => recordResults("x", { a: 1 }), /inside a tslab Jupyter kernel/);
  });
});

describe("notebook tables", () => {
  it("renders records as an HTML table and aligned text, numbers rounded, HTML escaped", () => {
    const b = tableBundle([{ group: "tech", mean: 4.0123, n: 300 }, { group: "<b>", mean: 2 }], { caption: "Means", digits: 2 });
    assert.equal(
      b["text/html"],
      '<table class="ewb-table"><caption style="text-align:left;font-weight:bold">Means</caption>' +
        "<tr><th>group</th><th>mean</th><th>n</th></tr><tr><td>tech</td><td>4.01</td><td>300</td></tr>" +
        "<tr><td>&lt;b&gt;</td><td>2</td><td></td></tr></table>",
    );
    assert.equal(b["text/plain"], "Means\ngroup  mean    n\n tech  4.01  300\n  <b>     2     ");
  });

  it("shows at most maxRows rows and says how many were left out", () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({ i }));
    const b = tableBundle(rows, { maxRows: 2 });
    assert.equal((b["text/html"] as string).match(/<tr>/g)?.length, 3);
    assert.match(b["text/plain"] as string, /… 3 more row\(s\)$/);
  });

  it("rejects rows that are not records, naming the position", () => {
    assert.throws(() => tableBundle([{ a: 1 }, 5 as never]), /Expected rows\[1\] to be a record \(object\), but got 5/);
    assert.throws(() => tableBundle("x" as never), /Expected rows to be an array of records/);
  });
});

describe("notebook table rows", () => {
  it("turns a DataFrame-like table (columns + row values) into records and passes records through", () => {
    assert.deepEqual(tableRows({ columns: ["g", "n"], values: [["tech", 300], ["sports", 400]] }), [{ g: "tech", n: 300 }, { g: "sports", n: 400 }]);
    const recs = [{ a: 1 }];
    assert.equal(tableRows(recs), recs);
    assert.throws(() => tableRows({ columns: "x" } as never), /Expected table to be an array of records or a DataFrame/);
  });
});

describe("notebook loss sparkline", () => {
  it("draws train and validation loss as two polylines, the lowest loss at the bottom (log scale)", () => {
    const svg = lossSparklineSvg([{ trainLoss: 10, valLoss: 8 }, { trainLoss: 1, valLoss: 2 }], 2, { width: 108, height: 58 });
    const lines = [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) => m[1]);
    // x runs from 4 to 104 over the 2 epochs; y from 4 (loss 10, the highest) to 54 (loss 1, the lowest).
    assert.deepEqual(lines, ["4.0,4.0 104.0,54.0", `4.0,${(4 + 50 * (Math.log(10) - Math.log(8)) / Math.log(10)).toFixed(1)} 104.0,${(4 + 50 * (Math.log(10) - Math.log(2)) / Math.log(10)).toFixed(1)}`]);
  });

  it("leaves out non-finite losses and rejects a bad epoch count", () => {
    const svg = lossSparklineSvg([{ trainLoss: NaN, valLoss: 2 }, { trainLoss: 1, valLoss: 1 }], 5);
    assert.equal([...svg.matchAll(/points="([^"]*)"/g)][0]?.[1]?.split(" ").length, 1);
    assert.throws(() => lossSparklineSvg([], 0), /Expected epochs to be an integer >= 1, but got 0/);
  });
});
