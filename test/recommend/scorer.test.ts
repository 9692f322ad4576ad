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
  s.pushTopN(w.userFactors.subarray(u * w.dim, (u + 1) * w.dim), w.userBias[u]!, heap, mask);
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
        const ra = run(a, w, u, 10, mask);
        assert.deepEqual(run(b, w, u, 10, mask), ra, `${label}, user ${u}: js pruned`);
        assert.deepEqual(run(c, w, u, 10, mask), ra, `${label}, user ${u}: wasm unpruned`);
        assert.deepEqual(run(d, w, u, 10, mask), ra, `${label}, user ${u}: js unpruned`);
        assert.ok(ra.items.every((i) => mask[i] === 0));
      }
    }
  });

  it("is built once per weights and reused", () => {
    const w = randomTestWeights(2, 100, 8);
    assert.equal(ItemScorer.for(w), ItemScorer.for(w));
    assert.notEqual(ItemScorer.for(w, false), ItemScorer.for(w, true));
    assert.equal(ItemScorer.for(w).numClusters, 10);
  });

  it("embeds the bytes of the current score-kernel.wat", async () => {
    const bytes = await assembleScoreKernel();
    assert.equal(Buffer.from(bytes).toString("base64"), SCORE_KERNEL_WASM_BASE64, "run: npx tsx src/recommend/wasm/assemble.ts");
    assert.ok(readFileSync(join(__dirname, "../../src/recommend/wasm/score-kernel.wat"), "utf8").includes("candidates"));
  });
});
