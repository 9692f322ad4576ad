import { strict as assert } from "node:assert";
import { shareInOwnLabels, usersOwnLabels } from "../../src/analysis/own-labels";

describe("share in the user's own labels", () => {
  it("takes a user's most common labels among highly rated training items, and the share of a list carrying one", () => {
    // User 0 rated items 0 (A) and 1 (A, B) >= 4 and item 2 (C) low; user 1 rated nothing high.
    const train = { users: Int32Array.from([0, 0, 0, 1]), items: Int32Array.from([0, 1, 2, 2]), ratings: Float32Array.from([5, 4, 2, 3]), length: 4 };
    const labels = [["A"], ["A", "B"], ["C"], ["B"]];
    const own = usersOwnLabels(train, 2, labels, { top: 1 });
    assert.deepEqual(own, [["A"], []]);
    const r = shareInOwnLabels([Int32Array.from([0, 3, 2, -1]), Int32Array.from([0])], own, labels);
    assert.deepEqual(r, { share: 1 / 3, users: 1 });
  });
});
