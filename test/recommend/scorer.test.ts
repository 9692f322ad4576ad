import { strict as assert } from "node:assert";
import { ItemScorer } from "../../src/recommend/scorer";
import type { MfWeights } from "../../src/model/types";
import { ratedItemsFromLists, ratedItemsOf } from "../../src/model/rated-items";
import { plantedWeights, randomTestWeights } from "../analysis/fixtures";

const fr = Math.fround;

/**
 * The kernel's arithmetic written out independently, one f32 rounding per operation: four lane accumulators over the
 * row in order, (l0 + l1) + (l2 + l3), then dot + ((userBias + itemBias) + globalBias); NaN as -Infinity.
 */
function kernelScore(w: MfWeights, p: ArrayLike<number>, ub: number, i: number): number {
  const lanes = [0, 0, 0, 0];
  for (let k = 0; k < Math.ceil(w.dim / 4) * 4; k++) {
    const a = k < w.dim ? fr(p[k] as number) : 0,
      b = k < w.dim ? w.itemFactors[i * w.dim + k]! : 0;
    lanes[k % 4] = fr(lanes[k % 4]! + fr(a * b));
  }
  const dot = fr(fr(lanes[0]! + lanes[1]!) + fr(lanes[2]! + lanes[3]!));
  const s = fr(dot + fr(fr(fr(ub) + w.itemBias[i]!) + fr(w.globalBias)));
  return Number.isNaN(s) ? -Infinity : s;
}

/** Every item scored, then a full sort (score descending, ties to the lower index), excluded items removed. */
function sortedTopN(w: MfWeights, p: ArrayLike<number>, ub: number, n: number, exclude: ArrayLike<number> = []): { items: number[]; scores: number[] } {
  const ex = new Set(Array.from(exclude));
  const all: { i: number; s: number }[] = [];
  for (let i = 0; i < w.numItems; i++) if (!ex.has(i)) all.push({ i, s: kernelScore(w, p, ub, i) });
  all.sort((a, b) => b.s - a.s || a.i - b.i);
  const top = all.slice(0, n);
  return { items: top.map((x) => x.i), scores: top.map((x) => x.s) };
}

const userRow = (w: MfWeights, u: number): Float32Array => w.userFactors.subarray(u * w.dim, (u + 1) * w.dim);

