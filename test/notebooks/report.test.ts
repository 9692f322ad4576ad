import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureWorkbook, jupyterSkipReason, ROOT, WORKBOOK_OUT } from "./workbook";

interface ReportCheck {
  pages: { file: string; expected: number; drew: number; blank: string[]; charts: { n: number; faults: string[] }[]; ok: boolean }[];
  screenshot: { png: string; colours: number; nonWhiteShare: number; page: string } | null;
  ok: boolean;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { checkReport, findChromium } = require(path.join(ROOT, "scripts", "check-report.js")) as {
  checkReport: (o: { dir: string }) => Promise<ReportCheck>;
  findChromium: () => string | null;
};

describe("the HTML report in headless Chromium", function () {
  this.timeout(600_000);

  before(function () {
    const reason = jupyterSkipReason() ?? (findChromium() ? undefined : "Chromium is not installed: run scripts/setup-system.sh");
    if (reason) {
      console.log(`      (skipped: ${reason})`);
      this.skip();
    }
    ensureWorkbook((s) => console.log(`      ${s}`));
  });

  it("draws every chart of every notebook page with no fault a reader would see, and screenshots are not blank", async () => {
    const r = await checkReport({ dir: WORKBOOK_OUT });
    for (const p of r.pages) {
      assert.equal(p.blank.length, 0, `${p.file}: blank charts ${p.blank.join(", ")}`);
      assert.equal(p.drew, p.expected, `${p.file}: ${p.drew} of ${p.expected} charts drew`);
      for (const c of p.charts) assert.deepEqual(c.faults, [], `${p.file} chart ${c.n}`);
    }
    const charts = r.pages.reduce((n, p) => n + p.expected, 0);
    assert.ok(charts >= 8, `the workbook shows its charts (${charts})`);
    assert.ok(r.screenshot && r.screenshot.colours >= 20 && r.screenshot.nonWhiteShare > 0.01, "the screenshot shows a drawn chart");
    assert.ok(r.ok);
  });

  it("draws every chart of the MovieLens run with no fault either (when that run exists)", async function () {
    // The MovieLens workbook is run by executed.test.ts from ../shared/datasets/ml-100k (or EWB_ML100K_DIR).
    const dir = path.join(path.dirname(WORKBOOK_OUT), "ml-100k");
    if (!fs.existsSync(path.join(dir, "summary.json"))) {
      console.log(`      (skipped: no MovieLens run in ${path.relative(ROOT, dir)}: ml-100k is absent)`);
      this.skip();
    }
    const r = await checkReport({ dir });
    for (const p of r.pages) {
      assert.equal(p.drew, p.expected, `${p.file}: ${p.drew} of ${p.expected} charts drew`);
      for (const c of p.charts) assert.deepEqual(c.faults, [], `MovieLens ${p.file} chart ${c.n}`);
    }
    assert.ok(r.pages.reduce((n, p) => n + p.expected, 0) >= 8, "the MovieLens workbook shows its charts");
    assert.ok(r.ok);
  });
});
