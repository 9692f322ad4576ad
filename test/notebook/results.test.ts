import { strict as assert } from "node:assert";
import { RESULTS_MIME } from "../../src/notebook/display";
import { countOutputs, findCellErrors, readRecordedResults } from "../../src/notebook/results";

/** A small executed notebook as nbformat 4 stores it (hand-written, not produced by this library). */
const executed = {
  nbformat: 4,
  cells: [
    { cell_type: "markdown", source: ["# t"] },
    {
      cell_type: "code",
      outputs: [
        { output_type: "stream", name: "stdout", text: ["hello\n"] },
        { output_type: "display_data", data: { [RESULTS_MIME]: { name: "training", values: { valMse: 0.9 } }, "text/plain": "…" } },
      ],
    },
    {
      cell_type: "code",
      outputs: [{ output_type: "display_data", data: { [RESULTS_MIME]: { name: "training", values: { valMse: 0.53 } } } }],
    },
    {
      cell_type: "code",
      outputs: [
        { output_type: "stream", name: "stderr", text: ["3:7 - Property 'x' does not exist on type 'Foo'.\n"] },
        { output_type: "error", ename: "Error", evalue: "", traceback: [] },
      ],
    },
  ],
};

describe("notebook results", () => {
  it("reads recorded results by name, a later record replacing an earlier one", () => {
    assert.deepEqual(readRecordedResults(executed, "t.ipynb"), { training: { valMse: 0.53 } });
  });

  it("finds the failing cell with the type error tslab wrote to stderr", () => {
    const errs = findCellErrors(executed, "t.ipynb");
    assert.equal(errs.length, 1);
    assert.equal(errs[0]?.cellIndex, 3);
    assert.match(errs[0]?.message ?? "", /Property 'x' does not exist/);
  });

  it("counts outputs, zero for a notebook as committed", () => {
    assert.equal(countOutputs(executed, "t.ipynb"), 5);
    assert.equal(countOutputs({ cells: [{ cell_type: "code", outputs: [] }, { cell_type: "markdown" }] }, "c.ipynb"), 0);
  });

  it("rejects something that is not a notebook, naming the file", () => {
    assert.throws(() => readRecordedResults({ foo: 1 }, "bad.ipynb"), /bad\.ipynb \(field cells\): expected a Jupyter notebook/);
    const broken = { cells: [{ cell_type: "code", outputs: [{ output_type: "display_data", data: { [RESULTS_MIME]: { values: {} } } }] }] };
    assert.throws(() => readRecordedResults(broken, "b.ipynb"), /b\.ipynb \(field cells\[0\] application\/vnd\.ewb\.results\+json\): expected \{ name/);
  });
});
