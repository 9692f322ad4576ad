import { strict as assert } from "node:assert";
import { createLiveOutput, lossSparklineSvg, trainingProgress } from "../../src/notebook/live";

describe("notebook loss sparkline", () => {
  it("draws train and validation loss as two polylines, the lowest loss at the bottom (log scale)", () => {
    const svg = lossSparklineSvg(
      [
        { trainLoss: 10, valLoss: 8 },
        { trainLoss: 1, valLoss: 2 },
      ],
      2,
      { width: 108, height: 58 },
    );
    const lines = [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) => m[1]);
    // x runs from 4 to 104 over the 2 epochs; y from 4 (loss 10, the highest) to 54 (loss 1, the lowest).
    assert.deepEqual(lines, [
      "4.0,4.0 104.0,54.0",
      `4.0,${(4 + (50 * (Math.log(10) - Math.log(8))) / Math.log(10)).toFixed(1)} 104.0,${(4 + (50 * (Math.log(10) - Math.log(2))) / Math.log(10)).toFixed(1)}`,
    ]);
  });

  it("leaves out non-finite losses and rejects a bad epoch count", () => {
    const svg = lossSparklineSvg(
      [
        { trainLoss: NaN, valLoss: 2 },
        { trainLoss: 1, valLoss: 1 },
      ],
      5,
    );
    assert.equal([...svg.matchAll(/points="([^"]*)"/g)][0]?.[1]?.split(" ").length, 1);
    assert.throws(() => lossSparklineSvg([], 0), /Expected epochs to be an integer >= 1, but got 0/);
  });
});

describe("notebook live output", () => {
  it("fails with a clear message when updated outside a Jupyter kernel", () => {
    assert.throws(() => createLiveOutput().update("epoch 1"), /Expected a live output to run inside a tslab Jupyter kernel/);
    assert.throws(() => trainingProgress(0), /Expected epochs to be an integer >= 1, but got 0/);
  });
});
