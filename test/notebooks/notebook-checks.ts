/** The checks every committed notebook passes, as data, so that they run on the git index and on a scratch repository alike. */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { countOutputs } from "../../src/notebook/results";

interface Cell {
  cell_type: string;
  source: string | string[];
  execution_count?: number | null;
  metadata?: { tags?: string[] };
}
export interface NotebookJson {
  cells: Cell[];
  metadata: { kernelspec?: { name?: string } };
}
const sourceOf = (c: Cell) => (Array.isArray(c.source) ? c.source.join("") : c.source);

/**
 * The notebooks of `dir` as committed: the git index (what `git commit` records), not the working tree, so a
 * notebook run and saved in Jupyter (outputs and all) or a scratch notebook of the user's own does not fail the
 * suite. Outside a git checkout (an unpacked release), the files themselves.
 */
export function committedNotebooks(dir: string): Map<string, NotebookJson> {
  const ls = spawnSync("git", ["ls-files", "-z", "--", "*.ipynb"], { cwd: dir, encoding: "utf8" });
  if (ls.status !== 0) {
    return new Map(
      fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".ipynb"))
        .sort()
        .map((f) => [f, JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as NotebookJson]),
    );
  }
  const files = ls.stdout
    .split("\0")
    .filter((f) => f.length > 0 && !f.includes("/"))
    .sort();
  return new Map(
    files.map((f) => {
      const show = spawnSync("git", ["show", `:./${f}`], { cwd: dir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
      assert.equal(show.status, 0, `git show :${f}: ${show.stderr}`);
      return [f, JSON.parse(show.stdout) as NotebookJson];
    }),
  );
}

/** Each check: its name, and an assertion on one notebook (file name, parsed JSON) that throws when it fails. */
export const NOTEBOOK_CHECKS: readonly { name: string; check: (f: string, nb: NotebookJson) => void }[] = [
  {
    name: "has no outputs or execution counts (run npm run notebooks:strip)",
    check: (f, nb) => {
      assert.equal(countOutputs(nb, f), 0, `${f} has outputs`);
      assert.ok(
        nb.cells.every((c) => c.execution_count == null),
        `${f}: execution counts are cleared`,
      );
    },
  },
  {
    name: "names its data in a parameters cell the runner can set (DATA, DATA_FORMAT)",
    check: (f, nb) => {
      const params = nb.cells.filter((c) => c.cell_type === "code" && (c.metadata?.tags ?? []).includes("parameters"));
      assert.equal(params.length, 1, `${f}: one code cell tagged parameters`);
      assert.match(sourceOf(params[0]!), /^const DATA = "synthetic";/m);
      assert.match(sourceOf(params[0]!), /^const DATA_FORMAT = "auto";/m);
    },
  },
  { name: "runs on the tslab TypeScript kernel", check: (_f, nb) => assert.equal(nb.metadata.kernelspec?.name, "tslab") },
  {
    name: "imports the library through the notebooks/src symlink, never ../src (outside tslab's rootDir)",
    check: (_f, nb) => {
      const code = nb.cells
        .filter((c) => c.cell_type === "code")
        .map(sourceOf)
        .join("\n");
      assert.doesNotMatch(code, /from\s+["']\.\.\/src/);
      assert.match(code, /from\s+["']\.\/src\//);
    },
  },
  { name: "records its key numbers for the executed-notebook test", check: (_f, nb) => assert.match(nb.cells.map(sourceOf).join("\n"), /recordResults\(/) },
  {
    name: "starts with a markdown title and explains itself in markdown between the code",
    check: (f, nb) => {
      assert.equal(nb.cells[0]?.cell_type, "markdown");
      assert.match(sourceOf(nb.cells[0]!), /^# /);
      const md = nb.cells.filter((c) => c.cell_type === "markdown").length;
      assert.ok(md >= nb.cells.length / 3, `${f}: ${md} markdown cells of ${nb.cells.length}`);
    },
  },
  {
    name: "names its sources for a reader (the blog post, the service article), never by our file numbers",
    check: (f, nb) => assert.doesNotMatch(nb.cells.map(sourceOf).join("\n"), /seed 00\d/i, `${f} says "seed 00x"`),
  },
];

/** The names of the checks `nb` fails, with their messages (empty when it passes all). */
export function failedChecks(f: string, nb: NotebookJson): string[] {
  return NOTEBOOK_CHECKS.flatMap(({ name, check }) => {
    try {
      check(f, nb);
      return [];
    } catch (e) {
      return [`${name}: ${(e as Error).message.split("\n")[0]}`];
    }
  });
}
