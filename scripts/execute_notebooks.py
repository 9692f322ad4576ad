"""Executes notebooks top to bottom with a Jupyter kernel (nbclient, as `jupyter nbconvert --execute` does)
and writes each executed notebook plus its HTML page. Prints one JSON line per notebook for
scripts/run-workbook.js, which owns the summary. Run with the Python that has Jupyter (/usr/bin/python3).

Why not the nbconvert command line: tslab reports a failing cell only in its execute_reply (no error
output), so `--allow-errors` keeps no trace of the failure; here the failing cell gets an explicit error
output and the partial notebook is still written, so the HTML report shows where it stopped.
"""
import argparse
import json
import os
import re
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError, CellTimeoutError
from nbconvert import HTMLExporter
from nbformat.sign import NotebookNotary


def stderr_of(cell):
    parts = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream" and o.get("name") == "stderr":
            t = o.get("text", "")
            parts.append(t if isinstance(t, str) else "".join(t))
    return "".join(parts).strip()


def inject_parameters(nb, values, name):
    """Rewrites `const NAME = ...;` lines of the cell tagged "parameters" (papermill's convention) with the given
    JSON values, in this in-memory copy only. A notebook without a parameters cell is left as it is; one whose
    parameters cell lacks a name is an error naming both."""
    if not values:
        return
    cells = [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        return
    cell = cells[0]
    source = cell.source
    for key, value in values.items():
        pattern = re.compile(r"^(const\s+" + re.escape(key) + r"\b[^=\n]*=\s*)[^\n]*?;", re.M)
        if not pattern.search(source):
            raise SystemExit(f"{name}: its parameters cell has no line `const {key} = ...;` to set")
        source = pattern.sub(lambda m: m.group(1) + json.dumps(value) + ";", source, count=1)
    cell.source = source
    nb.metadata.setdefault("workbook", {})["parameters"] = values


KERNEL_START_ATTEMPTS = 3


def started_no_cell(nb):
    """True while no code cell of this run has an execution count (nothing ran yet)."""
    return not any(c.get("execution_count") for c in nb.cells if c.cell_type == "code")


def run_one(path, out_dir, kernel, timeout, html, parameters, startup_timeout):
    failure = {}

    def on_cell_error(cell, cell_index, execute_reply):
        content = execute_reply.get("content", {})
        failure.update(
            cell=cell_index,
            ename=content.get("ename") or "Error",
            evalue=content.get("evalue") or "",
        )

    t0 = time.monotonic()
    # A kernel that never answers its first kernel_info request (seen once in CI: "Kernel didn't respond in
    # 60 seconds", with two kernels starting side by side) has run nothing yet, so starting a fresh kernel on
    # a fresh copy of the notebook is safe; once any cell has run, a failure is reported as it is.
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        nb = nbformat.read(path, as_version=4)
        inject_parameters(nb, parameters, os.path.basename(path))
        client = NotebookClient(
            nb,
            kernel_name=kernel,
            timeout=timeout,
            startup_timeout=startup_timeout,
            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
            on_cell_error=on_cell_error,
        )
        error = None
        try:
            client.execute()
        except CellExecutionError:
            pass  # recorded by on_cell_error
        except (DeadKernelError, CellTimeoutError, RuntimeError) as e:
            error = f"{type(e).__name__}: {e}"
        if error is None or failure or not started_no_cell(nb) or attempt == KERNEL_START_ATTEMPTS:
            break
        print(f"{os.path.basename(path)}: the kernel did not start ({error}); starting a new one "
              f"(attempt {attempt + 1} of {KERNEL_START_ATTEMPTS})", file=sys.stderr, flush=True)
    seconds = time.monotonic() - t0

    if failure:
        cell = nb.cells[failure["cell"]]
        detail = stderr_of(cell)
        message = ": ".join(x for x in [failure["ename"], failure["evalue"]] if x)
        # tslab sends no error output of its own; add one so the executed notebook and HTML show the failure.
        if not any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            cell.setdefault("outputs", []).append(
                nbformat.v4.new_output(
                    "error",
                    ename=failure["ename"],
                    evalue=failure["evalue"] or (detail.splitlines()[0] if detail else ""),
                    traceback=[message] + ([detail] if detail else []),
                )
            )
        failure["message"] = message + (f"\n{detail}" if detail else "")

    name = os.path.basename(path)
    out_path = os.path.join(out_dir, name)
    # Mark the executed copy trusted, as `jupyter trust` does: its outputs came from running the notebook
    # here, so Jupyter may run their scripts (the charts) when the user opens it.
    NotebookNotary().sign(nb)
    nbformat.write(nb, out_path)
    html_name = None
    if html:
        body, _ = HTMLExporter().from_notebook_node(nb, resources={"metadata": {"name": name[:-6]}})
        html_name = name[:-6] + ".html"
        with open(os.path.join(out_dir, html_name), "w", encoding="utf-8") as f:
            f.write(body)
    return {
        "name": name,
        "seconds": seconds,
        "failedCell": failure.get("cell"),
        "error": failure.get("message") or error,
        "html": html_name,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="+")
    ap.add_argument("--out", required=True)
    ap.add_argument("--kernel", default="tslab")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    ap.add_argument("--startup-timeout", type=int, default=180, help="seconds for a kernel to answer its first request")
    ap.add_argument("--no-html", action="store_true")
    ap.add_argument("--parameters", default="{}", help='JSON object of parameters-cell constants to set, e.g. {"DATA": "ml-100k"}')
    args = ap.parse_args()
    parameters = json.loads(args.parameters)
    os.makedirs(args.out, exist_ok=True)
    for path in args.notebooks:
        result = run_one(path, args.out, args.kernel, args.timeout, not args.no_html, parameters, args.startup_timeout)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    sys.exit(main())
