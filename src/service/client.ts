/** A small typed client of the service's REST API over fetch: what the notebook and scripts call. */
import { InvalidArgumentError } from "../errors";
import { checkString } from "../validate";
import type { ErrorBody } from "./errors";

/** An answer: the HTTP status and the parsed JSON body (an ErrorBody when status >= 400). No throwing on 4xx/5xx. */
export interface ServiceResponse<T> {
  readonly status: number;
  readonly body: T | ErrorBody;
}

export interface RecommendationsBody {
  readonly user_id: string;
  readonly recommendations: readonly { readonly rank: number; readonly item_id: string; readonly predicted_rating: number }[];
  readonly total_count: number;
  /** Only in fold-in answers (POST /recommend sends it as the x-recommendation-strategy header). */
  readonly strategy?: "fold-in" | "bias-only";
}

export interface SimilarBody {
  readonly similar: readonly ({ readonly rank: number; readonly similarity: number } & Record<string, string | number>)[];
  readonly total_count: number;
}

export interface HealthBody {
  readonly status: "ok";
  readonly model: {
    readonly format_version: number; readonly trained_at: string; readonly backend: string;
    readonly user_count: number; readonly item_count: number; readonly dim?: number; readonly generation?: number;
    readonly loaded_at?: string; readonly best_epoch?: number; readonly data_fingerprint?: string;
  };
  readonly uptime_seconds?: number;
}

export interface ReloadBody {
  readonly status: "reloaded";
  readonly model_dir: string;
  readonly generation: number;
  readonly user_count?: number;
  readonly item_count?: number;
  readonly trained_at?: string;
}

/**
 * Calls a running service by its base URL.
 * @example
 * const api = new ServiceClient("http://127.0.0.1:8000");
 * (await api.recommend("U10001", { topN: 5 })).body //=> { user_id: "U10001", recommendations: [...], total_count: 5 }
 */
export class ServiceClient {
  readonly baseUrl: string;

  constructor(baseUrl: string) {
    checkString("baseUrl", baseUrl);
    if (!/^https?:\/\/[^/]+$/.test(baseUrl.replace(/\/$/, ""))) throw new InvalidArgumentError("baseUrl", "an http(s) origin such as http://127.0.0.1:8000", baseUrl);
    this.baseUrl = baseUrl.replace(/\/$/, "");
  }

  health(): Promise<ServiceResponse<HealthBody>> {
    return this.request("GET", "/health");
  }

  recommend(userId: string, options: { topN?: number; excludeRated?: boolean } = {}): Promise<ServiceResponse<RecommendationsBody>> {
    return this.request("POST", "/recommend", { user_id: userId, ...topN(options.topN), ...exclude(options.excludeRated) });
  }

  recommendNewUser(ratings: readonly { itemId: string; rating: number }[], options: { topN?: number; excludeRated?: boolean } = {}): Promise<ServiceResponse<RecommendationsBody>> {
    return this.request("POST", "/recommend/new-user", {
      ratings: ratings.map((r) => ({ item_id: r.itemId, rating: r.rating })), ...topN(options.topN), ...exclude(options.excludeRated),
    });
  }

  similarItems(itemId: string, n?: number): Promise<ServiceResponse<SimilarBody & { item_id: string }>> {
    return this.request("GET", `/items/${encodeURIComponent(itemId)}/similar${n === undefined ? "" : `?top_n=${n}`}`);
  }

  similarUsers(userId: string, n?: number): Promise<ServiceResponse<SimilarBody & { user_id: string }>> {
    return this.request("GET", `/users/${encodeURIComponent(userId)}/similar${n === undefined ? "" : `?top_n=${n}`}`);
  }

  reload(modelDir?: string): Promise<ServiceResponse<ReloadBody>> {
    return this.request("POST", "/admin/reload", modelDir === undefined ? {} : { model_dir: modelDir });
  }

  /** Any request: a JSON body is sent as application/json. */
  async request<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<ServiceResponse<T>> {
    const init: RequestInit = body === undefined ? { method } : { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
    const res = await fetch(`${this.baseUrl}${path}`, init);
    const text = await res.text();
    return { status: res.status, body: (text === "" ? {} : JSON.parse(text)) as T | ErrorBody };
  }
}

function topN(n: number | undefined): { top_n?: number } {
  return n === undefined ? {} : { top_n: n };
}

function exclude(e: boolean | undefined): { exclude_rated?: boolean } {
  return e === undefined ? {} : { exclude_rated: e };
}

/** The body of a successful answer; an error answer throws with its status and message (handy in notebooks). */
export function expectOk<T>(response: ServiceResponse<T>): T {
  if (response.status >= 400) {
    const b = response.body as Partial<ErrorBody>;
    throw new Error(`HTTP ${response.status}: ${b.message ?? JSON.stringify(b)}`);
  }
  return response.body as T;
}
