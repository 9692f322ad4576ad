import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { ModelStore, type LoadedModel } from "../../src/service/model-store";
import { defaultLoader } from "../../src/service/loader";
import { makeModel, tempRoot, writeModel } from "./fixtures";

describe("service/model-store: the served model and its atomic reload", () => {
  let root: string;
  beforeEach(() => {
    root = tempRoot();
    writeModel(root, "a", makeModel(1, 4, "2026-01-01T00:00:00.000Z"));
    writeModel(root, "b", makeModel(2, 4, "2026-02-01T00:00:00.000Z"));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("serves the first model as generation 1 and each good reload as the next", async () => {
    const store = await ModelStore.open(path.join(root, "a"), defaultLoader);
    assert.equal(store.root, root);
    assert.equal(store.current.generation, 1);
    assert.equal(store.current.model.trainedAt, "2026-01-01T00:00:00.000Z");
    assert.ok(store.current.precomputed, "1000 users or fewer: precomputed by default");
    const next = await store.reload("b");
    assert.equal(next.generation, 2);
    assert.equal(store.current, next);
    assert.equal(store.current.model.trainedAt, "2026-02-01T00:00:00.000Z");
  });

  it("keeps the old model object untouched when a reload fails", async () => {
    const store = await ModelStore.open(path.join(root, "a"), defaultLoader, root, { precompute: false });
    const before = store.current;
    assert.equal(before.precomputed, undefined);
    fs.rmSync(path.join(root, "b", "manifest.json"));
    await assert.rejects(store.reload("b"), /manifest\.json: missing/);
    assert.equal(store.current, before);
  });

  it("runs overlapping reloads one after the other, the last one winning", async () => {
    const order: string[] = [];
    const slow = async (dir: string): Promise<LoadedModel> => {
      order.push(`start ${path.basename(dir)}`);
      await new Promise((r) => setTimeout(r, path.basename(dir) === "a" ? 60 : 5));
      order.push(`end ${path.basename(dir)}`);
      return defaultLoader(dir);
    };
    const store = await ModelStore.open(path.join(root, "b"), slow);
    order.length = 0;
    const [x, y] = await Promise.all([store.reload("a"), store.reload("b")]);
    assert.deepEqual(order, ["start a", "end a", "start b", "end b"]);
    assert.deepEqual([x.generation, y.generation], [2, 3]);
    assert.equal(store.current, y);
  });

  it("refuses to open a model outside the given root", async () => {
    const other = tempRoot();
    writeModel(other, "m", makeModel(5));
    await assert.rejects(ModelStore.open(path.join(other, "m"), defaultLoader, root), /Expected model directory to be a directory inside/);
    fs.rmSync(other, { recursive: true, force: true });
  });
});
