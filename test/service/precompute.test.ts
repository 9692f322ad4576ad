import { strict as assert } from "node:assert";
import { PrecomputedRecommendations } from "../../src/service/precompute";
import { recommendForUser } from "../../src/recommend/single";
import { ITEM_IDS, makeModel, USER_IDS } from "./fixtures";

describe("service/precompute: every user's lists computed once", () => {
  it("gives exactly what recommendForUser gives, for every user, length and exclusion", async () => {
    const model = makeModel(3, 5);
    const k = ITEM_IDS.length;
    const pre = await PrecomputedRecommendations.build(model, k, 2);
    for (const id of USER_IDS) {
      const u = model.userIds.index(id);
      for (const includeRated of [false, true]) {
        for (let n = 1; n <= k; n++) {
          const expected = recommendForUser(model, id, { top: n, includeRated });
          const got = pre.lookup(u, n, includeRated);
          assert.equal(got.strategy, expected.strategy, `${id} n=${n}`);
          assert.deepEqual(got.recommendations, expected.recommendations, `${id} n=${n} includeRated=${includeRated}`);
        }
      }
    }
  });

  it("keeps ties in item-index order, as the on-demand path does", async () => {
    const model = makeModel(4, 2);
    model.weights.itemFactors.fill(0);
    model.weights.itemBias.fill(0.5);
    const pre = await PrecomputedRecommendations.build(model, 3);
    assert.deepEqual(
      pre.lookup(1, 3, true).recommendations.map((r) => r.itemId),
      ITEM_IDS.slice(0, 3),
    );
  });
});
