/** The shape every `ewb` command has, and the shared option parsing, help and output conventions. */
import { parseArgs } from "node:util";
import { WorkbookError } from "../errors";

/** Where a command writes: stdout for results, stderr for progress and errors. */
export interface CliIO {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export type OptionSpec = {
  readonly type: "string" | "boolean";
  readonly short?: string;
  readonly multiple?: boolean;
  /** One line for --help; a default is shown when given. */
  readonly description: string;
  readonly default?: string | boolean;
  /** Placeholder in the usage line, e.g. "<file>". */
  readonly placeholder?: string;
};

export interface Command {
  readonly name: string;
  /** One line for `ewb --help`. */
  readonly summary: string;
  /** Usage line after `ewb <name>`, e.g. "--data <file> | --mysql  --model <dir>". */
  readonly usage: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /**
   * Runs the command with parsed options. Returns the JSON result that `--json` prints as the last line
   * of stdout; the command prints its human-readable output itself (only when `json` is false).
   */
  run(opts: Readonly<Record<string, string | boolean | string[] | undefined>>, ctx: CommandContext): Promise<unknown>;
}

export interface CommandContext {
  readonly io: CliIO;
  /** True with --json: print nothing to stdout but the final JSON line (progress still goes to stderr). */
  readonly json: boolean;
}

/** Thrown for a bad command line: printed with the command's usage, exit status 2. */
export class UsageError extends WorkbookError {
  constructor(message: string) {
    super("USAGE", message);
  }
}

export const COMMON_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  help: { type: "boolean", short: "h", description: "show this help" },
  json: { type: "boolean", description: "print the result as one JSON object on the last line of stdout" },
};

export function parseCommandArgs(cmd: Command, argv: readonly string[]): Record<string, string | boolean | string[] | undefined> {
  const all = { ...COMMON_OPTIONS, ...cmd.options };
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const [k, v] of Object.entries(all)) {
    options[k] = { type: v.type, ...(v.short ? { short: v.short } : {}), ...(v.multiple ? { multiple: true } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, all), options, allowPositionals: false, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
  const values = { ...parsed.values } as Record<string, string | boolean | string[] | undefined>;
  const defaulted = new Set<string>();
  for (const [k, v] of Object.entries(all)) {
    if (values[k] === undefined && v.default !== undefined) {
      values[k] = v.default;
      defaulted.add(k);
    }
  }
  Object.defineProperty(values, DEFAULTED, { value: defaulted, enumerable: false });
  return values;
}

const DEFAULTED = Symbol("defaulted options");

/** Whether option `key` was on the command line (false when absent or filled from its default). */
export function optionGiven(opts: object, key: string): boolean {
  const d = (opts as { [DEFAULTED]?: Set<string> })[DEFAULTED];
  return (opts as Record<string, unknown>)[key] !== undefined && !(d?.has(key) ?? false);
}

/**
 * `--epochs -1` as `--epochs=-1`: node's parseArgs reads a value starting with "-" as an option and refuses it
 * as "ambiguous", so a negative number after a string option is joined to it here and then gets the
 * option's own range message from `numberOption`.
 */
function joinNegativeValues(argv: readonly string[], all: Readonly<Record<string, OptionSpec>>): string[] {
  const shorts = new Map(
    Object.entries(all)
      .filter(([, v]) => v.short)
      .map(([k, v]) => [v.short!, k]),
  );
  const out: string[] = [];
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!,
      next = argv[k + 1];
    const name = a.startsWith("--") ? a.slice(2) : /^-[^-]$/.test(a) ? shorts.get(a.slice(1)) : undefined;
    if (name !== undefined && all[name]?.type === "string" && next !== undefined && /^-(\d|\.\d|Infinity)/.test(next)) {
      out.push(`--${name}=${next}`);
      k++;
    } else {
      out.push(a);
    }
  }
  return out;
}

export function commandHelp(cmd: Command): string {
  const all = { ...cmd.options, ...COMMON_OPTIONS };
  const lines = [`Usage: ewb ${cmd.name} ${cmd.usage}`.trimEnd(), "", cmd.summary, "", "Options:"];
  const rows = Object.entries(all).map(([k, v]) => {
    const flag = `${v.short ? `-${v.short}, ` : "    "}--${k}${v.type === "string" ? ` ${v.placeholder ?? "<value>"}` : ""}`;
    const def = v.default !== undefined && v.default !== false ? ` (default: ${String(v.default)})` : "";
    return [flag, `${v.description}${def}`] as const;
  });
  const width = Math.max(...rows.map((r) => r[0].length)) + 2;
  for (const [f, d] of rows) lines.push(`  ${f.padEnd(width)}${d}`);
  return lines.join("\n") + "\n";
}

/** The range a number option must lie in: `min` inclusive, or `above` exclusive. */
export interface NumberRange {
  readonly min?: number;
  readonly above?: number;
}

/** Reads a string option as a number, with a usage error naming the flag (and the range, when given). */
export function numberOption(opts: Readonly<Record<string, unknown>>, name: string, integer = false, range: NumberRange = {}): number | undefined {
  const raw = opts[name];
  if (raw === undefined) return undefined;
  const n = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
  const kind = integer ? "an integer" : "a number";
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`Expected --${name} to be ${kind}, but got ${JSON.stringify(raw)}`);
  }
  if (range.min !== undefined && n < range.min) throw new UsageError(`Expected --${name} to be ${kind} >= ${range.min}, but got ${JSON.stringify(raw)}`);
  if (range.above !== undefined && !(n > range.above))
    throw new UsageError(`Expected --${name} to be ${kind} > ${range.above}, but got ${JSON.stringify(raw)}`);
  return n;
}

export function stringOption(opts: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const raw = opts[name];
  return typeof raw === "string" ? raw : undefined;
}
