import { strict as assert } from "node:assert";
import { runRecommendersProtocol, rescoreProtocol, userTopLists, formatProtocolTable, recommendedPopularity, sampleUser } from "../../src/evaluate/protocol";
import { protocolBarsFigure } from "../../src/charts/protocol-bars";
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
    assert.deepEqual(
      r.rows.map((x) => x.method),
      ["MF (MSE)", "MF (BPR)", "popularity"],
    );
    assert.ok(r.rows[0]!.rmse! > 0 && r.rows[1]!.rmse === null && r.rows[2]!.rmse === null);
    assert.ok(r.rows[0]!.msPerEpoch! > 0 && r.rows[2]!.msPerEpoch === null);
    assert.match(formatProtocolTable(r), /^method +P@10 +R@10 +NDCG@10 +MAP +MAP@10 +F1@10 +HR@10 +coverage +RMSE +ms\/epoch\n/);
    // Rescoring with the same rule gives the same numbers; a stricter rule, other ones.
    assert.deepEqual(rescoreProtocol(r), r.rows);
    assert.notDeepEqual(
      rescoreProtocol(r, { minRating: 5 }).map((x) => x.recall),
      r.rows.map((x) => x.recall),
    );
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

  it("describes what each method's lists are made of, names items on request, and picks a sample user", async () => {
    const r = await runRecommendersProtocol(dataset, { objectives: ["mse", "bpr"], mse: { epochs: 3 }, bpr: { epochs: 3, dim: 8 } });
    const made = recommendedPopularity(r, 0.1);
    assert.deepEqual(
      made.map((m) => m.method),
      ["MF (MSE)", "MF (BPR)", "popularity"],
    );
    // Popularity's lists are the most-interacted unseen items: their mean count is the highest of the three.
    const pop = made[2]!;
    assert.ok(
      made.every((m) => m.meanTrainingCount <= pop.meanTrainingCount + 1e-9),
      JSON.stringify(made),
    );
    // Counted by hand for popularity: the training counts of every user's list items.
    const count = new Map<string, number>();
    for (const x of r.split.train) count.set(x.itemId, (count.get(x.itemId) ?? 0) + 1);
    const users = [...new Set(r.split.train.map((x) => x.userId))];
    const perList = users.flatMap((u) =>
      userTopLists(r, u, r.k)
        .map((row) => String(row.popularity).replace(/ \*$/, ""))
        .filter((id) => id !== "")
        .map((id) => count.get(id)!),
    );
    assert.ok(Math.abs(pop.meanTrainingCount - perList.reduce((a, b) => a + b, 0) / perList.length) < 1e-9);
    assert.ok(made.every((m) => m.headShare >= 0 && m.headShare <= 1 && m.rareShare >= 0 && m.rareShare <= 1));
    // Names instead of IDs, hits still marked.
    const u = sampleUser(r, 1);
    assert.ok(r.split.validation.some((x) => x.userId === u));
    const named = userTopLists(r, u, 3, (id) => `title of ${id}`);
    const plain = userTopLists(r, u, 3);
    named.forEach((row, j) => assert.equal(row["MF (BPR)"], String(plain[j]!["MF (BPR)"]).replace(/^/, "title of ")));
    assert.throws(() => sampleUser(r, 10_000), /Expected report to be a user with at least 10000 held-out interactions/);
    // The chart: one trace per method, in the table's order, the default metrics at k.
    const fig = protocolBarsFigure(r);
    assert.deepEqual(
      fig.data.map((t) => t.name),
      ["MF (MSE)", "MF (BPR)", "popularity"],
    );
    assert.deepEqual(fig.data[0]!.x, ["precision@10", "recall@10", "NDCG@10", "MAP@10"]);
    assert.deepEqual(
      fig.data[1]!.y,
      [r.rows[1]!.precision, r.rows[1]!.recall, r.rows[1]!.ndcg, r.rows[1]!.mapAtK].map((v) => Math.round(v * 1e4) / 1e4),
    );
    assert.throws(() => protocolBarsFigure(r, { metrics: ["rmse" as never] }), /Expected options.metrics\[0\] to be one of/);
  });

  it("rejects bad options", async () => {
    await assert.rejects(runRecommendersProtocol(dataset, { by: "group" as never }), /Expected options.by to be one of "user", "item"/);
    await assert.rejects(runRecommendersProtocol(dataset, { objectives: ["warp" as never] }), /Expected options.objectives\[0\] to be one of "mse", "bpr"/);
    await assert.rejects(runRecommendersProtocol(dataset, { objectives: [] }), /Expected options.objectives to be at least one objective/);
  });
});
