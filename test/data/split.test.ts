import { strict as assert } from "node:assert";
import { perUserSplit, randomSplit, unknownInValidation } from "../../src/data/split";
import type { Interaction } from "../../src/data/types";

function rows(): Interaction[] {
  const out: Interaction[] = [];
  // user k has k+1 interactions, so some users have a single row
  for (let u = 0; u < 30; u++) for (let i = 0; i <= u; i++) out.push({ userId: `U${u}`, itemId: `I${(u * 7 + i) % 40}`, rating: 1 + ((u + i) % 5) });
  return out;
}
const key = (r: Interaction): string => `${r.userId}\u0000${r.itemId}`;

describe("randomSplit", () => {
  it("holds out round(fraction * n) rows and puts every row in exactly one part", () => {
    const data = rows();
    const { train, validation } = randomSplit(data, { validationFraction: 0.25, seed: 3 });
    assert.equal(validation.length, Math.round(0.25 * data.length));
    assert.equal(train.length + validation.length, data.length);
    const seen = new Set([...train, ...validation].map(key));
    assert.equal(seen.size, data.length);
    for (const r of validation) assert.ok(!train.includes(r));
  });

  it("keeps the input's row order within each part", () => {
    const data = rows();
    const { train } = randomSplit(data, { validationFraction: 0.5, seed: 1 });
    const pos = train.map((r) => data.indexOf(r));
    assert.ok(pos.every((p, k) => k === 0 || pos[k - 1]! < p));
  });

  it("is deterministic per seed and differs between seeds", () => {
    const data = rows();
    assert.deepEqual(randomSplit(data, { seed: 9 }), randomSplit(data, { seed: 9 }));
    assert.notDeepEqual(randomSplit(data, { seed: 9 }).validation, randomSplit(data, { seed: 10 }).validation);
  });

  it("does not mutate its input", () => {
    const data = rows();
    const copy = data.slice();
    randomSplit(data, { seed: 2 });
    assert.deepEqual(data, copy);
  });

  it("rejects a fraction outside [0, 1) and a bad seed", () => {
    assert.throws(() => randomSplit(rows(), { validationFraction: 1 }), /Expected validationFraction to be a finite number >= 0 and < 1, but got 1/);
    assert.throws(() => randomSplit(rows(), { validationFraction: -0.1 }), /Expected validationFraction to be a finite number >= 0 and <= 1, but got -0\.1/);
    assert.throws(() => randomSplit(rows(), { seed: 1.5 }), /Expected seed to be an integer between 0 and 4294967295, but got 1\.5/);
    assert.throws(() => randomSplit("x" as never), /Expected interactions to be an array of interactions or a Dataset, but got "x"/);
  });
});

describe("perUserSplit", () => {
  it("keeps every user in training and no row in both parts", () => {
    const data = rows();
    const { train, validation } = perUserSplit(data, { validationFraction: 0.5, seed: 4 });
    assert.equal(train.length + validation.length, data.length);
    assert.equal(new Set([...train, ...validation].map(key)).size, data.length);
    assert.equal(new Set(train.map((r) => r.userId)).size, 30);
    assert.equal(unknownInValidation({ train, validation }).users.length, 0);
  });

  it("holds out round(fraction * n_u) of each user's rows, capped to leave minTrainPerUser", () => {
    const data = rows();
    const { validation } = perUserSplit(data, { validationFraction: 0.5, seed: 4, minTrainPerUser: 2 });
    const held = new Map<string, number>();
    for (const r of validation) held.set(r.userId, (held.get(r.userId) ?? 0) + 1);
    for (let u = 0; u < 30; u++) {
      const n = u + 1;
      const expected = Math.min(Math.round(0.5 * n), Math.max(0, n - 2));
      assert.equal(held.get(`U${u}`) ?? 0, expected, `user U${u} with ${n} rows`);
    }
  });

  it("is deterministic per seed and differs between seeds", () => {
    const data = rows();
    assert.deepEqual(perUserSplit(data, { seed: 9 }), perUserSplit(data, { seed: 9 }));
    assert.notDeepEqual(perUserSplit(data, { seed: 9 }).validation, perUserSplit(data, { seed: 11 }).validation);
  });

  it("rejects minTrainPerUser below 1", () => {
    assert.throws(() => perUserSplit(rows(), { minTrainPerUser: 0 }), /Expected minTrainPerUser to be an integer >= 1, but got 0/);
  });
});

describe("unknownInValidation", () => {
  it("lists validation users and items that training never saw", () => {
    const t = (u: string, i: string): Interaction => ({ userId: u, itemId: i, rating: 3 });
    const r = unknownInValidation({ train: [t("a", "x"), t("b", "y")], validation: [t("a", "y"), t("c", "x"), t("c", "z"), t("a", "w")] });
    assert.deepEqual(r, { rows: 3, users: ["c"], items: ["w", "z"] });
  });
});
