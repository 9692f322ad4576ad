import { strict as assert } from "node:assert";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describeSource, loadDataset } from "../../src/data/load";
import { writeInteractionsCsv } from "../../src/data/csv";
import { generateSyntheticDataset } from "../../src/data/generate";

describe("loadDataset", () => {
  it("loads CSV, MovieLens and synthetic sources", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "ewb-load-"));
    try {
      const ds = generateSyntheticDataset({ seed: 3 });
      const csv = path.join(dir, "s.csv");
      await writeInteractionsCsv(csv, ds);
      assert.deepEqual((await loadDataset({ kind: "csv", path: csv })).interactions, ds.interactions);
      const ml = path.join(dir, "u.data");
      await fs.writeFile(ml, "1\t2\t3\t4\n");
      assert.deepEqual((await loadDataset({ kind: "movielens", path: ml })).interactions, [{ userId: "1", itemId: "2", rating: 3, timestamp: 4 }]);
      assert.deepEqual(await loadDataset({ kind: "synthetic", seed: 3 }), ds);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it("rejects an unknown kind, naming it", async () => {
    await assert.rejects(
      loadDataset({ kind: "parquet" } as never),
      /Expected data source kind to be one of "csv", "movielens", "mysql", "synthetic", but got "parquet"/,
    );
  });

  it("describes a MySQL source without its password", () => {
    assert.equal(describeSource({ kind: "mysql", url: "mysql://root:secret@db:3306/test" }), "MySQL mysql://db:3306/test");
  });
});
