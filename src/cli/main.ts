/** Entry point of the `ewb` command line: dispatch, --help, --json, errors to stderr, exit codes. */
import { COMMANDS } from "./commands";
import { commandHelp, parseCommandArgs, UsageError, type CliIO } from "./command";
import { WorkbookError } from "../errors";

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 4) + 2;
  return [
    "Usage: ewb <command> [options]",
    "",
    "The embedding workbook's command line: generate data, train, evaluate, recommend, serve.",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    "",
    "Run `ewb <command> --help` for a command's options. Every command takes --json.",
    "",
  ].join("\n");
}

/** Runs `ewb` with `argv` (without node and script); resolves to the exit status. */
export async function main(argv: readonly string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(topHelp());
    return name === undefined ? 2 : 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.stderr.write(`ewb: unknown command ${JSON.stringify(name)}; commands: ${COMMANDS.map((c) => c.name).join(", ")}\n`);
    return 2;
  }
  const json = rest.includes("--json");
  try {
    const opts = parseCommandArgs(cmd, rest);
    if (opts.help) {
      io.stdout.write(commandHelp(cmd));
      return 0;
    }
    const result = await cmd.run(opts, { io, json });
    if (json) io.stdout.write(JSON.stringify(result ?? {}) + "\n");
    return 0;
  } catch (e) {
    const usage = e instanceof UsageError;
    const msg = e instanceof WorkbookError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e);
    io.stderr.write(`ewb ${cmd.name}: ${msg}\n`);
    if (usage) io.stderr.write(`Run \`ewb ${cmd.name} --help\` for usage.\n`);
    if (json) io.stdout.write(JSON.stringify({ error: { code: e instanceof WorkbookError ? e.code : "INTERNAL", message: msg } }) + "\n");
    return usage ? 2 : 1;
  }
}
