import { strict as assert } from "node:assert";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main";
import { loadDataset, type DataSource } from "../../src/data/load";
import { generateSyntheticDataset } from "../../src/data/generate";
import { writeInteractionsCsv } from "../../src/data/csv";
import { datasetFromObjects } from "../../src/data/dataset";
import { indexInteractions } from "../../src/data/indexed";
import { SPLIT_TRAIN } from "../../src/data/split";
import type { Dataset, Interaction } from "../../src/data/types";
import { trainModel } from "../../src/model/train";
import { saveModel } from "../../src/model/persist";
import { ratedItemsFromRows, ratedItemsOf, withRatedRows } from "../../src/model/rated-items";
import type { RecordedSplit, TrainedModel } from "../../src/model/types";
import {
  evaluateIndexed,
  evaluateModel,
  indexTranslation,
  recreateSplit,
  relevantItems,
  splitAssignment,
  splitByModel,
  splitByModelAssignment,
  translateRows,
  type EvaluationReport,
} from "../../src/evaluate/report";
import { refEvaluateModel, refRecreateSplit, refSplitByModel } from "./reference-report";
import { capture } from "../cli/capture";
import { ML100K } from "../ml100k";

const RECORDS: RecordedSplit[] = [
  { kind: "random", fraction: 0.2, seed: 42 },
  { kind: "per-user", fraction: 0.3, seed: 7 },
  { kind: "stratified", fraction: 0.25, seed: 42, by: "user" },
  { kind: "stratified", fraction: 0.25, seed: 42, by: "item" },
];

/** The report fields of `ewb evaluate --json`. */
function reportOf(json: Record<string, unknown>): EvaluationReport {
  const { k, relevanceThreshold, heldOut, skippedUnknown, rankedUsers, rows, notes } = json as unknown as EvaluationReport;
  return { k, relevanceThreshold, heldOut, skippedUnknown, rankedUsers, rows, notes };
}

async function cliReport(args: string[]): Promise<{ report: EvaluationReport; err: string; json: Record<string, unknown> }> {
  const c = capture();
  assert.equal(await main(["evaluate", ...args, "--json"], c.io), 0, c.err() + c.out());
  const json = c.json();
  return { report: reportOf(json), err: c.err(), json };
}

/**
 * `ewb evaluate` and its library functions on columnar rows against the frozen pre-columnar implementation
 * (reference-report.ts): the same split rows, the same report to the bit, through the library and the CLI, for each
 * split kind, on the synthetic data (with its labels: the own-group share) and on MovieLens 100k.
 */
