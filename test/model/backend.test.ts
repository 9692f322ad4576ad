import { strict as assert } from "node:assert";
import { selectBackend, parseBackend, nativeTfjsAvailable, BACKENDS } from "../../src/model/backend";

describe("backend selection", () => {
  it("EWB_BACKEND forces any known backend", () => {
    for (const b of BACKENDS) assert.equal(selectBackend({ EWB_BACKEND: b }), b);
  });

  it("rejects an unknown EWB_BACKEND naming the variable and the choices", () => {
    assert.throws(() => selectBackend({ EWB_BACKEND: "cuda" }), /Expected EWB_BACKEND to be one of wasm-kernel, typed-array, tfjs-node-gpu, tfjs-node, tfjs-wasm, tfjs-cpu, but got "cuda"/);
    assert.throws(() => parseBackend(3), /Expected backend to be one of .*, but got 3/);
  });

  it("does not mistake plain @tensorflow/tfjs installed under the tfjs-node name for the native binding", () => {
    let installedName: string | undefined;
    try {
      installedName = (require("@tensorflow/tfjs-node/package.json") as { name: string }).name;
    } catch {
      installedName = undefined;
    }
    if (installedName === "@tensorflow/tfjs-node") return; // a real binding here: nothing to check
    assert.equal(nativeTfjsAvailable("@tensorflow/tfjs-node"), false);
  });

  it("picks native TF.js when it really loads, else the wasm kernel (SIMD is in every supported Node)", () => {
    const expected = nativeTfjsAvailable("@tensorflow/tfjs-node-gpu") ? "tfjs-node-gpu" : nativeTfjsAvailable("@tensorflow/tfjs-node") ? "tfjs-node" : "wasm-kernel";
    assert.equal(selectBackend({}), expected);
  });
});
