import { strict as assert } from "node:assert";
import { averagePrecision, averagePrecisionAtK, f1AtK, hitAtK, ndcgAtK, precisionAtK, rankingMetrics, recallAtK } from "../../src/evaluate/ranking";

describe("ranking metrics", () => {
  // List [5, 1, 7, 2], relevant {1, 2, 9}: hits at positions 2 and 4.
  const list = [5, 1, 7, 2],
    rel = new Set([1, 2, 9]);

  it("match hand-worked precision, recall and hit rate", () => {
    assert.equal(precisionAtK(list, rel, 4), 0.5);
    assert.equal(precisionAtK(list, rel, 2), 0.5);
    assert.equal(precisionAtK(list, rel, 1), 0);
    assert.equal(precisionAtK([1], rel, 4), 0.25); // a short list still divides by k
    assert.equal(recallAtK(list, rel, 4), 2 / 3);
    assert.equal(recallAtK(list, rel, 3), 1 / 3);
    assert.equal(recallAtK(list, new Set(), 3), 0);
    assert.equal(hitAtK(list, rel, 1), 0);
    assert.equal(hitAtK(list, rel, 2), 1);
  });

  it("matches hand-worked NDCG", () => {
    // DCG@4 = 1/log2(3) + 1/log2(5); ideal with 3 relevant = 1 + 1/log2(3) + 1/2.
    const want = (1 / Math.log2(3) + 1 / Math.log2(5)) / (1 + 1 / Math.log2(3) + 0.5);
    assert.ok(Math.abs(ndcgAtK(list, rel, 4) - want) < 1e-15);
    assert.equal(ndcgAtK([1, 2, 9], rel, 3), 1);
    assert.equal(ndcgAtK(list, new Set(), 3), 0);
    // k = 2: DCG = 1/log2(3), ideal = 1 + 1/log2(3).
    assert.ok(Math.abs(ndcgAtK(list, rel, 2) - 1 / Math.log2(3) / (1 + 1 / Math.log2(3))) < 1e-15);
  });

  it("averages over users with relevant items and computes coverage over every list", () => {
    const lists = [[0, 1], [1, 2], [3, -1], null];
    const relevant = [new Set([1]), new Set<number>(), new Set([3, 4]), new Set([0])];
    const m = rankingMetrics(lists, relevant, 2, 10);
    // user 0: p 1/2, r 1, hit 1, ndcg (1/log2 3)/1; user 2: p 1/2, r 1/2, hit 1, ndcg 1/(1 + 1/log2 3). User 1 has nothing relevant; user 3 no list.
    assert.equal(m.users, 2);
    assert.equal(m.precision, 0.5);
    assert.equal(m.recall, 0.75);
    assert.equal(m.hitRate, 1);
    assert.ok(Math.abs(m.ndcg - (1 / Math.log2(3) + 1 / (1 + 1 / Math.log2(3))) / 2) < 1e-15);
    assert.equal(m.coverage, 4 / 10); // items 0, 1, 2, 3
  });

  it("matches hand-worked MAP (recommenders' map and map_at_k) and F1", () => {
    // Hits at positions 2 and 4: precision sum = 1/2 + 2/4 = 1.
    assert.equal(averagePrecision(list, rel, 4), 1 / 3);
    assert.equal(averagePrecisionAtK(list, rel, 4), 1 / 3);
    // k = 2: one hit at position 2, sum 1/2; map divides by |relevant| = 3, map_at_k by min(3, 2) = 2.
    assert.equal(averagePrecision(list, rel, 2), 0.5 / 3);
    assert.equal(averagePrecisionAtK(list, rel, 2), 0.25);
    assert.equal(averagePrecision(list, new Set(), 2), 0);
    // P@4 = 1/2, R@4 = 2/3: F1 = 2 (1/2)(2/3) / (1/2 + 2/3) = 4/7.
    assert.ok(Math.abs(f1AtK(list, rel, 4) - 4 / 7) < 1e-15);
    assert.equal(f1AtK(list, rel, 1), 0);
  });

  it("reproduces recommenders' own unit-test values (tests/unit/recommenders/evaluation)", () => {
    // conftest.py's rating_true and rating_pred; relevance = every rating_true row, lists = rating_pred by prediction.
    const trueRows: [number, number][] = [
      [1, 3],
      [2, 1],
      [2, 4],
      [2, 5],
      [2, 6],
      [2, 7],
      [3, 2],
      [3, 5],
      [3, 6],
      [3, 8],
      [3, 9],
      [3, 10],
      [3, 11],
      [3, 12],
      [3, 13],
      [3, 14],
      [1, 1],
      [1, 2],
    ];
    const predUsers = [1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 1];
    const predItems = [12, 10, 3, 5, 11, 13, 4, 10, 7, 13, 1, 3, 5, 2, 11, 14, 3, 10];
    const predScores = [12, 14, 13, 12, 11, 10, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 14, 13];
    const users = [1, 2, 3];
    const relevant = users.map((u) => new Set(trueRows.filter(([v]) => v === u).map(([, i]) => i)));
    const lists = users.map((u) =>
      predItems
        .map((item, r) => ({ item, s: predScores[r]!, u: predUsers[r] }))
        .filter((x) => x.u === u)
        .sort((a, b) => b.s - a.s)
        .map((x) => x.item),
    );
    const m = rankingMetrics(lists, relevant, 10, 15);
    const near = (x: number, want: number): void => assert.ok(Math.abs(x - want) < 1e-4, `${x} vs ${want}`);
    near(m.precision, 0.26666);
    near(m.recall, 0.37777);
    near(m.ndcg, 0.38172);
    near(m.map, 0.23613);
    near(m.mapAtK, 0.23613);
    // rating_true ranked by its own ratings: precision 0.6, everything else 1 (test_python_precision_at_k, test_python_map).
    const ratings = [3, 5, 5, 3, 3, 1, 5, 5, 5, 4, 4, 3, 3, 3, 2, 1, 5, 4];
    const own = users.map((u) =>
      trueRows
        .map(([v, i], r) => ({ v, i, s: ratings[r]! }))
        .filter((x) => x.v === u)
        .sort((a, b) => b.s - a.s)
        .map((x) => x.i),
    );
    const o = rankingMetrics(own, relevant, 10, 15);
    near(o.precision, 0.6);
    assert.equal(o.map, 1);
    assert.equal(o.mapAtK, 1);
    near(o.ndcg, 1);
    near(o.recall, 1);
  });

  it("rejects bad input", () => {
    assert.throws(() => precisionAtK(list, rel, 0), /Expected k to be an integer >= 1, but got 0/);
    assert.throws(() => recallAtK(list, [1] as never, 2), /Expected relevant to be a Set of item indices/);
    assert.throws(() => rankingMetrics([[0]], [], 1, 3), /Expected relevant to be an array of 1 Sets \(one per user\)/);
    assert.throws(() => rankingMetrics([[7]], [new Set()], 1, 3), /Expected lists\[0\]\[0\] to be an item index in \[0, 3\), but got 7/);
  });
});
