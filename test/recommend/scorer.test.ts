import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ItemScorer } from "../../src/recommend/scorer";
import { TopKHeap } from "../../src/recommend/topk";
import { SCORE_KERNEL_WASM_BASE64 } from "../../src/recommend/wasm/score-kernel-bytes";
import { assembleScoreKernel } from "../../src/recommend/wasm/assemble";
import { plantedWeights, randomTestWeights } from "../analysis/fixtures";

function run(s: ItemScorer, w: ReturnType<typeof randomTestWeights>, u: number, n: number, mask?: Uint8Array) {
  const heap = new TopKHeap(n);
  const exclude = mask ? Array.from(mask.keys()).filter((i) => mask[i] === 1) : undefined;
  s.pushTopN(w.userFactors.subarray(u * w.dim, (u + 1) * w.dim), w.userBias[u]!, heap, exclude);
  const items = new Int32Array(heap.size), scores = new Float64Array(heap.size);
  heap.drainInto(items, scores);
  return { items: Array.from(items), scores: Array.from(scores) };
}

describe("item scorer", () => {
  it("gives the same bits with the WebAssembly kernel and the TypeScript kernel, pruned or not", () => {
    for (const [w, label] of [[randomTestWeights(30, 200, 37, 4), "random, dim 37"], [plantedWeights(Array.from({ length: 30 }, (_, i) => i % 3), Array.from({ length: 200 }, (_, i) => i % 4), 64, 3, 0.3), "planted, dim 64"]] as const) {
      const a = new ItemScorer(w, { prune: true }), b = new ItemScorer(w, { prune: true, kernel: "js" });
      const c = new ItemScorer(w, { prune: false }), d = new ItemScorer(w, { prune: false, kernel: "js" });
      assert.equal(a.kernel, "wasm-simd");
      assert.equal(b.kernel, "js");
      for (let u = 0; u < 30; u++) {
        const mask = Uint8Array.from({ length: 200 }, (_, i) => ((i * 7 + u) % 5 === 0 ? 1 : 0));
        for (const n of [1, 10, 300]) {
          const ra = run(a, w, u, n, mask);
          assert.equal(ra.items.length, Math.min(n, 160));
          assert.deepEqual(run(b, w, u, n, mask), ra, `${label}, user ${u}, n ${n}: js pruned`);
          assert.deepEqual(run(c, w, u, n, mask), ra, `${label}, user ${u}, n ${n}: wasm unpruned`);
          assert.deepEqual(run(d, w, u, n, mask), ra, `${label}, user ${u}, n ${n}: js unpruned`);
          assert.ok(ra.items.every((i) => mask[i] === 0));
        }
      }
      // The masks are cleared after each call.
      assert.equal(run(a, w, 0, 200).items.length, 200);
    }
  });

  it("prunes without changing any result, for clustered and diffuse weights, large biases and tiny vectors", () => {
    const groups = Array.from({ length: 40 }, (_, i) => i % 3), itemGroups = Array.from({ length: 300 }, (_, i) => i % 4);
    const cases = [
      plantedWeights(groups, itemGroups, 64, 11, 0.05),
      plantedWeights(groups, itemGroups, 64, 12, 1.0),
      { ...plantedWeights(groups, itemGroups, 20, 13, 0.2), itemBias: Float32Array.from({ length: 300 }, (_, i) => ((i * 37) % 11) - 5) },
      randomTestWeights(40, 300, 16, 14, 1e-4),
    ];
    for (const [j, w] of cases.entries()) {
      const pruned = new ItemScorer(w, { prune: true, clusters: 17 }), brute = new ItemScorer(w, { prune: false, kernel: "js" });
      for (let u = 0; u < 40; u++) {
        for (const n of [1, 5, 37]) assert.deepEqual(run(pruned, w, u, n), run(brute, w, u, n), `case ${j}, user ${u}, n ${n}`);
      }
    }
  });

  it("counts NaN scores as -Infinity in both kernels", () => {
    const w = randomTestWeights(1, 100, 4, 3);
    const broken = { ...w, itemFactors: Float32Array.from(w.itemFactors, (v, j) => (j < 8 ? NaN : v)) };
    const a = run(new ItemScorer(broken, { prune: false }), broken, 0, 100), b = run(new ItemScorer(broken, { prune: false, kernel: "js" }), broken, 0, 100);
    assert.deepEqual(a, b);
    assert.deepEqual(a.items.slice(98), [0, 1]);
    assert.deepEqual(a.scores.slice(98), [-Infinity, -Infinity]);
  });

  it("is built once per weights and reused", () => {
    const w = randomTestWeights(2, 100, 8);
    assert.equal(ItemScorer.for(w), ItemScorer.for(w));
    assert.notEqual(ItemScorer.for(w, false), ItemScorer.for(w, true));
    assert.equal(ItemScorer.for(w).numClusters, 5);
  });

  it("embeds the bytes of the current score-kernel.wat", async () => {
    const bytes = await assembleScoreKernel();
    assert.equal(Buffer.from(bytes).toString("base64"), SCORE_KERNEL_WASM_BASE64, "run: npx tsx src/recommend/wasm/assemble.ts");
    assert.ok(readFileSync(join(__dirname, "../../src/recommend/wasm/score-kernel.wat"), "utf8").includes("topN"));
  });
});
