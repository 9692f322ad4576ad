import { strict as assert } from "node:assert";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadModel, loadModelAsync, saveModel, MANIFEST_FILE } from "../../src/model/persist";
import { ModelFormatError } from "../../src/errors";
import { createRng } from "../../src/random";
import { makeModel } from "../service/fixtures";
import { useTempDir } from "../tmpdir";

const REPO = path.resolve(__dirname, "../..");
const WORKER = path.join(__dirname, "save-worker.ts");
/** kill -9 tries; the issue asks for 30+ (EWB_SAVE_KILL_TRIES raises it for a longer run). */
const KILL_TRIES = Number(process.env.EWB_SAVE_KILL_TRIES ?? 30);

/** Every temp file, temp directory or save marker under `root` (what an interrupted save may leave). */
function leftovers(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (/\.tmp-\d+-[0-9a-f]{8}$/.test(e.name) || e.name.startsWith(".saving-")) out.push(path.relative(root, path.join(dir, e.name)));
      if (e.isDirectory()) walk(path.join(dir, e.name));
    }
  };
  walk(root);
  return out;
}

/** "ok", "absent", or the load error: a model directory must never be anything else. */
function state(dir: string): string {
  if (!fs.existsSync(dir)) return "absent";
  try {
    loadModel(dir);
    return "ok";
  } catch (e) {
    return `broken: ${(e as Error).message}`;
  }
}

