import { strict as assert } from "node:assert";
import { ensureWorkbook, jupyterSkipReason, WorkbookSummary } from "./workbook";

/**
 * Reads the key numbers the executed notebooks recorded (recordResults) and checks they make sense, so a
 * notebook that runs but shows nonsense fails. Runs the workbook first when out/workbook is missing or
 * older than the notebooks or src/.
 */
describe("the executed workbook (out/workbook)", function () {
  this.timeout(600_000);
  let summary: WorkbookSummary;

  before(function () {
    const reason = jupyterSkipReason();
    if (reason) {
      console.log(`      (skipped: ${reason})`);
      this.skip();
    }
    summary = ensureWorkbook((s) => console.log(`      ${s}`));
  });

  /** The values a notebook recorded under `name`, failing clearly when the notebook or record is missing. */
  function recorded(prefix: string, name: string): Record<string, unknown> {
    const nb = summary.notebooks.find((n) => n.name.startsWith(prefix));
    assert.ok(nb, `notebook ${prefix}-* was run`);
    const values = nb.results[name];
    assert.ok(values, `${nb.name} recorded "${name}" (it has: ${Object.keys(nb.results).join(", ") || "nothing"})`);
    return values;
  }
  const num = (v: Record<string, unknown>, path: string): number => {
    const x = path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], v);
    assert.equal(typeof x, "number", `${path} is a number (got ${JSON.stringify(x)})`);
    return x as number;
  };

  it("ran every notebook top to bottom without a cell error", () => {
    const failed = summary.notebooks.filter((n) => !n.ok).map((n) => `${n.name} cell ${n.failedCell}: ${n.error}`);
    assert.deepEqual(failed, []);
    assert.deepEqual(summary.notebooks.map((n) => n.name.slice(0, 2)).slice(0, 5), ["00", "01", "02", "03", "04"]);
  });

  it("00 shows the three-group data: 1000 users in 300/300/400, 500 items, about 50,000 ratings, fans rating their category higher", () => {
    const d = recorded("00", "data");
    assert.equal(num(d, "users"), 1000);
    assert.equal(num(d, "items"), 500);
    assert.ok(num(d, "interactions") > 40_000 && num(d, "interactions") < 60_000);
    assert.deepEqual([num(d, "groupSizes.tech"), num(d, "groupSizes.fashion"), num(d, "groupSizes.sports")], [300, 300, 400]);
    for (const g of ["tech", "fashion", "sports"]) {
      assert.ok(num(d, `groupMeans.${g}.preferred`) > num(d, `groupMeans.${g}.other`) + 1, `${g} fans rate their own categories clearly higher`);
    }
    assert.equal(d.idsContiguous, false, "raw IDs have gaps");
    assert.equal(d.roundTripEqual, true, `the ${String(d.storage)} round trip gives the same interactions`);
  });

  it("01 shows random vectors with no group structure and trained vectors with a clear one", () => {
    const r = recorded("01", "randomVsTrained");
    assert.ok(Math.abs(num(r, "random.within") - num(r, "random.across")) < 0.05, "random: within ≈ across");
    assert.ok(Math.abs(num(r, "random.within")) < 0.1, "random 64-d vectors are nearly orthogonal");
    assert.ok(num(r, "trained.within") > num(r, "trained.across") + 0.3, "trained: within clearly above across");
  });

  it("02 trains to a validation MSE below 0.6 and below the global-mean baseline, with a falling loss", () => {
    const t = recorded("02", "training");
    const valMse = num(t, "valMse");
    assert.ok(valMse > 0.3 && valMse < 0.6, `val MSE ${valMse}`);
    assert.ok(valMse < num(t, "globalMeanMse") - 0.3, "well below predicting the global mean");
    assert.ok(valMse > num(t, "noiseFloorMse") && valMse < num(t, "noiseFloorMse") + 0.15, "above the noise floor, and not far above it");
    assert.ok(num(t, "firstTrainLoss") > num(t, "lastTrainLoss"), "training loss falls");
    assert.ok(num(t, "epochs") >= 5);
    assert.equal(typeof t.backend, "string");
    assert.equal(t.savedWithIdMaps, true);
  });

  it("03 finds within-group similarity above across-group for users and items, the overlap items between fashion and sports", () => {
    const s = recorded("03", "similarity");
    for (const g of ["tech", "fashion", "sports"]) {
      assert.ok(num(s, `userWithin.${g}`) > num(s, "userAcrossMean"), `users: ${g} within above across`);
    }
    assert.ok(num(s, "userWithinMean") > num(s, "userAcrossMean") + 0.3);
    assert.ok(num(s, "itemWithinMean") > num(s, "itemAcrossMean") + 0.3);
    // Items 300-399 are liked by both fashion and sports fans: closer to each side than the two sides are.
    assert.ok(num(s, "item.overlapFashion") > num(s, "item.fashionSports"));
    assert.ok(num(s, "item.overlapSports") > num(s, "item.fashionSports"));
    assert.ok(Array.isArray(s.settings) && (s.settings as unknown[]).length >= 2, "several training settings compared");
    // What the notebook tells the reader to notice: every setting finds the groups, at very different raw values.
    const settings = s.settings as Record<string, unknown>[];
    for (const row of settings) {
      assert.ok(num(row, "user within") > num(row, "user across"), `${String(row.setting)}: within above across`);
      assert.ok(num(row, "kNN purity") > 0.9, `${String(row.setting)}: kNN purity near 1`);
    }
    const across = settings.map((row) => num(row, "user across"));
    assert.ok(Math.max(...across) - Math.min(...across) > 0.2, "the raw across-group similarity moves with the settings");
  });

  it("04 recommends mostly from the user's own categories, never a rated item, and beats the baselines on RMSE", () => {
    const r = recorded("04", "recommendations");
    assert.ok(num(r, "shareInOwnCategories") > 0.8, `share ${num(r, "shareInOwnCategories")}`);
    assert.equal(num(r, "ratedItemsRecommended"), 0);
    assert.ok(num(r, "modelRmse") < num(r, "globalMeanRmse") - 0.1, "well below the global mean's RMSE");
    assert.ok(num(r, "modelRmse") < num(r, "biasOnlyRmse") - 0.1, "well below the bias-only RMSE");
    assert.ok(num(r, "foldInShareInOwnCategories") > 0.8, "a folded-in new user gets their group's items");
  });

  it("05 serves the model over HTTP: health ok, raw-ID recommendations from the right group, fold-in, clear errors, reload", function () {
    if (!summary.notebooks.some((n) => n.name.startsWith("05"))) this.skip();
    const v = recorded("05", "service");
    assert.equal(v.healthStatus, "ok");
    assert.deepEqual([num(v, "userCount"), num(v, "itemCount")], [1000, 500]);
    assert.ok(num(v, "techFanTechShare") > 0.8, "a tech fan gets tech items");
    assert.equal(v.newUserStrategy, "fold-in");
    assert.ok(num(v, "newUserSportsShare") > 0.8, "a folded-in sports fan gets sports items");
    assert.ok(Array.isArray(v.badStatuses) && (v.badStatuses as number[]).every((code) => code >= 400 && code < 500), "bad requests get 4xx answers");
    assert.equal(v.sameAfterReload, true);
  });

  it("reports how long each notebook took (the workbook's target is 60 s in all; not asserted: timings are noisy)", () => {
    for (const n of summary.notebooks) assert.ok(n.seconds > 0);
    console.log(`      workbook: ${summary.notebooks.map((n) => `${n.name.slice(0, 2)} ${n.seconds.toFixed(1)} s`).join(", ")}; total ${summary.totalSeconds.toFixed(1)} s`);
  });
});
