/** The one place that turns any error a request can raise into an HTTP status and a JSON error body. */
import { DataFormatError, InvalidArgumentError, ModelFormatError, StorageError, UnknownIdError, WorkbookError, describe } from "../errors";

/** A request asked for a file or directory outside the root the service was allowed to read. */
export class ForbiddenPathError extends WorkbookError {
  readonly field: string;
  constructor(field: string, requested: string, root: string) {
    super("FORBIDDEN_PATH", `Expected ${field} to be a directory inside ${root}, but got ${JSON.stringify(requested)}`);
    this.field = field;
  }
}

/** An admin request without the configured token (401), with a Host header not allowed (403), or not JSON (415). */
export class AdminRequestError extends WorkbookError {
  readonly statusCode: 401 | 403 | 415;
  constructor(statusCode: 401 | 403 | 415, code: "UNAUTHORIZED" | "FORBIDDEN_HOST" | "UNSUPPORTED_MEDIA_TYPE", message: string) {
    super(code, message);
    this.statusCode = statusCode;
  }
}

/** The JSON body of every error response (the shape Fastify uses, plus the field or ID at fault). */
export interface ErrorBody {
  readonly statusCode: number;
  /** The HTTP reason phrase, e.g. "Bad Request". */
  readonly error: string;
  /** Stable machine code: a WorkbookError code, "VALIDATION", or Fastify's FST_ERR_* code. */
  readonly code: string;
  readonly message: string;
  /** The request field at fault (e.g. "top_n", "ratings[2].item_id"), when there is one. */
  readonly field?: string;
  /** The unknown raw ID, for 404s. */
  readonly id?: string;
}

const REASONS: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** What the error handler knows about the request, for messages that name what was sent. */
export interface RequestContext {
  readonly contentType?: string;
  readonly bodyLimit?: number;
  /** The service's model root: shown as "." and paths below it as relative, so no absolute path leaves the server. */
  readonly root?: string;
}

/** A subset of Ajv's error object: what Fastify attaches as `error.validation`. */
interface AjvErrorLike {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string;
  readonly data?: unknown;
}

/**
 * Maps an error to its response. Workbook errors by class (unknown ID 404, bad argument or data 400,
 * forbidden path 403, unusable model 422, storage 503); schema-validation errors 400 naming the field;
 * Fastify's own client errors keep their status (413 body too large, 415 media type, 400 bad JSON);
 * anything else is a 500 whose details stay in the log, not in the response.
 */
export function errorResponse(err: unknown, context: RequestContext = {}): ErrorBody {
  const response = classify(err, context);
  return context.root === undefined ? response : { ...response, message: hideRoot(response.message, context.root) };
}

/**
 * Keeps absolute paths out of a response: paths below the root become relative to it ("<root>/m/x.bin" ->
 * "m/x.bin"), the root itself "the model root", and any other absolute file path "<path>".
 */
export function hideRoot(message: string, root: string): string {
  const r = root.endsWith("/") && root.length > 1 ? root.slice(0, -1) : root;
  const relative = r === "/" || r === "" ? message : message.split(`${r}/`).join("").split(r).join("the model root");
  return relative.replace(/(^|[\s"'(])\/(?:[^\s"'/),:]+\/)*[^\s"'/),:]+/g, "$1<path>");
}

