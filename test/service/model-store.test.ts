import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { ModelStore, recommendationMode, type LoadedModel } from "../../src/service/model-store";
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

  it("runs overlapping reloads one after the other, the last one winning (a gated loader, no sleeps)", async () => {
    const order: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const gated = async (dir: string): Promise<LoadedModel> => {
      order.push(`start ${path.basename(dir)}`);
      if (path.basename(dir) === "a") await gate;
      order.push(`end ${path.basename(dir)}`);
      return defaultLoader(dir);
    };
    const store = await ModelStore.open(path.join(root, "b"), gated);
    order.length = 0;
    const both = Promise.all([store.reload("a"), store.reload("b")]);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ["start a"], "b waits for a");
    open();
    const [x, y] = await both;
    assert.deepEqual(order, ["start a", "end a", "start b", "end b"]);
    assert.deepEqual([x.generation, y.generation], [2, 3]);
    assert.equal(store.current, y);
  });

  it("coalesces a storm of reloads: 800 while one runs make one more load, not 800 (issue 12.4)", async () => {
    let loads = 0;
    let open!: () => void;
    let gate = new Promise<void>((r) => (open = r));
    const gated = async (dir: string): Promise<LoadedModel> => {
      loads++;
      await gate;
      return defaultLoader(dir);
    };
    let first!: () => void;
    gate = new Promise<void>((r) => (first = r));
    const opening = ModelStore.open(path.join(root, "a"), gated);
    first();
    const store = await opening;
    loads = 0;
    gate = new Promise<void>((r) => (open = r));
    const storm = [store.reload()];
    await new Promise((r) => setImmediate(r));
    assert.equal(loads, 1, "one load runs");
    for (let k = 1; k < 800; k++) storm.push(store.reload());
    assert.equal(new Set(storm.slice(1)).size, 1, "every later request joins the one queued reload");
    open();
    const served = await Promise.all(storm);
    assert.equal(loads, 2);
    assert.deepEqual([...new Set(served.map((s) => s.generation))], [2, 3]);
    assert.equal(store.current.generation, 3);
    // A reload for another directory is not merged with them.
    const [p, q] = [store.reload("b"), store.reload()];
    assert.notEqual(p, q);
    assert.equal((await q).model.trainedAt, "2026-02-01T00:00:00.000Z", "the current directory, now b");
  });

  it("resolves a symbolic link to the model directory again on every reload (issue 12.7)", async () => {
    const link = path.join(root, "current");
    fs.symlinkSync("a", link);
    const store = await ModelStore.open(link, defaultLoader);
    assert.equal(store.current.dir, fs.realpathSync(path.join(root, "a")));
    assert.equal(store.current.requestedDir, link);
    fs.rmSync(link);
    fs.symlinkSync("b", link); // a deploy re-points the link
    const next = await store.reload();
    assert.equal(next.model.trainedAt, "2026-02-01T00:00:00.000Z");
    assert.equal(next.dir, fs.realpathSync(path.join(root, "b")));
    assert.equal(next.requestedDir, link);
  });

  it("precomputes only within the bounds and says why (issue 11)", () => {
    assert.equal(recommendationMode(1000, 500).mode, "precomputed");
    const big = recommendationMode(160_000, 60_000);
    assert.equal(big.mode, "per-request");
    assert.match(big.reason, /160000 users x 60000 items is over the 5e\+8 scores/);
    assert.match(recommendationMode(40_000, 1_000).reason, /the lists would take 92 MB, over 64 MB/);
    assert.equal(recommendationMode(160_000, 60_000, true).mode, "precomputed");
    assert.equal(recommendationMode(10, 10, false).mode, "per-request");
  });

  it("refuses to open a model outside the given root", async () => {
    const other = tempRoot();
    writeModel(other, "m", makeModel(5));
    await assert.rejects(ModelStore.open(path.join(other, "m"), defaultLoader, root), /Expected model directory to be a directory inside/);
    fs.rmSync(other, { recursive: true, force: true });
  });
});
