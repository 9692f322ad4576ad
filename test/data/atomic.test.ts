import { strict as assert } from "node:assert";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../../src/data/atomic";
import { StorageError } from "../../src/errors";
import { useTempDir } from "../tmpdir";

describe("writeFileAtomic", () => {
  const tmp = useTempDir("ewb-atomic-", { perTest: true });

  it("creates parent directories and replaces an existing file whole", async () => {
    const p = tmp.join("a", "b", "f.txt");
    await writeFileAtomic(p, "first");
    await writeFileAtomic(p, "second ✓");
    assert.equal(await fs.readFile(p, "utf8"), "second ✓");
    assert.deepEqual(await fs.readdir(path.dirname(p)), ["f.txt"]);
  });

  it("leaves neither a half file nor a temp file when the final step fails", async () => {
    const p = tmp.join("target");
    await fs.mkdir(p); // a directory where the file should go: the rename fails after the data was written
    await fs.writeFile(path.join(p, "keep"), "x");
    await assert.rejects(writeFileAtomic(p, "data"), (e: unknown) => e instanceof StorageError && /^Cannot write .*target: /.test(e.message));
    assert.deepEqual((await fs.readdir(tmp.path)).sort(), ["target"]);
    assert.deepEqual(await fs.readdir(p), ["keep"]);
  });
});
