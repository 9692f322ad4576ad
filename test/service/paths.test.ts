import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { isInside, resolveWithinRoot } from "../../src/service/paths";
import { tempRoot } from "./fixtures";

describe("service/paths: model directories confined to one root", () => {
  let root: string, outside: string;
  before(() => {
    root = fs.realpathSync(tempRoot());
    outside = fs.realpathSync(tempRoot());
    fs.mkdirSync(path.join(root, "a", "b"), { recursive: true });
    fs.mkdirSync(path.join(root, "..weird"));
    fs.writeFileSync(path.join(root, "file"), "x");
    fs.symlinkSync(outside, path.join(root, "out-link"));
    fs.symlinkSync(path.join(root, "a"), path.join(root, "in-link"));
  });
  after(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it("resolves relative and absolute paths inside the root to real directories", () => {
    assert.equal(resolveWithinRoot(root, "a/b"), path.join(root, "a", "b"));
    assert.equal(resolveWithinRoot(root, path.join(root, "a")), path.join(root, "a"));
    assert.equal(resolveWithinRoot(root, "a/b/.."), path.join(root, "a"));
    assert.equal(resolveWithinRoot(root, "in-link"), path.join(root, "a"));
    assert.equal(resolveWithinRoot(root, "..weird"), path.join(root, "..weird"));
  });

  it("refuses .., absolute paths and symlinks that lead outside, naming the field", () => {
    for (const p of ["..", "../", "a/../../", outside, "/", "out-link", `../${path.basename(outside)}`]) {
      assert.throws(
        () => resolveWithinRoot(root, p),
        (e: Error & { code?: string }) => e.code === "FORBIDDEN_PATH" && /Expected model_dir to be a directory inside/.test(e.message),
        p,
      );
    }
  });

  it("refuses what is not a string, or not a directory, with a clear message", () => {
    assert.throws(() => resolveWithinRoot(root, 42), /Expected model_dir to be a non-empty path string without NUL bytes, but got 42/);
    assert.throws(() => resolveWithinRoot(root, "a\0b"), /without NUL bytes/);
    assert.throws(() => resolveWithinRoot(root, "missing"), /Expected model_dir to be an existing directory inside .*, but got "missing"/);
    assert.throws(() => resolveWithinRoot(root, "file"), /Expected model_dir to be a directory inside .*, but got "file"/);
  });

  it("treats a sibling whose name starts with the root's as outside", () => {
    assert.equal(isInside("/models", "/models-evil/x"), false);
    assert.equal(isInside("/models", "/models/x"), true);
    assert.equal(isInside("/models", "/models"), true);
  });
});
