import { strict as assert } from "node:assert";
import { main } from "../../src/cli/main";
import { capture } from "./capture";

describe("ewb main", () => {
  it("prints the command list for --help and exits 0", async () => {
    const c = capture();
    assert.equal(await main(["--help"], c.io), 0);
    assert.match(c.out(), /Usage: ewb <command>/);
  });

  it("rejects an unknown command on stderr with exit status 2", async () => {
    const c = capture();
    assert.equal(await main(["frobnicate"], c.io), 2);
    assert.match(c.err(), /unknown command "frobnicate"/);
    assert.equal(c.out(), "");
  });
});
