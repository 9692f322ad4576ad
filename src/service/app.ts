/** The REST API as a Fastify instance: routes, validation, OpenAPI docs and the single error handler. */
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { checkInteger } from "../validate";
import { recommendForUser } from "../recommend/single";
import { errorResponse, isServerFault } from "./errors";
import type { ModelStore, ServedModel } from "./model-store";
import { errorSchema, healthSchema, newUserSchema, recommendSchema, reloadSchema, similarItemsSchema, similarUsersSchema } from "./schemas";
import { recommendNewUser, similarItems, similarUsers } from "./queries";

/** Something worth telling the operator; the library never prints, the CLI decides what to show. */
export type ServiceEvent =
  | { readonly type: "reloaded"; readonly dir: string; readonly generation: number }
  | { readonly type: "reload-refused"; readonly message: string }
  | { readonly type: "request-error"; readonly method: string; readonly url: string; readonly error: unknown };

export interface AppOptions {
  /** Largest accepted request body in bytes (default 256 KiB); larger gets 413. */
  readonly bodyLimit?: number;
  /** Serve POST /admin/reload (default true). */
  readonly allowReload?: boolean;
  /** Told about reloads and server faults. */
  readonly onEvent?: (event: ServiceEvent) => void;
}

export const DEFAULT_BODY_LIMIT = 256 * 1024;
/** Response header of POST /recommend saying how the list was made: "model" or "bias-only" (a user with no training ratings). */
export const STRATEGY_HEADER = "x-recommendation-strategy";

interface RecommendBody { user_id: string; top_n: number; exclude_rated: boolean }
interface NewUserBody { ratings: { item_id: string; rating: number }[]; top_n: number; exclude_rated: boolean }
interface ReloadBody { model_dir?: string }

/**
 * Builds the service over `store` (not yet listening: call `listen`, or use `startService`).
 * Every request reads `store.current` once, so a concurrent reload never mixes two models in one answer.
 */
export async function buildApp(store: ModelStore, options: AppOptions = {}): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimit === undefined ? DEFAULT_BODY_LIMIT : checkInteger("bodyLimit", options.bodyLimit, 64);
  const onEvent = options.onEvent ?? (() => undefined);
  const startedAt = Date.now();
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
  app.addHook("onClose", (_instance, done) => {
    if (sweeper) clearInterval(sweeper);
    done();
  });

  // Only JSON bodies: Fastify's built-in text/plain parser would turn a wrong content type into a 400, not a 415.
  app.removeContentTypeParser("text/plain");
  app.addSchema(errorSchema);

  app.setErrorHandler((err, request, reply) => {
    const response = errorResponse(err, { contentType: request.headers["content-type"], bodyLimit });
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
        format_version: s.formatVersion, trained_at: m.trainedAt, backend: m.backend,
        user_count: m.userIds.size, item_count: m.itemIds.size, dim: m.weights.dim, best_epoch: m.bestEpoch,
        data_fingerprint: m.dataFingerprint, loaded_at: s.loadedAt, generation: s.generation,
      },
      uptime_seconds: (Date.now() - startedAt) / 1000,
    };
  });

  app.post<{ Body: RecommendBody }>("/recommend", { schema: recommendSchema }, async (request, reply) => {
    const { user_id, top_n, exclude_rated } = request.body;
    const s = store.current;
    const pre = s.precomputed;
    const result = pre !== undefined && top_n <= pre.k
      ? pre.lookup(s.model.userIds.index(user_id), top_n, !exclude_rated)
      : recommendForUser(s.model, user_id, { top: top_n, includeRated: !exclude_rated });
    // The body keeps seed 002's shape exactly; how the list was made travels in a header.
    void reply.header(STRATEGY_HEADER, result.strategy);
    return listResponse(user_id, result.recommendations);
  });

  app.post<{ Body: NewUserBody }>("/recommend/new-user", { schema: newUserSchema }, async (request) => {
    const { ratings, top_n, exclude_rated } = request.body;
    const result = recommendNewUser(store.current, ratings, top_n, !exclude_rated);
    return { ...listResponse(result.userId, result.recommendations), strategy: result.strategy };
  });

  app.get<{ Params: { item_id: string }; Querystring: { top_n: number } }>(
    "/items/:item_id/similar",
    { schema: similarItemsSchema, preValidation: integerQuery("top_n") },
    async (request) => {
      const similar = similarItems(store.current, request.params.item_id, request.query.top_n);
      return { item_id: request.params.item_id, similar: similar.map((n) => ({ rank: n.rank, item_id: n.id, similarity: n.similarity })), total_count: similar.length };
    },
  );

  app.get<{ Params: { user_id: string }; Querystring: { top_n: number } }>(
    "/users/:user_id/similar",
    { schema: similarUsersSchema, preValidation: integerQuery("top_n") },
    async (request) => {
      const similar = similarUsers(store.current, request.params.user_id, request.query.top_n);
      return { user_id: request.params.user_id, similar: similar.map((n) => ({ rank: n.rank, user_id: n.id, similarity: n.similarity })), total_count: similar.length };
    },
  );

  if (options.allowReload !== false) {
    app.post<{ Body: ReloadBody | null | undefined }>("/admin/reload", { schema: reloadSchema }, async (request) => {
      let served: ServedModel;
      try {
        served = await store.reload(request.body?.model_dir);
      } catch (e) {
        onEvent({ type: "reload-refused", message: e instanceof Error ? e.message : String(e) });
        throw e;
      }
      onEvent({ type: "reloaded", dir: served.dir, generation: served.generation });
      return reloadResponse(served);
    });
  }

  return app;
}

/** The body of a successful reload (also what SIGHUP reports). */
export function reloadResponse(served: ServedModel): Record<string, unknown> {
  return {
    status: "reloaded", model_dir: served.dir, generation: served.generation,
    user_count: served.model.userIds.size, item_count: served.model.itemIds.size, trained_at: served.model.trainedAt,
  };
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
