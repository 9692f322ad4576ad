/** The REST API as a Fastify instance: routes, validation, OpenAPI docs and the single error handler. */
import { createHash, timingSafeEqual } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { AddressInfo } from "node:net";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { InvalidArgumentError } from "../errors";
import { checkInteger } from "../validate";
import { recommendForUser } from "../recommend/single";
import { nearestItems, nearestUsers } from "../analysis/neighbours";
import { AdminRequestError, errorResponse, isServerFault } from "./errors";
import type { ModelStore, ServedModel } from "./model-store";
import { errorSchema, healthSchema, newUserSchema, recommendSchema, reloadSchema, similarItemsSchema, similarUsersSchema } from "./schemas";
import type { NewUserParsed, RecommendParsed, ReloadRequest } from "./schemas";
import { recommendNewUser } from "./new-user";

/** Something worth telling the operator; the library never prints, the CLI decides what to show. */
export type ServiceEvent =
  | {
      readonly type: "reloaded";
      readonly dir: string;
      readonly requestedDir: string;
      readonly generation: number;
      readonly users: number;
      readonly items: number;
      readonly trainedAt: string;
    }
  | { readonly type: "reload-refused"; readonly message: string }
  | { readonly type: "request-error"; readonly method: string; readonly url: string; readonly error: unknown };

export interface AppOptions {
  /** Largest accepted request body in bytes (default 256 KiB); larger gets 413. */
  readonly bodyLimit?: number;
  /**
   * The bearer token the admin endpoints (POST /admin/reload) require. Without one they are not served at all
   * (404). With one, a request needs `Authorization: Bearer <token>` (else 401), `content-type:
   * application/json` (else 415) and an allowed Host header (else 403).
   */
  readonly adminToken?: string;
  /** Host header values the admin endpoints accept besides the bound address (e.g. "models.example.org", "myhost:8000"). */
  readonly allowedHosts?: readonly string[];
  /** Serve POST /admin/reload when a token is set (default true). */
  readonly allowReload?: boolean;
  /** Told about reloads and server faults. */
  readonly onEvent?: (event: ServiceEvent) => void;
}

export const DEFAULT_BODY_LIMIT = 256 * 1024;
/** Response header of POST /recommend saying how the list was made: "model" or "bias-only" (a user with no training ratings). */
export const STRATEGY_HEADER = "x-recommendation-strategy";

/**
 * Builds the service over `store` (not yet listening: call `listen`, or use `startService`).
 * Every request reads `store.current` once, so a concurrent reload never mixes two models in one answer.
 */
