/** A small typed client of the service's REST API over fetch: what the notebook and scripts call. */
import { InvalidArgumentError } from "../errors";
import { checkString } from "../validate";
import type {
  ErrorResponseBody,
  HealthResponse,
  NewUserResponse,
  RecommendationsResponse,
  ReloadResponse,
  SimilarItemsResponse,
  SimilarUsersResponse,
} from "./schemas";

/** The JSON body of an error answer (the service's Error schema). */
export type ErrorBody = ErrorResponseBody;
/** The answer types, derived from the service's JSON schemas (src/service/schemas.ts), not written again here. */
export type { HealthResponse as HealthBody, ReloadResponse as ReloadBody, NewUserResponse };
export type RecommendationsBody = RecommendationsResponse | NewUserResponse;

/** An answer: the HTTP status, the parsed JSON body (an ErrorBody when status >= 400), and the request it answers. No throwing on 4xx/5xx. */
export interface ServiceResponse<T> {
  readonly status: number;
  readonly body: T | ErrorBody;
  readonly method: string;
  readonly url: string;
}

/**
 * An error answer as an exception (what `expectOk` throws), after ky's HTTPError: the status, the request's
 * method and URL, and the parsed error body are all on it.
 */
export class ServiceHTTPError extends Error {
  readonly status: number;
  readonly method: string;
  readonly url: string;
  readonly body: ErrorBody | Record<string, unknown>;

  constructor(response: ServiceResponse<unknown>) {
    const b = response.body as Partial<ErrorBody>;
    super(
      `Request failed with status ${response.status}: ${response.method} ${response.url}: ${typeof b.message === "string" ? b.message : JSON.stringify(b)}`,
    );
    this.name = "ServiceHTTPError";
    this.status = response.status;
    this.method = response.method;
    this.url = response.url;
    this.body = response.body as ErrorBody;
  }
}

export interface ClientOptions {
  /** The service's admin token, sent as `Authorization: Bearer <token>` to the admin endpoints. */
  readonly adminToken?: string;
}

/**
 * Calls a running service by its base URL.
 * @example
 * const api = new ServiceClient("http://127.0.0.1:8000");
 * (await api.recommend("U10001", { topN: 5 })).body //=> { user_id: "U10001", recommendations: [...], total_count: 5 }
 */
export class ServiceClient {
  readonly baseUrl: string;
  private readonly adminToken: string | undefined;

  constructor(baseUrl: string, options: ClientOptions = {}) {
    checkString("baseUrl", baseUrl);
    if (!/^https?:\/\/[^/]+$/.test(baseUrl.replace(/\/$/, "")))
      throw new InvalidArgumentError("baseUrl", "an http(s) origin such as http://127.0.0.1:8000", baseUrl);
    this.baseUrl = baseUrl.replace(/\/$/, "");
    this.adminToken = options.adminToken;
  }

  health(): Promise<ServiceResponse<HealthResponse>> {
    return this.request("GET", "/health");
  }

  recommend(userId: string, options: { topN?: number; excludeRated?: boolean } = {}): Promise<ServiceResponse<RecommendationsResponse>> {
    return this.request("POST", "/recommend", { user_id: userId, ...topN(options.topN), ...exclude(options.excludeRated) });
  }

  recommendNewUser(
    ratings: readonly { itemId: string; rating: number }[],
    options: { topN?: number; excludeRated?: boolean } = {},
  ): Promise<ServiceResponse<NewUserResponse>> {
    return this.request("POST", "/recommend/new-user", {
      ratings: ratings.map((r) => ({ item_id: r.itemId, rating: r.rating })),
      ...topN(options.topN),
      ...exclude(options.excludeRated),
    });
  }

  similarItems(itemId: string, n?: number): Promise<ServiceResponse<SimilarItemsResponse>> {
    return this.request("GET", `/items/${encodeURIComponent(itemId)}/similar${n === undefined ? "" : `?top_n=${n}`}`);
  }

  similarUsers(userId: string, n?: number): Promise<ServiceResponse<SimilarUsersResponse>> {
    return this.request("GET", `/users/${encodeURIComponent(userId)}/similar${n === undefined ? "" : `?top_n=${n}`}`);
  }

  /** POST /admin/reload with the admin token given to the constructor. */
  reload(modelDir?: string): Promise<ServiceResponse<ReloadResponse>> {
    const headers: Record<string, string> = this.adminToken === undefined ? {} : { authorization: `Bearer ${this.adminToken}` };
    return this.request("POST", "/admin/reload", modelDir === undefined ? {} : { model_dir: modelDir }, headers);
  }

  /** Any request: a JSON body is sent as application/json. */
  async request<T>(method: "GET" | "POST", path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ServiceResponse<T>> {
    const url = `${this.baseUrl}${path}`;
    const init: RequestInit =
      body === undefined ? { method, headers } : { method, headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) };
    const res = await fetch(url, init);
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? {} : JSON.parse(text);
    } catch {
      parsed = { message: `not JSON: ${text.slice(0, 200)}` };
    }
    return { status: res.status, body: parsed as T | ErrorBody, method, url };
  }
}

function topN(n: number | undefined): { top_n?: number } {
  return n === undefined ? {} : { top_n: n };
}

function exclude(e: boolean | undefined): { exclude_rated?: boolean } {
  return e === undefined ? {} : { exclude_rated: e };
}

/** The body of a successful answer; an error answer throws a ServiceHTTPError with its status, method, URL and body. */
export function expectOk<T>(response: ServiceResponse<T>): T {
  if (response.status >= 400) throw new ServiceHTTPError(response);
  return response.body as T;
}
