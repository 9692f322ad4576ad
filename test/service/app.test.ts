import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as http from "node:http";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { startService, type RunningService } from "../../src/service/server";
import { buildApp, type ServiceEvent } from "../../src/service/app";
import { ModelStore } from "../../src/service/model-store";
import { defaultLoader } from "../../src/service/loader";
import { predictRating } from "../../src/model/predict";
import type { TrainedModel } from "../../src/model/types";
import { DEFAULT_FOLD_IN_L2 } from "../../src/recommend/foldin";
import { ratedItemsOf } from "../../src/model/rated-items";
import { ITEM_IDS, makeModel, tempRoot, USER_IDS, writeModel } from "./fixtures";

/** Reference top-N computed another way: every prediction through predictRating, then a full sort. */
function bruteForceTopN(model: TrainedModel, userId: string, n: number, excludeRated: boolean): { item_id: string; predicted_rating: number }[] {
  const u = model.userIds.index(userId);
  const rated = new Set(excludeRated ? [...ratedItemsOf(model.ratedItems, u)] : []);
  return ITEM_IDS.map((id, i) => ({ item_id: id, i, predicted_rating: predictRating(model.weights, u, i) }))
    .filter((r) => !rated.has(r.i))
    .sort((a, b) => b.predicted_rating - a.predicted_rating || a.i - b.i)
    .slice(0, n)
    .map(({ item_id, predicted_rating }) => ({ item_id, predicted_rating }));
}

/** Reference cosine neighbours computed with plain loops. */
function bruteForceNeighbours(data: Float32Array, dim: number, ids: string[], index: number, n: number): { id: string; similarity: number }[] {
  const row = (r: number): number[] => Array.from(data.subarray(r * dim, (r + 1) * dim));
  const q = row(index);
  const norm = (v: number[]): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return ids
    .map((id, r) => ({ id, r, similarity: row(r).reduce((s, x, k) => s + x * (q[k] as number), 0) / (norm(row(r)) * norm(q)) }))
    .filter((x) => x.r !== index)
    .sort((a, b) => b.similarity - a.similarity || a.r - b.r)
    .slice(0, n)
    .map(({ id, similarity }) => ({ id, similarity }));
}

/** Reference fold-in computed another way: the ridge normal equations solved by Gaussian elimination, then a full sort. */
function bruteForceFoldIn(model: TrainedModel, ratings: { item_id: string; rating: number }[], n: number, l2: number): string[] {
  const w = model.weights,
    d = w.dim,
    m = d + 1;
  const A = Array.from({ length: m }, () => new Array<number>(m + 1).fill(0));
  for (const r of ratings) {
    const i = model.itemIds.index(r.item_id);
    const x = [...Array.from(w.itemFactors.subarray(i * d, (i + 1) * d)), 1];
    const y = r.rating - w.globalBias - (w.itemBias[i] as number);
    for (let a = 0; a < m; a++) {
      for (let b = 0; b < m; b++) A[a]![b]! += x[a]! * x[b]!;
      A[a]![m]! += x[a]! * y;
    }
  }
  for (let a = 0; a < m; a++) A[a]![a]! += l2;
  for (let c = 0; c < m; c++) {
    for (let r = c + 1; r < m; r++) {
      const f = A[r]![c]! / A[c]![c]!;
      for (let k = c; k <= m; k++) A[r]![k]! -= f * A[c]![k]!;
    }
  }
  const theta = new Array<number>(m).fill(0);
  for (let r = m - 1; r >= 0; r--) {
    let v = A[r]![m]!;
    for (let k = r + 1; k < m; k++) v -= A[r]![k]! * theta[k]!;
    theta[r] = v / A[r]![r]!;
  }
  const rated = new Set(ratings.map((r) => r.item_id));
  return ITEM_IDS.map((id, i) => {
    let s = w.globalBias + (w.itemBias[i] as number) + theta[d]!;
    for (let k = 0; k < d; k++) s += theta[k]! * (w.itemFactors[i * d + k] as number);
    return { id, i, s };
  })
    .filter((x) => !rated.has(x.id))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .slice(0, n)
    .map((x) => x.id);
}

const TOKEN = "test-admin-token-0123456789";
const ADMIN = { "content-type": "application/json", authorization: `Bearer ${TOKEN}` };

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = { "content-type": "application/json" },
): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

async function get(url: string): Promise<{ status: number; json: any }> {
  const res = await fetch(url);
  return { status: res.status, json: await res.json() };
}