export async function buildApp(store: ModelStore, options: AppOptions = {}): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimit === undefined ? DEFAULT_BODY_LIMIT : checkInteger("bodyLimit", options.bodyLimit, 64);
  const onEvent = options.onEvent ?? (() => undefined);
  const startedAt = Date.now();
  if (options.adminToken !== undefined && (typeof options.adminToken !== "string" || options.adminToken.length < MIN_ADMIN_TOKEN_LENGTH)) {
    throw new InvalidArgumentError(
      "adminToken",
      `a string of at least ${MIN_ADMIN_TOKEN_LENGTH} characters`,
      options.adminToken === undefined ? undefined : `${String(options.adminToken).length} characters`,
    );
  }
  const app = Fastify({
    logger: false,
    bodyLimit,
    // Closing: finish in-flight requests, close idle keep-alive sockets, answer new requests with 503.
    forceCloseConnections: "idle",
    return503OnClosing: true,
    ajv: {
      // Strict about what clients send: "10" is not an integer, unknown fields are an error (not dropped),
      // and errors carry the offending value so the message can show it.
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false, verbose: true },
    },
  });

  // Node closes idle keep-alive sockets only when close() starts; a request in flight then leaves its socket
  // idle afterwards, so keep sweeping while draining rather than wait out the keep-alive timeout.
  let sweeper: NodeJS.Timeout | undefined;
  app.addHook("preClose", (done) => {
    sweeper = setInterval(() => app.server.closeIdleConnections(), 25);
    done();
  });
  app.addHook("onClose", async () => {
    if (sweeper) clearInterval(sweeper);
  });

  // Only JSON bodies: Fastify's built-in text/plain parser would turn a wrong content type into a 400, not a 415.
  app.removeContentTypeParser("text/plain");
  app.addSchema(errorSchema);

  app.setErrorHandler((err, request, reply) => {
    const response = errorResponse(err, { contentType: request.headers["content-type"], bodyLimit, root: store.root });
    if (isServerFault(response)) onEvent({ type: "request-error", method: request.method, url: request.url, error: err });
    void reply.code(response.statusCode).type("application/json; charset=utf-8").send(response);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ statusCode: 404, error: "Not Found", code: "NOT_FOUND", message: `No route ${request.method} ${request.url.split("?")[0]}` });
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: "embedding-workbook recommendation service",
        description: "Recommendations from a matrix-factorisation model with raw user and item IDs (seed 002's API, plus fold-in, neighbours and hot reload).",
        version: "1.0.0",
      },
      tags: [{ name: "service" }, { name: "recommend" }, { name: "similar" }, { name: "admin" }],
      components: {
        securitySchemes: { adminToken: { type: "http", scheme: "bearer", description: "The token given to `ewb serve --admin-token` (or EWB_ADMIN_TOKEN)" } },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  app.get("/health", { schema: healthSchema }, async () => {
    const s = store.current;
    const m = s.model;
    return {
      status: "ok",
      model: {
        format_version: s.formatVersion,
        trained_at: m.trainedAt,
        backend: m.backend,
        user_count: m.userIds.size,
        item_count: m.itemIds.size,
        dim: m.weights.dim,
        best_epoch: m.bestEpoch,
        data_fingerprint: m.dataFingerprint,
        loaded_at: s.loadedAt,
        generation: s.generation,
      },
      recommendations: { mode: s.recommendations.mode, reason: s.recommendations.reason },
      uptime_seconds: (Date.now() - startedAt) / 1000,
    };
  });

  app.post<{ Body: RecommendParsed }>("/recommend", { schema: recommendSchema }, async (request, reply) => {
    const { user_id, top_n, exclude_rated } = request.body;
    const s = store.current;
    const pre = s.precomputed;
    const result =
      pre !== undefined && top_n <= pre.k
        ? pre.lookup(s.model.userIds.index(user_id), top_n, !exclude_rated)
        : recommendForUser(s.model, user_id, { top: top_n, includeRated: !exclude_rated });
    // The body keeps seed 002's shape exactly; how the list was made travels in a header.
    void reply.header(STRATEGY_HEADER, result.strategy);
    return listResponse(user_id, result.recommendations);
  });

  app.post<{ Body: NewUserParsed }>("/recommend/new-user", { schema: newUserSchema }, async (request) => {
    const { ratings, top_n, exclude_rated } = request.body;
    const result = recommendNewUser(store.current, ratings, top_n, !exclude_rated);
    return { ...listResponse(result.userId, result.recommendations), strategy: result.strategy };
  });

  app.get<{ Params: { item_id: string }; Querystring: { top_n: number } }>(
    "/items/:item_id/similar",
    { schema: similarItemsSchema, preValidation: integerQuery("top_n") },
    async (request) => {
      const similar = nearestItems(store.current.model, request.params.item_id, request.query.top_n);
      return {
        item_id: request.params.item_id,
        similar: similar.map((n) => ({ rank: n.rank, item_id: n.id, similarity: n.similarity })),
        total_count: similar.length,
      };
    },
  );

  app.get<{ Params: { user_id: string }; Querystring: { top_n: number } }>(
    "/users/:user_id/similar",
    { schema: similarUsersSchema, preValidation: integerQuery("top_n") },
    async (request) => {
      const similar = nearestUsers(store.current.model, request.params.user_id, request.query.top_n);
      return {
        user_id: request.params.user_id,
        similar: similar.map((n) => ({ rank: n.rank, user_id: n.id, similarity: n.similarity })),
        total_count: similar.length,
      };
    },
  );

  if (options.adminToken !== undefined && options.allowReload !== false) {
    const guard = adminGuard(app, options.adminToken, options.allowedHosts ?? []);
    app.post<{ Body: ReloadRequest }>("/admin/reload", { schema: reloadSchema, onRequest: guard }, async (request) => {
      let served: ServedModel;
      try {
        served = await store.reload(request.body.model_dir);
      } catch (e) {
        onEvent({ type: "reload-refused", message: e instanceof Error ? e.message : String(e) });
        throw e;
      }
      onEvent(reloadedEvent(served));
      return reloadResponse(served, store.root);
    });
  }

  return app;
}

