import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../../src/cli/main";
import { generateSyntheticDataset } from "../../../src/data/generate";
import { randomSplit } from "../../../src/data/split";
import { writeInteractionsCsv } from "../../../src/data/csv";
import { trainModel } from "../../../src/model/train";
import { saveModel } from "../../../src/model/persist";
import { recommendForUser } from "../../../src/recommend/single";
import type { TrainedModel } from "../../../src/model/types";
import { capture } from "../capture";

describe("ewb recommend and ewb evaluate", () => {
  let dir: string, modelDir: string, dataPath: string, model: TrainedModel;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "ewb-rec-"));
    modelDir = join(dir, "model");
    dataPath = join(dir, "data.csv");
    const ds = generateSyntheticDataset({ seed: 5 });
    await writeInteractionsCsv(dataPath, ds);
    model = await trainModel(randomSplit(ds.interactions, { validationFraction: 0.2, seed: 42 }), ds, { epochs: 30 });
    saveModel(model, modelDir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("recommends for a user by raw ID, as the library does, with --json as the last line", async () => {
    const c = capture();
    assert.equal(await main(["recommend", "--model", modelDir, "--user", "U10001", "--top", "5", "--json"], c.io), 0);
    const r = c.json();
    const want = recommendForUser(model, "U10001", { top: 5 }).recommendations;
    assert.deepEqual(
      r.recommendations.map((x: { itemId: string }) => x.itemId),
      want.map((x) => x.itemId),
    );
    assert.equal(r.totalCount, 5);
    assert.equal(r.strategy, "model");
    const t = capture();
    assert.equal(await main(["recommend", "--model", modelDir, "--user", "U10001", "--top", "3"], t.io), 0);
    assert.match(t.out(), /Top 3 for U10001 \(model, rated items excluded\)/);
    assert.match(t.out(), new RegExp(`1  ${want[0]!.itemId}`));
  });

  it("folds in a new user from --rate and reports unknown items on stderr", async () => {
    const c = capture();
    assert.equal(await main(["recommend", "--model", modelDir, "--rate", `${model.itemIds.id(0)}=5`, "--rate", "NOPE=2", "--json"], c.io), 0);
    const r = c.json();
    assert.equal(r.strategy, "fold-in");
    assert.deepEqual(r.ignoredItemIds, ["NOPE"]);
    assert.ok(!r.recommendations.some((x: { itemId: string }) => x.itemId === model.itemIds.id(0)));
    assert.match(c.err(), /ignored items the model does not know: NOPE/);
  });

  it("fails clearly for an unknown user, a missing model and bad flags", async () => {
    const a = capture();
    assert.equal(await main(["recommend", "--model", modelDir, "--user", "U0"], a.io), 1);
    assert.match(a.err(), /Unknown user ID "U0"/);
    const b = capture();
    assert.equal(await main(["recommend", "--model", join(dir, "none"), "--user", "U10001"], b.io), 1);
    assert.match(b.err(), /no such model directory/);
    const c = capture();
    assert.equal(await main(["recommend", "--model", modelDir], c.io), 2);
    assert.match(c.err(), /Expected exactly one of --user <id> or --rate <item>=<rating>, but got neither/);
    const d = capture();
    assert.equal(await main(["recommend", "--model", modelDir, "--user", "U10001", "--top", "0"], d.io), 2);
    assert.match(d.err(), /Expected --top to be an integer >= 1, but got 0/);
    const e = capture();
    assert.equal(await main(["recommend", "--model", modelDir, "--rate", "X:5"], e.io), 2);
    assert.match(e.err(), /Expected --rate to be <item>=<rating>/);
  });

  it("evaluates the model next to the baselines on the rows it did not train on", async () => {
    const c = capture();
    assert.equal(await main(["evaluate", "--model", modelDir, "--data", dataPath, "--k", "5", "--json"], c.io), 0);
    const r = c.json();
    assert.equal(r.k, 5);
    assert.equal(r.trainingRowsMatchModel, true);
    assert.deepEqual(
      r.rows.map((x: { method: string }) => x.method),
      ["matrix factorisation", "bias-only baseline", "global mean baseline", "popularity baseline"],
    );
    // The held-out rows are the validation split: RMSE is the validation RMSE of the epoch the model kept, lowered a
    // little by the biases re-estimated after training (biasL2).
    const kept = model.history[model.bestEpoch]!.valRmse;
    assert.ok(r.rows[0].rmse <= kept + 1e-4 && r.rows[0].rmse > kept - 0.01, `${r.rows[0].rmse} vs ${kept}`);
    assert.ok(r.rows[0].rmse < r.rows[2].rmse);
    assert.ok(r.rows[0].categoryShare > 0.9);
    const t = capture();
    assert.equal(await main(["evaluate", "--model", modelDir, "--data", dataPath], t.io), 0);
    assert.match(t.out(), /matrix factorisation\s+0\.\d{4}/);
    assert.match(t.out(), /popularity baseline\s+-\s+-/);
  });

  it("evaluate needs a model and held-out rows", async () => {
    const a = capture();
    assert.equal(await main(["evaluate", "--data", dataPath], a.io), 2);
    assert.match(a.err(), /Expected --model <dir>, but got none/);
    const b = capture();
    assert.equal(await main(["evaluate", "--model", modelDir, "--data", dataPath, "--k", "x"], b.io), 2);
    assert.match(b.err(), /Expected --k to be an integer, but got "x"/);
  });
});
