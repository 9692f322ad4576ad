import { strict as assert } from "node:assert";
import { embeddingStructure } from "../../src/analysis/structure";
import { sweepStructure } from "../../src/analysis/sweep";
import { generateSyntheticDataset } from "../../src/data/generate";
import { randomSplit } from "../../src/data/split";
import { trainModel } from "../../src/model/train";
import { randomWeights } from "../../src/model/init";
import type { TrainedModel } from "../../src/model/types";

describe("embedding structure on the default synthetic data", () => {
  const dataset = generateSyntheticDataset();
  const split = randomSplit(dataset.interactions, { validationFraction: 0.2, seed: 42 });
  let model: TrainedModel;
  before(async () => {
    model = await trainModel(split, dataset);
  });

  it("shows no group structure in random embeddings and clear structure in trained ones", () => {
    const random = embeddingStructure({ ...model, weights: randomWeights(model.weights.numUsers, model.weights.numItems, 64, 7) }, dataset);
    const trained = embeddingStructure(model, dataset);
    // Random: within and across both about 0, kNN purity about chance (1/3 for three groups), silhouette about 0.
    assert.ok(Math.abs(random.userWithin) < 0.02 && Math.abs(random.userAcross) < 0.02, `${random.userWithin} ${random.userAcross}`);
    assert.ok(Math.abs(random.userKnnPurity - random.userKnnChance) < 0.05, `${random.userKnnPurity} vs ${random.userKnnChance}`);
    assert.ok(Math.abs(random.userSilhouette) < 0.02);
    // Trained: within well above across for users and items (how far above depends on the training settings, see the
    // sweep); neighbours almost all in the same group whatever the settings.
    assert.ok(trained.userWithin - trained.userAcross > 0.3, `${trained.userWithin} ${trained.userAcross}`);
    assert.ok(trained.itemWithin - trained.itemAcross > 0.3, `${trained.itemWithin} ${trained.itemAcross}`);
    assert.ok(trained.userKnnPurity > 0.95 && trained.itemKnnPurity > 0.9, `${trained.userKnnPurity} ${trained.itemKnnPurity}`);
    assert.ok(trained.userSilhouette > 0.3);
    assert.deepEqual(trained.users.labels, ["tech", "fashion", "sports"]);
    assert.deepEqual(trained.items.labels, ["tech", "fashion", "fashion+sports", "sports"]);
    // The overlap category sits between fashion and sports: closer to each of them than they are to each other.
    const m = trained.items.matrix;
    assert.ok(m[1]![2]! > m[1]![3]! && m[3]![2]! > m[3]![1]!);
  });

  it("tabulates validation error and structure for several settings", async () => {
    const seen: string[] = [];
    const rows = await sweepStructure(
      split,
      dataset,
      [
        { label: "short full batch", hyper: { epochs: 3 } },
        { label: "default", hyper: {} },
      ],
      { onRow: (r) => seen.push(r.label) },
    );
    assert.deepEqual(seen, ["short full batch", "default"]);
    assert.equal(rows[0]!.hyper.epochs, 3);
    // Three epochs learn less than fifty, in error and in structure.
    assert.ok(rows[0]!.finalValMse > rows[1]!.finalValMse);
    assert.ok(rows[1]!.userWithin - rows[1]!.userAcross > rows[0]!.userWithin - rows[0]!.userAcross);
    assert.ok(rows[1]!.finalValMse < 0.6);
  });

  it("rejects bad input", async () => {
    assert.throws(
      () => embeddingStructure(model, { users: [{ userId: "x" }], items: [] }),
      /Expected the dataset's user groups to be labels from a dataset that has them/,
    );
    await assert.rejects(sweepStructure(split, dataset, []), /Expected settings to be a non-empty array of \{label, hyper\}/);
    await assert.rejects(sweepStructure(split, dataset, [{ label: "x" } as never]), /Expected settings\[0\] to be a \{label, hyper\} object/);
  });
});
