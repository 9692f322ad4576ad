/** `ewb recommend`: top-N items for a known user, or for a new user from a few ratings (fold-in), from a saved model. */
import type { Command } from "../command";
import { numberOption, stringOption, UsageError } from "../command";
import { loadModel } from "../../model/persist";
import { recommendForUser } from "../../recommend/single";
import { recommendForNewUser, type NewRating } from "../../recommend/foldin";
import { DEFAULT_TOP_N, type UserRecommendations } from "../../recommend/types";
import { exportAllUsersToFile, ReaderClosedError, streamWriter, writeAllUsersTopN } from "./recommend-all";

export const recommendCommand: Command = {
  name: "recommend",
  summary: "Top-N recommendations for a user (raw IDs, predicted ratings) from a saved model; --rate for a new user",
  usage: "--model <dir> (--user <id> | --rate <item>=<rating> ... | --all-users [--format csv|jsonl] [--out <file>]) [--top N] [--include-rated]",
  options: {
    model: { type: "string", placeholder: "<dir>", description: "model directory written by `ewb train`" },
    user: { type: "string", placeholder: "<id>", description: "raw user ID, e.g. U10001" },
    rate: {
      type: "string",
      multiple: true,
      placeholder: "<item>=<rating>",
      description: "a new user's rating (repeatable): folds the user in without retraining",
    },
    top: { type: "string", placeholder: "<n>", description: "how many items", default: String(DEFAULT_TOP_N) },
    "include-rated": { type: "boolean", description: "keep items the user already rated (excluded by default)" },
    "all-users": { type: "boolean", description: "every user's top-N as rows user_id,rank,item_id,score (streamed; for scoring with other tools)" },
    format: { type: "string", placeholder: "csv|jsonl", description: "with --all-users: CSV with a header, or one JSON object per line", default: "csv" },
    out: { type: "string", placeholder: "<file>", description: "with --all-users: write to this file (atomically) instead of standard output" },
  },
  async run(opts, ctx) {
    const dir = stringOption(opts, "model");
    if (dir === undefined) throw new UsageError("Expected --model <dir>, but got none");
    if (opts["all-users"] === true) return runAllUsers(dir, opts, ctx);
    const user = stringOption(opts, "user");
    const rates = Array.isArray(opts.rate) ? opts.rate : [];
    if ((user === undefined) === (rates.length === 0))
      throw new UsageError("Expected exactly one of --user <id> or --rate <item>=<rating>, but got " + (user === undefined ? "neither" : "both"));
    const top = numberOption(opts, "top", true) ?? DEFAULT_TOP_N;
    if (top < 1) throw new UsageError(`Expected --top to be an integer >= 1, but got ${top}`);
    const includeRated = opts["include-rated"] === true;
    const model = loadModel(dir);
    let result: UserRecommendations & { ignoredItemIds?: readonly string[] };
    if (user !== undefined) {
      result = recommendForUser(model, user, { top, includeRated });
    } else {
      const r = recommendForNewUser(model, rates.map(parseRate), { top, includeRated });
      if (r.ignoredItemIds.length > 0) ctx.io.stderr.write(`ewb recommend: ignored items the model does not know: ${r.ignoredItemIds.join(", ")}\n`);
      result = r;
    }
    if (result.strategy === "bias-only")
      ctx.io.stderr.write("ewb recommend: no usable history for this user: showing the bias-only fallback (the same list for everyone)\n");
    if (!ctx.json) {
      const lines = [
        `Top ${result.recommendations.length} for ${result.userId} (${result.strategy}${includeRated ? ", rated items included" : ", rated items excluded"}):`,
      ];
      lines.push("  rank  item_id           predicted_rating");
      for (const r of result.recommendations) lines.push(`  ${String(r.rank).padStart(4)}  ${r.itemId.padEnd(16)}  ${r.predictedRating.toFixed(4)}`);
      ctx.io.stdout.write(lines.join("\n") + "\n");
    }
    return {
      model: dir,
      userId: result.userId,
      strategy: result.strategy,
      top,
      includeRated,
      recommendations: result.recommendations.map((r) => ({ rank: r.rank, itemId: r.itemId, predictedRating: Math.round(r.predictedRating * 1e4) / 1e4 })),
      totalCount: result.recommendations.length,
      ...(result.ignoredItemIds ? { ignoredItemIds: result.ignoredItemIds } : {}),
    };
  },
};

async function runAllUsers(dir: string, opts: Readonly<Record<string, unknown>>, ctx: Parameters<Command["run"]>[1]): Promise<object> {
  if (stringOption(opts, "user") !== undefined || (Array.isArray(opts.rate) && opts.rate.length > 0))
    throw new UsageError("Expected --all-users without --user or --rate, but got both");
  const top = numberOption(opts, "top", true) ?? 10;
  if (top < 1) throw new UsageError(`Expected --top to be an integer >= 1, but got ${top}`);
  const format = stringOption(opts, "format") ?? "csv";
  if (format !== "csv" && format !== "jsonl") throw new UsageError(`Expected --format to be csv or jsonl, but got ${JSON.stringify(format)}`);
  const out = stringOption(opts, "out");
  if (out === undefined && ctx.json) throw new UsageError("Expected --out <file> with --all-users --json (standard output carries the rows)");
  const includeRated = opts["include-rated"] === true;
  const model = loadModel(dir);
  let rows = 0;
  try {
    rows =
      out === undefined
        ? await writeAllUsersTopN(model, top, format, includeRated, streamWriter(ctx.io.stdout))
        : await exportAllUsersToFile(model, top, format, includeRated, out);
  } catch (e) {
    if (!(e instanceof ReaderClosedError)) throw e;
  }
  if (out !== undefined && !ctx.json) ctx.io.stdout.write(`Wrote ${rows} rows (${model.userIds.size} users, top ${top}) to ${out}\n`);
  return { model: dir, users: model.userIds.size, top, format, rows, includeRated, ...(out !== undefined ? { out } : {}) };
}

function parseRate(text: string): NewRating {
  const m = /^(.+)=(-?\d+(?:\.\d+)?)$/.exec(text);
  if (!m) throw new UsageError(`Expected --rate to be <item>=<rating>, e.g. TECH1005=5, but got ${JSON.stringify(text)}`);
  return { itemId: m[1] as string, rating: Number(m[2]) };
}
