/** Writing a file all-or-nothing: a temp file beside it, then a rename, so an interrupted write leaves no half file. */
import { promises as fs } from "node:fs";
import * as nodePath from "node:path";
import { StorageError } from "../errors";

/**
 * Writes `text` (UTF-8) to `path` atomically, creating parent directories. The temp file lives in the same
 * directory so the rename stays on one file system (rename is atomic there); on failure it is removed and the
 * previous file, if any, is untouched.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const dir = nodePath.dirname(path);
  const tmp = nodePath.join(dir, `.${nodePath.basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    await fs.mkdir(dir, { recursive: true });
    const fh = await fs.open(tmp, "w");
    try {
      await fh.writeFile(text, "utf8");
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw new StorageError(`Cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}
