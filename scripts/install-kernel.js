#!/usr/bin/env node
// Registers the project's tslab kernel with Jupyter: user-wide (so `jupyter lab` / `jupyter notebook`
// list "TypeScript") or, with --local, under <project>/.jupyter for the headless runner.
"use strict";
const { execFileSync, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const PROJECT = path.resolve(__dirname, "..");
/** Where the project-local kernelspec lives; run Jupyter with JUPYTER_PATH=<this>/share/jupyter. */
const LOCAL_PREFIX = path.join(PROJECT, ".jupyter");
const TSLAB_BIN = path.join(PROJECT, "node_modules", ".bin", "tslab");

/**
 * The Python that has Jupyter. `python3` on PATH may be a pyenv without it, so /usr/bin/python3 (Debian's
 * packages) is tried first; JUPYTER_PYTHON overrides.
 */
function findJupyterPython() {
  const candidates = [process.env.JUPYTER_PYTHON, "/usr/bin/python3", "python3", "python"].filter(Boolean);
  for (const py of candidates) {
    const r = spawnSync(py, ["-c", "import jupyter_client, nbconvert"], { stdio: "ignore" });
    if (r.status === 0) return py;
  }
  throw new Error(
    `No Python with jupyter_client and nbconvert found (tried ${candidates.join(", ")}). ` +
      "Run scripts/setup-system.sh (Debian) or set JUPYTER_PYTHON to a Python that has Jupyter.",
  );
}

/** Path of the installed TypeScript kernelspec for the given prefix (or the user registry). */
function kernelJsonPath(python, local) {
  if (local) return path.join(LOCAL_PREFIX, "share", "jupyter", "kernels", "tslab", "kernel.json");
  const dir = execFileSync(python, ["-c", "from jupyter_core.paths import jupyter_data_dir; print(jupyter_data_dir())"], {
    encoding: "utf8",
  }).trim();
  return path.join(dir, "kernels", "tslab", "kernel.json");
}

/**
 * The kernel's command line: this Node (the one running this script, >= package.json "engines") and the
 * project's tslab, so Jupyter starts the kernel on the same Node whatever `node` is first on its PATH
 * (tslab's own kernelspec runs `#!/usr/bin/env node`, which may be an older machine Node).
 */
function kernelArgv(js) {
  return [process.execPath, TSLAB_BIN, "kernel", "--config-path", "{connection_file}", ...(js ? ["--js"] : [])];
}

function sameArgv(a, b) {
  return Array.isArray(a) && a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Installs the kernelspec unless the same one is already there; returns the kernel.json path. */
function installKernel({ local = false, quiet = false } = {}) {
  if (!fs.existsSync(TSLAB_BIN)) throw new Error(`${TSLAB_BIN} is missing: run npm ci first.`);
  const python = findJupyterPython();
  const target = kernelJsonPath(python, local);
  if (fs.existsSync(target)) {
    const spec = JSON.parse(fs.readFileSync(target, "utf8"));
    if (sameArgv(spec.argv, kernelArgv(false))) {
      if (!quiet) console.log(`tslab kernel already registered: ${target}`);
      return target;
    }
  }
  const where = local ? ["--prefix", LOCAL_PREFIX] : ["--user"];
  const r = spawnSync(TSLAB_BIN, ["install", `--python=${python}`, `--binary=${TSLAB_BIN}`, ...where], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`tslab install failed (exit ${r.status}): ${r.stderr || r.stdout}`);
  if (!fs.existsSync(target)) throw new Error(`tslab install ran but ${target} does not exist`);
  // tslab writes [binary, "kernel", ...]: put this Node in front, for both of its kernels (tslab, jslab).
  for (const [name, js] of [
    ["tslab", false],
    ["jslab", true],
  ]) {
    const file = path.join(path.dirname(path.dirname(target)), name, "kernel.json");
    if (!fs.existsSync(file)) continue;
    const spec = JSON.parse(fs.readFileSync(file, "utf8"));
    spec.argv = kernelArgv(js);
    fs.writeFileSync(file, `${JSON.stringify(spec)}\n`);
  }
  if (!quiet) console.log(`tslab kernel registered (${local ? "project-local" : "user-wide"}): ${target}`);
  return target;
}

module.exports = { installKernel, findJupyterPython, LOCAL_PREFIX, PROJECT };

if (require.main === module) {
  try {
    installKernel({ local: process.argv.includes("--local") });
  } catch (e) {
    console.error(`install-kernel: ${e.message}`);
    process.exit(1);
  }
}
