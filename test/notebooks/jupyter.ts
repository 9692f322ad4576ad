/** Shared by the notebook tests: whether Jupyter with nbconvert is installed, as the runner needs it. */
import { spawnSync } from "node:child_process";

/** Undefined when a Python with jupyter_client and nbconvert exists; otherwise why the tests skip. */
export function jupyterSkipReason(): string | undefined {
  for (const py of [process.env.JUPYTER_PYTHON, "/usr/bin/python3", "python3"]) {
    if (!py) continue;
    if (spawnSync(py, ["-c", "import jupyter_client, nbconvert, nbclient"], { stdio: "ignore" }).status === 0) return undefined;
  }
  return "no Python with Jupyter (nbconvert, nbclient): run scripts/setup-system.sh";
}
