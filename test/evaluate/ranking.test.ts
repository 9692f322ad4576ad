import { strict as assert } from "node:assert";
import { hitAtK, ndcgAtK, precisionAtK, rankingMetrics, recallAtK } from "../../src/evaluate/ranking";

describe("ranking metrics", () => {
  // List [5, 1, 7, 2], relevant {1, 2, 9}: hits at positions 2 and 4.
  const list = [5, 1, 7, 2], rel = new Set([1, 2, 9]);

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
    assert.ok(Math.abs(ndcgAtK(list, rel, 2) - (1 / Math.log2(3)) / (1 + 1 / Math.log2(3))) < 1e-15);
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

  it("rejects bad input", () => {
    assert.throws(() => precisionAtK(list, rel, 0), /Expected k to be an integer >= 1, but got 0/);
    assert.throws(() => recallAtK(list, [1] as never, 2), /Expected relevant to be a Set of item indices/);
    assert.throws(() => rankingMetrics([[0]], [], 1, 3), /Expected relevant to be an array of 1 Sets \(one per user\)/);
    assert.throws(() => rankingMetrics([[7]], [new Set()], 1, 3), /Expected lists\[0\]\[0\] to be an item index in \[0, 3\), but got 7/);
  });
});
