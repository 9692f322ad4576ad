import { strict as assert } from "node:assert";
import { main } from "../../../src/cli/main";
import { writeInteractionsCsv } from "../../../src/data/csv";
import { loadModel } from "../../../src/model/persist";
import { tinyDataset } from "../../model/fixtures";
import { useTempDir } from "../../tmpdir";
import { capture } from "../capture";

describe("ewb train --model-type / --layers", function () {
  this.timeout(120000);
  const tmp = useTempDir("ewb-train-type-");
  let csv: string;
  before(async () => {
    const tiny = tinyDataset(30, 20, 0.5, 51);
    csv = tmp.join("data.csv");
    await writeInteractionsCsv(csv, tiny.dataset);
  });

  it("trains and saves the neural model (modelType neural, TF.js backend) and reports its validation MSE", async () => {
    const c = capture();
    const code = await main(
      [
        "train",
        "--data",
        csv,
        "--model",
        tmp.join("neural"),
        "--model-type",
        "neural",
        "--hidden",
        "8,4",
        "--dropout",
        "0.1",
        "--epochs",
        "3",
        "--dim",
        "4",
        "--json",
      ],
      c.io,
    );
    assert.equal(code, 0, c.err());
    const r = c.json();
    assert.equal(r.modelType, "neural");
    assert.match(r.backend, /^tfjs-.*\+layers$/);
    assert.ok(r.valMse > 0 && r.valMse < 10);
    const saved = loadModel(tmp.join("neural"));
    assert.equal(saved.modelType, "neural");
    assert.deepEqual(saved.network!.config, { hiddenSizes: [8, 4], dropout: 0.1 });
  });

  it("trains the MF model as a tf.layers model with --layers (saved as an ordinary MF model)", async () => {
    const c = capture();
    const code = await main(["train", "--data", csv, "--model", tmp.join("layers"), "--layers", "--epochs", "2", "--dim", "4", "--json"], c.io);
    assert.equal(code, 0, c.err());
    assert.equal(c.json().modelType, "mf");
    assert.equal(loadModel(tmp.join("layers")).modelType ?? "mf", "mf");
  });

  it("rejects an unknown model type and bad hidden sizes, naming the option", async () => {
    for (const [args, msg] of [
      [["--model-type", "deep"], /--model-type to be mf or neural/],
      [["--model-type", "neural", "--hidden", "8,x"], /--hidden to be layer sizes/],
    ] as const) {
      const c = capture();
      const code = await main(["train", "--data", csv, "--model", tmp.join("bad"), ...args], c.io);
      assert.notEqual(code, 0);
      assert.match(c.err(), msg);
    }
  });
});