describe("item scorer (brute force, WebAssembly SIMD)", () => {
  it("equals a full sort of every item's score, to the bit, for every user, alone and in blocks", () => {
    const cases: [MfWeights, string][] = [
      [randomTestWeights(23, 201, 37, 4), "random, dim 37, odd items"],
      [randomTestWeights(9, 50, 1, 5), "dim 1"],
      [randomTestWeights(13, 64, 4, 6), "dim 4"],
      [
        plantedWeights(
          Array.from({ length: 30 }, (_, i) => i % 3),
          Array.from({ length: 200 }, (_, i) => i % 4),
          64,
          3,
          0.3,
        ),
        "planted, dim 64",
      ],
    ];
    for (const [w, label] of cases) {
      const s = new ItemScorer(w);
      const lists = Array.from({ length: w.numUsers }, (_, u) => Array.from({ length: w.numItems }, (_, i) => i).filter((i) => (i * 7 + u) % 5 === 0));
      const rated = ratedItemsFromLists(lists);
      for (const n of [1, 10, w.numItems + 3]) {
        const users = Int32Array.from({ length: w.numUsers }, (_, u) => u);
        const items = new Int32Array(users.length * n).fill(-1),
          scores = new Float64Array(users.length * n),
          counts = new Int32Array(users.length);
        s.topNMany(w.userFactors, w.userBias, users, n, rated, items, scores, counts);
        for (let u = 0; u < w.numUsers; u++) {
          const want = sortedTopN(w, userRow(w, u), w.userBias[u]!, n, lists[u]);
          const alone = s.topN(userRow(w, u), w.userBias[u]!, n, lists[u]);
          assert.deepEqual({ items: Array.from(alone.items), scores: Array.from(alone.scores) }, want, `${label}, user ${u}, n ${n}: alone`);
          assert.equal(counts[u], want.items.length, `${label}, user ${u}, n ${n}: count`);
          assert.deepEqual(Array.from(items.subarray(u * n, u * n + counts[u]!)), want.items, `${label}, user ${u}, n ${n}: in a block`);
          assert.deepEqual(Array.from(scores.subarray(u * n, u * n + counts[u]!)), want.scores, `${label}, user ${u}, n ${n}: block scores`);
        }
      }
      // The exclusion mask is cleared after each user.
      assert.equal(s.topN(userRow(w, 0), w.userBias[0]!, w.numItems).items.length, w.numItems);
    }
  });

  it("streams users in several blocks when the catalogue is large, with the same results", () => {
    const w = randomTestWeights(45, 70001, 2, 9);
    const s = new ItemScorer(w);
    assert.ok(s.blockUsers < 45, `block of ${s.blockUsers} users`);
    assert.ok(s.memoryBytes < 70001 * 16 + 9 * 2 ** 20, `${s.memoryBytes} bytes of kernel memory`);
    const rated = ratedItemsFromLists(Array.from({ length: 45 }, (_, u) => [u, u * 1000 + 1]));
    const users = Int32Array.from({ length: 45 }, (_, u) => 44 - u),
      n = 5;
    const items = new Int32Array(45 * n),
      scores = new Float64Array(45 * n),
      counts = new Int32Array(45);
    s.topNMany(w.userFactors, w.userBias, users, n, rated, items, scores, counts);
    users.forEach((u, r) => {
      const want = sortedTopN(w, userRow(w, u), w.userBias[u]!, n, ratedItemsOf(rated, u));
      assert.deepEqual(Array.from(items.subarray(r * n, (r + 1) * n)), want.items, `user ${u}`);
      assert.deepEqual(Array.from(scores.subarray(r * n, (r + 1) * n)), want.scores, `user ${u} scores`);
    });
  });

  it("breaks ties to the lower item index, however many items tie", () => {
    const base = randomTestWeights(6, 5, 3, 8);
    // 300 items that are copies of 5: every score appears 60 times.
    const itemFactors = Float32Array.from({ length: 300 * 3 }, (_, j) => base.itemFactors[(Math.floor(j / 3) % 5) * 3 + (j % 3)]!);
    const w = { ...base, numItems: 300, itemFactors, itemBias: Float32Array.from({ length: 300 }, (_, i) => base.itemBias[i % 5]!) };
    const s = new ItemScorer(w);
    for (let u = 0; u < 6; u++) {
      for (const n of [1, 7, 61, 299]) {
        const got = s.topN(userRow(w, u), w.userBias[u]!, n, [u, 100 + u]);
        assert.deepEqual(
          { items: Array.from(got.items), scores: Array.from(got.scores) },
          sortedTopN(w, userRow(w, u), w.userBias[u]!, n, [u, 100 + u]),
          `user ${u}, n ${n}`,
        );
      }
    }
  });

  it("counts NaN scores as -Infinity, after every real score", () => {
    const w = randomTestWeights(1, 100, 4, 3);
    const broken = { ...w, itemFactors: Float32Array.from(w.itemFactors, (v, j) => (j < 8 ? NaN : v)) };
    const a = new ItemScorer(broken).topN(userRow(broken, 0), broken.userBias[0]!, 100);
    assert.deepEqual(Array.from(a.items.slice(98)), [0, 1]);
    assert.deepEqual(Array.from(a.scores.slice(98)), [-Infinity, -Infinity]);
    assert.deepEqual({ items: Array.from(a.items), scores: Array.from(a.scores) }, sortedTopN(broken, userRow(broken, 0), broken.userBias[0]!, 100));
  });

  it("is built once per weights and reused", () => {
    const w = randomTestWeights(2, 100, 8);
    assert.equal(ItemScorer.for(w), ItemScorer.for(w));
    assert.notEqual(ItemScorer.for(w), ItemScorer.for({ ...w, itemBias: new Float32Array(100) }));
  });
});
