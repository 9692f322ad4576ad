import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { countOutputs } from "../../src/notebook/results";

const DIR = path.resolve(__dirname, "..", "..", "notebooks");

/**
 * The notebooks as committed: the git index (what `git commit` would record), not the working tree, so a
 * notebook run and saved in Jupyter (outputs and all) or a scratch notebook of the user's own does not fail
 * the suite. Outside a git checkout (an unpacked release), the files themselves.
 */
function committedNotebooks(): Map<string, string> {
  const ls = spawnSync("git", ["ls-files", "-z", "--", "*.ipynb"], { cwd: DIR, encoding: "utf8" });
  if (ls.status !== 0) {
    return new Map(fs.readdirSync(DIR).filter((f) => f.endsWith(".ipynb")).sort().map((f) => [f, fs.readFileSync(path.join(DIR, f), "utf8")]));
  }
  const files = ls.stdout.split("\0").filter((f) => f.length > 0 && !f.includes("/")).sort();
  return new Map(files.map((f) => {
    const show = spawnSync("git", ["show", `:./${f}`], { cwd: DIR, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    assert.equal(show.status, 0, `git show :notebooks/${f}: ${show.stderr}`);
    return [f, show.stdout];
  }));
}
const committed = committedNotebooks();
const notebooks = [...committed.keys()];

interface Cell {
  cell_type: string;
  source: string | string[];
  execution_count?: number | null;
}
const read = (f: string) => JSON.parse(committed.get(f) as string) as { cells: Cell[]; metadata: { kernelspec?: { name?: string } } };
const sourceOf = (c: Cell) => (Array.isArray(c.source) ? c.source.join("") : c.source);

describe("the committed notebooks (git index)", () => {
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

      it("names its data in a parameters cell the runner can set (DATA, DATA_FORMAT)", () => {
        const cells = read(f).cells as (Cell & { metadata?: { tags?: string[] } })[];
        const params = cells.filter((c) => c.cell_type === "code" && (c.metadata?.tags ?? []).includes("parameters"));
        assert.equal(params.length, 1, "one code cell tagged parameters");
        assert.match(sourceOf(params[0]!), /^const DATA = "synthetic";/m);
        assert.match(sourceOf(params[0]!), /^const DATA_FORMAT = "auto";/m);
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