for (const precompute of [true, false])
  describe(`service: the REST API over a real HTTP server (${precompute ? "precomputed lists" : "computed per request"})`, () => {
    let root: string;
    let model: TrainedModel;
    let svc: RunningService;
    const events: ServiceEvent[] = [];

    before(async () => {
      root = tempRoot();
      model = makeModel(7);
      writeModel(root, "m1", model);
      svc = await startService({ modelDir: path.join(root, "m1"), port: 0, bodyLimit: 4096, precompute, adminToken: TOKEN, onEvent: (e) => events.push(e) });
    });

    after(async () => {
      await svc.close();
      fs.rmSync(root, { recursive: true, force: true });
    });

    describe("GET /health", () => {
      it("reports status, format version, training time, backend and user and item counts", async () => {
        const { status, json } = await get(`${svc.url}/health`);
        assert.equal(status, 200);
        assert.equal(json.status, "ok");
        assert.equal(json.model.format_version, 2);
        assert.equal(json.model.trained_at, "2026-01-02T03:04:05.000Z");
        assert.equal(json.model.backend, "test-fixture");
        assert.equal(json.model.user_count, USER_IDS.length);
        assert.equal(json.model.item_count, ITEM_IDS.length);
        assert.equal(json.model.generation, 1);
        assert.equal(json.recommendations.mode, precompute ? "precomputed" : "per-request");
        assert.equal(json.recommendations.reason, precompute ? "precompute on" : "precompute off");
      });

      it("binds to loopback by default", () => {
        assert.equal(svc.host, "127.0.0.1");
        assert.match(svc.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      });
    });

    describe("POST /recommend", () => {
      it("answers seed 002's shape with the brute-force top-N, rated items excluded", async () => {
        const { status, json } = await post(`${svc.url}/recommend`, { user_id: "U10009", top_n: 3, exclude_rated: true });
        assert.equal(status, 200);
        assert.deepEqual(Object.keys(json).sort(), ["recommendations", "total_count", "user_id"]);
        assert.equal(json.user_id, "U10009");
        assert.equal(json.total_count, 3);
        const expected = bruteForceTopN(model, "U10009", 3, true);
        json.recommendations.forEach((r: any, k: number) => {
          assert.deepEqual(Object.keys(r).sort(), ["item_id", "predicted_rating", "rank"]);
          assert.equal(r.rank, k + 1);
          assert.equal(r.item_id, expected[k]?.item_id);
          assert.ok(Math.abs(r.predicted_rating - (expected[k]?.predicted_rating ?? NaN)) < 1e-5, "the scoring kernel rounds to float32");
        });
      });

      it("defaults to top_n 10 and exclude_rated true, returning fewer when fewer items are left", async () => {
        const { status, json } = await post(`${svc.url}/recommend`, { user_id: "U10009" });
        assert.equal(status, 200);
        assert.equal(json.total_count, ITEM_IDS.length - 3);
        assert.deepEqual(
          json.recommendations.map((r: any) => r.item_id),
          bruteForceTopN(model, "U10009", 10, true).map((r) => r.item_id),
        );
      });

      it("includes rated items when exclude_rated is false", async () => {
        const { json } = await post(`${svc.url}/recommend`, { user_id: "U10001", top_n: 100, exclude_rated: false });
        assert.equal(json.total_count, ITEM_IDS.length);
        assert.deepEqual(
          json.recommendations.map((r: any) => r.item_id),
          bruteForceTopN(model, "U10001", 100, false).map((r) => r.item_id),
        );
      });

      it("gives a user with no training ratings the bias-only fallback and says so", async () => {
        const res = await fetch(`${svc.url}/recommend`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ user_id: "U10021", top_n: 2 }),
        });
        const json = (await res.json()) as any;
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("x-recommendation-strategy"), "bias-only");
        const other = await fetch(`${svc.url}/recommend`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ user_id: "U10001" }),
        });
        assert.equal(other.headers.get("x-recommendation-strategy"), "model");
        assert.equal(json.total_count, 2);
        const byBias = ITEM_IDS.map((id, i) => ({ id, b: model.weights.itemBias[i] as number }))
          .sort((x, y) => y.b - x.b)
          .slice(0, 2)
          .map((x) => x.id);
        assert.deepEqual(
          json.recommendations.map((r: any) => r.item_id),
          byBias,
        );
      });

      it("answers an unknown user with 404 naming the ID", async () => {
        const { status, json } = await post(`${svc.url}/recommend`, { user_id: "U99999" });
        assert.equal(status, 404);
        assert.equal(json.code, "UNKNOWN_USER");
        assert.equal(json.id, "U99999");
        assert.match(json.message, /Unknown user ID "U99999"/);
      });

      const badBodies: [string, unknown, string | undefined, RegExp][] = [
        ["a missing user_id", { top_n: 5 }, "user_id", /Missing required field body\.user_id/],
        ["a numeric user_id", { user_id: 10001 }, "user_id", /Expected body\.user_id to be a string, but got 10001/],
        ["an empty user_id", { user_id: "" }, "user_id", /Expected body\.user_id to be a string of at least 1 characters/],
        ["top_n as a string", { user_id: "U10001", top_n: "10" }, "top_n", /Expected body\.top_n to be an integer, but got "10"/],
        ["a fractional top_n", { user_id: "U10001", top_n: 2.5 }, "top_n", /Expected body\.top_n to be an integer, but got 2\.5/],
        ["top_n 0", { user_id: "U10001", top_n: 0 }, "top_n", /Expected body\.top_n to be >= 1, but got 0/],
        ["top_n 101", { user_id: "U10001", top_n: 101 }, "top_n", /Expected body\.top_n to be <= 100, but got 101/],
        [
          "exclude_rated as a string",
          { user_id: "U10001", exclude_rated: "yes" },
          "exclude_rated",
          /Expected body\.exclude_rated to be a boolean, but got "yes"/,
        ],
        ["an unknown field", { user_id: "U10001", topN: 5 }, "topN", /Unknown field body\.topN/],
        ["an array body", [{ user_id: "U10001" }], undefined, /Expected body to be an object, but got an array/],
      ];
      for (const [what, body, field, message] of badBodies) {
        it(`answers ${what} with 400 naming the field`, async () => {
          const { status, json } = await post(`${svc.url}/recommend`, body);
          assert.equal(status, 400);
          assert.equal(json.code, "VALIDATION");
          assert.equal(json.field, field);
          assert.match(json.message, message);
        });
      }

      it("answers malformed JSON with 400", async () => {
        const { status, json } = await post(`${svc.url}/recommend`, '{"user_id": "U10001",');
        assert.equal(status, 400);
        assert.match(json.code, /FST_ERR_CTP_INVALID_JSON_BODY/);
      });

      it("answers an empty JSON body with 400", async () => {
        const { status, json } = await post(`${svc.url}/recommend`, "");
        assert.equal(status, 400);
        assert.match(json.message, /empty/i);
      });

      it("answers a body over the limit with 413", async () => {
        const { status, json } = await post(`${svc.url}/recommend`, { user_id: "U10001", pad: "x".repeat(5000) });
        assert.equal(status, 413);
        assert.equal(json.code, "FST_ERR_CTP_BODY_TOO_LARGE");
        assert.match(json.message, /Expected a request body of at most 4096 bytes, but got more/);
      });

      it("answers a wrong content type with 415", async () => {
        for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/xml"]) {
          const { status, json } = await post(`${svc.url}/recommend`, JSON.stringify({ user_id: "U10001" }), { "content-type": type });
          assert.equal(status, 415, type);
          assert.equal(json.code, "FST_ERR_CTP_INVALID_MEDIA_TYPE");
          assert.equal(json.message, `Expected content-type application/json, but got "${type}"`);
        }
      });
    });

    describe("POST /recommend/new-user", () => {
      const ratings = [
        { item_id: "TECH1005", rating: 5 },
        { item_id: "SPRT4001", rating: 1 },
        { item_id: "FASH2010", rating: 4 },
      ];

      it("folds in a new user from a few ratings and recommends like a ridge solve computed by hand", async () => {
        const { status, json } = await post(`${svc.url}/recommend/new-user`, { ratings, top_n: 3 });
        assert.equal(status, 200);
        assert.equal(json.strategy, "fold-in");
        assert.equal(json.total_count, 3);
        assert.deepEqual(
          json.recommendations.map((r: any) => r.rank),
          [1, 2, 3],
        );
        assert.deepEqual(
          json.recommendations.map((r: any) => r.item_id),
          bruteForceFoldIn(model, ratings, 3, DEFAULT_FOLD_IN_L2),
        );
      });

      it("leaves the rated items out by default and keeps them with exclude_rated false", async () => {
        const a = await post(`${svc.url}/recommend/new-user`, { ratings });
        assert.equal(a.json.total_count, ITEM_IDS.length - ratings.length);
        assert.ok(a.json.recommendations.every((r: any) => !ratings.some((x) => x.item_id === r.item_id)));
        const b = await post(`${svc.url}/recommend/new-user`, { ratings, exclude_rated: false });
        assert.equal(b.json.total_count, ITEM_IDS.length);
      });

      const bad: [string, unknown, string, RegExp][] = [
        [
          "an unknown item",
          { ratings: [ratings[0], { item_id: "NOPE9", rating: 3 }] },
          "ratings[1].item_id",
          /Expected ratings\[1\]\.item_id to be an item ID the model knows, but got "NOPE9"/,
        ],
        ["the same item twice", { ratings: [ratings[0], ratings[1], ratings[0]] }, "ratings[2].item_id", /ratings\[0\] rates it/],
        ["no ratings", { ratings: [] }, "ratings", /Expected body\.ratings to have at least 1 entries, but got an array of length 0/],
        ["missing ratings", { top_n: 3 }, "ratings", /Missing required field body\.ratings/],
        [
          "a rating as a string",
          { ratings: [{ item_id: "TECH1005", rating: "5" }] },
          "ratings[0].rating",
          /Expected body\.ratings\[0\]\.rating to be a number, but got "5"/,
        ],
        ["a rating without item_id", { ratings: [{ rating: 5 }] }, "ratings[0].item_id", /Missing required field body\.ratings\[0\]\.item_id/],
        ["top_n out of bounds", { ratings, top_n: 1000 }, "top_n", /Expected body\.top_n to be <= 100, but got 1000/],
        [
          "an absurd rating",
          { ratings: [{ item_id: "TECH1005", rating: 1e300 }] },
          "ratings[0].rating",
          /Expected body\.ratings\[0\]\.rating to be <= 1000000, but got 1e\+300/,
        ],
        [
          "a rating far off the scale (issue 12.8)",
          { ratings: [ratings[0], { item_id: "FASH2003", rating: 1e6 }] },
          "ratings[1].rating",
          /Expected ratings\[1\]\.rating to be a rating on the model's scale 1\.\.5 \(the default; this model does not record its scale\), but got 1000000/,
        ],
        ["a rating below the scale", { ratings: [{ item_id: "FASH2003", rating: 0 }] }, "ratings[0].rating", /scale 1\.\.5.*but got 0/],
      ];
      for (const [what, body, field, message] of bad) {
        it(`answers ${what} with 400 naming the field`, async () => {
          const { status, json } = await post(`${svc.url}/recommend/new-user`, body);
          assert.equal(status, 400);
          assert.equal(json.field, field);
          assert.match(json.message, message);
        });
      }
    });

    describe("GET /items/{item_id}/similar and /users/{user_id}/similar", () => {
      it("lists the nearest items by cosine similarity, itself excluded", async () => {
        const { status, json } = await get(`${svc.url}/items/TECH1005/similar?top_n=3`);
        assert.equal(status, 200);
        assert.equal(json.item_id, "TECH1005");
        assert.equal(json.total_count, 3);
        const expected = bruteForceNeighbours(model.weights.itemFactors, model.weights.dim, ITEM_IDS, ITEM_IDS.indexOf("TECH1005"), 3);
        json.similar.forEach((n: any, k: number) => {
          assert.equal(n.rank, k + 1);
          assert.equal(n.item_id, expected[k]?.id);
          assert.ok(Math.abs(n.similarity - (expected[k]?.similarity ?? NaN)) < 1e-6);
        });
      });

      it("lists the nearest users by cosine similarity, defaulting to top_n 10", async () => {
        const { status, json } = await get(`${svc.url}/users/U10004/similar`);
        assert.equal(status, 200);
        const expected = bruteForceNeighbours(model.weights.userFactors, model.weights.dim, USER_IDS, 1, 10);
        assert.equal(json.total_count, USER_IDS.length - 1);
        assert.deepEqual(
          json.similar.map((n: any) => n.user_id),
          expected.map((e) => e.id),
        );
      });

      it("answers an unknown item or user with 404 naming it", async () => {
        const a = await get(`${svc.url}/items/NOPE1/similar`);
        assert.equal(a.status, 404);
        assert.equal(a.json.code, "UNKNOWN_ITEM");
        assert.match(a.json.message, /Unknown item ID "NOPE1"/);
        const b = await get(`${svc.url}/users/${encodeURIComponent("U 1/../x")}/similar`);
        assert.equal(b.status, 404);
        assert.equal(b.json.id, "U 1/../x");
      });

      it("answers a bad top_n in the query with 400 naming it", async () => {
        for (const [q, re] of [
          ["abc", /Expected querystring\.top_n to be an integer, but got "abc"/],
          ["0", /to be >= 1, but got 0/],
          ["500", /to be <= 100, but got 500/],
          ["1.5", /to be an integer/],
        ] as const) {
          const { status, json } = await get(`${svc.url}/items/TECH1005/similar?top_n=${q}`);
          assert.equal(status, 400, q);
          assert.equal(json.field, "top_n");
          assert.match(json.message, re);
        }
        const extra = await get(`${svc.url}/users/U10001/similar?k=3`);
        assert.equal(extra.status, 400);
        assert.match(extra.json.message, /Unknown field querystring\.k/);
      });
    });

    describe("docs and unknown routes", () => {
      it("serves an OpenAPI document that describes every endpoint", async () => {
        const { status, json } = await get(`${svc.url}/openapi.json`);
        assert.equal(status, 200);
        assert.match(json.openapi, /^3\./);
        for (const p of ["/health", "/recommend", "/recommend/new-user", "/items/{item_id}/similar", "/users/{user_id}/similar", "/admin/reload"]) {
          assert.ok(json.paths[p], `missing ${p}`);
        }
        const top = json.paths["/recommend"].post.requestBody.content["application/json"].schema.properties.top_n;
        assert.deepEqual([top.minimum, top.maximum, top.default], [1, 100, 10]);
      });

      it("serves the interactive docs and their scripts locally, without a CDN", async () => {
        const page = await fetch(`${svc.url}/docs`);
        assert.equal(page.status, 200);
        const html = await page.text();
        assert.doesNotMatch(html, /https?:\/\/(?!localhost|127\.0\.0\.1)[^"']*\.(js|css)/);
        const bundle = await fetch(`${svc.url}/docs/static/swagger-ui-bundle.js`);
        assert.equal(bundle.status, 200);
        assert.ok((await bundle.arrayBuffer()).byteLength > 100_000);
      });

      it("answers an unknown route with a JSON 404", async () => {
        const { status, json } = await get(`${svc.url}/nope`);
        assert.equal(status, 404);
        assert.equal(json.code, "NOT_FOUND");
        assert.match(json.message, /No route GET \/nope/);
      });
    });

    describe("POST /admin/reload", () => {
      it("swaps in a good model and serves from it at once", async () => {
        const next = makeModel(8, 4, "2026-02-03T04:05:06.000Z");
        writeModel(root, "m2", next);
        const { status, json } = await post(`${svc.url}/admin/reload`, { model_dir: "m2" }, ADMIN);
        assert.equal(status, 200);
        assert.equal(json.status, "reloaded");
        assert.equal(json.generation, 2);
        assert.equal(json.model_dir, "m2", "relative to the model root: no absolute path in a response");
        const health = await get(`${svc.url}/health`);
        assert.equal(health.json.model.trained_at, "2026-02-03T04:05:06.000Z");
        const rec = await post(`${svc.url}/recommend`, { user_id: "U10009", top_n: 4 });
        assert.deepEqual(
          rec.json.recommendations.map((r: any) => r.item_id),
          bruteForceTopN(next, "U10009", 4, true).map((r) => r.item_id),
        );
        assert.ok(events.some((e) => e.type === "reloaded" && e.generation === 2));
        model = next;
      });

      it("reloads the current directory when no model_dir is given", async () => {
        const { status, json } = await post(`${svc.url}/admin/reload`, {}, ADMIN);
        assert.equal(status, 200);
        assert.equal(json.generation, 3);
        const again = await post(`${svc.url}/admin/reload`, {}, ADMIN);
        assert.equal(again.json.generation, 4);
      });

      it("refuses a request without the token (401), with a wrong one (401), not JSON (415) or for another Host (403), before reading it (issue 12.4)", async () => {
        const port = new URL(svc.url).port;
        const cases: [string, Record<string, string>, number, string, RegExp][] = [
          ["no token", { "content-type": "application/json" }, 401, "UNAUTHORIZED", /Authorization: Bearer/],
          ["a wrong token", { "content-type": "application/json", authorization: `Bearer ${TOKEN}x` }, 401, "UNAUTHORIZED", /Authorization: Bearer/],
          ["a token of another scheme", { "content-type": "application/json", authorization: `Basic ${TOKEN}` }, 401, "UNAUTHORIZED", /Bearer/],
          [
            "no content type (a cross-site form or no-cors fetch)",
            { authorization: `Bearer ${TOKEN}` },
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            /application\/json, but got none/,
          ],
          ["text/plain", { authorization: `Bearer ${TOKEN}`, "content-type": "text/plain" }, 415, "UNSUPPORTED_MEDIA_TYPE", /but got "text\/plain"/],
          ["another Host (DNS rebinding)", { ...ADMIN, host: `evil.example:${port}` }, 403, "FORBIDDEN_HOST", /evil\.example/],
          ["the right name on another port", { ...ADMIN, host: "127.0.0.1:1" }, 403, "FORBIDDEN_HOST", /127\.0\.0\.1:1/],
        ];
        for (const [what, headers, status, code, message] of cases) {
          const res = await new Promise<{ status: number; json: any }>((resolve, reject) => {
            // node:http, because fetch will not send a Host header of our choosing.
            const req = http.request(`${svc.url}/admin/reload`, { method: "POST", headers: { ...headers, "content-length": "2" } }, (r) => {
              let text = "";
              r.on("data", (c: Buffer) => (text += c.toString()));
              r.on("end", () => resolve({ status: r.statusCode ?? 0, json: JSON.parse(text) }));
            });
            req.on("error", reject);
            req.end("{}");
          });
          assert.equal(res.status, status, what);
          assert.equal(res.json.code, code, what);
          assert.match(res.json.message, message, what);
        }
        const viaLocalhost = await new Promise<number>((resolve, reject) => {
          const req = http.request(`${svc.url}/admin/reload`, { method: "POST", headers: { ...ADMIN, host: `localhost:${port}` } }, (r) => {
            r.resume();
            resolve(r.statusCode ?? 0);
          });
          req.on("error", reject);
          req.end("{}");
        });
        assert.equal(viaLocalhost, 200, "localhost names a loopback-bound server");
        assert.equal((await get(`${svc.url}/health`)).json.model.generation, 5);
        await post(`${svc.url}/admin/reload`, { model_dir: "m2" }, ADMIN); // generation 6, the state the tests below expect
      });

      it("refuses a corrupt model with 422 and keeps serving the old one", async () => {
        const bad = writeModel(root, "bad", makeModel(11));
        const weights = fs.readdirSync(bad).find((f) => f.endsWith(".bin")) as string;
        fs.truncateSync(path.join(bad, weights), 20);
        const { status, json } = await post(`${svc.url}/admin/reload`, { model_dir: "bad" }, ADMIN);
        assert.equal(status, 422);
        assert.equal(json.code, "MODEL_FORMAT");
        assert.match(json.message, /^bad\/weights-[0-9a-f]+\.bin: truncated: 20 bytes/, "named relative to the model root");
        assert.ok(!JSON.stringify(json).includes(root), "no absolute path in the body");
        const health = await get(`${svc.url}/health`);
        assert.equal(health.json.model.generation, 6);
        assert.equal(health.json.model.trained_at, "2026-02-03T04:05:06.000Z");
        assert.ok(events.some((e) => e.type === "reload-refused"));
      });

      it("refuses a model whose weights are not finite", async () => {
        const m = makeModel(9);
        m.weights.itemBias[2] = NaN;
        writeModel(root, "nan", m);
        const { status, json } = await post(`${svc.url}/admin/reload`, { model_dir: "nan" }, ADMIN);
        assert.equal(status, 422);
        assert.match(json.message, /weights\.itemBias\[2\] is NaN, not a finite number/);
      });

      it("refuses a directory outside the allowed root, by .., absolute path or symlink, with 403", async () => {
        const outside = tempRoot();
        writeModel(outside, "m", makeModel(10));
        fs.symlinkSync(path.join(outside, "m"), path.join(root, "link"));
        for (const dir of ["../", `../${path.basename(outside)}/m`, path.join(outside, "m"), "/etc", "link", "m2/../../"]) {
          const { status, json } = await post(`${svc.url}/admin/reload`, { model_dir: dir }, ADMIN);
          assert.equal(status, 403, dir);
          assert.equal(json.code, "FORBIDDEN_PATH");
          assert.equal(json.field, "model_dir");
          assert.ok(!JSON.stringify(json).includes(root) && !JSON.stringify(json).includes(outside), `no absolute path in ${JSON.stringify(json)}`);
        }
        fs.rmSync(outside, { recursive: true, force: true });
        assert.equal((await get(`${svc.url}/health`)).json.model.generation, 6);
      });

      it("answers a missing directory inside the root, or a non-string model_dir, with 400", async () => {
        const a = await post(`${svc.url}/admin/reload`, { model_dir: "does-not-exist" }, ADMIN);
        assert.equal(a.status, 400);
        assert.match(a.json.message, /Expected model_dir to be an existing directory inside the model root/);
        const b = await post(`${svc.url}/admin/reload`, { model_dir: 42 }, ADMIN);
        assert.equal(b.status, 400);
        assert.equal(b.json.field, "model_dir");
      });

      it("refuses a FIFO manifest or a weights path that is a directory with 422 naming the file, at once (issue 12.3)", async () => {
        const dir = writeModel(root, "fifo", makeModel(12));
        fs.rmSync(path.join(dir, "manifest.json"));
        execFileSync("mkfifo", [path.join(dir, "manifest.json")]);
        const [reload, health] = await Promise.all([post(`${svc.url}/admin/reload`, { model_dir: "fifo" }, ADMIN), get(`${svc.url}/health`)]);
        assert.equal(reload.status, 422);
        assert.match(reload.json.message, /^fifo\/manifest\.json: is a FIFO \(named pipe\), not a regular file/);
        assert.equal(health.status, 200);
        const d2 = writeModel(root, "dirweights", makeModel(13));
        const w = fs.readdirSync(d2).find((f) => f.endsWith(".bin")) as string;
        fs.rmSync(path.join(d2, w));
        fs.mkdirSync(path.join(d2, w));
        const r2 = await post(`${svc.url}/admin/reload`, { model_dir: "dirweights" }, ADMIN);
        assert.equal(r2.status, 422);
        assert.match(r2.json.message, new RegExp(`^dirweights/${w}: is a directory, not a regular file`));
        assert.equal((await get(`${svc.url}/health`)).json.model.generation, 6);
      });
    });

    describe("afterwards", () => {
      it("is still healthy after every bad request above, with no server fault logged", async () => {
        assert.equal((await get(`${svc.url}/health`)).status, 200);
        assert.ok(!events.some((e) => e.type === "request-error"), "no server faults");
      });
    });
  });

