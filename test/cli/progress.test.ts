import { strict as assert } from "node:assert";
import { ProgressBar, renderBar } from "../../src/cli/progress";

function stream(isTTY: boolean): { s: { write(c: string): boolean; isTTY: boolean; columns: number }; text: () => string } {
  let t = "";
  return {
    s: {
      write: (c: string) => {
        t += c;
        return true;
      },
      isTTY,
      columns: 100,
    },
    text: () => t,
  };
}

describe("ProgressBar", () => {
  it("draws nothing when the stream is not a terminal", () => {
    const { s, text } = stream(false);
    const bar = new ProgressBar(s, 10, "training");
    for (let k = 1; k <= 10; k++) bar.update(k, "x");
    bar.finish();
    assert.equal(text(), "");
    assert.equal(bar.enabled, false);
  });

  it("redraws in place on a terminal, at most every interval, always the last step, then ends the line", () => {
    const { s, text } = stream(true);
    const bar = new ProgressBar(s, 50, "training", 60_000);
    for (let k = 1; k <= 50; k++) bar.update(k, `val ${k}`);
    bar.finish();
    const draws = text()
      .split("\r")
      .filter((x) => x.length > 0);
    assert.equal(draws.length, 2, "the first step, then (throttled) only the final one");
    assert.match(draws[1]!, /^training \[#{24}\] 50\/50 {2}val 50/);
    assert.ok(text().endsWith("\n"));
  });

  it("renders the filled share and fits the terminal width", () => {
    assert.match(renderBar("t", 5, 10, "", 80), /^t \[#{12}\.{12}\] 5\/10/);
    assert.ok(renderBar("t", 1, 2, "x".repeat(200), 40).length <= 39);
  });
});
