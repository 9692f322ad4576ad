import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureWorkbook, jupyterSkipReason, ML100K, ML100K_OUT, type WorkbookSummary } from "./workbook";

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
  const num = (v: Record<string, unknown>, key: string): number => numAt(v, key);
  /** The recorded number equals `expected` within `tol` (the run's recorded value; seeds fix it up to backend rounding). */
  const near = (v: Record<string, unknown>, key: string, expected: number, tol: number) => {
    const x = numAt(v, key);
    assert.ok(Math.abs(x - expected) <= tol, `${key} = ${x}, expected ${expected} ± ${tol}`);
  };

  it("ran every notebook top to bottom without a cell error", () => {
    const failed = summary.notebooks.filter((n) => !n.ok).map((n) => `${n.name} cell ${n.failedCell}: ${n.error}`);
    assert.deepEqual(failed, []);
    assert.deepEqual(summary.notebooks.map((n) => n.name.slice(0, 2)).slice(0, 5), ["00", "01", "02", "03", "04"]);
  });

  it("00 shows the three-group data: 1000 users in 300/300/400, 500 items, 49,970 ratings, fans rating their category higher", () => {
    const d = recorded("00", "data");
    assert.deepEqual([num(d, "users"), num(d, "items"), num(d, "interactions")], [1000, 500, 49_970]);
    assert.deepEqual([num(d, "groupSizes.tech"), num(d, "groupSizes.fashion"), num(d, "groupSizes.sports")], [300, 300, 400]);
    near(d, "groupMeans.tech.preferred", 4.0069, 0.001);
    near(d, "groupMeans.fashion.preferred", 4.1983, 0.001);
    near(d, "groupMeans.sports.preferred", 3.8145, 0.001);
    near(d, "groupMeans.tech.other", 2.0272, 0.001);
    near(d, "meanRating", 3.5956, 0.001);
    near(d, "density", 0.09994, 1e-5);
    assert.deepEqual([num(d, "userLabels"), num(d, "itemLabels")], [3, 4]);
    assert.equal(d.idsContiguous, false, "raw IDs have gaps");
    assert.equal(d.roundTripEqual, true, `the ${String(d.storage)} round trip gives the same interactions`);
  });

  it("01 shows random vectors with no group structure and trained vectors with a clear one", () => {
    const r = recorded("01", "randomVsTrained");
    assert.equal(r.side, "users");
    near(r, "random.within", 0, 0.01);
    near(r, "random.across", 0, 0.01);
    near(r, "trained.within", 0.92, 0.03);
    near(r, "trained.across", -0.451, 0.05);
    near(r, "nearestCosine.random", 0.39, 0.03);
    near(r, "nearestCosine.trained", 0.967, 0.01);
    near(r, "pc12Variance.random", 0.047, 0.01);
    near(r, "pc12Variance.trained", 0.959, 0.02);
    assertTensorsFlat(r);
  });

  it("02 trains to validation MSE 0.531 (noise floor 0.462, bias-only 1.095), loss falling, saved with its ID maps", () => {
    const t = recorded("02", "training");
    near(t, "valMse", 0.5306, 0.01);
    near(t, "noiseFloorMse", 0.4623, 0.001);
    near(t, "biasOnlyMse", 1.0949, 0.005);
    near(t, "globalMeanMse", 1.1108, 0.002);
    near(t, "blogSettingsValMse", 0.5306, 0.01);
    near(t, "firstTrainLoss", 13.5, 0.05);
    near(t, "lastTrainLoss", 0.425, 0.01);
    // Early stopping ends the default settings at epoch 49 of 120 (41 with a second moment per weight).
    assert.deepEqual([num(t, "epochs"), num(t, "parameters")], [49, 97_501]);
    assert.equal(typeof t.backend, "string");
    assert.equal(t.savedWithIdMaps, true);
  });

  it("02 shows the Layers MF: model.summary()'s 96,000 + 1,501 parameters, trained with fitDataset to the kernel's validation MSE", () => {
    const t = recorded("02", "training");
    assert.deepEqual([num(t, "layers.parameters.embeddings"), num(t, "layers.parameters.biases"), num(t, "layers.parameters.total")], [96_000, 1_501, 97_501]);
    assert.ok(Math.abs(num(t, "layers.valMse") - num(t, "layers.kernelSameSettingsValMse")) < 0.01, "same settings, same validation MSE within 0.01");
    near(t, "layers.valMse", 0.526, 0.01);
    assert.ok(num(t, "layers.epochs") >= 5);
  });

  it("03 finds the groups and the overlap items, and shows how the raw values move with the settings", () => {
    const s = recorded("03", "similarity");
    for (const [g, v] of [
      ["tech", 0.945],
      ["fashion", 0.937],
      ["sports", 0.896],
    ] as const)
      near(s, `userWithin.${g}`, v, 0.03);
    near(s, "userAcross.tech-fashion", -0.528, 0.05);
    near(s, "userAcross.fashion-sports", -0.262, 0.05);
    near(s, "itemWithinMean", 0.974, 0.02);
    near(s, "itemAcrossMean", 0.43, 0.05);
    // Items 300-399 are liked by both fashion and sports fans: closer to each side than the two sides are.
    near(s, "item.fashion+sports / fashion", 0.789, 0.04);
    near(s, "item.fashion+sports / sports", 0.757, 0.04);
    near(s, "item.fashion / sports", 0.249, 0.05);
    near(s, "itemCentred.fashion / sports", -0.491, 0.05);
    near(s, "itemCentred.fashion+sports / fashion", 0.461, 0.05);
    const settings = s.settings as Record<string, unknown>[];
    assert.equal(settings.length, 5, "notebook 02's model and four more settings");
    for (const row of settings) {
      assert.ok(num(row, "within") > num(row, "across"), `${String(row.setting)}: within above across`);
      near(row, "kNN purity", 1, 0.01);
    }
    near(settings[1]!, "within", 0.744, 0.03);
    near(settings[1]!, "across", -0.374, 0.04);
  });

  it("04 recommends from the user's own categories, never a rated item, and beats the baselines (precision 0.038 vs random 0.014)", () => {
    const r = recorded("04", "recommendations");
    near(r, "shareInOwnCategories", 1, 0.01);
    assert.equal(num(r, "ratedItemsRecommended"), 0);
    near(r, "modelRmse", 0.7276, 0.01);
    near(r, "biasOnlyRmse", 1.0464, 0.003);
    near(r, "globalMeanRmse", 1.054, 0.002);
    near(r, "modelPrecision", 0.0378, 0.005);
    near(r, "popularityPrecision", 0.025, 0.002);
    near(r, "randomListPrecision", 0.0138, 0.001);
    near(r, "popularityShareInTopLabels", 0.721, 0.02);
    assert.equal(r.foldInLikes, "sports");
    near(r, "foldInShareInOwnCategories", 1, 0.01);
  });

  it("05 serves the model over HTTP: health ok, the sample user's own items, fold-in, clear errors, reload", function () {
    if (!summary.notebooks.some((n) => n.name.startsWith("05"))) this.skip();
    const v = recorded("05", "service");
    assert.equal(v.healthStatus, "ok");
    assert.deepEqual([num(v, "userCount"), num(v, "itemCount"), num(v, "recommendCount")], [1000, 500, 5]);
    near(v, "sampleUserShare", 1, 0.01);
    assert.equal(v.newUserStrategy, "fold-in");
    near(v, "newUserShare", 1, 0.01);
    assert.deepEqual(v.badStatuses, [404, 400, 400, 400, 403]);
    assert.equal(v.sameAfterReload, true);
    assert.equal(num(v, "endpoints"), 6);
  });

  it("06 puts the MSE model, BPR and popularity side by side: on the synthetic data they rank alike, popularity lowest", () => {
    const r = recorded("06", "ranking");
    assert.deepEqual([num(r, "trainRows"), num(r, "testRows"), num(r, "users")], [37_467, 12_503, 1000]);
    near(r, "mse.precision", 0.0602, 0.006);
    near(r, "mse.ndcg", 0.0609, 0.006);
    near(r, "mse.rmse", 0.7436, 0.01);
    near(r, "bpr.precision", 0.0602, 0.006);
    near(r, "bpr.ndcg", 0.0619, 0.006);
    near(r, "popularity.precision", 0.0493, 0.001);
    near(r, "popularity.ndcg", 0.0511, 0.001);
    // No popular head in this data: every method's lists are well below popularity's in training counts.
    assert.ok(num(r, "listMeanCount.mse") < num(r, "listMeanCount.popularity") && num(r, "listMeanCount.bpr") < num(r, "listMeanCount.popularity"));
    // BPR's embeddings find the user groups too (kNN purity), the rating model's perfectly.
    near(r, "similarity.MF (MSE).users kNN purity", 1, 0.01);
    near(r, "similarity.MF (BPR).users kNN purity", 0.975, 0.03);
    assert.equal(r.sampleUser, "U10001");
  });

  it("07 compares the neural model with MF on the same split: a better validation MSE, similar ranking, the groups still in its user vectors", () => {
    const v = recorded("07", "neuralVsMf");
    assert.equal(v.side, "users");
    near(v, "mfDefaults.valMse", 0.5271, 0.01);
    near(v, "mfSameSettings.valMse", 0.526, 0.01);
    near(v, "neural.valMse", 0.5157, 0.015);
    near(v, "neural.ndcg", 0.0515, 0.01);
    near(v, "mfSameSettings.ndcg", 0.0475, 0.01);
    assert.equal(v.neural && (v.neural as Record<string, unknown>).engine, "tfjs-wasm+layers");
    assert.ok(num(v, "neural.epochs") >= 5 && num(v, "neural.epochs") <= 40);
    // Its user vectors keep the groups (less sharply than MF's).
    near(v, "neural.within", 0.735, 0.08);
    near(v, "neural.across", -0.346, 0.08);
    assert.ok(num(v, "neural.within") - num(v, "neural.across") > 0.5);
    near(v, "mfSameSettings.within", 0.877, 0.03);
  });

  it("reports how long each notebook took (not asserted: timings on a shared machine are noisy)", () => {
    console.log(
      `      workbook: ${summary.notebooks.map((n) => `${n.name.slice(0, 2)} ${n.seconds.toFixed(1)} s`).join(", ")}; total ${summary.totalSeconds.toFixed(1)} s`,
    );
  });
});

