import { strict as assert } from "node:assert";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../../src/cli/main";
import { writeInteractionsCsv } from "../../../src/data/csv";
import { MySqlStore } from "../../../src/data/mysql";
import { loadModel } from "../../../src/model/persist";
import { predictRating } from "../../../src/model/predict";
import type { Dataset } from "../../../src/data/types";
import { tinyDataset } from "../../model/fixtures";
import { capture, lastJson } from "../capture";

describe("ewb train", function () {
  this.timeout(120000);
  let dir: string;
  let csv: string;
  let testCsv: string;
  let dataset: Dataset;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "ewb-train-"));
    const tiny = tinyDataset(40, 30, 0.5, 31);
    dataset = tiny.dataset;
    csv = path.join(dir, "data.csv");
    testCsv = path.join(dir, "test.csv");
    const trainRows = tiny.split.train,
      testRows = tiny.split.validation;
    await writeInteractionsCsv(csv, { ...dataset, interactions: trainRows });
    await writeInteractionsCsv(testCsv, { ...dataset, interactions: testRows });
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("trains, saves a loadable model and prints the JSON summary on the last stdout line", async () => {
    const c = capture();
    const modelDir = path.join(dir, "m1");
    const code = await main(["train", "--data", csv, "--model", modelDir, "--epochs", "5", "--dim", "8", "--batch", "64", "--lr", "0.01", "--json"], c.io);
    assert.equal(code, 0, c.err());
    const r = lastJson(c.out());
    for (const k of ["backend", "epochs", "bestEpoch", "msPerEpoch", "trainMse", "valMse", "valRmse", "valMae", "seconds", "peakRssMb", "modelDir"])
      assert.ok(k in r, `missing ${k}`);
    assert.equal(r.epochs, 5);
    assert.equal(r.bestEpoch, 4);
    assert.equal(r.backend, "wasm-kernel");
    assert.equal(c.out().trimEnd().split("\n").length, 1, "with --json stdout holds only the JSON line");
    assert.ok((r.peakRssMb as number) > 10);
    const model = loadModel(modelDir);
    assert.equal(model.hyperparameters.dim, 8);
    assert.equal(model.history.length, 5);
    // valMse is the model's error on the validation split, recomputed here from the saved weights.
    assert.ok(Math.abs((r.valRmse as number) ** 2 - (r.valMse as number)) < 1e-3);
    assert.ok(Number.isFinite(predictRating(model.weights, 0, 0)));
  });

  it("--second-moment: per-row by default, per-weight when asked (recorded in the manifest); another value is a usage error", async () => {
    const args = (name: string) => ["train", "--data", csv, "--model", path.join(dir, name), "--epochs", "2", "--dim", "8", "--batch", "64", "--json"];
    const c1 = capture();
    assert.equal(await main(args("sm-default"), c1.io), 0, c1.err());
    assert.equal(loadModel(path.join(dir, "sm-default")).hyperparameters.secondMoment, "per-row");
    const c2 = capture();
    assert.equal(await main([...args("sm-weight"), "--second-moment", "per-weight"], c2.io), 0, c2.err());
    assert.equal(loadModel(path.join(dir, "sm-weight")).hyperparameters.secondMoment, "per-weight");
    const c3 = capture();
    assert.equal(await main([...args("sm-bad"), "--second-moment", "per-column"], c3.io), 2);
    assert.match(c3.err(), /Expected --second-moment to be per-row or per-weight, but got "per-column"/);
  });

  it("measures the validation figures on --test when given", async () => {
    const c = capture();
    const code = await main(["train", "--data", csv, "--test", testCsv, "--model", path.join(dir, "m2"), "--epochs", "2", "--dim", "4", "--json"], c.io);
    assert.equal(code, 0, c.err());
    const r = lastJson(c.out());
    const testRows = (await fs.readFile(testCsv, "utf8")).trim().split("\n").length - 1;
    const data = r.data as { split: string; validation: number };
    assert.equal(data.split, "test-file");
    assert.equal(data.validation, testRows);
    assert.ok((r.validationRows as number) <= testRows && (r.validationRows as number) > 0);
  });

  it("prints a readable summary without --json", async () => {
    const c = capture();
    assert.equal(await main(["train", "--data", csv, "--model", path.join(dir, "m3"), "--epochs", "1", "--dim", "4"], c.io), 0, c.err());
    assert.match(c.out(), /backend wasm-kernel, 1 epochs \(best 0\), [\d.]+ ms\/epoch/);
    assert.match(c.out(), /val MSE [\d.]+ +RMSE [\d.]+ +MAE [\d.]+/);
    assert.equal(c.err(), "", "no progress bar when stderr is not a terminal");
  });

  it("uses the backend asked for with --backend", async () => {
    const c = capture();
    assert.equal(
      await main(["train", "--data", csv, "--model", path.join(dir, "m4"), "--epochs", "1", "--dim", "4", "--backend", "typed-array", "--json"], c.io),
      0,
      c.err(),
    );
    assert.equal(lastJson(c.out()).backend, "typed-array");
  });

  it("rejects a missing --model, a bad optimiser, a bad number and an unknown backend with clear messages", async () => {
    let c = capture();
    assert.equal(await main(["train", "--data", csv], c.io), 2);
    assert.match(c.err(), /Expected --model <dir>/);
    c = capture();
    assert.equal(await main(["train", "--data", csv, "--model", path.join(dir, "x"), "--optimizer", "rmsprop"], c.io), 2);
    assert.match(c.err(), /Expected --optimizer to be adam or sgd, but got "rmsprop"/);
    c = capture();
    assert.equal(await main(["train", "--data", csv, "--model", path.join(dir, "x"), "--epochs", "many"], c.io), 2);
    assert.match(c.err(), /Expected --epochs to be an integer, but got "many"/);
    c = capture();
    assert.equal(await main(["train", "--data", csv, "--model", path.join(dir, "x"), "--backend", "cuda"], c.io), 1);
    assert.match(c.err(), /Expected options.backend to be one of wasm-kernel, typed-array/);
    c = capture();
    assert.equal(await main(["train", "--data", path.join(dir, "nope.csv"), "--model", path.join(dir, "x")], c.io), 1);
    assert.match(c.err(), /nope\.csv/);
  });

  it("by default saves the model refitted on every interaction (fittedOn all), with the validated figures reported; --no-refit and --test do not refit", async () => {
    const c = capture();
    const modelDir = path.join(dir, "m7");
    const args = [
      "train",
      "--data",
      csv,
      "--epochs",
      "30",
      "--dim",
      "4",
      "--lr",
      "0.05",
      "--batch",
      "0",
      "--l2",
      "0",
      "--l2-rating",
      "0",
      "--patience",
      "2",
      "--json",
    ];
    assert.equal(await main([...args, "--model", modelDir], c.io), 0, c.err());
    const r = lastJson(c.out());
    assert.equal(r.fittedOn, "all");
    assert.ok((r.epochs as number) < 30, "early stopping chose the epochs");
    assert.equal(r.savedEpochs, (r.bestEpoch as number) + 1);
    assert.ok(Number.isFinite(r.valMse as number));
    const m = loadModel(modelDir);
    assert.equal(m.fittedOn, "all");
    assert.equal(m.history.length, (r.bestEpoch as number) + 1);
    for (const extra of [["--no-refit"], ["--test", testCsv]]) {
      const d = capture();
      assert.equal(await main([...args, ...extra, "--model", path.join(dir, "m8")], d.io), 0, d.err());
      assert.equal(lastJson(d.out()).fittedOn, "train", extra.join(" "));
      assert.equal(loadModel(path.join(dir, "m8")).fittedOn, "train");
    }
    const e = capture();
    assert.equal(await main([...args, "--refit", "--no-refit", "--model", path.join(dir, "m9")], e.io), 2);
    assert.match(e.err(), /at most one of --refit and --no-refit/);
    const h = capture();
    assert.equal(await main(["train", "--help"], h.io), 0);
    assert.match(h.out(), /--no-refit .*By default, once validation/s);
  });

  it("refuses to save a diverging run: non-zero exit, the epoch and the likely cause named, the old model untouched", async () => {
    const modelDir = path.join(dir, "m6");
    let c = capture();
    assert.equal(await main(["train", "--data", csv, "--model", modelDir, "--epochs", "3", "--dim", "4", "--json"], c.io), 0, c.err());
    const before = await fs.readFile(path.join(modelDir, "manifest.json"), "utf8");
    const files = (await fs.readdir(modelDir)).sort();
    for (const args of [
      ["--optimizer", "sgd", "--lr", "1000", "--init-std", "10", "--epochs", "5"],
      ["--optimizer", "sgd", "--lr", "999", "--epochs", "5"],
    ]) {
      c = capture();
      assert.equal(await main(["train", "--data", csv, "--model", modelDir, "--dim", "4", ...args], c.io), 1, args.join(" "));
      assert.match(c.err(), /Training diverged at epoch \d+ of 5: .*(not a finite number|exceeds).*(learning rate|--lr)/s, c.err());
      assert.doesNotMatch(c.err(), /saved to/);
      assert.equal(await fs.readFile(path.join(modelDir, "manifest.json"), "utf8"), before, args.join(" "));
      assert.deepEqual((await fs.readdir(modelDir)).sort(), files);
    }
    loadModel(modelDir);
  });

  it("reads negative numbers as values and rejects them with our own message (not Node's 'ambiguous')", async () => {
    for (const [flag, value, expected] of [
      ["--epochs", "-1", /Expected --epochs to be an integer >= 1, but got "-1"/],
      ["--lr", "-1", /Expected --lr to be a number > 0, but got "-1"/],
      ["--lr", "-0.5", /Expected --lr to be a number > 0, but got "-0.5"/],
      ["--dim", "-3", /Expected --dim to be an integer >= 1, but got "-3"/],
    ] as const) {
      const c = capture();
      assert.equal(await main(["train", "--data", csv, "--model", path.join(dir, "x"), flag, value], c.io), 2, `${flag} ${value}`);
      assert.match(c.err(), expected);
      assert.doesNotMatch(c.err(), /ambiguous/);
    }
  });

  it("trains from MySQL with --mysql (real MariaDB; skipped without MYSQL_URL)", async function () {
    if (!process.env.MYSQL_URL) {
      console.log("    (skipped: MYSQL_URL is not set)");
      this.skip();
    }
    const prefix = `ewbtrain${process.pid}_`;
    const store = await MySqlStore.connect(process.env.MYSQL_URL, { tablePrefix: prefix });
    try {
      await store.saveDataset(dataset);
      const c = capture();
      const code = await main(["train", "--mysql", "--table-prefix", prefix, "--model", path.join(dir, "m5"), "--epochs", "2", "--dim", "4", "--json"], c.io);
      assert.equal(code, 0, c.err());
      const r = lastJson(c.out());
      assert.equal((r.data as { interactions: number }).interactions, dataset.interactions.length);
      assert.equal(loadModel(path.join(dir, "m5")).userIds.size, dataset.users.length);
    } finally {
      await store.dropTables();
      await store.close();
    }
  });
});
