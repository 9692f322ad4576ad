/** Every `ewb` command, in the order `ewb --help` lists them. Add one line per command. */
import type { Command } from "../command";

export const COMMANDS: readonly Command[] = [
  (require("./generate") as typeof import("./generate")).generateCommand,
  (require("./import") as typeof import("./import")).importCommand,
  (require("./train") as typeof import("./train")).trainCommand,
  (require("./evaluate") as typeof import("./evaluate")).evaluateCommand,
  (require("./recommend") as typeof import("./recommend")).recommendCommand,
  (require("./serve") as typeof import("./serve")).serveCommand,
];
