import { strict as assert } from "node:assert";
import { DEFAULT_SEED, calibrateLatentMean, discreteMoments, generateSyntheticDataset } from "../../src/data/generate";
import { bayesOptimalPredictor, groundTruth, noiseFloorMse, summariseGroups } from "../../src/data/generate-truth";
import { createRng } from "../../src/random";
import { InvalidArgumentError } from "../../src/errors";
import type { Dataset } from "../../src/data/types";

describe("generateSyntheticDataset", () => {
  let ds: Dataset;
  before(() => {
    ds = generateSyntheticDataset();
  });

  it("makes 1000 users in groups of 300/300/400 and 500 items in four categories", () => {
    assert.equal(ds.users.length, 1000);
    assert.equal(ds.items.length, 500);
    const count = (xs: readonly (string | undefined)[]): Record<string, number> =>
      xs.reduce<Record<string, number>>((m, x) => {
        m[String(x)] = (m[String(x)] ?? 0) + 1;
        return m;
      }, {});
    assert.deepEqual(count(ds.users.map((u) => u.group)), { tech: 300, fashion: 300, sports: 400 });
    assert.deepEqual(count(ds.items.map((i) => i.category)), { tech: 200, fashion: 100, "fashion+sports": 100, sports: 100 });
    assert.equal(ds.source, `generated(seed=${DEFAULT_SEED})`);
  });

  it("makes about 50,000 interactions, 40 to 60 per user, with no duplicate (user, item) pair", () => {
    const n = ds.interactions.length;
    assert.ok(n > 49000 && n < 51000, `got ${n}`);
    const perUser = new Map<string, number>();
    const pairs = new Set<string>();
    for (const r of ds.interactions) {
      perUser.set(r.userId, (perUser.get(r.userId) ?? 0) + 1);
      pairs.add(`${r.userId}\u0000${r.itemId}`);
      assert.ok(Number.isInteger(r.rating) && r.rating >= 1 && r.rating <= 5, `rating ${r.rating}`);
    }
    assert.equal(pairs.size, n);
    assert.equal(perUser.size, 1000);
    for (const c of perUser.values()) assert.ok(c >= 40 && c <= 60, `user has ${c} rows`);
  });

  it("gives each group preferred-item means near 4.0 / 4.2 / 3.8 and lower means elsewhere", () => {
    const s = Object.fromEntries(summariseGroups(ds).map((g) => [g.group, g]));
    const target: Record<string, number> = { tech: 4.0, fashion: 4.2, sports: 3.8 };
    for (const [g, t] of Object.entries(target)) {
      assert.ok(Math.abs(s[g]!.meanPreferred - t) < 0.03, `${g}: ${s[g]!.meanPreferred}`);
      assert.ok(Math.abs(s[g]!.meanOther - 2.03) < 0.06, `${g} other: ${s[g]!.meanOther}`);
    }
    assert.equal(s.tech!.users, 300);
    assert.equal(s.sports!.interactions + s.fashion!.interactions + s.tech!.interactions, ds.interactions.length);
  });

  it("draws about 80% of a group's ratings from its preferred items, counted from item categories", () => {
    const cat = new Map(ds.items.map((i) => [i.itemId, i.category]));
    const grp = new Map(ds.users.map((u) => [u.userId, u.group]));
    const prefers: Record<string, string[]> = { tech: ["tech"], fashion: ["fashion", "fashion+sports"], sports: ["fashion+sports", "sports"] };
    const tot: Record<string, number> = {},
      pref: Record<string, number> = {};
    for (const r of ds.interactions) {
      const g = grp.get(r.userId)!;
      tot[g] = (tot[g] ?? 0) + 1;
      if (prefers[g]!.includes(cat.get(r.itemId)!)) pref[g] = (pref[g] ?? 0) + 1;
    }
    for (const g of Object.keys(prefers)) assert.ok(Math.abs(pref[g]! / tot[g]! - 0.8) < 0.01, `${g}: ${pref[g]! / tot[g]!}`);
  });

  it("uses non-contiguous string IDs with gaps, never 0..n-1", () => {
    for (const u of ds.users) assert.match(u.userId, /^U1\d{4}$/);
    const prefix: Record<string, string> = { tech: "TECH", fashion: "FASH", "fashion+sports": "FSPT", sports: "SPRT" };
    for (const i of ds.items) assert.match(i.itemId, new RegExp(`^${prefix[i.category!]}1\\d{3}$`));
    const nums = ds.users.map((u) => Number(u.userId.slice(1))).sort((a, b) => a - b);
    assert.equal(nums[0], 10001);
    const gaps = nums.slice(1).filter((x, k) => x - nums[k]! > 1).length;
    assert.ok(gaps > 100, `only ${gaps} gaps`);
    assert.ok(nums[nums.length - 1]! - nums[0]! + 1 > nums.length);
  });

  it("keeps users and items sorted by ID, and every interaction refers to them", () => {
    const sorted = (xs: string[]): boolean => xs.every((x, k) => k === 0 || xs[k - 1]! < x);
    assert.ok(sorted(ds.users.map((u) => u.userId)));
    assert.ok(sorted(ds.items.map((i) => i.itemId)));
    const users = new Set(ds.users.map((u) => u.userId)),
      items = new Set(ds.items.map((i) => i.itemId));
    for (const r of ds.interactions) assert.ok(users.has(r.userId) && items.has(r.itemId));
  });

  it("gives the same dataset for the same seed and a different one for another seed", () => {
    const a = generateSyntheticDataset({ seed: 5 });
    const b = generateSyntheticDataset({ seed: 5 });
    const c = generateSyntheticDataset({ seed: 6 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.interactions, c.interactions);
    assert.notDeepEqual(a.users, c.users);
  });

  it("shuffles rows so the file is not grouped by user", () => {
    const first = ds.interactions.slice(0, 200).map((r) => r.userId);
    assert.ok(new Set(first).size > 100);
  });

  it("honours smaller configurations", () => {
    const small = generateSyntheticDataset({
      seed: 1,
      groups: [
        { name: "a", users: 5, preferred: { start: 0, end: 10 }, targetMean: 4.5 },
        { name: "b", users: 3, preferred: { start: 10, end: 20 }, targetMean: 3.5 },
      ],
      categories: [
        { category: "x", range: { start: 0, end: 10 }, prefix: "X" },
        { category: "y", range: { start: 10, end: 20 }, prefix: "Y" },
      ],
      interactionsPerUser: { min: 4, max: 4 },
      preferredShare: 1,
    });
    assert.equal(small.users.length, 8);
    assert.equal(small.items.length, 20);
    assert.equal(small.interactions.length, 32);
    const grp = new Map(small.users.map((u) => [u.userId, u.group]));
    for (const r of small.interactions) assert.equal(r.itemId[0], grp.get(r.userId) === "a" ? "X" : "Y");
  });

  it("rejects bad options with a message naming the option", () => {
    assert.throws(
      () => generateSyntheticDataset({ seed: -1 }),
      (e: unknown) => e instanceof InvalidArgumentError && /Expected seed to be an integer between 0 and 4294967295, but got -1/.test(e.message),
    );
    assert.throws(
      () => generateSyntheticDataset({ interactionsPerUser: { min: 10, max: 5 } }),
      /Expected interactionsPerUser\.max to be an integer between 10 and 500, but got 5/,
    );
    assert.throws(() => generateSyntheticDataset({ preferredShare: 1.5 }), /Expected preferredShare to be a finite number >= 0 and <= 1, but got 1\.5/);
    assert.throws(
      () => generateSyntheticDataset({ groups: [{ name: "g", users: 1, preferred: { start: 0, end: 250 }, targetMean: 4 }] }),
      /Expected groups\[0\]\.preferred to be a union of whole categories \(it cuts category "fashion"\), but got "\[0, 250\)"/,
    );
    assert.throws(
      () => generateSyntheticDataset({ groups: [{ name: "g", users: 1, preferred: { start: 0, end: 200 }, targetMean: 5 }] }),
      /Expected groups\[0\]\.targetMean to be strictly between 1 and 5, but got 5/,
    );
  });
});

describe("generator ground truth", () => {
  it("calibrates latent means so the discretised expectation hits the target exactly", () => {
    for (const g of groundTruth()) {
      const target = { tech: 4.0, fashion: 4.2, sports: 3.8 }[g.name as "tech"];
      assert.ok(Math.abs(g.preferredMean - target) < 1e-9, `${g.name}: ${g.preferredMean}`);
    }
    assert.ok(Math.abs(calibrateLatentMean(3, 0.6) - 3) < 1e-6, "symmetric case: latent mean 3 gives 3");
  });

  it("computes the discretised moments that a Monte Carlo simulation reproduces", () => {
    const rng = createRng(99);
    const n = 200000,
      mu = 4.2,
      sd = 0.6;
    let s = 0,
      s2 = 0;
    for (let i = 0; i < n; i++) {
      const r = Math.min(5, Math.max(1, Math.round(mu + sd * rng.normal())));
      s += r;
      s2 += r * r;
    }
    const mean = s / n,
      variance = s2 / n - mean * mean;
    const m = discreteMoments(mu, sd);
    assert.ok(Math.abs(m.mean - mean) < 0.01, `${m.mean} vs ${mean}`);
    assert.ok(Math.abs(m.variance - variance) < 0.01, `${m.variance} vs ${variance}`);
  });

  it("gives a Bayes-optimal predictor whose MSE on the data matches the noise floor (about 0.46)", () => {
    const ds = generateSyntheticDataset();
    const predict = bayesOptimalPredictor();
    const grp = new Map(ds.users.map((u) => [u.userId, u.group!]));
    const cat = new Map(ds.items.map((i) => [i.itemId, i.category!]));
    let se = 0;
    for (const r of ds.interactions) se += (r.rating - predict(grp.get(r.userId)!, cat.get(r.itemId)!)) ** 2;
    const mse = se / ds.interactions.length;
    const floor = noiseFloorMse(ds);
    assert.ok(Math.abs(floor - 0.462) < 0.01, `floor ${floor}`);
    assert.ok(Math.abs(mse - floor) < 0.02, `realised ${mse} vs expected ${floor}`);
    assert.equal(predict("fashion", "fashion+sports"), predict("fashion", "fashion"));
    assert.throws(() => predict("nope", "tech"), /Expected group to be one of "tech", "fashion", "sports", but got "nope"/);
  });
});
