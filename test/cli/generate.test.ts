import { strict as assert } from "node:assert";
import { promises as fs } from "node:fs";
import { main } from "../../src/cli/main";
import { MySqlStore } from "../../src/data/mysql";
import { readInteractionsCsv } from "../../src/data/csv";
import { generateSyntheticDataset } from "../../src/data/generate";
import { capture, lastJson } from "./capture";
import { useTempDir } from "../tmpdir";

describe("ewb generate", () => {
  const tmp = useTempDir("ewb-gen-");

  it("writes the CSV and reports counts, group means and timings as JSON on the last stdout line", async () => {
    const out = tmp.join("a", "syn.csv");
    const c = capture();
    assert.equal(await main(["generate", "--out", out, "--seed", "7", "--json"], c.io), 0, c.err());
    const r = lastJson(c.out());
    assert.equal(r.path, out);
    assert.equal(r.users, 1000);
    assert.equal(r.items, 500);
    const ds = await readInteractionsCsv(out);
    assert.equal(r.interactions, ds.interactions.length);
    assert.equal(r.bytes, (await fs.stat(out)).size);
    const groups = r.groups as { group: string; users: number; meanPreferred: number }[];
    assert.deepEqual(
      groups.map((g) => [g.group, g.users]),
      [
        ["tech", 300],
        ["fashion", 300],
        ["sports", 400],
      ],
    );
    for (const [g, m] of [
      [0, 4.0],
      [1, 4.2],
      [2, 3.8],
    ] as const)
      assert.ok(Math.abs(groups[g]!.meanPreferred - m) < 0.05);
    assert.ok(typeof (r.seconds as Record<string, number>).generate === "number");
  });

  it("writes the same bytes for the same seed and different bytes for another seed", async () => {
    const p = (n: string): string => tmp.join(n);
    for (const [f, s] of [
      ["x.csv", "11"],
      ["y.csv", "11"],
      ["z.csv", "12"],
    ] as const)
      assert.equal(await main(["generate", "--out", p(f), "--seed", s], capture().io), 0);
    const [x, y, z] = await Promise.all(["x.csv", "y.csv", "z.csv"].map((f) => fs.readFile(p(f))));
    assert.ok(x!.equals(y!));
    assert.ok(!x!.equals(z!));
  });

  it("prints a readable summary without --json", async () => {
    const c = capture();
    assert.equal(await main(["generate", "--out", tmp.join("h.csv")], c.io), 0);
    assert.match(c.out(), /^Wrote \d+ ratings by 1000 users of 500 items \(seed 20240601\) to .*h\.csv\n/);
    assert.match(c.out(), /tech +300 users +mean 4\.\d{3} on preferred items/);
  });

  it("rejects a bad seed with a usage error and exit status 2", async () => {
    const c = capture();
    assert.equal(await main(["generate", "--seed", "x", "--out", tmp.join("n.csv")], c.io), 2);
    assert.match(c.err(), /Expected --seed to be an integer, but got "x"/);
    const d = capture();
    assert.equal(await main(["generate", "--seed=-3", "--out", tmp.join("n.csv")], d.io), 2);
    assert.match(d.err(), /Expected --seed to be an integer between 0 and 4294967295, but got -3/);
  });

  it("writes into MySQL with --mysql (real MariaDB; skipped without MYSQL_URL)", async function () {
    if (!process.env.MYSQL_URL) {
      console.log("    (skipped: MYSQL_URL is not set)");
      this.skip();
    }
    const prefix = `ewbg${process.pid}_`;
    const store = await MySqlStore.connect(process.env.MYSQL_URL, { tablePrefix: prefix });
    try {
      const c = capture();
      assert.equal(await main(["generate", "--mysql", "--table-prefix", prefix, "--seed", "7", "--json"], c.io), 0, c.err());
      const r = lastJson(c.out());
      assert.equal(r.path, undefined);
      assert.match(String(r.mysql), new RegExp(`^mysql://.*#${prefix}$`));
      const ds = await store.loadDataset();
      assert.equal(ds.interactions.length, r.interactions);
      // MySQL stores the ground truth as columns (group, category), not the generator's label sets.
      const { labels: _labels, ...generated } = generateSyntheticDataset({ seed: 7 });
      assert.deepEqual(ds, { ...generated, source: store.source });
    } finally {
      await store.dropTables();
      await store.close();
    }
  });

  it("reports an unreachable MySQL server on stderr with exit status 1", async () => {
    const saved = process.env.MYSQL_URL;
    process.env.MYSQL_URL = "mysql://root@127.0.0.1:1/test";
    try {
      const c = capture();
      assert.equal(await main(["generate", "--mysql"], c.io), 1);
      assert.match(c.err(), /Cannot connect to MySQL at 127\.0\.0\.1:1/);
    } finally {
      if (saved === undefined) delete process.env.MYSQL_URL;
      else process.env.MYSQL_URL = saved;
    }
  });
});
