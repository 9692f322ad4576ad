import { strict as assert } from "node:assert";
import { runRecommendersProtocol, rescoreProtocol, userTopLists, formatProtocolTable } from "../../src/evaluate/protocol";
import { stratifiedSplit } from "../../src/data/stratified-split";
import { randomSplit } from "../../src/data/split";
import { fingerprintInteractions } from "../../src/data/indexed";
import { tinyDataset } from "../model/fixtures";

describe("recommenders' protocol", () => {
  const { dataset } = tinyDataset(40, 30, 0.3, 11);

  it("trains on the stratified 75% only and scores each objective and popularity on the rest", async () => {
    const r = await runRecommendersProtocol(dataset, { objectives: ["mse", "bpr"], mse: { epochs: 3 }, bpr: { epochs: 3, dim: 8 } });
    const want = stratifiedSplit(dataset.interactions, { by: "item" });
    assert.deepEqual(r.split, want);
    // BPR fits the whole training part; MSE 80% of it (the rest is its early-stopping validation); neither sees the test part.
    assert.equal(r.models.bpr!.dataFingerprint, fingerprintInteractions(want.train));
    assert.equal(r.models.mse!.dataFingerprint, fingerprintInteractions(randomSplit(want.train).train));
    assert.deepEqual(r.rows.map((x) => x.method), ["MF (MSE)", "MF (BPR)", "popularity"]);
    assert.ok(r.rows[0]!.rmse! > 0 && r.rows[1]!.rmse === null && r.rows[2]!.rmse === null);
    assert.ok(r.rows[0]!.msPerEpoch! > 0 && r.rows[2]!.msPerEpoch === null);
    assert.match(formatProtocolTable(r), /^method +P@10 +R@10 +NDCG@10 +MAP +MAP@10 +F1@10 +HR@10 +coverage +RMSE +ms\/epoch\n/);
    // Rescoring with the same rule gives the same numbers; a stricter rule, other ones.
    assert.deepEqual(rescoreProtocol(r), r.rows);
    assert.notDeepEqual(rescoreProtocol(r, { minRating: 5 }).map((x) => x.recall), r.rows.map((x) => x.recall));
    // A user's lists: held-out items marked, training items never listed.
    const userId = dataset.users[0]!.userId;
    const lists = userTopLists(r, userId, 5);
    const trained = new Set(r.split.train.filter((x) => x.userId === userId).map((x) => x.itemId));
    const held = new Set(r.split.validation.filter((x) => x.userId === userId).map((x) => x.itemId));
    for (const row of lists) {
      for (const m of ["MF (MSE)", "MF (BPR)", "popularity"]) {
        const cell = String(row[m]);
        const id = cell.replace(/ \*$/, "");
        assert.ok(!trained.has(id), `${m} listed training item ${id}`);
        assert.equal(cell.endsWith(" *"), held.has(id));
      }
    }
  });

  it("rejects bad options", async () => {
    await assert.rejects(runRecommendersProtocol(dataset, { by: "group" as never }), /Expected options.by to be one of "user", "item"/);
    await assert.rejects(runRecommendersProtocol(dataset, { objectives: ["warp" as never] }), /Expected options.objectives\[0\] to be one of "mse", "bpr"/);
    await assert.rejects(runRecommendersProtocol(dataset, { objectives: [] }), /Expected options.objectives to be at least one objective/);
  });
});
