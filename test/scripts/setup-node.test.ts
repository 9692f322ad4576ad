import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const setupScript = fs.readFileSync(path.join(ROOT, "scripts", "setup-node.sh"), "utf8");

function shellVar(name: string): string {
  const m = new RegExp(`^${name}=(\\S+)`, "m").exec(setupScript);
  assert.ok(m, `scripts/setup-node.sh sets ${name}`);
  return m[1]!;
}
const major = (v: string): number => Number(/(\d+)/.exec(v)![1]);

/** The supported Node, said once in package.json and kept in step by scripts/setup-node.sh and the pins. */
describe("Node version and pins (package.json, scripts/setup-node.sh)", () => {
  it("engines, the script's required major and the Node it installs agree", () => {
    const m = /^>=(\d+)$/.exec(pkg.engines.node);
    assert.ok(m, `engines.node is ">=N", got ${pkg.engines.node}`);
    const required = Number(m[1]);
    assert.equal(Number(shellVar("REQUIRED_MAJOR")), required, "setup-node.sh REQUIRED_MAJOR = engines");
    assert.ok(major(shellVar("NODE_VERSION")) >= required, "setup-node.sh installs a Node the engines allow");
  });

  it("the tests run on a Node the engines allow", () => {
    assert.ok(major(process.versions.node) >= major(pkg.engines.node), `node ${process.version} vs engines ${pkg.engines.node}`);
  });

  it("@types/node has the major of the Node setup-node.sh installs", () => {
    assert.equal(major(pkg.devDependencies["@types/node"]!), major(shellVar("NODE_VERSION")));
  });

  it("typecheck, build and prepare name the project's TypeScript (node_modules/.bin/tsc may be tslab's own, older one)", () => {
    const scripts = (pkg as unknown as { scripts: Record<string, string> }).scripts;
    for (const name of ["typecheck", "build", "prepare"]) {
      assert.match(scripts[name]!, /^node node_modules\/typescript\/bin\/tsc /, `npm run ${name}: ${scripts[name]}`);
    }
    const ts = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", "typescript", "package.json"), "utf8")) as { version: string };
    const want = pkg.devDependencies.typescript!.replace(/^[~^]/, "");
    assert.equal(ts.version.split(".").slice(0, 2).join("."), want.split(".").slice(0, 2).join("."), "node_modules/typescript is the devDependency");
  });

  it("tslab is pinned exactly and installed at that version (src/notebook/kernel.ts reads its internals)", () => {
    const pin = pkg.dependencies.tslab!;
    assert.match(pin, /^\d+\.\d+\.\d+$/, `tslab "${pin}" is an exact version`);
    const installed = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", "tslab", "package.json"), "utf8")) as { version: string };
    assert.equal(installed.version, pin);
  });

  it("the project-local kernelspec starts tslab on the Node running the tests, not on whatever `node` Jupyter's PATH has", function () {
    const ik = require(path.join(ROOT, "scripts", "install-kernel.js")) as {
      installKernel(o: { local: boolean; quiet: boolean }): string;
      findJupyterPython(): string;
    };
    try {
      ik.findJupyterPython();
    } catch {
      this.skip(); // no Jupyter here: nothing to register (the notebook tests say so too)
    }
    const file = ik.installKernel({ local: true, quiet: true });
    const spec = JSON.parse(fs.readFileSync(file, "utf8")) as { argv: string[] };
    assert.equal(spec.argv[0], process.execPath);
    assert.equal(spec.argv[1], path.join(ROOT, "node_modules", ".bin", "tslab"));
    assert.deepEqual(spec.argv.slice(2), ["kernel", "--config-path", "{connection_file}"]);
  });

  it("--check passes for the Node running the tests, and fails naming the required major for an old one", () => {
    const ok = spawnSync("bash", [path.join(ROOT, "scripts", "setup-node.sh"), "--check"], {
      encoding: "utf8",
      env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}` },
    });
    assert.equal(ok.status, 0, ok.stderr);
    // A fake `node` of version 18 first on PATH, in a copy of the script outside the project (no .node/ there).
    const tmp = fs.mkdtempSync(path.join(require("node:os").tmpdir(), "ewb-setup-node-"));
    try {
      fs.mkdirSync(path.join(tmp, "bin"));
      fs.mkdirSync(path.join(tmp, "scripts"));
      fs.copyFileSync(path.join(ROOT, "scripts", "setup-node.sh"), path.join(tmp, "scripts", "setup-node.sh"));
      fs.writeFileSync(path.join(tmp, "bin", "node"), '#!/bin/sh\ncase "$*" in *process.versions*) echo 18;; *) echo v18.0.0;; esac\n', { mode: 0o755 });
      const old = spawnSync("bash", [path.join(tmp, "scripts", "setup-node.sh"), "--check"], {
        encoding: "utf8",
        env: { ...process.env, PATH: `${path.join(tmp, "bin")}:/usr/bin:/bin` },
      });
      assert.equal(old.status, 1, old.stderr);
      assert.match(old.stderr, /v18\.0\.0.*needs Node >= 22/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
