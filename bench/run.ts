/** `npm run bench [-- area ...]`: runs each area's benchmark module that exists (bench/<area>.ts exporting run()), one table each. */
import { existsSync } from "node:fs";
import * as path from "node:path";

const AREAS = ["data", "train", "recommend", "service", "mysql", "rank", "tfjs", "scale"];
/** Areas run only when named (`npm run bench -- scale`): minutes to an hour, not part of a plain `npm run bench`. */
const NAMED_ONLY = ["scale"];

async function main(): Promise<void> {
  // Area names; anything after a --flag (e.g. `scale --sizes 1M,5M`) is left to the area's run() in process.argv.
  const args = process.argv.slice(2);
  const only = args.filter((a, k) => !a.startsWith("--") && !(k > 0 && args[k - 1]!.startsWith("--")));
  for (const area of AREAS) {
    if (only.length > 0 ? !only.includes(area) : NAMED_ONLY.includes(area)) continue;
    const file = path.join(__dirname, `${area}.ts`);
    if (!existsSync(file)) continue;
    const mod = require(file) as { run?: () => Promise<void> };
    if (typeof mod.run !== "function") {
      console.log(`- bench/${area}.ts has no exported run(); skipped`);
      continue;
    }
    const t = performance.now();
    try {
      await mod.run();
    } catch (e) {
      console.log(`- bench/${area}.ts failed: ${(e as Error).message}`);
      process.exitCode = 1;
    }
    console.log(`(${area}: ${((performance.now() - t) / 1000).toFixed(1)} s)\n`);
  }
}

void main();
