/** Loads TF.js on a chosen backend, lazily: only the TF.js backends and the notebooks pay for it. */
import * as path from "node:path";
import { WorkbookError } from "../errors";
import { nativeTfjsAvailable } from "./backend";

export type Tf = typeof import("@tensorflow/tfjs");
export type TfjsBackendName = "tfjs-node-gpu" | "tfjs-node" | "tfjs-wasm" | "tfjs-cpu";

/**
 * TF.js with `backend` active. Native backends throw when the binding does not really load (see
 * backend.ts); "tfjs-wasm" points the wasm loader at the package's own .wasm files, which Node needs.
 * TF.js's "running in Node.js" banner is silenced (PROD mode): the library never prints.
 */
export async function loadTfjs(backend: TfjsBackendName): Promise<Tf> {
  let tf: Tf;
  let tfName: string;
  if (backend === "tfjs-node-gpu" || backend === "tfjs-node") {
    const pkg = backend === "tfjs-node-gpu" ? "@tensorflow/tfjs-node-gpu" : "@tensorflow/tfjs-node";
    if (!nativeTfjsAvailable(pkg)) {
      throw new WorkbookError("BACKEND_UNAVAILABLE", `Backend ${backend} is not available: ${pkg} is not installed with its native TensorFlow library`);
    }
    tf = require(pkg) as Tf;
    tfName = "tensorflow";
  } else {
    tf = require("@tensorflow/tfjs") as Tf;
    if (backend === "tfjs-wasm") {
      const wasm = require("@tensorflow/tfjs-backend-wasm") as typeof import("@tensorflow/tfjs-backend-wasm");
      const dist = path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist") + path.sep;
      wasm.setWasmPaths(dist);
      tfName = "wasm";
    } else {
      tfName = "cpu";
    }
  }
  tf.env().set("PROD", true);
  let ok = false;
  try {
    ok = await tf.setBackend(tfName);
  } catch (e) {
    throw new WorkbookError("BACKEND_UNAVAILABLE", `Backend ${backend} failed to initialise: ${(e as Error).message}`, { cause: e });
  }
  if (!ok) throw new WorkbookError("BACKEND_UNAVAILABLE", `Backend ${backend} failed to initialise (tf.setBackend("${tfName}") returned false)`);
  return tf;
}
