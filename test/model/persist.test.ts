import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { saveModel, loadModel, MANIFEST_FILE, type ModelManifest } from "../../src/model/persist";
import { trainModel } from "../../src/model/train";
import { predictRating } from "../../src/model/predict";
import type { TrainedModel } from "../../src/model/types";
import { ModelFormatError } from "../../src/errors";
import { tinyDataset } from "./fixtures";

describe("saveModel / loadModel", function () {
  this.timeout(60000);
  let tmp: string;
  let model: TrainedModel;
  let other: TrainedModel;

  before(async () => {
    const { dataset, split } = tinyDataset(30, 20, 0.4, 11);
    model = await trainModel(split, dataset, { epochs: 3, dim: 10 });
    other = await trainModel(split, dataset, { epochs: 2, dim: 10, seed: 99 });
  });
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ewb-persist-"));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const manifestOf = (dir: string): ModelManifest => JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), "utf8")) as ModelManifest;
  const weightsFileOf = (dir: string): string => path.join(dir, manifestOf(dir).weights.file);
  const expectError = (dir: string, file: RegExp, problem: RegExp): void => {
    assert.throws(() => loadModel(dir), (e: unknown) => e instanceof ModelFormatError && file.test(e.file) && problem.test(e.message), `expected ${problem}`);
  };

  it("save then load gives identical weights, predictions, ID maps and metadata", () => {
    const dir = path.join(tmp, "m");
    saveModel(model, dir);
    const back = loadModel(dir);
    assert.deepEqual(back.weights, model.weights);
    for (let u = 0; u < 30; u += 7) for (let i = 0; i < 20; i += 3) assert.equal(predictRating(back.weights, u, i), predictRating(model.weights, u, i));
    assert.deepEqual(back.userIds.toArray(), model.userIds.toArray());
    assert.deepEqual(back.itemIds.toArray(), model.itemIds.toArray());
    assert.deepEqual(back.hyperparameters, model.hyperparameters);
    assert.deepEqual(back.history, model.history);
    assert.deepEqual(back.ratedItems, model.ratedItems);
    assert.equal(back.bestEpoch, model.bestEpoch);
    assert.equal(back.backend, model.backend);
    assert.equal(back.dataFingerprint, model.dataFingerprint);
    assert.equal(back.trainedAt, model.trainedAt);
    assert.equal(back.ratingMin, 1);
    assert.equal(back.ratingMax, 5);
    assert.equal(back.fittedOn, "train");
    const m = manifestOf(dir);
    assert.deepEqual([m.ratingMin, m.ratingMax, m.fittedOn], [1, 5, "train"]);
    assert.equal(m.formatVersion, 1);
    assert.deepEqual(m.finalMetrics, model.history[model.history.length - 1]);
    // 4 bytes per float: factors, biases, rated offsets and items.
    const rated = model.ratedItems.items.length;
    assert.equal(m.weights.bytes, 4 * (30 * 10 + 20 * 10 + 30 + 20 + 31 + rated));
  });

  it("writes the weights little-endian (first user factor readable with readFloatLE)", () => {
    const dir = path.join(tmp, "m");
    saveModel(model, dir);
    const buf = fs.readFileSync(weightsFileOf(dir));
    assert.equal(buf.readFloatLE(0), model.weights.userFactors[0]);
  });

  it("replaces an existing model and removes its old weights file", () => {
    const dir = path.join(tmp, "m");
    saveModel(model, dir);
    saveModel(other, dir);
    assert.deepEqual(loadModel(dir).weights, other.weights);
    assert.deepEqual(fs.readdirSync(dir).sort(), [MANIFEST_FILE, manifestOf(dir).weights.file].sort());
  });

  it("a crash before the commit leaves the previous model whole and no temporary files", () => {
    const dir = path.join(tmp, "m");
    saveModel(model, dir);
    assert.throws(() => saveModel(other, dir, { beforeCommit: () => { throw new Error("simulated crash"); } }), /simulated crash/);
    assert.deepEqual(loadModel(dir).weights, model.weights);
    assert.deepEqual(fs.readdirSync(dir).sort(), [MANIFEST_FILE, manifestOf(dir).weights.file].sort());
    // A crash while creating a new directory leaves nothing at the target.
    const fresh = path.join(tmp, "fresh");
    assert.throws(() => saveModel(model, fresh, { beforeCommit: () => { throw new Error("simulated crash"); } }), /simulated crash/);
    assert.equal(fs.existsSync(fresh), false);
    assert.deepEqual(fs.readdirSync(tmp).sort(), ["m"]);
  });

  it("a killed process mid-save (new weights written, manifest not yet swapped) still loads the previous model", () => {
    const dir = path.join(tmp, "m");
    saveModel(model, dir);
    // What a crash after the weights write looks like on disk: an extra, unreferenced weights file.
    fs.writeFileSync(path.join(dir, "weights-0123456789abcdef.bin"), Buffer.alloc(10));
    assert.deepEqual(loadModel(dir).weights, model.weights);
  });

  it("names the directory when it does not exist or is a file", () => {
    expectError(path.join(tmp, "nope"), /nope$/, /no such model directory/);
    fs.writeFileSync(path.join(tmp, "file"), "x");
    expectError(path.join(tmp, "file"), /file$/, /not a directory/);
  });

  it("names manifest.json when it is missing, not JSON, or another format version", () => {
    const dir = path.join(tmp, "m");
    fs.mkdirSync(dir);
    expectError(dir, /manifest\.json$/, /manifest\.json: missing/);
    saveModel(model, path.join(tmp, "good"));
    fs.writeFileSync(path.join(dir, MANIFEST_FILE), "{ not json");
    expectError(dir, /manifest\.json$/, /not valid JSON/);
    const m = manifestOf(path.join(tmp, "good"));
    fs.writeFileSync(path.join(tmp, "good", MANIFEST_FILE), JSON.stringify({ ...m, formatVersion: 2 }));
    expectError(path.join(tmp, "good"), /manifest\.json$/, /format version 2 is not supported \(this workbook reads version 1\)/);
  });

  it("names the weights file when it is missing, truncated or corrupt", () => {
    const dir = path.join(tmp, "m");
    saveModel(model, dir);
    const wf = weightsFileOf(dir);
    const bytes = fs.readFileSync(wf);
    fs.writeFileSync(wf, bytes.subarray(0, bytes.length - 8));
    expectError(dir, /weights-[0-9a-f]{16}\.bin$/, /truncated: \d+ bytes, the manifest says \d+/);
    const flipped = Buffer.from(bytes);
    flipped[100] = flipped[100]! ^ 0xff;
    fs.writeFileSync(wf, flipped);
    expectError(dir, /weights-[0-9a-f]{16}\.bin$/, /corrupt: SHA-256/);
    fs.rmSync(wf);
    expectError(dir, /weights-[0-9a-f]{16}\.bin$/, /missing: the manifest names this weights file/);
  });

  it("never follows a weights path out of the model directory, and checks the manifest's fields", () => {
    const dir = path.join(tmp, "m");
    saveModel(model, dir);
    const m = manifestOf(dir);
    const write = (x: object): void => fs.writeFileSync(path.join(dir, MANIFEST_FILE), JSON.stringify(x));
    write({ ...m, weights: { ...m.weights, file: "../../etc/passwd" } });
    expectError(dir, /manifest\.json$/, /field "weights.file" must be a file name like weights-<16 hex>\.bin inside the model directory, but is "..\/..\/etc\/passwd"/);
    write({ ...m, dim: "64" });
    expectError(dir, /manifest\.json$/, /field "dim" must be an integer >= 1, but is "64"/);
    write({ ...m, userIds: m.userIds.slice(1) });
    expectError(dir, /manifest\.json$/, /field "userIds" must be an array of 30 IDs/);
    write({ ...m, hyperparameters: { ...m.hyperparameters, learningRate: -1 } });
    expectError(dir, /manifest\.json$/, /field "hyperparameters": Expected hyperparameters.learningRate/);
    write({ ...m, weights: { ...m.weights, sections: m.weights.sections.slice(1) } });
    expectError(dir, /manifest\.json$/, /lacks the section userFactors/);
    write({ ...m, ratingMax: "5" });
    expectError(dir, /manifest\.json$/, /field "ratingMax" must be a finite number when present/);
    write({ ...m, ratingMin: 6 });
    expectError(dir, /manifest\.json$/, /field "ratingMin" and ratingMax must both be present, with ratingMin <= ratingMax/);
    write({ ...m, fittedOn: "test" });
    expectError(dir, /manifest\.json$/, /field "fittedOn" must be "train" or "all", but is "test"/);
    // An older model without the scale and fittedOn still loads, as fitted on "train" with no scale.
    const { ratingMin: _a, ratingMax: _b, fittedOn: _c, ...old } = m;
    write(old);
    const back = loadModel(dir);
    assert.equal(back.fittedOn, "train");
    assert.equal(back.ratingMin, undefined);
    // Settings added after a model was saved mean what training did then: no per-rating L2, dense Adam.
    const { l2PerRating: _d, updates: _e, ...oldHyper } = m.hyperparameters;
    write({ ...old, hyperparameters: oldHyper });
    assert.deepEqual([loadModel(dir).hyperparameters.l2PerRating, loadModel(dir).hyperparameters.updates], [0, "dense"]);
    write(m);
    assert.deepEqual([loadModel(dir).hyperparameters.l2PerRating, loadModel(dir).hyperparameters.updates], [model.hyperparameters.l2PerRating, "lazy"]);
  });

  it("refuses a weights file that is a symbolic link out of the model directory", () => {
    const dir = path.join(tmp, "m");
    saveModel(model, dir);
    const wf = weightsFileOf(dir);
    const outside = path.join(tmp, "outside.bin");
    fs.renameSync(wf, outside);
    fs.symlinkSync(outside, wf);
    expectError(dir, /weights-[0-9a-f]{16}\.bin$/, /outside the model directory; refusing to read it/);
  });

  it("rejects bad arguments", () => {
    assert.throws(() => saveModel(model, ""), /Expected dir to be a non-empty string, but got ""/);
    assert.throws(() => saveModel({} as TrainedModel, path.join(tmp, "x")), /Expected model\.weights to be an MfWeights object/);
    assert.throws(() => loadModel(42 as unknown as string), /Expected dir to be a non-empty string, but got 42/);
  });
});
