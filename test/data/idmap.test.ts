import { strict as assert } from "node:assert";
import { IdMap } from "../../src/data/idmap";
import { UnknownIdError } from "../../src/errors";

describe("IdMap", () => {
  it("maps raw IDs to contiguous indices in sorted order, both ways", () => {
    const m = IdMap.fromIds("user", ["U10007", "U10001", "U10007", "U10003"]);
    assert.equal(m.size, 3);
    assert.deepEqual(m.toArray(), ["U10001", "U10003", "U10007"]);
    for (let i = 0; i < m.size; i++) assert.equal(m.index(m.id(i)), i);
  });

  it("gives the same indices whatever the order of the input", () => {
    const ids = ["TECH1005", "FASH1200", "é-ü", "a,b", 'q"uote', "SPRT1450"];
    const a = IdMap.fromIds("item", ids);
    const b = IdMap.fromIds("item", [...ids].reverse());
    assert.deepEqual(a.toArray(), b.toArray());
  });

  it("throws an UnknownIdError naming an unknown ID", () => {
    const m = IdMap.fromIds("item", ["A"]);
    assert.throws(
      () => m.index("B"),
      (e: unknown) => e instanceof UnknownIdError && e.id === "B" && /Unknown item ID "B"/.test(e.message),
    );
    assert.equal(m.indexOrMinusOne("B"), -1);
    assert.throws(() => m.id(1), /Expected item index to be an integer in \[0, 1\), but got 1/);
  });

  it("round-trips through JSON and rejects unsorted, duplicate or empty saved IDs", () => {
    const m = IdMap.fromIds("user", ["b", "a", "c"]);
    const back = IdMap.fromJSON("user", JSON.parse(JSON.stringify(m)));
    assert.deepEqual(back.toArray(), m.toArray());
    assert.throws(() => IdMap.fromJSON("user", ["b", "a"]), /user ID list\[1\].*sorted and unique/);
    assert.throws(() => IdMap.fromJSON("user", ["a", "a"]), /user ID list\[1\]/);
    assert.throws(() => IdMap.fromJSON("user", ["a", ""]), /Expected user ID list\[1\] to be a non-empty string/);
    assert.throws(() => IdMap.fromJSON("user", { ids: [] }), /Expected user ID list to be an array of strings/);
  });

  it("rejects an empty ID when building", () => {
    assert.throws(() => IdMap.fromIds("user", ["U1", ""]), /Expected user ID to be a non-empty string, but got ""/);
  });
});
