import { strict as assert } from "node:assert";
import { validationCurvesFigure } from "../../src/charts/validation-curves";

const rec = (epoch: number, valLoss: number) => ({ epoch, trainLoss: valLoss, valLoss, valRmse: Math.sqrt(valLoss), valMae: 0, seconds: 0 });

describe("validationCurvesFigure", () => {
  it("draws one named line per model (validation MSE against the epoch), a log axis with value ticks when asked", () => {
    const f = validationCurvesFigure(
      [
        { name: "MF", history: [rec(0, 2), rec(1, 1)] },
        { name: "neural", history: [rec(0, 3), rec(1, 0.9), rec(2, 0.8)] },
      ],
      { logY: true },
    );
    assert.deepEqual(
      f.data.map((d) => d.name),
      ["MF", "neural"],
    );
    assert.deepEqual(f.data[1]!.y, [3, 0.9, 0.8]);
    assert.notEqual((f.data[0]!.line as { color: string }).color, (f.data[1]!.line as { color: string }).color);
    assert.equal((f.layout.yaxis as { type?: string }).type, "log");
  });

  it("refuses no curves, an empty history and a history without validation figures, naming the curve", () => {
    assert.throws(() => validationCurvesFigure([]), /curves/);
    assert.throws(() => validationCurvesFigure([{ name: "x", history: [] }]), /curves\[0\]/);
    assert.throws(
      () =>
        validationCurvesFigure([
          { name: "x", history: [rec(0, 1)] },
          { name: "refit", history: [rec(0, NaN)] },
        ]),
      /curves\[1\]\.history\[0\]/,
    );
  });
});
