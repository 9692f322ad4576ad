/**
 * Writing files all-or-nothing: a temp file beside the target, flushed to disk, then one rename, so an
 * interrupted write leaves no half file. The one atomic-write helper of the project (CSV export, model saves).
 */
import { randomBytes } from "node:crypto";
import * as fsSync from "node:fs";
import { promises as fs } from "node:fs";
import * as nodePath from "node:path";
import { StorageError } from "../errors";

/** `<name>.tmp-<pid>-<8 hex>`: what every temp file or directory of an atomic write is called. */
const TEMP_PATTERN = /\.tmp-(\d+)-[0-9a-f]{8}$/;

/** A fresh temp path beside `target` (same directory, so the final rename stays on one file system). */
export function tempPathFor(target: string): string {
  return `${target}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
}

/** The process id a temp name was made by, or undefined when `name` is not one of our temp names. */
export function tempOwner(name: string): number | undefined {
  const m = TEMP_PATTERN.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** True when process `pid` is running (on this machine); a process we may not signal still counts as running. */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Writes `data` to `path` atomically, creating parent directories. On failure the temp file is removed and
 * the previous file, if any, is untouched.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    await fs.mkdir(nodePath.dirname(path), { recursive: true });
    const fh = await fs.open(tmp, "wx");
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, path);
    syncDirectory(nodePath.dirname(path));
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw new StorageError(`Cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * `writeFileAtomic` for synchronous callers (saving a model). `beforeRename` runs once the data is on disk,
 * just before the rename (tests use it to simulate a crash there).
 */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, beforeRename?: () => void): void {
  const tmp = tempPathFor(path);
  try {
    fsSync.mkdirSync(nodePath.dirname(path), { recursive: true });
    const fd = fsSync.openSync(tmp, "wx");
    try {
      fsSync.writeFileSync(fd, data);
      fsSync.fsyncSync(fd);
    } finally {
      fsSync.closeSync(fd);
    }
    beforeRename?.();
    fsSync.renameSync(tmp, path);
    syncDirectory(nodePath.dirname(path));
  } catch (e) {
    fsSync.rmSync(tmp, { force: true });
    if (e instanceof StorageError) throw e;
    throw new StorageError(`Cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Flushes a directory's entries (the renames in it) to disk; a file system that cannot is not an error. */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fsSync.openSync(dir, "r");
    fsSync.fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) fsSync.closeSync(fd);
  }
}