describe("saveModel under concurrency and kill -9 (real processes)", function () {
  this.timeout(180_000);
  const tmp = useTempDir("ewb-save-faults-", { perTest: true });

  it("40 processes saving into one existing directory at the same moment leave one loadable model and nothing else", async () => {
    const dir = tmp.join("m");
    saveModel(makeModel(1), dir);
    const gate = tmp.join("go");
    const children = Array.from({ length: 40 }, (_, k) => {
      const child = spawn(process.execPath, ["-r", "tsx/cjs", WORKER, "once", dir, String(100 + k), gate], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
      let err = "";
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      const ready = new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
      const done = new Promise<{ code: number | null; err: string }>((resolve) => child.on("exit", (code) => resolve({ code, err })));
      return { ready, done };
    });
    // Every worker has its model built and waits at the gate; opening it starts all 40 saves at once.
    await Promise.race([Promise.all(children.map((c) => c.ready)), Promise.all(children.map((c) => c.done))]);
    fs.writeFileSync(gate, "");
    const results = await Promise.all(children.map((c) => c.done));
    assert.deepEqual(
      results.filter((r) => r.code !== 0),
      [],
      "every save exits 0",
    );
    assert.equal(state(dir), "ok");
    const files = fs.readdirSync(dir).sort();
    assert.equal(files.length, 2, `manifest and one weights file, got ${files.join(", ")}`);
    assert.ok(files.includes(MANIFEST_FILE));
    assert.deepEqual(leftovers(tmp.path), []);
    assert.match(loadModel(dir).dataFingerprint, /^bigger-1\d\d$/);
  });

  it(`kill -9 at random moments of saves (existing and new directories, ${KILL_TRIES} tries) never leaves a broken model, and the next save clears what it left`, async () => {
    const rng = createRng(12);
    const outcomes = { "mid-save kills": 0 };
    for (let t = 0; t < KILL_TRIES; t++) {
      const root = tmp.join(`try-${t}`);
      fs.mkdirSync(root);
      const child = spawn(process.execPath, ["-r", "tsx/cjs", WORKER, "loop", root, String(t)], { cwd: REPO, stdio: ["ignore", "pipe", "inherit"] });
      await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
      await new Promise((r) => setTimeout(r, 5 + rng.next() * 80));
      const exited = new Promise((r) => child.on("exit", r));
      child.kill("SIGKILL");
      await exited;
      if (leftovers(root).length > 0) outcomes["mid-save kills"]++;
      for (const name of fs.readdirSync(root)) {
        if (/\.tmp-/.test(name)) continue;
        assert.equal(state(path.join(root, name)), "ok", `try ${t}: ${name}`);
      }
      // The next save into each directory removes what the killed one left.
      const bases = new Set(["existing", ...fs.readdirSync(root).map((n) => n.replace(/\.tmp-\d+-[0-9a-f]{8}$/, ""))]);
      for (const b of bases) saveModel(makeModel(t), path.join(root, b));
      assert.deepEqual(leftovers(root), [], `try ${t}`);
      for (const b of bases) assert.equal(state(path.join(root, b)), "ok");
    }
    // The test means something only if kills landed inside saves (temp files were left behind) often.
    assert.ok(outcomes["mid-save kills"] >= KILL_TRIES / 3, `only ${outcomes["mid-save kills"]} of ${KILL_TRIES} kills landed mid-save`);
  });
});

describe("loadModel checks every file before reading it", () => {
  const tmp = useTempDir("ewb-load-checks-", { perTest: true });
  const bothLoaders = async (dir: string, problem: RegExp, file: RegExp): Promise<void> => {
    const ok = (e: unknown): boolean => e instanceof ModelFormatError && problem.test(e.message) && file.test(e.file);
    assert.throws(() => loadModel(dir), ok);
    await assert.rejects(loadModelAsync(dir), ok);
  };
  const weightsOf = (dir: string): string => path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith(".bin")) as string);

  it("refuses a manifest or weights file that is a FIFO at once (no hang)", async () => {
    const dir = tmp.join("m");
    saveModel(makeModel(1), dir);
    const w = weightsOf(dir);
    fs.rmSync(w);
    execFileSync("mkfifo", [w]);
    await bothLoaders(dir, /is a FIFO \(named pipe\), not a regular file; refusing to read it/, /weights-[0-9a-f]{16}\.bin$/);
    fs.rmSync(path.join(dir, MANIFEST_FILE));
    execFileSync("mkfifo", [path.join(dir, MANIFEST_FILE)]);
    await bothLoaders(dir, /manifest\.json: is a FIFO/, /manifest\.json$/);
  });

  it("refuses a manifest or weights file linked to /dev/zero without reading it", async () => {
    const dir = tmp.join("m");
    saveModel(makeModel(1), dir);
    const w = weightsOf(dir);
    fs.rmSync(w);
    fs.symlinkSync("/dev/zero", w);
    await bothLoaders(dir, /resolves to \/dev\/zero, outside the model directory/, /\.bin$/);
    fs.rmSync(path.join(dir, MANIFEST_FILE));
    fs.symlinkSync("/dev/zero", path.join(dir, MANIFEST_FILE));
    await bothLoaders(dir, /resolves to \/dev\/zero, outside the model directory/, /manifest\.json$/);
  });

  it("names a weights path that is a directory", async () => {
    const dir = tmp.join("m");
    saveModel(makeModel(1), dir);
    const w = weightsOf(dir);
    fs.rmSync(w);
    fs.mkdirSync(w);
    await bothLoaders(dir, /weights-[0-9a-f]{16}\.bin: is a directory, not a regular file/, /\.bin$/);
  });

  it("refuses a manifest over the size bound before reading it (a sparse 300 MB file)", async () => {
    const dir = tmp.join("m");
    saveModel(makeModel(1), dir);
    fs.truncateSync(path.join(dir, MANIFEST_FILE), 300 * 1024 * 1024);
    await bothLoaders(dir, /manifest\.json: is 314572800 bytes, more than the 268435456 this reader accepts/, /manifest\.json$/);
  });

  it("loadModelAsync reads the same model as loadModel", async () => {
    const dir = tmp.join("m");
    const model = makeModel(3);
    saveModel(model, dir);
    const [a, b] = [loadModel(dir), await loadModelAsync(dir)];
    assert.deepEqual(b.weights, a.weights);
    assert.deepEqual(b.weights, model.weights);
    assert.deepEqual(b.ratedItems, model.ratedItems);
    assert.deepEqual(b.userIds.toArray(), model.userIds.toArray());
  });
});
