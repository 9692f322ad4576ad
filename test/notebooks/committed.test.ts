import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { committedNotebooks, NOTEBOOK_CHECKS } from "./notebook-checks";

const DIR = path.resolve(__dirname, "..", "..", "notebooks");
const committed = committedNotebooks(DIR);
const notebooks = [...committed.keys()];

describe("the committed notebooks (git index)", () => {
  it("are the workbook's numbered sequence 00, 01, ... without gaps, 00 to 05 at least", () => {
    const numbered = notebooks.filter((f) => /^\d\d-/.test(f)).map((f) => Number(f.slice(0, 2)));
    assert.deepEqual(
      numbered,
      numbered.map((_, k) => k),
    );
    assert.ok(numbered.length >= 6, `${numbered.length} notebooks`);
  });

  for (const f of notebooks) {
    describe(f, () => {
      for (const { name, check } of NOTEBOOK_CHECKS) it(name, () => check(f, committed.get(f)!));
    });
  }
});

describe("the notebooks/src symlink", () => {
  it("points at the project's src so tslab can import it from the notebooks' folder", () => {
    const link = path.join(DIR, "src");
    assert.ok(fs.lstatSync(link).isSymbolicLink());
    assert.equal(fs.realpathSync(link), path.resolve(DIR, "..", "src"));
  });
});
