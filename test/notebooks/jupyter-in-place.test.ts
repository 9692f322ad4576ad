import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { jupyterSkipReason, ROOT } from "./workbook";
import { committedNotebooks, failedChecks, type NotebookJson } from "./notebook-checks";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { findJupyterPython, installKernel, LOCAL_PREFIX } = require(path.join(ROOT, "scripts", "install-kernel.js")) as {
  findJupyterPython: () => string;
  installKernel: (o: { local: boolean; quiet: boolean }) => void;
  LOCAL_PREFIX: string;
};

/**
 * "jupyter lab, run the notebooks, npm test" in one working tree: a notebook executed in place and saved with
 * its outputs, as Jupyter does, leaves the notebook checks green (they read the git index), and a scratch
 * notebook of the user's own is not checked at all. Runs in a scratch git repository holding notebook 00.
 */
describe("a notebook run and saved in Jupyter, then the notebook checks", function () {
  this.timeout(600_000);
  let work = "";
  let nbDir = "";

  before(function () {
    const reason = jupyterSkipReason();
    if (reason) {
      console.log(`      (skipped: ${reason})`);
      this.skip();
    }
    work = fs.mkdtempSync(path.join(os.tmpdir(), "ewb-jupyter-"));
    nbDir = path.join(work, "notebooks");
    fs.mkdirSync(nbDir);
    fs.copyFileSync(path.join(ROOT, "notebooks", "00-data.ipynb"), path.join(nbDir, "00-data.ipynb"));
    fs.symlinkSync(path.join(ROOT, "src"), path.join(nbDir, "src"));
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(work, "node_modules"));
    const git = (...args: string[]) => {
      const r = spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: work, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
    };
    git("init", "-q");
    git("add", "notebooks/00-data.ipynb");
    git("commit", "-qm", "the notebook as committed");
    // Executed in place, outputs saved into the same file, as Jupyter's "run all, save" does.
    installKernel({ local: true, quiet: true });
    const r = spawnSync(
      findJupyterPython(),
      [path.join(ROOT, "scripts", "execute_notebooks.py"), "--out", nbDir, "--no-html", path.join(nbDir, "00-data.ipynb")],
      {
        cwd: work,
        encoding: "utf8",
        env: { ...process.env, JUPYTER_PATH: path.join(LOCAL_PREFIX, "share", "jupyter"), EWB_WORKBOOK_OUT: path.join(work, "out"), PYTHONWARNINGS: "ignore" },
      },
    );
    assert.equal(r.status, 0, r.stderr);
    fs.writeFileSync(
      path.join(nbDir, "my-scratch.ipynb"),
      JSON.stringify({ cells: [{ cell_type: "code", source: "1", outputs: [{ output_type: "stream", name: "stdout", text: "1" }] }], metadata: {} }),
    );
  });
  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("the saved notebook has outputs in the working tree (so the checks below could fail)", () => {
    const saved = JSON.parse(fs.readFileSync(path.join(nbDir, "00-data.ipynb"), "utf8")) as NotebookJson;
    assert.ok(
      failedChecks("00-data.ipynb", saved).some((m) => /no outputs/.test(m)),
      "the working-tree copy fails the no-outputs check",
    );
  });

  it("npm run notebooks:strip turns the saved notebook back into the committed bytes (no diff when only outputs changed)", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { stripText } = require(path.join(ROOT, "scripts", "strip-notebooks.js")) as { stripText: (text: string) => string };
    const committed = spawnSync("git", ["show", ":notebooks/00-data.ipynb"], { cwd: work, encoding: "utf8" }).stdout;
    const stripped = stripText(fs.readFileSync(path.join(nbDir, "00-data.ipynb"), "utf8"));
    assert.ok(stripped === committed, "stripped bytes equal the committed bytes");
  });

  it("the checks read the committed notebook and pass; the scratch notebook is not checked", () => {
    const committed = committedNotebooks(nbDir);
    assert.deepEqual([...committed.keys()], ["00-data.ipynb"]);
    assert.deepEqual(failedChecks("00-data.ipynb", committed.get("00-data.ipynb")!), []);
  });
});
