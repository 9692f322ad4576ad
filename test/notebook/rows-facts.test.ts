import { strict as assert } from "node:assert";
import { groupSimilarityRows, pairSimilarity, recommendationRows } from "../../src/notebook/rows";
import { contentFingerprint, idNumbersContiguous, stepsPerEpoch } from "../../src/notebook/facts";
import { groupSimilarity } from "../../src/analysis/groups";
import { labelSet } from "../../src/data/labels";
import { matrixFromRows } from "../../src/analysis/embeddings";

// Two "a" rows pointing the same way and one "b" row orthogonal to them: within a = 1, a-b = 0 by hand.
const groups = groupSimilarity(
  matrixFromRows([
    [1, 0],
    [2, 0],
    [0, 3],
  ]),
  ["a", "a", "b"],
  ["a", "b"],
);

describe("notebook table rows and facts", () => {
  it("reads a pair's similarity by label and names an unknown label", () => {
    assert.equal(pairSimilarity(groups, "a", "a"), 1);
    assert.equal(pairSimilarity(groups, "a", "b"), 0);
    assert.throws(() => pairSimilarity(groups, "a", "z"), /Expected b to be one of a, b, but got "z"/);
  });

  it("lays the group matrix out as one row per group", () => {
    assert.deepEqual(
      groupSimilarityRows(groups).map((r) => [r.group, r.a, r.b]),
      [
        ["a", 1, 0],
        ["b", 0, NaN],
      ],
    );
  });

  it("puts each recommended item's category beside it", () => {
    const labels = { items: labelSet("category", [["TECH1", "tech"]]), itemTitles: new Map([["TECH1", "A tech thing"]]) };
    const rows = recommendationRows(
      [
        { rank: 1, itemId: "TECH1", predictedRating: 4.2 },
        { rank: 2, itemId: "X", predictedRating: 3 },
      ],
      labels,
    );
    assert.deepEqual(rows, [
      { rank: 1, item_id: "TECH1", title: "A tech thing", category: "tech", predicted_rating: 4.2 },
      { rank: 2, item_id: "X", category: "-", predicted_rating: 3 },
    ]);
    assert.deepEqual(recommendationRows([{ rank: 1, itemId: "X", predictedRating: 3 }], {}), [{ rank: 1, item_id: "X", predicted_rating: 3 }]);
  });

  it("counts optimiser steps per epoch, one for full batch", () => {
    assert.equal(stepsPerEpoch(39976, 256), 157);
    assert.equal(stepsPerEpoch(39976, 0), 1);
    assert.equal(stepsPerEpoch(100, 1000), 1);
    assert.throws(() => stepsPerEpoch(10, -1), /Expected batchSize to be an integer >= 0, but got -1/);
  });

  it("fingerprints the same ratings in any order alike, and different ratings differently", () => {
    const rows = [
      { userId: "U2", itemId: "I1", rating: 4 },
      { userId: "U1", itemId: "I2", rating: 5 },
      { userId: "U1", itemId: "I1", rating: 3 },
    ];
    assert.equal(contentFingerprint(rows), contentFingerprint([...rows].reverse()));
    assert.notEqual(contentFingerprint(rows), contentFingerprint([...rows.slice(1), { userId: "U2", itemId: "I1", rating: 5 }]));
    assert.deepEqual(
      rows.map((r) => r.userId),
      ["U2", "U1", "U1"],
      "the input is not reordered",
    );
  });

  it("tells contiguous ID numbers from IDs with gaps", () => {
    assert.equal(idNumbersContiguous(["U10003", "U10001", "U10002"]), true);
    assert.equal(idNumbersContiguous(["U10001", "U10004"]), false);
  });
});
