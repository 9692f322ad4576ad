import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const ENTRY = path.join(ROOT, "dist", "src", "index.js");

/** Newest modification time (ms) of the .ts files under `dir`. */
function newest(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (e.name.endsWith(".ts")) t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

/**
 * The README's "your own notebook" promise, checked from a folder outside the repository: the package is
 * installed there by name (a symlink, as `npm install <path>` makes), imported as "embedding-workbook" from
 * JavaScript and from TypeScript, and trains and recommends on a CSV file of that folder.
 */
describe('the package from a user\'s own folder (import ... from "embedding-workbook")', function () {
  this.timeout(300_000);
  let work = "";

  before(() => {
    if (!fs.existsSync(ENTRY) || fs.statSync(ENTRY).mtimeMs < newest(path.join(ROOT, "src"))) {
      const b = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", path.join(ROOT, "tsconfig.build.json")], {
        encoding: "utf8",
      });
      assert.equal(b.status, 0, `npm run build failed:\n${b.stdout}${b.stderr}`);
    }
    work = fs.mkdtempSync(path.join(os.tmpdir(), "ewb-user-"));
    fs.mkdirSync(path.join(work, "node_modules"));
    fs.symlinkSync(ROOT, path.join(work, "node_modules", "embedding-workbook"), "dir");
    const rows = ["user_id,item_id,rating"];
    for (let u = 0; u < 40; u++) for (let i = 0; i < 30; i++) if ((u * 7 + i * 3) % 4 !== 0) rows.push(`u${u},i${i},${1 + ((u + i) % 5)}`);
    fs.writeFileSync(path.join(work, "my-ratings.csv"), rows.join("\n") + "\n");
  });
  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("package.json's main, types and exports name files that exist", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      main: string;
      types: string;
      exports: Record<string, { types: string; default: string }>;
    };
    for (const f of [pkg.main, pkg.types, pkg.exports["."]!.types, pkg.exports["."]!.default]) assert.ok(fs.existsSync(path.join(ROOT, f)), f);
  });

  it("loads a CSV, trains, recommends and saves by package name, from JavaScript", () => {
    fs.writeFileSync(
      path.join(work, "user.js"),
      `
const { loadDataset, randomSplit, trainModel, recommendForUser, saveModel, loadModel } = require("embedding-workbook");
(async () => {
  const ds = await loadDataset({ kind: "csv", path: "my-ratings.csv" });
  const model = await trainModel(randomSplit(ds.interactions), ds, { dim: 8, epochs: 5 });
  saveModel(model, "my-model");
  const recs = recommendForUser(loadModel("my-model"), "u1", { top: 3 }).recommendations;
  console.log(JSON.stringify({ users: ds.users.length, epochs: model.history.length, recs: recs.map((r) => r.itemId) }));
})().catch((e) => { console.error(e); process.exit(1); });
`,
    );
    const r = spawnSync(process.execPath, ["user.js"], { cwd: work, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split("\n").pop() as string) as { users: number; epochs: number; recs: string[] };
    assert.equal(out.users, 40);
    assert.equal(out.epochs, 5);
    assert.equal(out.recs.length, 3);
    assert.ok(out.recs.every((id) => /^i\d+$/.test(id)));
    assert.ok(fs.existsSync(path.join(work, "my-model", "manifest.json")));
  });

  it("type-checks a TypeScript notebook cell that imports it by name (the types resolve through exports)", () => {
    fs.writeFileSync(
      path.join(work, "cell.ts"),
      `
import { loadDataset, randomSplit, trainModel, type TrainedModel } from "embedding-workbook";
export async function run(): Promise<TrainedModel> {
  const ds = await loadDataset({ kind: "csv", path: "my-ratings.csv" });
  return trainModel(randomSplit(ds.interactions), ds, { epochs: 5 });
}
// @ts-expect-error: a misspelt export is caught, so this check can fail
import { trainModle } from "embedding-workbook";
void trainModle;
`,
    );
    const r = spawnSync(
      process.execPath,
      [
        path.join(ROOT, "node_modules", "typescript", "bin", "tsc"),
        "--noEmit",
        "--strict",
        "--module",
        "node16",
        "--moduleResolution",
        "node16",
        "--target",
        "es2022",
        "--types",
        "node",
        "--typeRoots",
        path.join(ROOT, "node_modules", "@types"),
        "--skipLibCheck",
        "cell.ts",
      ],
      { cwd: work, encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});
