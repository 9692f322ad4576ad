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
  type PlotlyFigure,
} from "../../src/notebook/display";

const figure: PlotlyFigure = {
  data: [{ type: "scatter", x: [1, 2, 3], y: [3, 1, 2], name: "a </script> b" }],
  layout: { title: { text: "Loss per epoch" } },
};

/** Runs the HTML's inline script in a sandbox with a fake document and Plotly, and returns the newPlot calls. */
function runFigureScript(html: string, withPlotly: boolean): { calls: unknown[][]; el: { id: string; textContent: string; style: Record<string, string> } } {
  const script = /<script type="text\/javascript">([\s\S]*)<\/script>/.exec(html)?.[1];
  assert.ok(script, "the figure HTML has an inline script");
  const el = { id: /<div id="([^"]+)"/.exec(html)?.[1] ?? "", textContent: "fallback", style: {} as Record<string, string> };
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
    // Untrusted (no script run), the div holds one line of text and no height; the script sizes it and draws.
    assert.match(
      html,
      /<div id="fig-1" class="ewb-plot" style="width:100%"><span class="ewb-plot-fallback">Chart "Loss per epoch": drawn when the notebook is trusted or this cell is run\.<\/span><\/div>/,
    );
    const { calls, el } = runFigureScript(html, true);
    assert.equal(calls.length, 1);
    assert.equal(el.style.height, "300px");
    assert.equal(el.textContent, "");
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
