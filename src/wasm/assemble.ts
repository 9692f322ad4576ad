/** Assembles a hand-written WAT kernel to wasm bytes with wabt (a dev dependency) and embeds them as base64 TypeScript. */
import { readFileSync, writeFileSync } from "node:fs";

interface WabtModule {
  parseWat(name: string, text: string, features: Record<string, boolean>): {
    validate(): void;
    toBinary(o: { log: boolean; write_debug_names: boolean }): { buffer: Uint8Array };
    destroy(): void;
  };
}

/** Parses, validates and assembles the WAT file at `watPath`; `features` are wabt's (e.g. `{ simd: true }`). */
export async function assembleWat(watPath: string, features: Record<string, boolean>): Promise<Uint8Array> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wabt = await (require("wabt") as () => Promise<WabtModule>)();
  const mod = wabt.parseWat(watPath, readFileSync(watPath, "utf8"), features);
  try {
    mod.validate();
    return mod.toBinary({ log: false, write_debug_names: false }).buffer;
  } finally {
    mod.destroy();
  }
}

/** Writes `bytes` as a TypeScript module exporting one base64 string constant, 100 characters a line. */
export function writeBase64Module(outPath: string, constName: string, docComment: string, bytes: Uint8Array): void {
  const lines = Buffer.from(bytes).toString("base64").match(/.{1,100}/g) ?? [];
  writeFileSync(outPath, [
    `/** ${docComment} */`,
    `export const ${constName} =`,
    ...lines.map((l, k) => `  "${l}"${k === lines.length - 1 ? ";" : " +"}`),
    "",
  ].join("\n"));
}