/**
 * Notebook 01's TF.js part: the looked-up vector is a 64-d tf.Tensor, the two layers and the vector are the only
 * tensors while they live, a thousand disposed lookups leave the count where it was, and disposing brings it back.
 */
function assertTensorsFlat(r: Record<string, unknown>): void {
  assert.deepEqual((r.tfjs as { vectorShape?: unknown } | undefined)?.vectorShape, [64]);
  const start = numAt(r, "tfjs.tensorsAtStart");
  assert.equal(numAt(r, "tfjs.tensorsWithLayers"), start + 3, "two layer tables and one vector");
  assert.equal(numAt(r, "tfjs.tensorsAfterLookups"), start + 3, "1000 disposed lookups leave no tensor");
  assert.equal(numAt(r, "tfjs.tensorsAtEnd"), start, "disposing the vector and the layers frees their tensors");
}

/** The recorded value at a dotted path, which must be a number. */
function numAt(v: Record<string, unknown>, key: string): number {
  const x = key.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], v);
  if (typeof x !== "number") {
    // Keys with dots of their own ("fashion+sports / fashion") are tried whole after the first segment.
    const [first, ...rest] = key.split(".");
    const y = rest.length > 0 ? (v[first as string] as Record<string, unknown> | undefined)?.[rest.join(".")] : undefined;
    assert.equal(typeof y, "number", `${key} is a number (got ${JSON.stringify(x)})`);
    return y as number;
  }
  return x;
}

