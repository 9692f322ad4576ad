import { strict as assert } from "node:assert";
import { PassThrough } from "node:stream";
import { main } from "../../src/cli/main";

function capture(): { io: { stdout: PassThrough; stderr: PassThrough }; out: () => string; err: () => string } {
  const stdout = new PassThrough(), stderr = new PassThrough();
  let o = "", e = "";
  stdout.on("data", (d: Buffer) => (o += d.toString()));
  stderr.on("data", (d: Buffer) => (e += d.toString()));
  return { io: { stdout, stderr }, out: () => o, err: () => e };
}

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