for (const name of ["synthetic", "ml-100k"] as const) {
  describe(`evaluation on columnar rows = the pre-columnar report (${name})`, function () {
    this.timeout(120000);
    let dir: string, source: DataSource, args: string[], ds: Dataset;
    before(async function () {
      if (name === "ml-100k" && !existsSync(join(ML100K, "u.data"))) return this.skip();
      dir = mkdtempSync(join(tmpdir(), "ewb-evalcol-"));
      if (name === "synthetic") {
        const file = join(dir, "data.csv");
        await writeInteractionsCsv(file, generateSyntheticDataset({ seed: 3 }));
        source = { kind: "csv", path: file };
        args = ["--data", file];
      } else {
        source = { kind: "movielens", path: ML100K };
        args = ["--data", ML100K, "--format", "movielens"];
      }
      ds = await loadDataset(source);
    });
    after(() => dir && rmSync(dir, { recursive: true, force: true }));

    for (const record of RECORDS) {
      const what = record.kind === "stratified" ? `stratified by ${record.by}` : record.kind;
      it(`re-creates the ${what} split row for row and reports exactly as before (library and ewb evaluate)`, async () => {
        const ref = refRecreateSplit(record, ds.interactions);
        // The split: from the Dataset's columns and from its objects, the same rows as the old array code.
        const cols = recreateSplit(record, ds);
        assert.deepEqual(cols.trainIndexed, indexInteractions(ref.train, ds.userIds, ds.itemIds));
        assert.deepEqual(cols.validationIndexed, indexInteractions(ref.validation, ds.userIds, ds.itemIds));
        assert.deepEqual(recreateSplit(record, ds.interactions), ref);
        const part = splitAssignment(record, ds);
        assert.equal(part.filter((p) => p === SPLIT_TRAIN).length, ref.train.length);

        // A model trained on that split, saved as `ewb train --no-refit` saves it (rated items = every row).
        const trained = await trainModel(cols, ds, { epochs: 2, dim: 8, seed: 1 });
        const held = cols.validationIndexed!;
        const model: TrainedModel = { ...trained, split: record, ratedItems: withRatedRows(trained.ratedItems, held.users, held.items, held.length) };
        const want = refEvaluateModel(model, ref.train, ref.validation, { k: 10, dataset: ds });
        assert.deepStrictEqual(evaluateModel(model, ref.train, ref.validation, { k: 10, dataset: ds }), want);
        const modelDir = join(dir, `model-${what.replace(/ /g, "-")}`);
        saveModel(model, modelDir);
        const cli = await cliReport(["--model", modelDir, ...args]);
        assert.deepStrictEqual(cli.report, want);
        assert.equal(cli.json.trainingRowsMatchModel, true);
        assert.equal(cli.err, "");
      });
    }

    it("without a recorded split, holds out the rows the model did not rate, exactly as before", async () => {
      const split = recreateSplit(RECORDS[0]!, ds);
      const model = await trainModel(split, ds, { epochs: 2, dim: 8, seed: 2 });
      // An older model: no split record; its rated items are its training rows.
      const ref = refSplitByModel(model, ds.interactions);
      assert.deepEqual(splitByModel(model, ds.interactions), ref);
      const part = splitByModelAssignment(model, ds);
      assert.deepEqual(
        ds.interactions.filter((_, r) => part[r] === SPLIT_TRAIN),
        ref.train,
      );
      const want = refEvaluateModel(model, ref.train, ref.heldOut, { k: 5, dataset: ds });
      const modelDir = join(dir, "model-unrecorded");
      saveModel(model, modelDir);
      const cli = await cliReport(["--model", modelDir, ...args, "--k", "5"]);
      assert.deepStrictEqual(cli.report, want);
      assert.equal(cli.json.trainingRowsMatchModel, true);
    });

    it("scores a --test file as before, with rows of unknown users and items counted and left out", async () => {
      // Training file: the first 70% of the rows; test file: the rest plus two rows the model cannot know.
      const cut = Math.floor(ds.interactions.length * 0.7);
      const trainRows = ds.interactions.slice(0, cut);
      const testRows: Interaction[] = [
        ...ds.interactions.slice(cut),
        { userId: "nobody", itemId: ds.interactions[0]!.itemId, rating: 5 },
        { userId: ds.interactions[0]!.userId, itemId: "nothing", rating: 4 },
      ];
      const trainFile = join(dir, "train.csv"),
        testFile = join(dir, "test.csv");
      const trainDs = datasetFromObjects({ interactions: trainRows, users: [], items: [], source: "t" });
      await writeInteractionsCsv(trainFile, trainDs);
      await writeInteractionsCsv(testFile, datasetFromObjects({ interactions: testRows, users: [], items: [], source: "t" }));
      const loaded = await loadDataset({ kind: "csv", path: trainFile });
      const model = await trainModel(recreateSplit(RECORDS[0]!, loaded), loaded, { epochs: 2, dim: 8, seed: 3 });
      const test = await loadDataset({ kind: "csv", path: testFile });
      const want = refEvaluateModel(model, loaded.interactions, test.interactions, { k: 10, dataset: loaded });
      assert.ok(want.skippedUnknown >= 2);
      const modelDir = join(dir, "model-test-file");
      saveModel(model, modelDir);
      const cli = await cliReport(["--model", modelDir, "--data", trainFile, "--test", testFile]);
      assert.deepStrictEqual(cli.report, want);
      assert.ok(cli.err.includes(`${want.skippedUnknown} held-out rows have a user or item the model does not know; left out`), cli.err);
      // The fitted rows are the first 80% of the training file, not all of it: the note says so.
      assert.match(cli.err, /not exactly the rows the model was trained on/);
    });

    it("keeps relevant and excluded items as CSR rows equal to the per-user Sets they replace", () => {
      const split = recreateSplit(RECORDS[1]!, ds);
      const test = split.validationIndexed!,
        train = split.trainIndexed!;
      const nU = ds.userIds.size;
      const sets = Array.from({ length: nU }, () => new Set<number>());
      for (let r = 0; r < test.length; r++) if (test.ratings[r]! >= 4) sets[test.users[r]!]!.add(test.items[r]!);
      const rel = relevantItems(test, 4, nU);
      assert.equal(rel.offsets.length, nU + 1);
      for (let u = 0; u < nU; u++)
        assert.deepEqual(
          Array.from(ratedItemsOf(rel, u)),
          [...sets[u]!].sort((a, b) => a - b),
          `user ${u}`,
        );
      const ex = ratedItemsFromRows(train.users, train.items, nU, train.length);
      const trainSets = Array.from({ length: nU }, () => new Set<number>());
      for (let r = 0; r < train.length; r++) trainSets[train.users[r]!]!.add(train.items[r]!);
      for (let u = 0; u < nU; u++)
        assert.deepEqual(
          Array.from(ratedItemsOf(ex, u)),
          [...trainSets[u]!].sort((a, b) => a - b),
          `user ${u}`,
        );
      // One Int32Array of items and one of offsets for all users, not an object per user.
      assert.ok(rel.items instanceof Int32Array && ex.items instanceof Int32Array);
    });
  });
}

