/** Test helper: an in-memory stdout/stderr pair for running `main` and reading what a command printed. */
import { PassThrough } from "node:stream";

export interface Captured {
  readonly io: { stdout: PassThrough; stderr: PassThrough };
  out(): string;
  err(): string;
  /** The JSON object on the last line of stdout (what `--json` prints); untyped so tests can reach into it. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json(): any;
}

export function capture(): Captured {
  const stdout = new PassThrough(),
    stderr = new PassThrough();
  let o = "",
    e = "";
  stdout.on("data", (d: Buffer) => (o += d.toString()));
  stderr.on("data", (d: Buffer) => (e += d.toString()));
  return { io: { stdout, stderr }, out: () => o, err: () => e, json: () => lastJson(o) };
}

/** The JSON object on the last non-empty line of `s`. */
export function lastJson(s: string): Record<string, unknown> {
  return JSON.parse(s.trimEnd().split("\n").pop() ?? "") as Record<string, unknown>;
}
