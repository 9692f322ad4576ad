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

  /** A packed map (fromTextSteps) of `ids`, sorted, laid end to end after `pad` characters of other text. */
  const packed = (kind: "user" | "item", ids: readonly string[], pad = "xyz"): IdMap => {
    const starts = new Int32Array(ids.length + 1);
    starts[0] = pad.length;
    ids.forEach((id, k) => (starts[k + 1] = starts[k]! + id.length));
    const steps = IdMap.fromTextSteps(kind, pad + ids.join(""), starts, 3);
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
    }
  };

  it("packed (fromTextSteps, a loaded model's maps) answers exactly as the array form, on 5,000 IDs and on misses", () => {
    const raw = Array.from({ length: 5000 }, (_, k) => (k % 3 === 0 ? `U${k * 7}` : k % 3 === 1 ? `用户${k}😀` : `a b,"${k}"`));
    const array = IdMap.fromIds("user", raw);
    const p = packed("user", array.toArray());
    assert.equal(p.size, array.size);
    assert.deepEqual(p.toArray(), array.toArray());
    assert.deepEqual(JSON.parse(JSON.stringify(p)), array.toArray());
    for (let i = 0; i < array.size; i++) {
      assert.equal(p.id(i), array.id(i));
      assert.equal(p.index(array.id(i)), i);
    }
    // Misses: prefixes, extensions, neighbours in the text (a range spanning two IDs), the padding, the empty string.
    const text = `xyz${array.toArray().join("")}`;
    for (const miss of ["U", "U0x", "xyz", "", text.slice(3, 10), "zzz", array.id(0) + array.id(1), array.id(7).slice(1)]) {
      assert.equal(p.indexOrMinusOne(miss), array.indexOrMinusOne(miss), JSON.stringify(miss));
      assert.equal(p.has(miss), array.has(miss));
    }
    assert.throws(
      () => p.index("nope"),
      (e: unknown) => e instanceof UnknownIdError && e.id === "nope",
    );
    assert.throws(() => p.id(5000), /Expected user index to be an integer in \[0, 5000\), but got 5000/);
    assert.throws(() => p.id(-1), /integer in \[0, 5000\)/);
    // One long ID: each proper prefix is in the text at the ID's start, and about half of them hash to its slot.
    const long = packed("item", ["abcdefghijklmnopqrstuvwxyz"]);
    for (let k = 1; k < 26; k++) assert.equal(long.indexOrMinusOne("abcdefghijklmnopqrstuvwxyz".slice(0, k)), -1, `prefix of ${k}`);
    assert.equal(packed("item", []).size, 0);
    assert.equal(packed("item", []).indexOrMinusOne("a"), -1);
  });

  it("packed refuses unsorted, duplicate or empty IDs with fromJSON's messages", () => {
    assert.throws(() => packed("user", ["b", "a"]), /Expected user ID list\[1\] to be sorted and unique \(after "b"\), but got "a"/);
    assert.throws(() => packed("user", ["a", "a"]), /user ID list\[1\].*sorted and unique \(after "a"\)/);
    assert.throws(() => packed("user", ["ab", "a"]), /user ID list\[1\].*sorted and unique \(after "ab"\)/);
    assert.throws(() => packed("user", ["a", ""]), /Expected user ID list\[1\] to be a non-empty string/);
  });
});
