import { strict as assert } from "node:assert";
import { labelSet, labelsByIndex, labelsOf, isSingleLabel, itemTitle } from "../../src/data/labels";
import { IdMap } from "../../src/data/idmap";
import { generateSyntheticDataset } from "../../src/data/generate";

describe("dataset labels", () => {
  it("builds a label set with the given order first, each ID's labels in that order", () => {
    const s = labelSet(
      "genre",
      [
        ["1", ["Drama", "Comedy"]],
        ["2", "Animation"],
        ["3", []],
      ],
      ["Comedy"],
    );
    assert.deepEqual(s.values, ["Comedy", "Animation", "Drama"]);
    assert.deepEqual(s.of.get("1"), ["Comedy", "Drama"]);
    assert.equal(s.of.has("3"), false);
    assert.equal(isSingleLabel(s), false);
    assert.throws(() => labelSet("genre", [["9", [""]]]), /Expected genre of "9" to be a non-empty string/);
  });

  it("the synthetic data carries its groups, categories and preferred categories", () => {
    const ds = generateSyntheticDataset({ seed: 3 });
    const l = labelsOf(ds);
    assert.deepEqual(l.users?.values, ["tech", "fashion", "sports"]);
    assert.deepEqual(l.items?.values, ["tech", "fashion", "fashion+sports", "sports"]);
    assert.deepEqual(l.preferredItemLabels, { tech: ["tech"], fashion: ["fashion", "fashion+sports"], sports: ["fashion+sports", "sports"] });
    assert.equal(l.users?.of.get(ds.users[0]!.userId)?.[0], ds.users[0]!.group);
    assert.ok(isSingleLabel(l.items!));
  });

  it("falls back to the records' group and category columns, and to nothing", () => {
    const ds = { users: [{ userId: "u1", group: "g" }, { userId: "u2" }], items: [{ itemId: "i1" }] };
    const l = labelsOf(ds);
    assert.deepEqual(labelsByIndex(IdMap.fromIds("user", ["u1", "u2"]), l.users), [["g"], []]);
    assert.equal(l.items, undefined);
    assert.deepEqual(labelsByIndex(IdMap.fromIds("item", ["i1"]), l.items), [[]]);
    assert.equal(itemTitle(l, "i1"), "i1");
  });
});
