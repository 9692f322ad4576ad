import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadOrTrainModel, projectPath, workbookData, WORKBOOK_SPLIT } from "../../src/notebook/workbook";
import { generateSyntheticDataset } from "../../src/data/generate";

describe("notebook workbook helpers", function () {
  this.timeout(60_000);
  let dir = "";
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ewb-workbook-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("resolves project paths to the folder holding package.json", () => {
    assert.ok(fs.existsSync(projectPath("package.json")));
    assert.equal(projectPath("out", "model"), path.resolve(__dirname, "..", "..", "out", "model"));
  });

  it("recreates notebook 00's data and an 80/20 split from the seed", () => {
    const { dataset, split } = workbookData(7);
    assert.deepEqual(dataset.interactions, generateSyntheticDataset({ seed: 7 }).interactions);
    assert.equal(split.train.length + split.validation.length, dataset.interactions.length);
    assert.ok(Math.abs(split.validation.length / dataset.interactions.length - WORKBOOK_SPLIT.validationFraction) < 0.01);
  });

  it("trains and saves a model, loads it next time, and retrains when the settings or the data differ", async () => {
    const { dataset, split } = workbookData(7);
    const modelDir = path.join(dir, "model");
    const hyper = { epochs: 3 };
    const first = await loadOrTrainModel({ dir: modelDir, dataset, split, hyperparameters: hyper });
    assert.equal(first.source, "trained");
    assert.ok(fs.existsSync(path.join(modelDir, "manifest.json")));

    const again = await loadOrTrainModel({ dir: modelDir, dataset, split, hyperparameters: hyper });
    assert.equal(again.source, "loaded");
    assert.deepEqual(again.model.weights.userFactors, first.model.weights.userFactors);
    assert.deepEqual(again.model.userIds.toArray(), first.model.userIds.toArray());

    const otherSettings = await loadOrTrainModel({ dir: modelDir, dataset, split, hyperparameters: { epochs: 4 } });
    assert.equal(otherSettings.source, "trained");
    assert.equal(otherSettings.model.history.length, 4);

    const fewer = { train: split.train.slice(1), validation: split.validation };
    assert.equal((await loadOrTrainModel({ dir: modelDir, dataset, split: fewer, hyperparameters: { epochs: 4 } })).source, "trained");
  });

  it("replaces an unreadable saved model instead of failing", async () => {
    const { dataset, split } = workbookData(7);
    const modelDir = path.join(dir, "broken");
    fs.mkdirSync(modelDir);
    fs.writeFileSync(path.join(modelDir, "manifest.json"), "{ not json");
    const r = await loadOrTrainModel({ dir: modelDir, dataset, split, hyperparameters: { epochs: 2 } });
    assert.equal(r.source, "trained");
  });

  it("rejects a missing model directory name", async () => {
    const { dataset, split } = workbookData(7);
    await assert.rejects(loadOrTrainModel({ dir: "", dataset, split }), /Expected options\.dir to be a non-empty string/);
  });
});
