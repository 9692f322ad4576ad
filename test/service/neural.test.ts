import { strict as assert } from "node:assert";
import * as path from "node:path";
import { buildApp } from "../../src/service/app";
import { ModelStore } from "../../src/service/model-store";
import { defaultLoader } from "../../src/service/loader";
import { trainModel } from "../../src/model/train";
import { saveModel } from "../../src/model/persist";
import { neuralTopN } from "../../src/model/neural-topn";
import { ratedItemsOf } from "../../src/model/rated-items";
import { tinyDataset } from "../model/fixtures";
import { useTempDir } from "../tmpdir";

describe("service: a neural model", function () {
  this.timeout(120000);
  const tmp = useTempDir("ewb-svc-neural-");

  for (const precompute of [false, true]) {
    it(`recommends with the network's scores (precompute ${precompute}); fold-in of a new user is refused clearly`, async () => {
      const { dataset, split } = tinyDataset(25, 20, 0.5, 61);
      const model = await trainModel(
        split,
        dataset,
        { epochs: 3, dim: 4, batchSize: 64, learningRate: 0.01 },
        { modelType: "neural", neural: { hiddenSizes: [6] } },
      );
      const dir = path.join(tmp.path, `m-${precompute}`);
      saveModel(model, dir);
      const store = await ModelStore.open(dir, defaultLoader, tmp.path, { precompute });
      const app = await buildApp(store);
      try {
        const user = model.userIds.id(3);
        const res = await app.inject({ method: "POST", url: "/recommend", payload: { user_id: user, top_n: 5, exclude_rated: true } });
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json() as { recommendations: { item_id: string; predicted_rating: number }[] };
        const want = neuralTopN(model as never, 3, 5, ratedItemsOf(model.ratedItems, 3));
        assert.deepEqual(
          body.recommendations.map((r) => r.item_id),
          Array.from(want.items, (i) => model.itemIds.id(i)),
        );
        body.recommendations.forEach((r, k) => assert.ok(Math.abs(r.predicted_rating - want.scores[k]!) < 1e-4));
        const fold = await app.inject({
          method: "POST",
          url: "/recommend/new-user",
          payload: { ratings: [{ item_id: model.itemIds.id(0), rating: 5 }], top_n: 3 },
        });
        assert.equal(fold.statusCode, 400, fold.body);
        assert.match(fold.body, /an MF model to fold a new user into/);
      } finally {
        await app.close();
      }
    });
  }
});
