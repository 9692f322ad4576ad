import { strict as assert } from "node:assert";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeFileAtomic } from "../../src/data/atomic";
import { StorageError } from "../../src/errors";

describe("writeFileAtomic", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "ewb-atomic-"));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("creates parent directories and replaces an existing file whole", async () => {
    const p = path.join(dir, "a", "b", "f.txt");
    await writeFileAtomic(p, "first");
    await writeFileAtomic(p, "second ✓");
    assert.equal(await fs.readFile(p, "utf8"), "second ✓");
    assert.deepEqual(await fs.readdir(path.dirname(p)), ["f.txt"]);
  });

  it("leaves neither a half file nor a temp file when the final step fails", async () => {
    const p = path.join(dir, "target");
    await fs.mkdir(p); // a directory where the file should go: the rename fails after the data was written
    await fs.writeFile(path.join(p, "keep"), "x");
    await assert.rejects(writeFileAtomic(p, "data"), (e: unknown) => e instanceof StorageError && /^Cannot write .*target: /.test(e.message));
    assert.deepEqual((await fs.readdir(dir)).sort(), ["target"]);
    assert.deepEqual(await fs.readdir(p), ["keep"]);
  });
});
