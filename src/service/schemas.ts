/** JSON schemas of every request and response: they validate input, speed up output and become the OpenAPI document. */
import type { FromSchema } from "json-schema-to-ts";
import { DEFAULT_TOP_N } from "../recommend/types";

/** Longest list a request may ask for; fewer come back when the catalogue (after exclusions) is smaller. */
export const MAX_TOP_N = 100;
/** List length when a request does not say (the library's default). */
export { DEFAULT_TOP_N };
/** Most ratings a fold-in request may carry. */
export const MAX_FOLD_IN_RATINGS = 5_000;

const rawId = { type: "string", minLength: 1, maxLength: 256 } as const;
const topN = {
  type: "integer",
  minimum: 1,
  maximum: MAX_TOP_N,
  default: DEFAULT_TOP_N,
  description: `How many results (1..${MAX_TOP_N}, default ${DEFAULT_TOP_N}); fewer come back when fewer are left.`,
} as const;

export const errorSchema = {
  $id: "Error",
  type: "object",
  description: "Every error response has this shape.",
  properties: {
    statusCode: { type: "integer" },
    error: { type: "string", description: "HTTP reason phrase" },
    code: { type: "string", description: "Stable machine code, e.g. UNKNOWN_USER, VALIDATION, FST_ERR_CTP_BODY_TOO_LARGE" },
    message: { type: "string", description: "What was expected, what was found, and where" },
    field: { type: "string", description: "The request field at fault, when there is one" },
    id: { type: "string", description: "The unknown raw ID, for 404s" },
  },
  required: ["statusCode", "error", "code", "message"],
} as const;

const errorRef = { $ref: "Error#" } as const;

const recommendation = {
  type: "object",
  properties: {
    rank: { type: "integer", description: "1-based" },
    item_id: { type: "string", description: "Raw item ID" },
    predicted_rating: { type: "number", description: "The model's raw score (not clipped to the rating scale)" },
  },
  required: ["rank", "item_id", "predicted_rating"],
} as const;

/** Seed 002's answer, exactly. */
const recommendationList = {
  type: "object",
  properties: {
    user_id: { type: "string" },
    recommendations: { type: "array", items: recommendation },
    total_count: { type: "integer", description: "Number of recommendations returned" },
  },
  required: ["user_id", "recommendations", "total_count"],
} as const;

/** The fold-in answer: seed 002's shape plus how the list was made. */
const newUserList = {
  ...recommendationList,
  properties: {
    ...recommendationList.properties,
    strategy: { type: "string", enum: ["fold-in", "bias-only"], description: "fold-in, or bias-only when no rating could be used" },
  },
} as const;

export const healthSchema = {
  summary: "Service and model status",
  tags: ["service"],
  response: {
    200: {
      type: "object",
      properties: {
        status: { type: "string", enum: ["ok"] },
        model: {
          type: "object",
          properties: {
            format_version: { type: "integer" },
            trained_at: { type: "string" },
            backend: { type: "string" },
            user_count: { type: "integer" },
            item_count: { type: "integer" },
            dim: { type: "integer" },
            best_epoch: { type: "integer" },
            data_fingerprint: { type: "string" },
            loaded_at: { type: "string" },
            generation: { type: "integer", description: "1 at start, +1 per successful reload" },
          },
          required: ["format_version", "trained_at", "backend", "user_count", "item_count"],
        },
        recommendations: {
          type: "object",
          description: "How POST /recommend answers: precomputed lists (a lookup) or every item scored per request, and why",
          properties: { mode: { type: "string", enum: ["precomputed", "per-request"] }, reason: { type: "string" } },
          required: ["mode", "reason"],
        },
        uptime_seconds: { type: "number" },
      },
      required: ["status", "model", "recommendations"],
    },
  },
} as const;

export const recommendSchema = {
  summary: "Top-N items for a known user",
  description:
    'Scores every item with the trained model and returns the best, by raw IDs. Items the user rated anywhere in the model\'s data (training and held-out rows) are left out unless exclude_rated is false. The header x-recommendation-strategy says "model", or "bias-only" for a known user with no training ratings (the highest global + item bias).',
  tags: ["recommend"],
  body: {
    type: "object",
    additionalProperties: false,
    properties: {
      user_id: { ...rawId, description: "Raw user ID, e.g. U10001" },
      top_n: topN,
      exclude_rated: {
        type: "boolean",
        default: true,
        description: "Leave out items the user rated anywhere in the model's data, training and held-out rows (default true)",
      },
    },
    required: ["user_id"],
    examples: [{ user_id: "U10001", top_n: 10, exclude_rated: true }],
  },
  response: { 200: recommendationList, 400: errorRef, 404: errorRef, 413: errorRef, 415: errorRef },
} as const;

