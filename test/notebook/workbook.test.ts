import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  loadOrTrainModel,
  modelDirFor,
  openWorkbook,
  projectPath,
  resolveWorkbookSource,
  saveWorkbookModel,
  workbookModel,
  type Workbook,
} from "../../src/notebook/workbook";
import { generateSyntheticDataset } from "../../src/data/generate";
import { DEFAULT_VALIDATION_FRACTION, randomSplit } from "../../src/data/split";
import { trainModel } from "../../src/model/train";

/** Notebook 00's data for `seed`, split as every notebook splits it, writing into `outDir`. */
async function workbookOf(seed: number, outDir: string): Promise<Workbook> {
  const before = process.env.EWB_WORKBOOK_OUT;
  process.env.EWB_WORKBOOK_OUT = outDir;
  try {
    return await openWorkbook({ data: `synthetic:${seed}` });
  } finally {
    if (before === undefined) delete process.env.EWB_WORKBOOK_OUT;
    else process.env.EWB_WORKBOOK_OUT = before;
  }
}
const workbookData = (seed: number) => {
  const dataset = generateSyntheticDataset({ seed });
  return { dataset, split: randomSplit(dataset.interactions) };
};

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

  it("recreates notebook 00's data and an 80/20 split from the seed, its outputs in a folder named for the data", async () => {
    const wb = await workbookOf(7, path.join(dir, "wb7"));
    assert.deepEqual(wb.dataset.interactions, generateSyntheticDataset({ seed: 7 }).interactions);
    assert.equal(wb.split.train.length + wb.split.validation.length, wb.dataset.interactions.length);
    assert.ok(Math.abs(wb.split.validation.length / wb.dataset.interactions.length - DEFAULT_VALIDATION_FRACTION) < 0.01);
    assert.equal(wb.name, "synthetic-7");
    assert.ok(fs.statSync(path.join(dir, "wb7")).isDirectory());
    assert.deepEqual(wb.labels.users?.values, ["tech", "fashion", "sports"]);
  });

  it("names every kind of data source the same way, reading nothing", () => {
    assert.deepEqual(resolveWorkbookSource({ data: "synthetic" }).name, "synthetic");
    const folder = path.join(dir, "ml-mini");
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, "u.data"), "1\t2\t3\t4\n");
    fs.writeFileSync(path.join(dir, "mine.csv"), "user_id,item_id,rating\nu,i,3\n");
    assert.deepEqual(resolveWorkbookSource({ data: folder }), { name: "ml-mini", source: { kind: "movielens", path: folder } });
    assert.deepEqual(resolveWorkbookSource({ data: path.join(folder, "u.data") }).source.kind, "movielens");
    assert.deepEqual(resolveWorkbookSource({ data: "mine.csv" }, dir), { name: "mine", source: { kind: "csv", path: path.join(dir, "mine.csv") } });
    assert.equal(resolveWorkbookSource({ data: path.join(folder, "u.data"), format: "csv" }).source.kind, "csv");
    assert.throws(
      () => resolveWorkbookSource({ data: "x.csv", format: "parquet" }),
      /Expected DATA_FORMAT to be one of "auto", "csv", "movielens", but got "parquet"/,
    );
    assert.throws(() => resolveWorkbookSource({ data: "" }), /Expected DATA to be a non-empty string/);
  });

  it("keeps one model directory per settings, and the notebooks after 02 follow 02's settings", async () => {
    const wb = await workbookOf(7, path.join(dir, "flow"));
    assert.notEqual(modelDirFor(wb, { epochs: 3 }), modelDirFor(wb, { epochs: 4 }));
    // Before 02 has run: the defaults' directory.
    assert.equal(modelDirFor(wb), modelDirFor(wb, {}));
    // 02 trains with epochs 3 and saves: 03-05 (no settings of their own) now load that very model.
    const m02 = await trainModel(wb.split, wb.dataset, { epochs: 3 });
    const saved = await saveWorkbookModel(wb, m02);
    const later = await workbookModel(wb);
    assert.equal(later.source, "loaded");
    assert.equal(later.dir, saved);
    assert.equal(later.model.history.length, 3);
    // A notebook asking for other settings gets its own directory; 02's model stays.
    const other = await workbookModel(wb, { hyperparameters: { epochs: 2 } });
    assert.equal(other.source, "trained");
    assert.notEqual(other.dir, saved);
    assert.equal((await workbookModel(wb)).model.history.length, 3);
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
