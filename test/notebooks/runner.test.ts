import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { jupyterSkipReason, ROOT } from "./workbook";

describe("the workbook runner (scripts/run-workbook.js)", function () {
  this.timeout(120_000);
  let work = "";

  before(function () {
    const reason = jupyterSkipReason();
    if (reason) {
      console.log(`      (skipped: ${reason})`);
      this.skip();
    }
    // The fixtures import ./src like the real notebooks, so they run from a folder with the same symlink.
    work = fs.mkdtempSync(path.join(os.tmpdir(), "ewb-runner-"));
    fs.mkdirSync(path.join(work, "nb"));
    for (const f of fs.readdirSync(path.join(__dirname, "fixtures"))) {
      fs.copyFileSync(path.join(__dirname, "fixtures", f), path.join(work, "nb", f));
    }
    fs.symlinkSync(path.join(ROOT, "src"), path.join(work, "nb", "src"));
    // ... and the packages whose types src/ uses (plotly.js' declarations), as the project's notebooks/ finds them.
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(work, "node_modules"));
  });

  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("runs every notebook, fails with a non-zero exit naming the notebook and cell, and keeps what ran", () => {
    const out = path.join(work, "out");
    const r = spawnSync(process.execPath, [path.join(ROOT, "scripts", "run-workbook.js"), "--notebooks", path.join(work, "nb"), "--out", out], {
      encoding: "utf8",
    });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /00-ok\.ipynb\s+[\d.]+ s\s+ok/);
    assert.match(r.stdout, /01-type-error\.ipynb\s+[\d.]+ s\s+FAILED\n\s+cell 1: Error\n\s+1:7 - Type 'number' is not assignable to type 'string'/);
    assert.match(r.stderr, /FAILED: 01-type-error\.ipynb/);

    const summary = JSON.parse(fs.readFileSync(path.join(out, "summary.json"), "utf8"));
    assert.equal(summary.ok, false);
    assert.deepEqual(summary.notebooks[0].results, { fixture: { answer: 42 } });
    assert.equal(summary.notebooks[1].failedCell, 1);
    // The failing notebook is still written, with the error in place, and both have an HTML page.
    const failed = JSON.parse(fs.readFileSync(path.join(out, "01-type-error.ipynb"), "utf8"));
    assert.ok(failed.cells[1].outputs.some((o: { output_type: string }) => o.output_type === "error"));
    for (const f of ["00-ok.html", "01-type-error.html", "index.html"]) assert.ok(fs.existsSync(path.join(out, f)), f);
  });
});

describe("the notebook driver (scripts/execute_notebooks.py) when a kernel does not start", function () {
  this.timeout(120_000);
  let work = "";
  let python = "";

  /**
   * A kernelspec "flaky" whose first `hangs` starts never answer (the process sleeps, as the tslab kernel that
   * did not respond in CI), then a real Python kernel (ipykernel, which Jupyter brings) on later starts.
   */
  function flakyKernel(hangs: number): string {
    const dir = fs.mkdtempSync(path.join(work, "jupyter-"));
    const spec = path.join(dir, "kernels", "flaky");
    fs.mkdirSync(spec, { recursive: true });
    const starts = path.join(dir, "starts");
    fs.writeFileSync(
      path.join(spec, "launch.py"),
      [
        "import os, sys",
        `starts = ${JSON.stringify(starts)}`,
        "n = (int(open(starts).read()) if os.path.exists(starts) else 0) + 1",
        "open(starts, 'w').write(str(n))",
        `if n <= ${hangs}: os.execvp('sleep', ['sleep', '600'])`,
        "os.execv(sys.executable, [sys.executable, '-m', 'ipykernel_launcher', '-f', sys.argv[1]])",
      ].join("\n"),
    );
    fs.writeFileSync(
      path.join(spec, "kernel.json"),
      JSON.stringify({ argv: [python, path.join(spec, "launch.py"), "{connection_file}"], display_name: "flaky", language: "python" }),
    );
    return dir;
  }

  function drive(jupyterDir: string) {
    const nb = {
      cells: [{ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source: ["print(6 * 7)"] }],
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5,
    };
    const file = path.join(jupyterDir, "00-answer.ipynb");
    fs.writeFileSync(file, JSON.stringify(nb));
    const out = path.join(jupyterDir, "out");
    const r = spawnSync(
      python,
      [path.join(ROOT, "scripts", "execute_notebooks.py"), "--kernel", "flaky", "--startup-timeout", "5", "--no-html", "--out", out, file],
      {
        encoding: "utf8",
        env: { ...process.env, JUPYTER_PATH: jupyterDir, PYTHONWARNINGS: "ignore" },
      },
    );
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout.split("\n").find((l) => l.startsWith("{")) ?? "null");
    const executed = JSON.parse(fs.readFileSync(path.join(out, "00-answer.ipynb"), "utf8"));
    return { result, stderr: r.stderr, executed, starts: Number(fs.readFileSync(path.join(jupyterDir, "starts"), "utf8")) };
  }

  before(function () {
    const reason = jupyterSkipReason();
    if (reason) {
      console.log(`      (skipped: ${reason})`);
      this.skip();
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    python = (require(path.join(ROOT, "scripts", "install-kernel.js")) as { findJupyterPython: () => string }).findJupyterPython();
    work = fs.mkdtempSync(path.join(os.tmpdir(), "ewb-driver-"));
  });

  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("starts a new kernel when one never answers before any cell ran, and runs the notebook", () => {
    const { result, stderr, executed, starts } = drive(flakyKernel(1));
    assert.equal(result.error, null, stderr);
    assert.equal(starts, 2);
    assert.match(
      stderr,
      /00-answer\.ipynb: the kernel did not start \(RuntimeError: Kernel didn't respond in 5 seconds\); starting a new one \(attempt 2 of 3\)/,
    );
    assert.equal([executed.cells[0].outputs[0].text].flat().join(""), "42\n");
  });

  it("gives up after three starts and reports the kernel's failure", () => {
    const { result, starts } = drive(flakyKernel(3));
    assert.equal(starts, 3);
    assert.match(result.error, /^RuntimeError: Kernel didn't respond in 5 seconds/);
  });
});

describe("the notebook stripper (scripts/strip-notebooks.js)", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { strip } = require(path.join(ROOT, "scripts", "strip-notebooks.js")) as { strip: (nb: unknown) => boolean };

  it("clears outputs, execution counts and run metadata of code cells and says whether anything changed", () => {
    const nb = {
      cells: [
        { cell_type: "markdown", metadata: {}, source: ["# t"] },
        {
          cell_type: "code",
          execution_count: 3,
          metadata: { execution: { "iopub.status.busy": "x" }, tags: ["keep"] },
          outputs: [{ output_type: "stream", name: "stdout", text: ["1\n"] }],
          source: ["1"],
        },
      ],
    };
    assert.equal(strip(nb), true);
    assert.deepEqual(nb.cells[1], { cell_type: "code", execution_count: null, metadata: { tags: ["keep"] }, outputs: [], source: ["1"] });
    assert.equal(strip(nb), false, "a clean notebook is left as it is");
  });
});