/** Resolves once the server has parsed the headers of the next request: it is then in flight, with no sleep to guess. */
function nextRequestArrives(svc: RunningService): Promise<void> {
  return new Promise((resolve) => svc.app.server.once("request", () => resolve()));
}

/** Resolves once the server stops listening (close() has begun), polling the event loop, not the clock. */
async function stopsListening(svc: RunningService): Promise<void> {
  while (svc.app.server.listening) await new Promise((r) => setImmediate(r));
}

/** A request whose headers and first `sent` bytes go out now; `finish()` sends the rest. */
function halfSentRequest(url: string, body: string, sent: number): { finish: () => void; response: Promise<{ status: number; text: string }> } {
  let req!: http.ClientRequest;
  const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req = http.request(
      url,
      { method: "POST", agent: false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.write(body.slice(0, sent));
  });
  return { finish: () => req.end(body.slice(sent)), response };
}

describe("service: graceful shutdown", () => {
  it("lets an in-flight request finish while refusing new connections", async () => {
    const root = tempRoot();
    writeModel(root, "m", makeModel(7));
    const svc = await startService({ modelDir: path.join(root, "m"), port: 0 });
    try {
      const arrived = nextRequestArrives(svc);
      const inFlight = halfSentRequest(`${svc.url}/recommend`, JSON.stringify({ user_id: "U10001", top_n: 2 }), 10);
      await arrived;
      let closed = false;
      const closing = svc.close().then(() => (closed = true));
      await stopsListening(svc);
      await assert.rejects(fetch(`${svc.url}/health`), "a new connection is refused while closing");
      assert.equal(closed, false, "close waits for the in-flight request (its body is not complete yet)");
      inFlight.finish();
      const { status, text } = await inFlight.response;
      assert.equal(status, 200);
      assert.equal(JSON.parse(text).total_count, 2);
      await closing;
      assert.equal(closed, true);
    } finally {
      await svc.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("cuts a request that never finishes once the drain timeout has passed", async () => {
    const root = tempRoot();
    writeModel(root, "m", makeModel(7));
    const svc = await startService({ modelDir: path.join(root, "m"), port: 0, drainTimeoutMs: 200 });
    const arrived = nextRequestArrives(svc);
    const stuck = halfSentRequest(`${svc.url}/recommend`, " ".repeat(100), 1);
    await arrived;
    await svc.close();
    await assert.rejects(stuck.response, /socket hang up|ECONNRESET/);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("closeNow (a second SIGTERM) cuts the in-flight request and close() resolves without waiting for the drain timeout", async () => {
    const root = tempRoot();
    writeModel(root, "m", makeModel(7));
    const svc = await startService({ modelDir: path.join(root, "m"), port: 0, drainTimeoutMs: 600_000 });
    const arrived = nextRequestArrives(svc);
    const stuck = halfSentRequest(`${svc.url}/recommend`, " ".repeat(100), 1);
    await arrived;
    const closing = svc.close();
    await stopsListening(svc);
    svc.closeNow();
    await closing; // with a 10-minute drain timeout this would hang the test without closeNow
    await assert.rejects(stuck.response, /socket hang up|ECONNRESET/);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("refuses to start on a model it cannot load", async () => {
    const root = tempRoot();
    fs.mkdirSync(path.join(root, "empty"));
    await assert.rejects(startService({ modelDir: path.join(root, "empty"), port: 0 }), /manifest\.json: missing/);
    fs.rmSync(root, { recursive: true, force: true });
  });
});

describe("service: admin endpoints are off without a token (issue 12.4)", () => {
  it("answers POST /admin/reload with 404 and reloads nothing", async () => {
    const root = tempRoot();
    writeModel(root, "m", makeModel(7));
    const svc = await startService({ modelDir: path.join(root, "m"), port: 0 });
    try {
      for (const headers of [
        { "content-type": "application/json" },
        { "content-type": "application/json", authorization: "Bearer anything-at-all-000" },
      ] as Record<string, string>[]) {
        const r = await post(`${svc.url}/admin/reload`, {}, headers);
        assert.equal(r.status, 404);
      }
      assert.equal((await fetch(`${svc.url}/admin/reload`, { method: "POST" })).status, 404);
      assert.equal(svc.store.current.generation, 1);
      await assert.rejects(
        startService({ modelDir: path.join(root, "m"), port: 0, adminToken: "short" }),
        /Expected adminToken to be a string of at least 16 characters/,
      );
    } finally {
      await svc.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("service: atomic reload under load", () => {
  it("answers every request wholly from the old model or wholly from the new one, switching exactly at the swap", async () => {
    const root = tempRoot();
    const a = makeModel(31, 4, "2026-01-01T00:00:00.000Z"),
      b = makeModel(32, 4, "2026-02-01T00:00:00.000Z");
    writeModel(root, "a", a);
    writeModel(root, "b", b);
    // A deterministic loader: loading "b" waits until the test opens the gate.
    let openGate!: () => void;
    const gate = new Promise<void>((r) => (openGate = r));
    let loadStarted!: () => void;
    const started = new Promise<void>((r) => (loadStarted = r));
    const loader = async (dir: string) => {
      if (path.basename(dir) === "b") {
        loadStarted();
        await gate;
      }
      return defaultLoader(dir);
    };
    const svc = await startService({ modelDir: path.join(root, "a"), port: 0, loader, adminToken: TOKEN });
    try {
      const expected = (m: TrainedModel, u: string): string => JSON.stringify(bruteForceTopN(m, u, 4, true).map((r) => r.item_id));
      const ask = (k: number) => {
        const user = USER_IDS[k % 4] as string; // the four users with training ratings
        return post(`${svc.url}/recommend`, { user_id: user, top_n: 4 }).then(({ json }) => ({
          user,
          items: JSON.stringify(json.recommendations.map((r: any) => r.item_id)),
        }));
      };
      const from = (answers: { user: string; items: string }[]) =>
        answers.map(({ user, items }) =>
          items === expected(a, user) ? "a" : items === expected(b, user) ? "b" : assert.fail(`an answer for ${user} matches neither model: ${items}`),
        );
      const reload = post(`${svc.url}/admin/reload`, { model_dir: "b" }, ADMIN);
      await started;
      // While b loads, everything is answered by a.
      assert.deepEqual(new Set(from(await Promise.all(Array.from({ length: 100 }, (_, k) => ask(k))))), new Set(["a"]));
      // Requests racing the swap: each wholly from one model.
      const racing = Array.from({ length: 100 }, (_, k) => ask(k));
      openGate();
      assert.equal((await reload).status, 200);
      const mixed = from(await Promise.all(racing));
      assert.equal(mixed.length, 100);
      // After the swap, everything is answered by b.
      assert.deepEqual(new Set(from(await Promise.all(Array.from({ length: 100 }, (_, k) => ask(k))))), new Set(["b"]));
    } finally {
      await svc.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("service: an unexpected fault", () => {
  it("becomes a 500 without details, is reported to onEvent, and the service keeps serving", async () => {
    const root = tempRoot();
    writeModel(root, "m", makeModel(7));
    const events: ServiceEvent[] = [];
    const store = await ModelStore.open(path.join(root, "m"), defaultLoader);
    const app = await buildApp(store, { onEvent: (e) => events.push(e) });
    app.get("/boom", async () => {
      throw new TypeError("secret internals");
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    try {
      const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      const { status, json } = await get(`${url}/boom`);
      assert.equal(status, 500);
      assert.deepEqual(json, { statusCode: 500, error: "Internal Server Error", code: "INTERNAL", message: "Internal server error (see the service log)" });
      assert.equal(events.length, 1);
      assert.equal(events[0]?.type, "request-error");
      assert.match(String((events[0] as { error: unknown }).error), /secret internals/);
      assert.equal((await get(`${url}/health`)).status, 200);
    } finally {
      await app.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