function classify(err: unknown, context: RequestContext): ErrorBody {
  if (err instanceof AdminRequestError) return body(err.statusCode, err.code, err.message);
  if (err instanceof UnknownIdError) return body(404, err.code, err.message, { id: err.id });
  if (err instanceof ForbiddenPathError) return body(403, err.code, err.message, { field: err.field });
  if (err instanceof InvalidArgumentError) return body(400, err.code, err.message, { field: err.argument });
  if (err instanceof DataFormatError) return body(400, err.code, err.message, err.location.field ? { field: err.location.field } : {});
  if (err instanceof ModelFormatError) return body(422, err.code, err.message);
  if (err instanceof StorageError) return body(503, err.code, err.message);
  if (err instanceof WorkbookError) return body(400, err.code, err.message);
  if (typeof err === "object" && err !== null) {
    const e = err as { validation?: readonly AjvErrorLike[]; validationContext?: string; statusCode?: unknown; code?: unknown; message?: unknown };
    if (Array.isArray(e.validation) && e.validation.length > 0) {
      const { field, message } = validationMessage(e.validation[0] as AjvErrorLike, e.validationContext ?? "body");
      return body(400, "VALIDATION", message, field === "" ? {} : { field });
    }
    const status = typeof e.statusCode === "number" ? e.statusCode : 500;
    const code = typeof e.code === "string" ? e.code : "CLIENT_ERROR";
    if (code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      return body(415, code, `Expected content-type application/json, but got ${describe(context.contentType)}`);
    }
    if (code === "FST_ERR_CTP_BODY_TOO_LARGE" && context.bodyLimit !== undefined) {
      return body(413, code, `Expected a request body of at most ${context.bodyLimit} bytes, but got more`);
    }
    if (status >= 400 && status < 500) {
      return body(status, code, typeof e.message === "string" ? e.message : (REASONS[status] ?? "Client error"));
    }
  }
  return body(500, "INTERNAL", "Internal server error (see the service log)");
}

/** True when an error response hides a server fault that should be logged with its stack. */
export function isServerFault(response: ErrorBody): boolean {
  return response.statusCode >= 500 && response.code === "INTERNAL";
}

/**
 * Rewrites an Ajv error into the workbook's message shape, naming the field the way a client wrote it:
 * `Expected body.top_n to be <= 100, but got 500`, `Missing required field body.user_id`.
 */
export function validationMessage(e: AjvErrorLike, context: string): { field: string; message: string } {
  const path = pointerToField(e.instancePath);
  const at = (f: string): string => (f === "" ? context : `${context}.${f}`);
  const join = (f: string, child: string): string => (f === "" ? child : `${f}.${child}`);
  const got = "data" in e ? describe(e.data) : "something else";
  switch (e.keyword) {
    case "required": {
      const f = join(path, String(e.params.missingProperty));
      return { field: f, message: `Missing required field ${at(f)}` };
    }
    case "additionalProperties": {
      const f = join(path, String(e.params.additionalProperty));
      return { field: f, message: `Unknown field ${at(f)}` };
    }
    case "type":
      return { field: path, message: `Expected ${at(path)} to be ${article(String(e.params.type))}, but got ${got}` };
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return { field: path, message: `Expected ${at(path)} to be ${String(e.params.comparison)} ${String(e.params.limit)}, but got ${got}` };
    case "minItems":
    case "maxItems":
      return {
        field: path,
        message: `Expected ${at(path)} to have ${e.keyword === "minItems" ? "at least" : "at most"} ${String(e.params.limit)} entries, but got ${got}`,
      };
    case "minLength":
    case "maxLength":
      return {
        field: path,
        message: `Expected ${at(path)} to be a string of ${e.keyword === "minLength" ? "at least" : "at most"} ${String(e.params.limit)} characters, but got ${got}`,
      };
    default:
      return { field: path, message: `Expected ${at(path)} to satisfy ${e.keyword} (${e.message ?? "schema"}), but got ${got}` };
  }
}

/** "/ratings/2/item_id" -> "ratings[2].item_id". */
function pointerToField(pointer: string): string {
  let out = "";
  for (const raw of pointer.split("/").slice(1)) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    out += /^\d+$/.test(part) ? `[${part}]` : out === "" ? part : `.${part}`;
  }
  return out;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function body(statusCode: number, code: string, message: string, extra: { field?: string; id?: string } = {}): ErrorBody {
  return { statusCode, error: REASONS[statusCode] ?? "Error", code, message, ...extra };
}
