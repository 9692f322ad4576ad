import { strict as assert } from "node:assert";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative, sep } from "node:path";

/**
 * The floors of src/, lowest first. A module may import from its own folder and from lower floors only; folders on
 * the same floor (analysis and recommend; notebook and service) do not import each other. The base floor's modules
 * (plain helpers with no domain knowledge) may import each other.
 */
const FLOORS: readonly (readonly string[])[] = [
  ["errors", "validate", "util", "random", "topk", "wasm"],
  ["data"],
  ["model"],
  ["analysis", "recommend"],
  ["evaluate"],
  ["charts"],
  ["notebook", "service"],
  ["cli"],
  ["index"],
];

const SRC = join(__dirname, "..", "src");

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** The part of src/ a file or import target belongs to: its top folder, or its file name for files in src/ itself. */
function partOf(pathInSrc: string): string {
  return pathInSrc.split(sep)[0]!.replace(/\.ts$/, "");
}

/** Every relative module a source text imports, re-exports or requires (static or dynamic). */
function importedSpecifiers(text: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["'](\.[^"']*)["']/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1]!);
  return out;
}

/** The imports of src/ that break the floors, as "from -> to (file imports spec)". */
function layerViolations(files: readonly { path: string; text: string }[], floors = FLOORS): string[] {
  const floorOf = new Map<string, number>();
  floors.forEach((parts, f) => parts.forEach((p) => floorOf.set(p, f)));
  const bad: string[] = [];
  for (const { path, text } of files) {
    const from = partOf(path);
    for (const spec of importedSpecifiers(text)) {
      const target = normalize(join(dirname(path), spec));
      if (target.startsWith("..")) continue; // outside src/ (e.g. package.json): not a layer
      const to = partOf(target);
      if (to === from) continue;
      const a = floorOf.get(from),
        b = floorOf.get(to);
      if (a === undefined || b === undefined) {
        bad.push(`${from} -> ${to} (${path} imports ${spec}): ${a === undefined ? from : to} is on no floor; add it to FLOORS`);
      } else if (!(b < a || (a === 0 && b === 0))) {
        bad.push(`${from} -> ${to} (${path} imports ${spec}): ${b === a ? "same floor" : "upward"}`);
      }
    }
  }
  return bad;
}

describe("layers: imports in src/ go one way", () => {
  const files = tsFiles(SRC).map((p) => ({ path: relative(SRC, p), text: readFileSync(p, "utf8") }));

  it("reads every module's imports (the graph is not empty)", () => {
    const edges = files.reduce((n, f) => n + importedSpecifiers(f.text).length, 0);
    assert.ok(files.length > 40 && edges > 150, `${files.length} files, ${edges} imports`);
  });

  it("has no import from analysis/ into recommend/ or back, and none up the floors", () => {
    assert.deepEqual(layerViolations(files), []);
  });

  it("catches an upward import, a same-floor import and a dynamic require", () => {
    const bad = layerViolations([
      { path: join("recommend", "x.ts"), text: 'import { checkMatrix } from "../analysis/embeddings";' },
      { path: join("model", "y.ts"), text: 'const s = require("../service/app");' },
      { path: join("data", "z.ts"), text: 'export { a } from "./local";\nimport type { T } from "../model/types";' },
    ]);
    assert.equal(bad.length, 3, bad.join("\n"));
    assert.match(bad[0]!, /^recommend -> analysis .*same floor/);
    assert.match(bad[1]!, /^model -> service .*upward/);
    assert.match(bad[2]!, /^data -> model .*upward/);
  });
});
