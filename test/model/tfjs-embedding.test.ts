import { strict as assert } from "node:assert";
import { loadTfjs, type Tf } from "../../src/model/tfjs-loader";
import { embeddingTable, embeddingVector, seededEmbeddingLayer, weightsFromEmbeddingLayers } from "../../src/model/tfjs-embedding";
import { randomWeights } from "../../src/model/init";

describe("a seeded tf.layers.embedding (notebook 01's ID -> index -> vector)", function () {
  this.timeout(60000);
  let tf: Tf;
  before(async () => {
    tf = await loadTfjs("tfjs-wasm");
  });

  it("starts from exactly the vectors training starts from (randomWeights: users, then items)", () => {
    const want = randomWeights(30, 20, 8, 42, 0.01);
    const user = seededEmbeddingLayer(tf, { name: "u", inputDim: 30, outputDim: 8, seed: 42, stddev: 0.01 });
    const item = seededEmbeddingLayer(tf, { name: "i", inputDim: 20, outputDim: 8, seed: 42, stddev: 0.01, skip: 30 * 8 });
    try {
      const w = weightsFromEmbeddingLayers(user, item);
      assert.deepEqual([w.numUsers, w.numItems, w.dim], [30, 20, 8]);
      assert.deepEqual(Array.from(w.userFactors), Array.from(want.userFactors));
      assert.deepEqual(Array.from(w.itemFactors), Array.from(want.itemFactors));
      // Another seed, other vectors (the comparison can fail).
      const other = seededEmbeddingLayer(tf, { name: "o", inputDim: 30, outputDim: 8, seed: 43, stddev: 0.01 });
      assert.notDeepEqual(Array.from(embeddingTable(other).data), Array.from(want.userFactors));
      other.dispose();
    } finally {
      user.dispose();
      item.dispose();
    }
  });

  it("looks up an index as a 1-d tf.Tensor equal to that row, refuses an index out of range, and leaves no tensor behind", () => {
    const before = tf.memory().numTensors;
    const layer = seededEmbeddingLayer(tf, { name: "users", inputDim: 12, outputDim: 64, seed: 7, stddev: 0.1 });
    const v = embeddingVector(tf, layer, 5);
    assert.deepEqual(v.shape, [64]);
    const table = embeddingTable(layer);
    assert.deepEqual(Array.from(v.dataSync()), Array.from(table.data.subarray(5 * 64, 6 * 64)));
    assert.throws(() => embeddingVector(tf, layer, 12), /index.*0\.\.11/);
    assert.equal(tf.memory().numTensors, before + 2, "the table and the vector");
    v.dispose();
    layer.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});