export const newUserSchema = {
  summary: "Top-N items for a new user from a few ratings (fold-in, no retraining)",
  description:
    "Solves the user's vector and bias from the given ratings with the item embeddings frozen, then recommends. Rated items are left out unless exclude_rated is false.",
  tags: ["recommend"],
  body: {
    type: "object",
    additionalProperties: false,
    properties: {
      ratings: {
        type: "array",
        minItems: 1,
        maxItems: MAX_FOLD_IN_RATINGS,
        items: {
          type: "object",
          additionalProperties: false,
          properties: {
            item_id: rawId,
            rating: {
              type: "number",
              minimum: -1e6,
              maximum: 1e6,
              description:
                "On the model's rating scale (its training data's minimum to maximum, 1-5 when the model does not record one); off the scale is a 400",
            },
          },
          required: ["item_id", "rating"],
        },
      },
      top_n: topN,
      exclude_rated: { type: "boolean", default: true, description: "Leave out the items in `ratings` (default true)" },
    },
    required: ["ratings"],
    examples: [
      {
        ratings: [
          { item_id: "TECH1005", rating: 5 },
          { item_id: "SPRT1004", rating: 1 },
        ],
        top_n: 5,
      },
    ],
  },
  response: { 200: newUserList, 400: errorRef, 413: errorRef, 415: errorRef },
} as const;

/** `{ [k]: v }` with the key's literal type kept (a computed key alone widens to string, and the derived types with it). */
const keyed = <K extends string, V>(k: K, v: V): { [P in K]: V } => ({ [k]: v }) as { [P in K]: V };

const neighbour = <K extends "item_id" | "user_id">(idField: K) =>
  ({
    type: "object",
    properties: {
      rank: { type: "integer" },
      ...keyed(idField, { type: "string" } as const),
      similarity: { type: "number", description: "Cosine similarity of the embeddings, in [-1, 1]" },
    },
    required: ["rank", idField, "similarity"],
  }) as const;

function similarSchema<K extends "item_id" | "user_id">(kind: "item" | "user", idField: K) {
  return {
    summary: `Nearest ${kind}s by cosine similarity of the embeddings`,
    tags: ["similar"],
    params: { type: "object", properties: keyed(idField, rawId), required: [idField] },
    querystring: { type: "object", additionalProperties: false, properties: { top_n: topN } },
    response: {
      200: {
        type: "object",
        properties: {
          ...keyed(idField, { type: "string" } as const),
          similar: { type: "array", items: neighbour(idField) },
          total_count: { type: "integer" },
        },
        required: [idField, "similar", "total_count"],
      },
      400: errorRef,
      404: errorRef,
    },
  } as const;
}

export const similarItemsSchema = similarSchema("item", "item_id");
export const similarUsersSchema = similarSchema("user", "user_id");

export const reloadSchema = {
  summary: "Load a model directory and swap it in atomically",
  description:
    "Served only when the service was started with an admin token (`ewb serve --admin-token` or EWB_ADMIN_TOKEN); needs `Authorization: Bearer <token>` (else 401), content-type application/json (else 415) and a Host header naming the server (else 403). Without model_dir, reloads the current directory as configured (a symbolic link is followed again, so re-pointing it and reloading serves the new target). The directory must lie inside the root given at start. A model that fails to load is refused (422) and the old one keeps serving. Reloads run one at a time; requests for the same target while one waits share it.",
  tags: ["admin"],
  security: [{ adminToken: [] }],
  body: {
    type: "object",
    additionalProperties: false,
    properties: { model_dir: { type: "string", minLength: 1, maxLength: 4096, description: "Relative to the allowed root, or absolute inside it" } },
  },
  response: {
    200: {
      type: "object",
      properties: {
        status: { type: "string", enum: ["reloaded"] },
        model_dir: { type: "string", description: "The directory loaded, relative to the model root" },
        generation: { type: "integer" },
        user_count: { type: "integer" },
        item_count: { type: "integer" },
        trained_at: { type: "string" },
      },
      required: ["status", "model_dir", "generation"],
    },
    400: errorRef,
    401: errorRef,
    403: errorRef,
    415: errorRef,
    422: errorRef,
  },
} as const;

// The request and response types, derived from the schemas above (one source: what is validated is what is typed).
/** POST /recommend's body as a client writes it (defaulted fields optional). */
export type RecommendRequest = FromSchema<typeof recommendSchema.body, { keepDefaultedPropertiesOptional: true }>;
/** POST /recommend/new-user's body as a client writes it. */
export type NewUserRequest = FromSchema<typeof newUserSchema.body, { keepDefaultedPropertiesOptional: true }>;
/** POST /admin/reload's body. */
export type ReloadRequest = FromSchema<typeof reloadSchema.body, { keepDefaultedPropertiesOptional: true }>;
/** The bodies as a handler sees them: Ajv has filled in the defaults. */
export type RecommendParsed = FromSchema<typeof recommendSchema.body>;
export type NewUserParsed = FromSchema<typeof newUserSchema.body>;
export type HealthResponse = FromSchema<(typeof healthSchema.response)[200]>;
export type RecommendationsResponse = FromSchema<typeof recommendationList>;
export type NewUserResponse = FromSchema<typeof newUserList>;
export type SimilarItemsResponse = FromSchema<(typeof similarItemsSchema.response)[200]>;
export type SimilarUsersResponse = FromSchema<(typeof similarUsersSchema.response)[200]>;
export type ReloadResponse = FromSchema<(typeof reloadSchema.response)[200]>;
export type ErrorResponseBody = FromSchema<typeof errorSchema>;
