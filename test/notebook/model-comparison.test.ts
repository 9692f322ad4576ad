import { strict as assert } from "node:assert";
import { compareModels, comparisonVerdict, embeddingStructureRows, groupSide } from "../../src/notebook/model-comparison";
import { trainModel } from "../../src/model/train";
import { randomWeights } from "../../src/model/init";
import { labelsOf } from "../../src/data/labels";
import { evaluateModelQuality } from "../../src/evaluate/model-quality";
import type { TrainedModel } from "../../src/model/types";
import { syntheticSplit } from "../model/fixtures";

describe("notebook 07's model comparison (compareModels, embeddingStructureRows)", function () {
  this.timeout(120000);
  let trained: TrainedModel;
  let random: TrainedModel;
  before(async () => {
    const { dataset, split } = syntheticSplit();
    trained = await trainModel(split, dataset, { epochs: 30 }, { backend: "wasm-kernel" });
    random = { ...trained, weights: randomWeights(trained.weights.numUsers, trained.weights.numItems, trained.weights.dim, 5, 0.1) };
  });

  it("gives each model's validation errors and ranking metrics as evaluateModelQuality measures them, with its time per epoch", () => {
    const { split } = syntheticSplit();
    const rows = compareModels(
      [
        { name: "trained", model: trained, seconds: 2 },
        { name: "random", model: random, seconds: 1 },
      ],
      split,
    );
    const q = evaluateModelQuality(trained, split, 10);
    assert.deepEqual([rows[0]!.model, rows[0]!.valMse, rows[0]!.precisionAtK, rows[0]!.ndcgAtK], ["trained", q.valMse, q.ranking.precision, q.ranking.ndcg]);
    assert.equal(rows[0]!.msPerEpoch, 2000 / trained.history.length);
    assert.ok(rows[0]!.valMse < rows[1]!.valMse, "the trained model predicts better than random vectors");
    assert.throws(() => compareModels([], split), /models/);
  });

  it("finds the groups in trained user vectors and none in random ones; runs without labels (label-free measures only)", () => {
    const { dataset } = syntheticSplit();
    const labels = labelsOf(dataset);
    assert.equal(groupSide(labels), "users");
    const [t, r] = embeddingStructureRows(
      [
        { name: "trained", model: trained },
        { name: "random", model: random },
      ],
      labels,
    );
    assert.ok(t!.within! > 0.5 && t!.within! > t!.across! + 0.5, `trained: within ${t!.within}, across ${t!.across}`);
    assert.ok(Math.abs(r!.within!) < 0.05 && Math.abs(r!.across!) < 0.05, `random: within ${r!.within}, across ${r!.across}`);
    assert.ok(t!.centredWithin! > t!.centredAcross!);
    assert.ok(t!.pc12Variance > r!.pc12Variance && t!.nearestUserCosine > r!.nearestUserCosine);
    const [none] = embeddingStructureRows([{ name: "trained", model: trained }], {});
    assert.deepEqual([none!.side, none!.within, none!.across, none!.centredWithin], ["none", null, null, null]);
    assert.equal(none!.pc12Variance, t!.pc12Variance);
  });
});

describe("comparisonVerdict", () => {
  const row = (model: string, valMse: number, ndcg: number, ms: number) => ({
    model,
    engine: "e",
    epochs: 10,
    bestEpoch: 9,
    valMse,
    valRmse: Math.sqrt(valMse),
    precisionAtK: ndcg / 2,
    ndcgAtK: ndcg,
    recallAtK: 0,
    seconds: ms / 100,
    msPerEpoch: ms,
  });
  const st = (model: string, within: number | null, across: number | null) => ({
    model,
    side: "users" as const,
    within,
    across,
    centredWithin: within,
    centredAcross: across,
    nearestUserCosine: 0.5,
    pc12Variance: 0.5,
  });
  it("says which way each measurement went, from the numbers", () => {
    const v = comparisonVerdict([row("neural", 0.52, 0.05, 300), row("MF", 0.53, 0.06, 3)], [st("neural", 0.2, 0.1), st("MF", 0.9, -0.4)], "neural", "MF");
    assert.match(v[0]!, /0\.5200 against 0\.5300 for MF: better by 0\.0100/);
    assert.match(v[1]!, /neural ranks worse/);
    assert.match(v[2]!, /\(100x\)/);
    assert.match(v[3]!, /still show the groups, less sharply than those of MF/);
    const same = comparisonVerdict(
      [row("neural", 0.532, 0.0605, 300), row("MF", 0.53, 0.06, 3)],
      [st("neural", 0.2, 0.1), st("MF", 0.9, -0.4)],
      "neural",
      "MF",
    );
    assert.match(same[0]!, /about the same/);
    assert.match(same[1]!, /about the same/);
    const w = comparisonVerdict([row("neural", 0.6, 0.07, 300), row("MF", 0.53, 0.06, 3)], [st("neural", 0.01, 0.0), st("MF", null, null)], "neural", "MF");
    assert.match(w[0]!, /worse by 0\.0700/);
    assert.match(w[1]!, /neural ranks better/);
    assert.match(w[3]!, /No labels/);
    const weak = comparisonVerdict([row("neural", 0.6, 0.07, 300), row("MF", 0.53, 0.06, 3)], [st("neural", 0.03, 0.0), st("MF", 0.55, 0.53)], "neural", "MF");
    assert.match(weak[3]!, /neither model's vectors show more than a trace/);
    assert.throws(() => comparisonVerdict([row("MF", 1, 1, 1)], [], "neural", "MF"), /rows/);
  });
});