const md5 = (file: string) => crypto.createHash("md5").update(fs.readFileSync(file)).digest("hex");

describe("the MovieLens 100k workbook (out/workbook/ml-100k, from ../shared/datasets/ml-100k)", function () {
  this.timeout(900_000);
  let summary: WorkbookSummary;
  let inputsBefore: Map<string, string>;

  before(function (this: Mocha.Context) {
    const reason =
      jupyterSkipReason() ??
      (fs.existsSync(path.join(ML100K, "u.data")) ? undefined : `${ML100K} is absent: the MovieLens run needs it there (it is never copied into the project)`);
    if (reason) {
      console.log(`      (skipped: ${reason})`);
      this.skip();
    }
    inputsBefore = new Map(fs.readdirSync(ML100K).map((f) => [f, md5(path.join(ML100K, f))]));
    summary = ensureWorkbook((s) => console.log(`      ${s}`), ["--data", ML100K, "--format", "movielens"], ML100K_OUT);
  });

  const recorded = (prefix: string, name: string): Record<string, unknown> => {
    const nb = summary.notebooks.find((n) => n.name.startsWith(prefix));
    assert.ok(nb, `notebook ${prefix}-* was run`);
    const values = nb.results[name];
    assert.ok(values, `${nb.name} recorded "${name}"`);
    return values;
  };
  const near = (v: Record<string, unknown>, key: string, expected: number, tol: number) => {
    const x = numAt(v, key);
    assert.ok(Math.abs(x - expected) <= tol, `${key} = ${x}, expected ${expected} ± ${tol}`);
  };

  it("runs every notebook on MovieLens without a cell error, leaving the input files byte-identical", () => {
    assert.deepEqual(
      summary.notebooks.filter((n) => !n.ok).map((n) => `${n.name} cell ${n.failedCell}: ${n.error}`),
      [],
    );
    assert.deepEqual(new Map(fs.readdirSync(ML100K).map((f) => [f, md5(path.join(ML100K, f))])), inputsBefore);
    assert.ok(!fs.readdirSync(ML100K).some((f) => f.endsWith(".csv")), "nothing was written into the input folder");
  });

  it("00 reads 100,000 ratings of 943 users on 1682 films with 19 genres and titles", () => {
    const d = recorded("00", "data");
    assert.deepEqual(
      [numAt(d, "users"), numAt(d, "items"), numAt(d, "interactions"), numAt(d, "itemLabels"), numAt(d, "titles"), numAt(d, "userLabels")],
      [943, 1682, 100_000, 19, 1682, 0],
    );
    assert.equal(d.idsContiguous, true);
    assert.equal(d.roundTripEqual, true);
  });

  it("01 groups the film vectors by genre: random ≈ 0, trained vectors with closer neighbours than random", () => {
    const r = recorded("01", "randomVsTrained");
    assert.equal(r.side, "items");
    near(r, "random.within", 0, 0.02);
    assert.ok(numAt(r, "nearestCosine.trained") > numAt(r, "nearestCosine.random"));
    assertTensorsFlat(r);
  });

  it("02 trains to validation MSE 0.810, below bias-only 0.889 and the global mean 1.257; the blog's settings reach 0.830", () => {
    const t = recorded("02", "training");
    near(t, "valMse", 0.81, 0.015);
    near(t, "biasOnlyMse", 0.8893, 0.005);
    near(t, "globalMeanMse", 1.2568, 0.003);
    near(t, "blogSettingsValMse", 0.8303, 0.015);
    assert.equal(numAt(t, "parameters"), (943 + 1682) * 65 + 1);
    assert.equal(t.noiseFloorMse, null, "no known noise floor for real data");
    // The Layers MF: (943 + 1682) x 64 embedding parameters, the kernel's validation MSE for the same settings.
    assert.deepEqual([numAt(t, "layers.parameters.embeddings"), numAt(t, "layers.parameters.biases")], [168_000, 943 + 1682 + 1]);
    assert.ok(Math.abs(numAt(t, "layers.valMse") - numAt(t, "layers.kernelSameSettingsValMse")) < 0.01);
    near(t, "layers.valMse", 0.8373, 0.015);
  });

  it("03 measures genre similarity of the film vectors (Children's, Animation, Film-Noir)", () => {
    const s = recorded("03", "similarity");
    // Raw cosines: within a genre a little above across genres.
    near(s, "itemWithinMean", 0.328, 0.04);
    near(s, "itemAcrossMean", 0.271, 0.04);
    near(s, "item.Children's / Animation", 0.266, 0.05);
    near(s, "item.Children's / Film-Noir", 0.212, 0.05);
    // Centred: Children's sits nearer Animation than Film-Noir, and Film-Noir is self-similar.
    near(s, "itemCentred.Children's / Animation", 0.06, 0.03);
    near(s, "itemCentred.Children's / Film-Noir", -0.118, 0.04);
    near(s, "itemCentred.Film-Noir / Film-Noir", 0.183, 0.05);
    assert.ok(numAt(s, "itemCentredWithinMean") > numAt(s, "itemCentredAcrossMean"));
    console.log(`      MovieLens genre similarity: raw ${JSON.stringify(s.item)}; centred ${JSON.stringify(s.itemCentred)}`);
  });

  it("04 recommends unrated films and compares them with popularity", () => {
    const r = recorded("04", "recommendations");
    assert.equal(numAt(r, "ratedItemsRecommended"), 0);
    assert.equal(r.shareInOwnCategories, null, "MovieLens users have no generator groups");
    near(r, "shareInTopLabels", 0.725, 0.03);
    near(r, "popularityShareInTopLabels", 0.718, 0.02);
    near(r, "modelRmse", 0.8998, 0.01);
    near(r, "biasOnlyRmse", 0.943, 0.003);
    // With the default (MSE) settings popularity ranks better than the model on MovieLens (0.040 before the biases
    // were shrunk, biasL2: the lists were then rarely-rated films).
    near(r, "modelPrecision", 0.083, 0.01);
    near(r, "popularityPrecision", 0.1345, 0.003);
    near(r, "randomListPrecision", 0.0075, 0.001);
  });

  it("06 on MovieLens: BPR ranks far above popularity, popularity above the rating model, which alone predicts ratings", () => {
    const r = recorded("06", "ranking");
    assert.deepEqual([numAt(r, "trainRows"), numAt(r, "testRows"), numAt(r, "users")], [75_066, 24_934, 943]);
    // The same numbers as `npm run bench -- rank` (recommenders' protocol, defaults).
    near(r, "bpr.precision", 0.3895, 0.01);
    near(r, "bpr.ndcg", 0.443, 0.01);
    near(r, "bpr.map", 0.129, 0.01);
    near(r, "popularity.precision", 0.2287, 0.001);
    near(r, "popularity.ndcg", 0.2524, 0.001);
    near(r, "mse.precision", 0.1109, 0.015);
    near(r, "mse.ndcg", 0.1214, 0.015);
    near(r, "mse.rmse", 0.9161, 0.01);
    assert.ok(numAt(r, "bpr.ndcg") > numAt(r, "popularity.ndcg") && numAt(r, "popularity.ndcg") > numAt(r, "mse.ndcg"));
    // The rating model's lists hold less-watched films than BPR's, BPR's less than popularity's.
    assert.ok(numAt(r, "listMeanCount.mse") < numAt(r, "listMeanCount.bpr") && numAt(r, "listMeanCount.bpr") < numAt(r, "listMeanCount.popularity"));
    assert.equal(r.sampleUser, "1");
    assert.equal(r.sampleUserTitled, true, "the lists show film titles");
    near(r, "sampleUserHits.MF (BPR)", 6, 2);
  });

  it("07 compares the neural model with MF on MovieLens: films by genre, no better than MF on ratings or ranking here", () => {
    const v = recorded("07", "neuralVsMf");
    assert.equal(v.side, "items");
    near(v, "mfDefaults.valMse", 0.815, 0.015);
    near(v, "mfSameSettings.valMse", 0.8168, 0.015);
    near(v, "neural.valMse", 0.847, 0.02);
    near(v, "neural.ndcg", 0.0687, 0.02);
    near(v, "mfSameSettings.ndcg", 0.1667, 0.02);
    assert.ok(numAt(v, "neural.epochs") >= 5 && numAt(v, "neural.epochs") <= 40);
    // Genres leave at most a trace in either model's film vectors.
    assert.ok(Math.abs(numAt(v, "neural.within") - numAt(v, "neural.across")) < 0.1);
  });

  it("05 serves the MovieLens model", () => {
    const v = recorded("05", "service");
    assert.deepEqual([numAt(v, "userCount"), numAt(v, "itemCount")], [943, 1682]);
    assert.equal(v.sameAfterReload, true);
    console.log(
      `      MovieLens workbook: ${summary.notebooks.map((n) => `${n.name.slice(0, 2)} ${n.seconds.toFixed(1)} s`).join(", ")}; total ${summary.totalSeconds.toFixed(1)} s`,
    );
  });
});
