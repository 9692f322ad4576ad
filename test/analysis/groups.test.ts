import { strict as assert } from "node:assert";
import { commonLabels, exclusiveLabels, groupSimilarity, itemCategoryLabels, userGroupLabels, requireLabels } from "../../src/analysis/groups";
import { matrixFromRows } from "../../src/analysis/embeddings";
import { cosine } from "../../src/analysis/cosine";
import { IdMap } from "../../src/data/idmap";
import { createRng } from "../../src/random";

describe("group similarity", () => {
  it("matches hand-computed within and between means", () => {
    // a: (1,0), (1,1); b: (0,1), (-1,0), (0,2)
    const m = matrixFromRows([
      [1, 0],
      [1, 1],
      [0, 1],
      [-1, 0],
      [0, 2],
    ]);
    const g = groupSimilarity(m, ["a", "a", "b", "b", "b"]);
    const s = Math.SQRT1_2;
    assert.deepEqual(g.labels, ["a", "b"]);
    assert.deepEqual(g.counts, [2, 3]);
    // within a: one pair (1,0)-(1,1) = s.
    assert.ok(Math.abs(g.matrix[0]![0]! - s) < 1e-12);
    // within b: pairs (0,1)-(-1,0)=0, (0,1)-(0,2)=1, (-1,0)-(0,2)=0 -> 1/3.
    assert.ok(Math.abs(g.matrix[1]![1]! - 1 / 3) < 1e-12);
    // between: (1,0) vs b: 0, -1, 0; (1,1) vs b: s, -s, s -> (-1 + s) / 6.
    assert.ok(Math.abs(g.matrix[0]![1]! - (-1 + s) / 6) < 1e-12);
    assert.equal(g.matrix[0]![1], g.matrix[1]![0]);
    // pooled within: (s + 0 + 1 + 0) / 4 pairs; across: 6 pairs.
    assert.ok(Math.abs(g.within - (s + 1) / 4) < 1e-12);
    assert.ok(Math.abs(g.across - (-1 + s) / 6) < 1e-12);
    assert.ok(Math.abs(g.gap - (g.within - g.across)) < 1e-15);
  });

  it("agrees with brute force over all pairs on random data, with the requested label order", () => {
    const rng = createRng(5);
    const rows = Array.from({ length: 30 }, () => Array.from({ length: 6 }, () => rng.normal()));
    const labels = rows.map((_, i) => ["x", "y", "z"][i % 3] as string);
    const g = groupSimilarity(matrixFromRows(rows), labels, ["z", "x"]);
    assert.deepEqual(g.labels, ["z", "x", "y"]);
    for (let a = 0; a < 3; a++)
      for (let b = 0; b < 3; b++) {
        let s = 0,
          n = 0;
        for (let i = 0; i < 30; i++)
          for (let j = 0; j < 30; j++) {
            if (i === j || labels[i] !== g.labels[a] || labels[j] !== g.labels[b]) continue;
            s += cosine(rows[i]!, rows[j]!);
            n++;
          }
        assert.ok(Math.abs(g.matrix[a]![b]! - s / n) < 1e-12, `${a},${b}`);
      }
  });

  it("leaves unlabelled rows out and gives NaN for a group of one", () => {
    const g = groupSimilarity(
      matrixFromRows([
        [1, 0],
        [0, 1],
        [5, 5],
      ]),
      ["a", "b", undefined],
    );
    assert.ok(Number.isNaN(g.matrix[0]![0]!));
    assert.equal(g.matrix[0]![1], 0);
    assert.ok(Number.isNaN(g.within));
  });

  it("reads user groups and item categories from a dataset by model index", () => {
    const users = IdMap.fromIds("user", ["U2", "U1", "U3"]);
    const ds = {
      users: [{ userId: "U1", group: "tech" }, { userId: "U2", group: "sports" }, { userId: "U3" }],
      items: [{ itemId: "I1", category: "fashion+sports" }],
    };
    assert.deepEqual(userGroupLabels(users, ds), ["tech", "sports", undefined]);
    assert.deepEqual(itemCategoryLabels(IdMap.fromIds("item", ["I1", "I0"]), ds), [undefined, "fashion+sports"]);
    assert.throws(() => requireLabels([undefined], "user groups"), /Expected user groups to be labels from a dataset that has them/);
  });

  it("rejects bad input", () => {
    const m = matrixFromRows([
      [1, 0],
      [0, 1],
    ]);
    assert.throws(() => groupSimilarity(m, ["a"]), /Expected labels to be an array of 2 labels \(one per row\), but got an array of length 1/);
    assert.throws(() => groupSimilarity(m, [undefined, null]), /Expected labels to be at least one labelled row, but got "none"/);
    assert.throws(() => groupSimilarity(m, ["a", 3 as never]), /Expected labels\[1\] to be a non-empty string, an array of them, null or undefined, but got 3/);
  });

  it("puts a row with several labels in each of them, never pairing a row with itself (hand-worked)", () => {
    // Rows: x = (1,0) in a and b; y = (1,0) in a; z = (0,1) in b.
    const m = matrixFromRows([
      [1, 0],
      [1, 0],
      [0, 1],
    ]);
    const g = groupSimilarity(m, [["a", "b"], "a", ["b"]], ["a", "b"]);
    // within a: pair (x, y) = 1; within b: pair (x, z) = 0; a x b: (x, z) = 0, (y, x) = 1, (y, z) = 0 -> 1/3.
    assert.deepEqual(g.counts, [2, 2]);
    assert.equal(g.matrix[0]![0], 1);
    assert.equal(g.matrix[1]![1], 0);
    assert.ok(Math.abs(g.matrix[0]![1]! - 1 / 3) < 1e-12);
    assert.equal(g.within, 0.5);
    assert.ok(Math.abs(g.across - 1 / 3) < 1e-12);
    // One label per row gives exactly the single-label answer.
    assert.deepEqual(groupSimilarity(m, [["a"], ["a"], ["b"]]).matrix, groupSimilarity(m, ["a", "a", "b"]).matrix);
  });
});

describe("label views for charts and label neighbours", () => {
  it("keeps a row's label only when it carries exactly one of the focus labels", () => {
    assert.deepEqual(exclusiveLabels([["A", "C"], ["A", "B"], "B", [], null], ["A", "B"]), ["A", undefined, "B", undefined, undefined]);
    assert.deepEqual(commonLabels([["A", "C"], ["A", "B"], "B", "A"], 2), ["A", "B"]);
  });
});
