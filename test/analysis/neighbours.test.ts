import { strict as assert } from "node:assert";
import { meanNearestSimilarity, nearestItems, nearestRows, nearestUsers } from "../../src/analysis/neighbours";
import { matrixFromRows } from "../../src/analysis/embeddings";
import { cosine } from "../../src/analysis/cosine";
import { UnknownIdError } from "../../src/errors";
import { randomTestWeights, testModel } from "./fixtures";

describe("nearest neighbours", () => {
  it("orders rows by cosine, excludes the row itself and breaks ties by index", () => {
    const m = matrixFromRows([
      [1, 0],
      [2, 0],
      [1, 1],
      [1, 0],
      [0, 1],
    ]);
    const r = nearestRows(m, 0, 3);
    assert.deepEqual(Array.from(r.rows), [1, 3, 2]);
    assert.deepEqual(
      Array.from(r.similarities).map((v) => Math.round(v * 1e12) / 1e12),
      [1, 1, Math.round(Math.SQRT1_2 * 1e12) / 1e12],
    );
  });

  it("finds users and items by raw ID, agreeing with a brute-force sort", () => {
    const model = testModel(randomTestWeights(20, 15, 5));
    const w = model.weights;
    const got = nearestUsers(model, "U0007", 4);
    const row = (u: number) => Array.from(w.userFactors.subarray(u * 5, u * 5 + 5));
    const brute = Array.from({ length: 20 }, (_, u) => u)
      .filter((u) => u !== 7)
      .map((u) => ({ u, s: cosine(row(7), row(u)) }))
      .sort((a, b) => b.s - a.s || a.u - b.u)
      .slice(0, 4);
    assert.deepEqual(
      got.map((n) => n.id),
      brute.map((b) => model.userIds.id(b.u)),
    );
    assert.deepEqual(
      got.map((n) => n.rank),
      [1, 2, 3, 4],
    );
    assert.equal(nearestItems(model, "I0003", 20).length, 14);
  });

  it("throws UnknownIdError for an unknown ID and checks k", () => {
    const model = testModel(randomTestWeights(3, 3, 2));
    assert.throws(
      () => nearestUsers(model, "nobody"),
      (e: unknown) => e instanceof UnknownIdError && /Unknown user ID "nobody"/.test(e.message),
    );
    assert.throws(() => nearestItems(model, "I0001", 0), /Expected k to be an integer >= 1, but got 0/);
    assert.throws(() => nearestUsers(model, "" as string), /Expected userId to be a non-empty string/);
  });
});

describe("mean nearest-neighbour similarity", () => {
  it("averages each row's best cosine to another row (hand-worked)", () => {
    // (1,0) and (2,0) are each other's nearest (1); (0,1)'s nearest is either of them (0): mean 2/3.
    assert.ok(
      Math.abs(
        meanNearestSimilarity(
          matrixFromRows([
            [1, 0],
            [2, 0],
            [0, 1],
          ]),
        ) -
          2 / 3,
      ) < 1e-12,
    );
    assert.throws(() => meanNearestSimilarity(matrixFromRows([[1, 0]])), /at least two rows/);
  });
});
