import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../../src/cli/main";
import { generateSyntheticDataset } from "../../../src/data/generate";
import { randomSplit } from "../../../src/data/split";
import { writeInteractionsCsv } from "../../../src/data/csv";
import { loadModel } from "../../../src/model/persist";
import { predictUnchecked } from "../../../src/model/predict";
import { hasRated } from "../../../src/model/rated-items";
import { startService } from "../../../src/service/server";
import type { Interaction } from "../../../src/data/types";
import { capture } from "../capture";

/**
 * A model trained with --no-refit (or --objective bpr) saw only the training part, but what it serves must leave out
 * every item the user rated anywhere in the data: a held-out item the model scores highest for its user must never
 * come back, from `ewb recommend` or from POST /recommend with exclude_rated.
 */
describe("a --no-refit model excludes held-out items too (ewb recommend, POST /recommend)", function () {
  this.timeout(120000);
  let dir: string, dataPath: string;
  const ds = generateSyntheticDataset({ seed: 9 });
  const split = randomSplit(ds.interactions, { validationFraction: 0.2, seed: 42 });
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "ewb-norefit-"));
    dataPath = join(dir, "data.csv");
    await writeInteractionsCsv(dataPath, ds);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A user whose best-scored item among those without a training row is one of the user's validation items. */
  function userWithTopValidationItem(modelDir: string): { user: string; item: string; heldOut: Set<string> } {
    const m = loadModel(modelDir);
    const trainOf = new Map<string, Set<string>>(),
      valOf = new Map<string, Set<string>>();
    const add = (map: Map<string, Set<string>>, r: Interaction): void => {
      map.set(r.userId, (map.get(r.userId) ?? new Set()).add(r.itemId));
    };
    split.train.forEach((r) => add(trainOf, r));
    split.validation.forEach((r) => add(valOf, r));
    for (const [user, held] of valOf) {
      const u = m.userIds.index(user),
        seen = trainOf.get(user) ?? new Set();
      let best = -1,
        bestScore = -Infinity;
      for (let i = 0; i < m.itemIds.size; i++) {
        if (seen.has(m.itemIds.id(i))) continue;
        const s = predictUnchecked(m.weights, u, i);
        if (s > bestScore) {
          bestScore = s;
          best = i;
        }
      }
      if (best >= 0 && held.has(m.itemIds.id(best))) return { user, item: m.itemIds.id(best), heldOut: held };
    }
    throw new Error("no user whose top unseen item is a validation item (the test needs one)");
  }

  for (const [name, variant] of [
    ["no-refit", ["--no-refit", "--epochs", "15"]],
    ["bpr", ["--objective", "bpr", "--epochs", "5"]],
  ] as const) {
    it(`never serves a held-out item the model scores highest (${variant.slice(0, 2).join(" ")})`, async () => {
      const modelDir = join(dir, name);
      const t = capture();
      assert.equal(await main(["train", "--data", dataPath, "--model", modelDir, ...variant, "--json"], t.io), 0, t.err());
      const manifest = JSON.parse(readFileSync(join(modelDir, "manifest.json"), "utf8"));
      assert.equal(manifest.fittedOn, "train");
      assert.deepEqual(manifest.split, { kind: "random", fraction: 0.2, seed: 42 });
      const m = loadModel(modelDir);
      // Every row of the data is a rated item of the saved model, held-out rows too.
      for (const r of ds.interactions) assert.ok(hasRated(m.ratedItems, m.userIds.index(r.userId), m.itemIds.index(r.itemId)), `${r.userId} ${r.itemId}`);

      const { user, item, heldOut } = userWithTopValidationItem(modelDir);
      const c = capture();
      assert.equal(await main(["recommend", "--model", modelDir, "--user", user, "--top", "10", "--json"], c.io), 0, c.err());
      const got: string[] = c.json().recommendations.map((x: { itemId: string }) => x.itemId);
      assert.equal(got.length, 10);
      assert.ok(!got.includes(item), `${item} (held out for ${user}, scored highest) came back: ${got.join(", ")}`);
      assert.ok(!got.some((x) => heldOut.has(x)), `a held-out item of ${user} came back: ${got.join(", ")}`);

      for (const precompute of [true, false]) {
        const svc = await startService({ modelDir, port: 0, precompute });
        try {
          const res = await fetch(`${svc.url}/recommend`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ user_id: user, top_n: 10, exclude_rated: true }),
          });
          assert.equal(res.status, 200);
          const body = (await res.json()) as { recommendations: { item_id: string }[] };
          const ids = body.recommendations.map((x) => x.item_id);
          assert.equal(ids.length, 10);
          assert.ok(!ids.some((x) => heldOut.has(x)), `precompute ${precompute}: a held-out item of ${user} came back: ${ids.join(", ")}`);
          // With exclude_rated false the model's favourite is the held-out item (so the exclusion above did the work).
          const all = await fetch(`${svc.url}/recommend`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ user_id: user, top_n: 100, exclude_rated: false }),
          });
          const allIds = ((await all.json()) as { recommendations: { item_id: string }[] }).recommendations.map((x) => x.item_id);
          assert.ok(allIds.includes(item));
        } finally {
          await svc.close();
        }
      }
    });
  }

  it("ewb evaluate still scores the --no-refit model on exactly the rows it did not train on", async () => {
    const modelDir = join(dir, "no-refit");
    const c = capture();
    assert.equal(await main(["evaluate", "--model", modelDir, "--data", dataPath, "--json"], c.io), 0, c.err());
    const r = c.json();
    assert.equal(r.trainingRowsMatchModel, true);
    assert.equal(r.heldOut, split.validation.length);
  });
});
