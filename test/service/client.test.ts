import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { expectOk, ServiceClient, ServiceHTTPError } from "../../src/service/client";
import { startService, type RunningService } from "../../src/service/server";
import { recommendForUser } from "../../src/recommend/single";
import { nearestItems, nearestUsers } from "../../src/analysis/neighbours";
import { makeModel, tempRoot, writeModel } from "./fixtures";

describe("service/client: the typed client against a real server", () => {
  let root: string, svc: RunningService, api: ServiceClient;
  const model = makeModel(21);
  before(async () => {
    root = tempRoot();
    writeModel(root, "m", model);
    svc = await startService({ modelDir: path.join(root, "m"), port: 0, adminToken: "client-test-token-0000" });
    api = new ServiceClient(`${svc.url}/`, { adminToken: "client-test-token-0000" });
  });
  after(async () => {
    await svc.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("calls every endpoint and returns what the library computes directly", async () => {
    assert.equal((await api.health()).status, 200);
    const rec = await api.recommend("U10004", { topN: 3, excludeRated: false });
    assert.equal(rec.status, 200);
    const direct = recommendForUser(model, "U10004", { top: 3, includeRated: true }).recommendations;
    assert.deepEqual(
      (rec.body as any).recommendations,
      direct.map((r) => ({ rank: r.rank, item_id: r.itemId, predicted_rating: r.predictedRating })),
    );
    const fold = await api.recommendNewUser([{ itemId: "TECH1001", rating: 5 }], { topN: 2 });
    assert.equal((fold.body as any).strategy, "fold-in");
    assert.deepEqual((await api.similarItems("TECH1001", 2)).body, {
      item_id: "TECH1001",
      similar: nearestItems(model, "TECH1001", 2).map((n) => ({ rank: n.rank, item_id: n.id, similarity: n.similarity })),
      total_count: 2,
    });
    assert.deepEqual(
      ((await api.similarUsers("U10001")).body as any).similar.map((n: any) => n.user_id),
      nearestUsers(model, "U10001", 10).map((n) => n.id),
    );
    assert.equal(((await api.reload()).body as any).generation, 2);
    assert.equal((await new ServiceClient(svc.url).reload()).status, 401, "no token, no reload");
  });

  it("returns error answers instead of throwing, and escapes IDs in paths", async () => {
    const r = await api.similarItems("../health");
    assert.equal(r.status, 404);
    assert.equal((r.body as any).id, "../health");
    assert.equal((await api.recommend("nobody")).status, 404);
  });

  it("expectOk returns the body of a success and throws a ServiceHTTPError carrying status, method, URL and body", async () => {
    assert.equal(expectOk(await api.health()).status, "ok");
    const answer = await api.recommend("nobody");
    let err: unknown;
    try {
      expectOk(answer);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof ServiceHTTPError);
    assert.equal(err.status, 404);
    assert.equal(err.method, "POST");
    assert.equal(err.url, `${svc.url}/recommend`);
    assert.equal((err.body as any).code, "UNKNOWN_USER");
    assert.match(err.message, /^Request failed with status 404: POST http:\/\/127\.0\.0\.1:\d+\/recommend: Unknown user ID "nobody"/);
  });

  it("rejects a base URL that is not an http origin", () => {
    assert.throws(() => new ServiceClient("127.0.0.1:8000"), /Expected baseUrl to be an http\(s\) origin/);
    assert.throws(() => new ServiceClient("http://x/api"), /Expected baseUrl to be an http\(s\) origin/);
  });
});
