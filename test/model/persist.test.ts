import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { saveModel, loadModel, loadModelAsync, loadSavedModel, MANIFEST_FILE, type ModelManifest } from "../../src/model/persist";
import { IdMap } from "../../src/data/idmap";
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
    assert.throws(
      () => loadModel(dir),
      (e: unknown) => e instanceof ModelFormatError && file.test(e.file) && problem.test(e.message),
      `expected ${problem}`,
    );
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
    assert.equal(m.formatVersion, 2);
    assert.equal(m.userIds, undefined, "version 2 keeps the IDs in the weights file");
    assert.deepEqual(m.finalMetrics, model.history[model.history.length - 1]);
    // 4 bytes per float: factors, biases, rated offsets and items, the ID ends; then the IDs' UTF-8 bytes.
    const rated = model.ratedItems.items.length;
    const idBytes = Buffer.byteLength(model.userIds.toArray().join("") + model.itemIds.toArray().join(""));
    assert.equal(m.weights.bytes, 4 * (30 * 10 + 20 * 10 + 30 + 20 + 31 + rated + 30 + 20) + idBytes);
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
    assert.throws(
      () =>
        saveModel(other, dir, {
          beforeCommit: () => {
            throw new Error("simulated crash");
          },
        }),
      /simulated crash/,
    );
    assert.deepEqual(loadModel(dir).weights, model.weights);
    assert.deepEqual(fs.readdirSync(dir).sort(), [MANIFEST_FILE, manifestOf(dir).weights.file].sort());
    // A crash while creating a new directory leaves nothing at the target.
    const fresh = path.join(tmp, "fresh");
    assert.throws(
      () =>
        saveModel(model, fresh, {
          beforeCommit: () => {
            throw new Error("simulated crash");
          },
        }),
      /simulated crash/,
    );
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
    fs.writeFileSync(path.join(tmp, "good", MANIFEST_FILE), JSON.stringify({ ...m, formatVersion: 3 }));
    expectError(
      path.join(tmp, "good"),
      /manifest\.json$/,
      /format version 3 is not supported \(this workbook reads versions 1 and 2\); retrain or save the model again/,
    );
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
    saveModel(model, dir, { formatVersion: 1 });
    const m = manifestOf(dir);
    const write = (x: object): void => fs.writeFileSync(path.join(dir, MANIFEST_FILE), JSON.stringify(x));
    write({ ...m, weights: { ...m.weights, file: "../../etc/passwd" } });
    expectError(
      dir,
      /manifest\.json$/,
      /field "weights.file" must be a file name like weights-<16 hex>\.bin inside the model directory, but is "..\/..\/etc\/passwd"/,
    );
    write({ ...m, dim: "64" });
    expectError(dir, /manifest\.json$/, /field "dim" must be an integer >= 1, but is "64"/);
    write({ ...m, userIds: m.userIds!.slice(1) });
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
    // Settings added after a model was saved mean what training did then: no per-rating L2, dense Adam, v per weight.
    const { l2PerRating: _d, updates: _e, secondMoment: _f, ...oldHyper } = m.hyperparameters;
    write({ ...old, hyperparameters: oldHyper });
    const settings = (h: typeof m.hyperparameters) => [h.l2PerRating, h.updates, h.secondMoment];
    assert.deepEqual(settings(loadModel(dir).hyperparameters), [0, "dense", "per-weight"]);
    write(m);
    assert.deepEqual(settings(loadModel(dir).hyperparameters), [model.hyperparameters.l2PerRating, "lazy", "per-row"]);
  });

  it("version 2 keeps the IDs in the weights file: any character round-trips, a version 1 model still loads", async () => {
    const odd = ["U\n1", "a,b", 'x"y', "用户😀", "é"].sort();
    const ids = IdMap.fromIds("user", odd);
    const items = IdMap.fromIds("item", ["I\r", "i2", "😀"]);
    const w = model.weights;
    const small: TrainedModel = {
      ...model,
      userIds: ids,
      itemIds: items,
      weights: {
        ...w,
        numUsers: 5,
        numItems: 3,
        userFactors: w.userFactors.slice(0, 50),
        itemFactors: w.itemFactors.slice(0, 30),
        userBias: w.userBias.slice(0, 5),
        itemBias: w.itemBias.slice(0, 3),
      },
      ratedItems: { offsets: new Int32Array([0, 1, 1, 2, 2, 3]), items: new Int32Array([0, 2, 1]) },
    };
    for (const formatVersion of [2, 1] as const) {
      const dir = path.join(tmp, `v${formatVersion}`);
      saveModel(small, dir, { formatVersion });
      assert.equal(manifestOf(dir).formatVersion, formatVersion);
      for (const back of [loadModel(dir), await loadModelAsync(dir)]) {
        assert.deepEqual(back.userIds.toArray(), odd);
        assert.deepEqual(back.itemIds.toArray(), items.toArray());
        assert.equal(back.userIds.index("用户😀"), odd.indexOf("用户😀"));
        assert.deepEqual(back.weights, small.weights);
      }
      assert.equal(loadSavedModel(dir).formatVersion, formatVersion);
    }
    // A lone surrogate cannot be UTF-8: such a model is written as version 1 (JSON escapes it) and still round-trips.
    const lone = { ...small, userIds: IdMap.fromIds("user", ["a", "b", "c", "d", "\ud800x"]) };
    saveModel(lone, path.join(tmp, "lone"));
    assert.equal(manifestOf(path.join(tmp, "lone")).formatVersion, 1);
    assert.deepEqual(loadModel(path.join(tmp, "lone")).userIds.toArray(), lone.userIds.toArray());
  });

  it("names the weights file when version 2's ID sections are inconsistent (checksum made to match)", () => {
    const dir = path.join(tmp, "m");
    saveModel(model, dir);
    const m = manifestOf(dir);
    const wf = weightsFileOf(dir);
    const good = fs.readFileSync(wf);
    const ends = m.weights.sections.find((x) => x.name === "userIdEnds")!;
    const text = m.weights.sections.find((x) => x.name === "idText")!;
    const rewrite = (edit: (b: Buffer) => void): void => {
      const b = Buffer.from(good);
      edit(b);
      fs.writeFileSync(wf, b);
      fs.writeFileSync(
        path.join(dir, MANIFEST_FILE),
        JSON.stringify({ ...m, weights: { ...m.weights, sha256: createHash("sha256").update(b).digest("hex") } }),
      );
    };
    rewrite((b) => b.writeInt32LE(b.readInt32LE(ends.byteOffset + 4), ends.byteOffset)); // ID 0 ends where ID 1 does: ID 1 empty
    expectError(dir, /weights-[0-9a-f]{16}\.bin$/, /corrupt: ID 1 runs \d+\.\.\d+ in an ID text/);
    rewrite((b) => {
      const a = b[text.byteOffset + 3]!;
      b[text.byteOffset + 3] = b[text.byteOffset + 7]!;
      b[text.byteOffset + 7] = a;
    }); // "u000","u001" -> "u001","u000"
    expectError(dir, /weights-[0-9a-f]{16}\.bin$/, /corrupt ID sections: Expected user ID list\[\d+\] to be sorted and unique/);
    rewrite((b) => {
      b[text.byteOffset] = 0xff;
    });
    expectError(dir, /weights-[0-9a-f]{16}\.bin$/, /corrupt: the ID text is not UTF-8/);
    // A version 2 manifest that still carries IDs, or lacks an ID section, is refused naming the field.
    fs.writeFileSync(wf, good);
    fs.writeFileSync(path.join(dir, MANIFEST_FILE), JSON.stringify({ ...m, userIds: model.userIds.toArray() }));
    expectError(dir, /manifest\.json$/, /field "userIds" must be absent in format version 2/);
    fs.writeFileSync(
      path.join(dir, MANIFEST_FILE),
      JSON.stringify({ ...m, weights: { ...m.weights, sections: m.weights.sections.filter((x) => x.name !== "idText") } }),
    );
    expectError(dir, /manifest\.json$/, /lacks the section idText/);
    fs.writeFileSync(path.join(dir, MANIFEST_FILE), JSON.stringify(m));
    assert.deepEqual(loadModel(dir).userIds.toArray(), model.userIds.toArray());
  });

  it("loadModelAsync gives the event loop a turn while it builds large ID maps (in steps, not one block)", async () => {
    const n = 100_000;
    const big: TrainedModel = {
      ...model,
      userIds: IdMap.fromIds(
        "user",
        Array.from({ length: n }, (_, k) => `user-${String(k).padStart(7, "0")}`),
      ),
      weights: { ...model.weights, numUsers: n, userFactors: new Float32Array(n * 10), userBias: new Float32Array(n) },
      ratedItems: { offsets: new Int32Array(n + 1), items: new Int32Array(0) },
    };
    const dir = path.join(tmp, "big");
    saveModel(big, dir);
    let turns = 0,
      running = true;
    const tick = (): void => {
      if (running) {
        turns++;
        setImmediate(tick);
      }
    };
    setImmediate(tick);
    const back = await loadModelAsync(dir);
    running = false;
    assert.equal(back.userIds.size, n);
    assert.ok(turns >= Math.floor(n / 16384), `${turns} event-loop turns during the load`);
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
