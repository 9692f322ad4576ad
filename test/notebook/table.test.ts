import { strict as assert } from "node:assert";
import { showTable, tableBundle, tableRows } from "../../src/notebook/table";
import * as display from "../../src/notebook/display";

describe("notebook tables", () => {
  it("renders records as an HTML table and aligned text, numbers rounded, HTML escaped", () => {
    const b = tableBundle(
      [
        { group: "tech", mean: 4.0123, n: 300 },
        { group: "<b>", mean: 2 },
      ],
      { caption: "Means", digits: 2 },
    );
    assert.equal(
      b["text/html"],
      '<table class="ewb-table"><caption style="text-align:left;font-weight:bold">Means</caption>' +
        "<tr><th>group</th><th>mean</th><th>n</th></tr><tr><td>tech</td><td>4.01</td><td>300</td></tr>" +
        "<tr><td>&lt;b&gt;</td><td>2</td><td></td></tr></table>",
    );
    assert.equal(b["text/plain"], "Means\ngroup  mean    n\n tech  4.01  300\n  <b>     2     ");
  });

  it("shows at most maxRows rows and says how many were left out", () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({ i }));
    const b = tableBundle(rows, { maxRows: 2 });
    assert.equal((b["text/html"] as string).match(/<tr>/g)?.length, 3);
    assert.match(b["text/plain"] as string, /… 3 more row\(s\)$/);
  });

  it("rejects rows that are not records, naming the position", () => {
    assert.throws(() => tableBundle([{ a: 1 }, 5 as never]), /Expected rows\[1\] to be a record \(object\), but got 5/);
    assert.throws(() => tableBundle("x" as never), /Expected rows to be an array of records/);
  });
});

describe("notebook table rows", () => {
  it("turns a DataFrame-like table (columns + row values) into records and passes records through", () => {
    assert.deepEqual(
      tableRows({
        columns: ["g", "n"],
        values: [
          ["tech", 300],
          ["sports", 400],
        ],
      }),
      [
        { g: "tech", n: 300 },
        { g: "sports", n: 400 },
      ],
    );
    const recs = [{ a: 1 }];
    assert.equal(tableRows(recs), recs);
    assert.throws(() => tableRows({ columns: "x" } as never), /Expected table to be an array of records or a DataFrame/);
  });
});

describe("notebook showTable", () => {
  it("is the same function through display.ts, which notebooks import, and fails clearly outside a kernel", () => {
    assert.equal(display.showTable, showTable);
    assert.throws(() => showTable([{ a: 1 }]), /Expected a notebook display to run inside a tslab Jupyter kernel/);
  });
});
