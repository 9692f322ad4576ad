import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { assembleKernel, base64Module, KERNELS } from "../../scripts/assemble-kernels";

describe("scripts/assemble-kernels (npm run kernel:assemble)", () => {
  for (const [name, k] of Object.entries(KERNELS)) {
    it(`embeds exactly what the ${name} kernel's WAT assembles to`, async () => {
      const bytes = await assembleKernel(k);
      const embedded = readFileSync(join(__dirname, "../..", k.out), "utf8");
      assert.equal(embedded, base64Module(k, bytes), `${k.out} is stale: run npm run kernel:assemble`);
    });
  }
});
