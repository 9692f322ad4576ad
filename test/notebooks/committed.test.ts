import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { countOutputs } from "../../src/notebook/results";

const DIR = path.resolve(__dirname, "..", "..", "notebooks");
const notebooks = fs.readdirSync(DIR).filter((f) => f.endsWith(".ipynb")).sort();

interface Cell {
  cell_type: string;
  source: string | string[];
  execution_count?: number | null;
}
const read = (f: string) => JSON.parse(fs.readFileSync(path.join(DIR, f), "utf8")) as { cells: Cell[]; metadata: { kernelspec?: { name?: string } } };
const sourceOf = (c: Cell) => (Array.isArray(c.source) ? c.source.join("") : c.source);

describe("the committed notebooks", () => {
  it("are the workbook's numbered sequence 00 to 05", () => {
    const numbered = notebooks.filter((f) => /^\d\d-/.test(f)).map((f) => f.slice(0, 2));
    assert.deepEqual(numbered, ["00", "01", "02", "03", "04", "05"]);
  });

  for (const f of notebooks) {
    describe(f, () => {
      it("has no outputs or execution counts (run node scripts/strip-notebooks.js)", () => {
        const nb = read(f);
        assert.equal(countOutputs(nb, f), 0);
        assert.ok(nb.cells.every((c) => c.execution_count == null), "execution counts are cleared");
      });

      it("runs on the tslab TypeScript kernel", () => {
        assert.equal(read(f).metadata.kernelspec?.name, "tslab");
      });

      it("imports the library through the notebooks/src symlink, never ../src (outside tslab's rootDir)", () => {
        const code = read(f).cells.filter((c) => c.cell_type === "code").map(sourceOf).join("\n");
        assert.doesNotMatch(code, /from\s+["']\.\.\/src/);
        assert.match(code, /from\s+["']\.\/src\//);
      });

      it("records its key numbers for the executed-notebook test", () => {
        const code = read(f).cells.map(sourceOf).join("\n");
        assert.match(code, /recordResults\(/);
      });

      it("starts with a markdown title and explains itself in markdown between the code", () => {
        const cells = read(f).cells;
        assert.equal(cells[0]?.cell_type, "markdown");
        assert.match(sourceOf(cells[0]!), /^# /);
        const md = cells.filter((c) => c.cell_type === "markdown").length;
        assert.ok(md >= cells.length / 3, `${md} markdown cells of ${cells.length}`);
      });
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