/** Shortest admin token accepted. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

/** What the log says about a successful reload: the path as configured (maybe a link), what it resolved to, the model. */
export function reloadedEvent(served: ServedModel): ServiceEvent {
  return {
    type: "reloaded",
    dir: served.dir,
    requestedDir: served.requestedDir,
    generation: served.generation,
    users: served.model.userIds.size,
    items: served.model.itemIds.size,
    trainedAt: served.model.trainedAt,
  };
}

/**
 * The admin endpoints' checks, before the body is even read: the Host header is the bound address (or a
 * loopback name when bound to loopback) or in `allowedHosts` (403: a DNS-rebinding page cannot call it), the
 * bearer token matches (compared in constant time; 401), and the body is declared JSON (415: a cross-site
 * form or a no-cors fetch cannot send that without a preflight).
 */
function adminGuard(app: FastifyInstance, token: string, allowedHosts: readonly string[]) {
  const digest = (t: string): Buffer => createHash("sha256").update(t, "utf8").digest();
  const expected = digest(token);
  const extra = new Set(allowedHosts.map((h) => h.toLowerCase()));
  return async (request: FastifyRequest): Promise<void> => {
    const host = String(request.headers.host ?? "").toLowerCase();
    if (!hostAllowed(host, app.server.address() as AddressInfo | null, extra)) {
      throw new AdminRequestError(
        403,
        "FORBIDDEN_HOST",
        `Expected a Host header naming this server (its bound address, or one given with --allowed-host), but got ${JSON.stringify(host)}`,
      );
    }
    const auth = request.headers.authorization;
    const m = typeof auth === "string" ? /^Bearer (.+)$/.exec(auth) : null;
    if (!m || !timingSafeEqual(digest(m[1] as string), expected)) {
      throw new AdminRequestError(401, "UNAUTHORIZED", "Expected an Authorization: Bearer <admin token> header with the token the service was started with");
    }
    const type = String(request.headers["content-type"] ?? "");
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      throw new AdminRequestError(
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        `Expected content-type application/json, but got ${type === "" ? "none" : JSON.stringify(type)}`,
      );
    }
  };
}

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];

function hostAllowed(host: string, address: AddressInfo | null, extra: ReadonlySet<string>): boolean {
  if (extra.has(host)) return true;
  if (!address) return false;
  const port = String(address.port);
  const colon = host.lastIndexOf(":");
  const name = colon > host.lastIndexOf("]") ? host.slice(0, colon) : host;
  const hostPort = colon > host.lastIndexOf("]") ? host.slice(colon + 1) : "";
  if (hostPort !== port) return false;
  if (extra.has(name)) return true;
  const bound = address.family === "IPv6" ? `[${address.address}]` : address.address;
  if (name === bound.toLowerCase() && !["0.0.0.0", "[::]"].includes(bound)) return true;
  const loopback = bound.startsWith("127.") || bound === "[::1]";
  return loopback && LOOPBACK_NAMES.includes(name);
}

/** The body of a successful reload: the directory relative to the model root (no absolute paths leave the server). */
export function reloadResponse(served: ServedModel, root: string): Record<string, unknown> {
  return {
    status: "reloaded",
    model_dir: path.relative(realRootOf(root), served.dir) || ".",
    generation: served.generation,
    user_count: served.model.userIds.size,
    item_count: served.model.itemIds.size,
    trained_at: served.model.trainedAt,
  };
}

function realRootOf(root: string): string {
  try {
    return fs.realpathSync(root);
  } catch {
    return root;
  }
}

function listResponse(userId: string, recs: readonly { rank: number; itemId: string; predictedRating: number }[]) {
  const recommendations = new Array<{ rank: number; item_id: string; predicted_rating: number }>(recs.length);
  for (let k = 0; k < recs.length; k++) {
    const r = recs[k] as { rank: number; itemId: string; predictedRating: number };
    recommendations[k] = { rank: r.rank, item_id: r.itemId, predicted_rating: r.predictedRating };
  }
  return { user_id: userId, recommendations, total_count: recs.length };
}

/**
 * Query strings are text; with type coercion off (so JSON bodies stay strict) an integer query parameter is
 * converted here, before validation, when it is written as one. Anything else is left for the schema to reject.
 */
function integerQuery(name: string) {
  return async (request: FastifyRequest): Promise<void> => {
    const q = request.query as Record<string, unknown> | undefined;
    const v = q?.[name];
    if (typeof v === "string" && /^[+-]?\d{1,15}$/.test(v)) q![name] = Number(v);
  };
}
