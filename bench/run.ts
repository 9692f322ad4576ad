/** `npm run bench`: runs each area's benchmark module that exists (bench/<area>.ts exporting run()), one table each. */
import { existsSync } from "node:fs";
import * as path from "node:path";

const AREAS = ["data", "train", "recommend", "service", "mysql", "rank", "tfjs"];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  for (const area of AREAS) {
    if (only.length > 0 && !only.includes(area)) continue;
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
