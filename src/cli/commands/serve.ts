/** `ewb serve`: the REST service over a saved model, until SIGTERM or SIGINT. */
import type { Command } from "../command";
import { numberOption, stringOption, UsageError } from "../command";
import { installSignalHandlers, startService, DEFAULT_HOST, DEFAULT_PORT, type SignalEvent } from "../../service/server";
import { DEFAULT_BODY_LIMIT, MIN_ADMIN_TOKEN_LENGTH } from "../../service/app";

/** Environment variable holding the admin token (preferred to --admin-token: a command line is visible in `ps`). */
export const ADMIN_TOKEN_ENV = "EWB_ADMIN_TOKEN";

export const serveCommand: Command = {
  name: "serve",
  summary: "Serve recommendations over HTTP (REST + OpenAPI docs at /docs) from a saved model",
  usage:
    "--model <dir> [--port 8000] [--host 127.0.0.1] [--root <dir>] [--precompute auto|on|off] [--admin-token <t> | EWB_ADMIN_TOKEN=<t>] [--allowed-host <h>[,<h>...]]",
  options: {
    model: { type: "string", placeholder: "<dir>", description: "saved model directory (from `ewb train --model`)" },
    port: { type: "string", placeholder: "<n>", description: "TCP port; 0 picks a free one", default: String(DEFAULT_PORT) },
    host: { type: "string", placeholder: "<addr>", description: "interface to bind; loopback unless you mean otherwise", default: DEFAULT_HOST },
    root: { type: "string", placeholder: "<dir>", description: "directory that POST /admin/reload may load models from (default: the parent of --model)" },
    "body-limit": { type: "string", placeholder: "<bytes>", description: "largest request body; larger gets 413", default: String(DEFAULT_BODY_LIMIT) },
    "no-reload": { type: "boolean", description: "do not serve POST /admin/reload even with a token (SIGHUP still reloads)" },
    "admin-token": {
      type: "string",
      placeholder: "<token>",
      description: `serve POST /admin/reload to requests with Authorization: Bearer <token> (at least ${MIN_ADMIN_TOKEN_LENGTH} characters; or set ${ADMIN_TOKEN_ENV}); without a token the admin endpoints are off`,
    },
    "allowed-host": {
      type: "string",
      placeholder: "<h,...>",
      description: "Host header values the admin endpoints accept besides the bound address (comma-separated)",
    },
    precompute: {
      type: "string",
      placeholder: "auto|on|off",
      description: "compute every user's top-100 lists at load (auto: up to 5e8 user x item scores and 64 MB of lists; /health says which)",
      default: "auto",
    },
  },
  async run(opts, ctx) {
    const modelDir = stringOption(opts, "model");
    if (modelDir === undefined) throw new UsageError("Expected --model <dir>, but got nothing");
    const port = numberOption(opts, "port", true) ?? DEFAULT_PORT;
    if (port < 0 || port > 65535) throw new UsageError(`Expected --port to be between 0 and 65535, but got ${port}`);
    const bodyLimit = numberOption(opts, "body-limit", true) ?? DEFAULT_BODY_LIMIT;
    const pre = stringOption(opts, "precompute") ?? "auto";
    if (pre !== "auto" && pre !== "on" && pre !== "off")
      throw new UsageError(`Expected --precompute to be one of auto, on, off, but got ${JSON.stringify(pre)}`);
    const adminToken = stringOption(opts, "admin-token") ?? (process.env[ADMIN_TOKEN_ENV] || undefined);
    if (adminToken !== undefined && adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
      throw new UsageError(
        `Expected the admin token (--admin-token or ${ADMIN_TOKEN_ENV}) to have at least ${MIN_ADMIN_TOKEN_LENGTH} characters, but got ${adminToken.length}`,
      );
    }
    const allowedHosts = (stringOption(opts, "allowed-host") ?? "")
      .split(",")
      .map((h) => h.trim())
      .filter((h) => h !== "");
    const err = ctx.io.stderr;
    const log = (e: SignalEvent): void => {
      const line =
        e.type === "reloaded"
          ? `reloaded model ${e.requestedDir === e.dir ? e.dir : `${e.requestedDir} -> ${e.dir}`} (generation ${e.generation}: ${e.users} users, ${e.items} items, trained ${e.trainedAt})`
          : e.type === "reload-refused"
            ? `reload refused, still serving the previous model: ${e.message}`
            : e.type === "closing"
              ? `${e.signal}: finishing in-flight requests, then stopping (send it again to stop at once)`
              : e.type === "hurrying"
                ? `${e.signal} again: cutting open connections and stopping now`
                : e.type === "closed"
                  ? "stopped"
                  : `error in ${e.method} ${e.url}: ${e.error instanceof Error ? (e.error.stack ?? e.error.message) : String(e.error)}`;
      err.write(`ewb serve: ${line}\n`);
    };
    const service = await startService({
      modelDir,
      port,
      host: stringOption(opts, "host") ?? DEFAULT_HOST,
      bodyLimit,
      allowReload: opts["no-reload"] !== true,
      onEvent: log,
      precompute: pre === "auto" ? "auto" : pre === "on",
      ...(adminToken !== undefined ? { adminToken } : {}),
      allowedHosts,
      ...(stringOption(opts, "root") !== undefined ? { allowedRoot: stringOption(opts, "root") as string } : {}),
    });
    const m = service.store.current;
    const info = {
      url: service.url,
      host: service.host,
      port: service.port,
      modelDir: m.dir,
      allowedRoot: service.store.root,
      users: m.model.userIds.size,
      items: m.model.itemIds.size,
      formatVersion: m.formatVersion,
      trainedAt: m.model.trainedAt,
      pid: process.pid,
    };
    // Announce readiness on stderr (stdout is kept for the final --json result); scripts wait for this line.
    const admin =
      adminToken === undefined
        ? "admin endpoints off (no token)"
        : opts["no-reload"] === true
          ? "admin endpoints off (--no-reload)"
          : "POST /admin/reload needs the admin token";
    err.write(
      `ewb serve: listening on ${service.url} (model ${m.requestedDir === m.dir ? m.dir : `${m.requestedDir} -> ${m.dir}`}: ${info.users} users, ${info.items} items; ` +
        `recommendations ${m.recommendations.mode} (${m.recommendations.reason}); ${admin}; docs at ${service.url}/docs)\n`,
    );
    await new Promise<void>((resolve) => {
      // The handlers stay until the process exits: closed, they ignore a late SIGTERM that would otherwise kill
      // the process (exit by signal, not 0) while it writes its result (seen under load in serve.test).
      installSignalHandlers(service, log, resolve);
    });
    if (!ctx.json) ctx.io.stdout.write(`served ${service.url} until shutdown\n`);
    return info;
  },
};