describe("evaluation on columnar rows: maps and errors", () => {
  const ds = generateSyntheticDataset({ seed: 4 });

  it("translates indices between maps once per ID and drops rows the model does not know", () => {
    const small = datasetFromObjects({ interactions: ds.interactions.slice(0, 50), users: [], items: [], source: "s" });
    assert.equal(indexTranslation(ds.userIds, ds.userIds), null);
    const t = indexTranslation(ds.userIds, small.userIds)!;
    for (let k = 0; k < ds.userIds.size; k++) assert.equal(t[k], small.userIds.indexOrMinusOne(ds.userIds.id(k)));
    const it = indexTranslation(ds.itemIds, small.itemIds);
    const { rows, unknown } = translateRows(ds.indexed, t, it);
    const want = indexInteractions(ds.interactions, small.userIds, small.itemIds, { skipUnknown: true });
    assert.deepEqual([rows.length, Array.from(rows.users.subarray(0, rows.length))], [want.length, Array.from(want.users)]);
    assert.equal(unknown, ds.indexed.length - want.length);
  });

  it("refuses bad rows with located messages", async () => {
    const split = recreateSplit({ kind: "random", fraction: 0.2, seed: 1 }, ds);
    const model = await trainModel(split, ds, { epochs: 1, dim: 4 });
    const train = split.trainIndexed!,
      held = split.validationIndexed!;
    assert.throws(
      () => evaluateIndexed(model, train, { ...held, length: 0 }),
      /Expected heldOut to be interactions of users and items the model knows, but got "none known"/,
    );
    assert.throws(
      () => evaluateIndexed(model, { ...train, length: 0 }, held),
      /Expected train to be interactions of users and items the model knows, but got "none known"/,
    );
    assert.throws(() => evaluateIndexed(model, train, [] as never), /Expected heldOut to be IndexedRatings \{users, items, ratings, length\}/);
    const bad = { ...held, users: held.users.slice() };
    bad.users[3] = model.weights.numUsers;
    assert.throws(
      () => evaluateIndexed(model, train, bad),
      new RegExp(`Expected heldOut.users\\[3\\] to be a user index in \\[0, ${model.weights.numUsers}\\), but got ${model.weights.numUsers}`),
    );
    const badTrain = { ...train, items: train.items.slice() };
    badTrain.items[5] = -1;
    assert.throws(() => evaluateIndexed(model, badTrain, held), /Expected train.items\[5\] to be an item index in \[0, \d+\), but got -1/);
    assert.throws(() => evaluateIndexed(model, train, held, { k: 0 }), /Expected options\.k to be an integer >= 1, but got 0/);
  });

  it("ewb evaluate names the split and the data when the re-created split gives other training rows", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ewb-evalcol-"));
    try {
      const file = join(dir, "data.csv");
      await writeInteractionsCsv(file, ds);
      const split = recreateSplit({ kind: "random", fraction: 0.2, seed: 1 }, ds);
      const model = await trainModel(split, ds, { epochs: 1, dim: 4 });
      const modelDir = join(dir, "m");
      saveModel({ ...model, split: { kind: "random", fraction: 0.2, seed: 2 } }, modelDir);
      const c = capture();
      assert.equal(await main(["evaluate", "--model", modelDir, "--data", file], c.io), 2);
      assert.match(
        c.err(),
        new RegExp(
          `Expected the data the model was trained on, but re-creating its random split \\(seed 2\\) of ${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} gives other training rows \\(fingerprints differ\\)`,
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
