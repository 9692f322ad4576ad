/** Test helper: a fresh temporary directory per suite (or per test), removed afterwards. */
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface TempDir {
  /** The directory (valid inside tests and hooks). */
  readonly path: string;
  /** A path inside the directory. */
  join(...parts: string[]): string;
  /** Writes `text` (UTF-8) to `name` inside the directory and returns its path. */
  write(name: string, text: string): Promise<string>;
}

/** Registers mocha hooks that create the directory before the suite (or each test, with `perTest`) and remove it after. */
export function useTempDir(prefix: string, options: { perTest?: boolean } = {}): TempDir {
  let dir = "";
  const [setUp, tearDown] = options.perTest ? [beforeEach, afterEach] : [before, after];
  setUp(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  });
  tearDown(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });
  return {
    get path() {
      return dir;
    },
    join: (...parts: string[]) => path.join(dir, ...parts),
    write: async (name: string, text: string) => {
      const p = path.join(dir, name);
      await fs.writeFile(p, text, "utf8");
      return p;
    },
  };
}
