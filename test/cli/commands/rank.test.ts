import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../../src/cli/main";
import { writeInteractionsCsv } from "../../../src/data/csv";
import { loadModel, saveModel } from "../../../src/model/persist";
import { trainModel } from "../../../src/model/train";
import { DEFAULT_BPR_HYPERPARAMETERS } from "../../../src/model/bpr";
import type { Dataset, Interaction } from "../../../src/data/types";
import { datasetFromObjects } from "../../../src/data/dataset";
import type { TrainedModel } from "../../../src/model/types";
import { capture } from "../capture";
import { hasRated } from "../../../src/model/rated-items";

/** 60 users, 40 items in two halves; users in half h interact with items of half h (ratings 3-5) and a few others. */
function world(): Dataset {
  const interactions: Interaction[] = [];
  for (let u = 0; u < 60; u++) {
    const h = u % 2;
    for (let k = 0; k < 12; k++) {
      const i = h * 20 + ((u * 7 + k * 3) % 20);
      interactions.push({ userId: `user-${u}`, itemId: `item,${String(i).padStart(2, "0")}`, rating: 3 + ((u + k) % 3) });
    }
  }
  const dedup = [...new Map(interactions.map((r) => [`${r.userId}|${r.itemId}`, r])).values()];
  const users = [...new Set(dedup.map((r) => r.userId))].sort().map((userId) => ({ userId }));
  const items = [...new Set(dedup.map((r) => r.itemId))].sort().map((itemId) => ({ itemId }));
  return datasetFromObjects({ interactions: dedup, users, items, source: "world" });
}

describe("ewb ranking commands (train --objective bpr, evaluate --protocol, recommend --all-users)", () => {
  let dir: string, dataPath: string, mseDir: string, mse: TrainedModel;
  const ds = world();
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "ewb-rank-"));
    dataPath = join(dir, "data.csv");
    mseDir = join(dir, "mse");
    await writeInteractionsCsv(dataPath, ds);
    mse = await trainModel({ train: ds.interactions.slice(12), validation: ds.interactions.slice(0, 12) }, ds, { epochs: 5 });
    saveModel(mse, mseDir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("trains BPR with its own defaults overridden only by the flags given, and saves objective bpr", async () => {
    const c = capture();
    const out = join(dir, "bpr");
    assert.equal(
      await main(
        ["train", "--data", dataPath, "--objective", "bpr", "--epochs", "3", "--dim", "8", "--implicit-min-rating", "4", "--model", out, "--json"],
        c.io,
      ),
      0,
      c.err(),
    );
    const r = c.json();
    assert.equal(r.objective, "bpr");
    assert.equal(r.epochs, 3);
    assert.equal(r.implicitMinRating, 4);
    const m = loadModel(out);
    assert.equal(m.objective, "bpr");
    assert.equal(m.weights.dim, 8);
    assert.equal(m.hyperparameters.learningRate, DEFAULT_BPR_HYPERPARAMETERS.learningRate); // BPR's default, not the MSE one in --help
    const bad = capture();
    assert.equal(await main(["train", "--data", dataPath, "--objective", "bpr", "--batch", "64", "--model", out], bad.io), 2);
    assert.match(bad.err(), /Expected no --batch with --objective bpr/);
    assert.equal(await main(["train", "--data", dataPath, "--objective", "warp", "--model", out], capture().io), 2);
  });

  it("writes every user's top-K as CSV (quoted where needed) or JSON lines, excluding rated items", async () => {
    const file = join(dir, "all.csv");
    const c = capture();
    assert.equal(await main(["recommend", "--model", mseDir, "--all-users", "--top", "4", "--out", file, "--json"], c.io), 0, c.err());
    assert.equal(c.json().rows, 60 * 4);
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    assert.equal(lines[0], "user_id,rank,item_id,score");
    assert.equal(lines.length, 1 + 60 * 4);
    let last = "";
    for (const line of lines.slice(1)) {
      const m = /^([^,]+),(\d),"(item,\d\d)",(-?[\d.e-]+)$/.exec(line);
      assert.ok(m, line);
      const [, user, rank, item] = m;
      assert.ok(!hasRated(mse.ratedItems, mse.userIds.index(user!), mse.itemIds.index(item!)), `rated item exported: ${line}`);
      if (user === last) continue;
      assert.equal(rank, "1");
      last = user!;
    }
    const j = capture();
    assert.equal(await main(["recommend", "--model", mseDir, "--all-users", "--top", "2", "--format", "jsonl"], j.io), 0);
    const rows = j
      .out()
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { user_id: string; rank: number; item_id: string; score: number });
    assert.equal(rows.length, 120);
    assert.deepEqual(Object.keys(rows[0]!), ["user_id", "rank", "item_id", "score"]);
    const bad = capture();
    assert.equal(await main(["recommend", "--model", mseDir, "--all-users", "--format", "xml"], bad.io), 2);
    assert.match(bad.err(), /Expected --format to be csv or jsonl, but got "xml"/);
  });

  it("runs recommenders' protocol on a ratings file and prints every metric for each objective and popularity", async () => {
    const c = capture();
    assert.equal(await main(["evaluate", "--protocol", "recommenders", "--data", dataPath, "--objective", "bpr", "--k", "5", "--json"], c.io), 0, c.err());
    const r = c.json();
    assert.equal(r.by, "item");
    assert.equal(r.trainRows + r.testRows, ds.interactions.length);
    assert.deepEqual(
      r.rows.map((x: { method: string }) => x.method),
      ["MF (BPR)", "popularity"],
    );
    for (const row of r.rows)
      for (const key of ["precision", "recall", "ndcg", "map", "mapAtK", "f1", "hitRate", "coverage"])
        assert.ok(row[key] >= 0 && row[key] <= 1, `${row.method} ${key}`);
    const t = capture();
    assert.equal(
      await main(["evaluate", "--protocol", "recommenders", "--data", dataPath, "--objective", "mse", "--stratify", "user", "--relevant", "4"], t.io),
      0,
      t.err(),
    );
    assert.match(t.out(), /P@10 +R@10 +NDCG@10 +MAP +MAP@10 +F1@10/);
    assert.match(t.out(), /stratified by user/);
    assert.match(t.out(), /relevant = held-out rating >= 4/);
    const bad = capture();
    assert.equal(await main(["evaluate", "--protocol", "recommenders", "--data", dataPath, "--model", mseDir], bad.io), 2);
    assert.match(bad.err(), /Expected no --model with --protocol/);
  });
});
