/** Confines the model directories a request may name to one root fixed when the service starts. */
import * as fs from "node:fs";
import * as path from "node:path";
import { InvalidArgumentError } from "../errors";
import { ForbiddenPathError } from "./errors";

/**
 * Resolves `requested` (relative to `root`, or absolute) to a real directory path inside `root`.
 * Symlinks are followed before the check, so neither `..` nor a link can lead outside the root.
 * @throws ForbiddenPathError when the path lies outside `root` (checked before the file system is touched, so a
 *   request cannot probe what exists outside); InvalidArgumentError when it is not a string or not a directory.
 */
export function resolveWithinRoot(root: string, requested: unknown, field = "model_dir"): string {
  if (typeof requested !== "string" || requested.length === 0 || requested.length > 4096 || requested.includes("\0")) {
    throw new InvalidArgumentError(field, "a non-empty path string without NUL bytes", requested);
  }
  const realRoot = fs.realpathSync(root);
  const candidate = path.resolve(realRoot, requested);
  // A lexical check first: a path that escapes is refused without touching the file system there.
  if (!isInside(realRoot, candidate)) throw new ForbiddenPathError(field, requested, realRoot);
  let real: string;
  try {
    real = fs.realpathSync(candidate);
  } catch {
    throw new InvalidArgumentError(field, `an existing directory inside ${realRoot}`, requested);
  }
  if (!isInside(realRoot, real)) throw new ForbiddenPathError(field, requested, realRoot);
  if (!fs.statSync(real).isDirectory()) throw new InvalidArgumentError(field, `a directory inside ${realRoot}`, requested);
  return real;
}

/** True when `p` is `root` or below it (both absolute and normalised). */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}
