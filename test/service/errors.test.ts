import { strict as assert } from "node:assert";
import { DataFormatError, InvalidArgumentError, ModelFormatError, StorageError, UnknownIdError } from "../../src/errors";
import { errorResponse, ForbiddenPathError, isServerFault, validationMessage } from "../../src/service/errors";

describe("service/errors: one mapping from errors to HTTP responses", () => {
  it("maps each workbook error class to its status, keeping the message and the field or ID", () => {
    const cases: [unknown, number, string, Record<string, string>][] = [
      [new UnknownIdError("user", "U1"), 404, "UNKNOWN_USER", { id: "U1" }],
      [new UnknownIdError("item", "I1"), 404, "UNKNOWN_ITEM", { id: "I1" }],
      [new InvalidArgumentError("top_n", "an integer", "x"), 400, "INVALID_ARGUMENT", { field: "top_n" }],
      [new DataFormatError({ source: "body", field: "ratings" }, "bad"), 400, "DATA_FORMAT", { field: "ratings" }],
      [new ForbiddenPathError("model_dir", "../x", "/models"), 403, "FORBIDDEN_PATH", { field: "model_dir" }],
      [new ModelFormatError("/m/manifest.json", "missing"), 422, "MODEL_FORMAT", {}],
      [new StorageError("disk gone"), 503, "STORAGE", {}],
    ];
    for (const [err, status, code, extra] of cases) {
      const r = errorResponse(err);
      assert.equal(r.statusCode, status, code);
      assert.equal(r.code, code);
      assert.equal(r.message, (err as Error).message);
      for (const [k, v] of Object.entries(extra)) assert.equal((r as unknown as Record<string, string>)[k], v);
    }
  });

  it("keeps the status of Fastify's own client errors and hides the details of anything else behind a 500", () => {
    const tooLarge = Object.assign(new Error("Request body is too large"), { statusCode: 413, code: "FST_ERR_CTP_BODY_TOO_LARGE" });
    assert.deepEqual(errorResponse(tooLarge), {
      statusCode: 413,
      error: "Payload Too Large",
      code: "FST_ERR_CTP_BODY_TOO_LARGE",
      message: "Request body is too large",
    });
    const bug = errorResponse(new TypeError("cannot read properties of undefined (secret path /etc/x)"));
    assert.equal(bug.statusCode, 500);
    assert.doesNotMatch(bug.message, /secret|etc/);
    assert.ok(isServerFault(bug));
    assert.ok(!isServerFault(tooLarge as never));
  });

  it("names the field of a schema-validation error the way the client wrote it", () => {
    const v = (keyword: string, instancePath: string, params: Record<string, unknown>, data?: unknown) =>
      validationMessage({ keyword, instancePath, params, ...(data === undefined ? {} : { data }) }, "body");
    assert.deepEqual(v("required", "/ratings/2", { missingProperty: "item_id" }), {
      field: "ratings[2].item_id",
      message: "Missing required field body.ratings[2].item_id",
    });
    assert.deepEqual(v("additionalProperties", "", { additionalProperty: "topN" }), { field: "topN", message: "Unknown field body.topN" });
    assert.equal(v("type", "/top_n", { type: "integer" }, "10").message, 'Expected body.top_n to be an integer, but got "10"');
    assert.equal(v("maximum", "/top_n", { comparison: "<=", limit: 100 }, 101).message, "Expected body.top_n to be <= 100, but got 101");
    assert.equal(v("minItems", "/ratings", { limit: 1 }, []).message, "Expected body.ratings to have at least 1 entries, but got an array of length 0");
  });

  it("turns a validation error raised by Fastify into a 400 with that message", () => {
    const err = Object.assign(new Error("body/top_n must be <= 100"), {
      statusCode: 400,
      validationContext: "body",
      validation: [{ keyword: "maximum", instancePath: "/top_n", params: { comparison: "<=", limit: 100 }, data: 500 }],
    });
    assert.deepEqual(errorResponse(err), {
      statusCode: 400,
      error: "Bad Request",
      code: "VALIDATION",
      message: "Expected body.top_n to be <= 100, but got 500",
      field: "top_n",
    });
  });
});
