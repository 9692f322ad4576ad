#!/usr/bin/env node
// Opens each HTML page of the workbook report in headless Chromium (driven by playwright-core) and checks
// every Plotly chart as a reader would see it: it drew (plot SVG plus data marks), no text box overlaps
// another (legend, titles, axis titles, tick labels, annotations, colour bars), no text is clipped by the
// chart's edge, every drawn trace has its legend entry and every legend entry has something drawn, and
// log axes label their ticks with the tick's value. Screenshots every chart to <dir>/charts/ and checks
// each is not blank; <dir>/chart.png is the default chart (notebook 01's first).
// usage: node scripts/check-report.js [--dir out/workbook] [--chart 03:4]  (the 4th chart of notebook 03; default 01:1)
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { PNG } = require("pngjs");

const PROJECT = path.resolve(__dirname, "..");
const DEFAULT_DIR = path.join(PROJECT, "out", "workbook");
/** The chart copied to chart.png: 01's random-beside-trained similarity, the workbook's point in one picture. */
const DEFAULT_CHART = "01:1";
const VIEWPORT = { width: 1100, height: 800 };

function findChromium() {
  for (const c of [process.env.CHROMIUM, "/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"].filter(Boolean)) {
    const r = spawnSync(c, ["--version"], { encoding: "utf8" });
    if (r.status === 0) return c;
  }
  return null;
}

/** Launches headless Chromium with the flags this closed network needs (no background connections). */
async function launch(executablePath) {
  const { chromium } = require("playwright-core");
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
      "--disable-extensions",
    ],
  });
}

/**
 * Runs in the page: what is wrong with the Plotly chart in `gd` (a div Plotly drew into), as a reader would see
 * it. Returns { drew, marks, faults: [string] }. Self-contained: it is serialised into the browser.
 */
function chartFaultsInPage(gd) {
  const MARKS = "path.js-line, path.point, path.js-fill, image, path.surface, g.slice, g.point path";
  const svg = gd.querySelector("svg.main-svg");
  const marks = gd.querySelectorAll(MARKS).length;
  if (!svg) return { drew: false, marks, faults: ["no plot SVG: the chart did not draw"] };
  const faults = [];
  const near = (x, d) => Math.round(x * 10 ** d) / 10 ** d;
  const bounds = svg.getBoundingClientRect();
  // Every piece of text a reader must be able to read, with what it belongs to.
  const boxes = [];
  const add = (kind, owner, label, el) => {
    const r = el.getBoundingClientRect();
    if (r.width > 0.5 && r.height > 0.5) boxes.push({ kind, owner, label, r });
  };
  const textOf = (el) => (el.textContent || "").trim();
  gd.querySelectorAll("g.legend").forEach((l, k) => add("legend", `legend${k}`, "the legend", l.querySelector("rect.bg") || l));
  gd.querySelectorAll("g.g-gtitle text").forEach((t) => add("title", "title", `title "${textOf(t)}"`, t));
  gd.querySelectorAll("g.infolayer g[class^='g-'][class$='title'] text").forEach((t) => {
    const cls = t.parentNode.getAttribute("class");
    if (cls === "g-gtitle") return;
    add("axis title", cls, `axis title "${textOf(t)}"`, t);
  });
  gd.querySelectorAll("g.xaxislayer-above g.xtick text, g.yaxislayer-above g.ytick text").forEach((t) => {
    const tick = t.parentNode;
    const layer = tick.parentNode;
    add(
      "tick label",
      `${tick.getAttribute("class")}:${layer?.getAttribute("class") || ""}:${t.getAttribute("data-unformatted") || ""}`,
      `tick label "${textOf(t)}"`,
      t,
    );
  });
  gd.querySelectorAll("g.annotation").forEach((a) =>
    add("annotation", `annotation:${textOf(a)}`, `annotation "${textOf(a)}"`, a.querySelector("g.annotation-text-g") || a),
  );
  gd.querySelectorAll("g.colorbar").forEach((c, k) => add("colour bar", `colorbar${k}`, "the colour bar", c));

  // Clipped: a text box reaching outside the chart's SVG is cut off on screen.
  for (const b of boxes) {
    const out = [bounds.left - b.r.left, b.r.right - bounds.right, bounds.top - b.r.top, b.r.bottom - bounds.bottom];
    if (out.some((d) => d > 1.5)) faults.push(`${b.label} is clipped by the chart's edge (by ${near(Math.max(...out), 0)} px)`);
  }
  // Overlapping: two different text boxes share more than a sliver of area. Tick labels of one axis may touch.
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 2 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 2;
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i],
        b = boxes[j];
      if (a.owner === b.owner) continue;
      if (a.kind === "tick label" && b.kind === "tick label") continue;
      if (overlap(a.r, b.r)) faults.push(`${a.label} overlaps ${b.label}`);
    }
  }

  // Legend entries and drawn traces must agree.
  const full = gd._fullData || [];
  const finite = (v) => v !== null && v !== undefined && v !== "" && Number.isFinite(Number(v));
  const hasPoints = (t) => {
    const ys = t.y || t.z || t.values || [];
    const xs = t.x || [];
    const n = Math.max(ys.length || 0, xs.length || 0);
    for (let k = 0; k < n; k++) {
      if ((ys.length ? finite(ys[k]) || Array.isArray(ys[k]) : true) && (xs.length && t.type !== "bar" ? finite(xs[k]) || typeof xs[k] === "string" : true))
        return true;
    }
    return false;
  };
  const legendNames = [...gd.querySelectorAll("g.legend g.traces text.legendtext")].map(textOf);
  if (legendNames.length > 0) {
    const legendCapable = (t) => t.visible === true && typeof t.name === "string" && t.name !== "" && !["heatmap", "contour", "surface"].includes(t.type);
    const shown = new Set(legendNames);
    const drawnNames = new Set();
    for (const t of full) {
      if (!legendCapable(t) || !hasPoints(t)) continue;
      drawnNames.add(t.name);
      if (t.legendgroup) drawnNames.add(t.legendgroup);
    }
    for (const name of drawnNames) {
      const traces = full.filter((t) => legendCapable(t) && t.name === name && hasPoints(t));
      if (traces.length > 0 && !shown.has(name) && !traces.some((t) => t.legendgroup && shown.has(t.legendgroup))) {
        faults.push(`trace "${name}" is drawn but has no legend entry`);
      }
    }
    for (const name of legendNames) {
      if (!drawnNames.has(name)) faults.push(`legend entry "${name}" has nothing drawn`);
    }
  }

  // Log axes: a tick's label must say the tick's value (Plotly's "D" ticks show 0.4 as "4").
  const fl = gd._fullLayout || {};
  for (const key of Object.keys(fl)) {
    if (!/^[xy]axis\d*$/.test(key)) continue;
    const ax = fl[key];
    if (ax?.type !== "log" || !Array.isArray(ax._vals)) continue;
    for (const v of ax._vals) {
      const text = String(v.text || "")
        .replace(/<[^>]*>/g, "")
        .replace(/\u2212/g, "-")
        .replace(/,/g, "")
        .trim();
      if (!/^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) continue;
      const shown = Number(text),
        value = 10 ** v.x;
      if (Math.abs(shown - value) > 0.02 * Math.abs(value)) faults.push(`log axis ${key} labels ${near(value, 4)} as "${text}"`);
    }
  }
  return { drew: marks > 0, marks, faults: marks > 0 ? faults : ["the chart has axes but no data marks", ...faults] };
}

/** The notebooks' report pages: those of the last run (summary.json) when there is one, else every NN-*.html. */
function reportPages(dir) {
  const summary = path.join(dir, "summary.json");
  if (fs.existsSync(summary)) {
    return JSON.parse(fs.readFileSync(summary, "utf8"))
      .notebooks.map((n) => n.html)
      .filter(Boolean);
  }
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d\d-.*\.html$/.test(f))
    .sort();
}

/** Colour count and share of non-white pixels of a PNG: a drawn chart has many colours and real ink. */
function pngColourStats(buf) {
  const png = PNG.sync.read(buf);
  const colours = new Set();
  let nonWhite = 0;
  for (let p = 0; p < png.data.length; p += 4) {
    const rgb = (png.data[p] << 16) | (png.data[p + 1] << 8) | png.data[p + 2];
    colours.add(rgb);
    if (rgb !== 0xffffff) nonWhite++;
  }
  return { width: png.width, height: png.height, colours: colours.size, nonWhiteShare: nonWhite / (png.width * png.height) };
}

/**
 * Checks every chart of one HTML page in an open browser; screenshots each into `shotsDir` as <page>-<n>.png.
 * Resolves with { file, expected, found, drew, blank, charts: [{ id, n, drew, faults, png, colours, nonWhiteShare }], ok }.
 */
async function checkPage(browser, htmlFile, shotsDir) {
  const source = fs.readFileSync(htmlFile, "utf8");
  const expected = (source.match(/<div id="ewb-plot-/g) || []).length;
  const page = await browser.newPage({ viewport: VIEWPORT });
  try {
    await page.goto(`file://${htmlFile}`, { waitUntil: "load", timeout: 120000 });
    await page
      .waitForFunction(
        () => [...document.querySelectorAll("div.ewb-plot")].every((d) => d.querySelector("svg.main-svg") || /not loaded/.test(d.textContent)),
        null,
        { timeout: 60000 },
      )
      .catch(() => undefined);
    const handles = await page.$$("div.ewb-plot");
    const base = path.basename(htmlFile, ".html");
    const charts = [];
    for (let n = 0; n < handles.length; n++) {
      const h = handles[n];
      const id = await h.getAttribute("id");
      const result = await h.evaluate(chartFaultsInPage);
      const png = path.join(shotsDir, `${base}-${n + 1}.png`);
      await h.scrollIntoViewIfNeeded();
      await h.screenshot({ path: png });
      const stats = pngColourStats(fs.readFileSync(png));
      const blank = !(stats.colours >= 20 && stats.nonWhiteShare > 0.01);
      charts.push({ id, n: n + 1, ...result, faults: blank ? ["the screenshot is blank", ...result.faults] : result.faults, png, ...stats });
    }
    const blank = charts.filter((c) => !c.drew).map((c) => c.id);
    return {
      file: path.basename(htmlFile),
      expected,
      found: charts.length,
      drew: charts.length - blank.length,
      blank,
      charts,
      ok: charts.length === expected && charts.every((c) => c.drew && c.faults.length === 0),
    };
  } finally {
    await page.close();
  }
}

/** Maps over items with at most `limit` promises in flight, keeping the order of the results. */
async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const k = next++;
      results[k] = await fn(items[k]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Checks HTML pages (absolute paths) in one headless Chromium, two pages at a time.
 * Resolves with { pages, ok }.
 */
async function checkPages(files, shotsDir) {
  const chromium = findChromium();
  if (!chromium) throw new Error("Chromium not found: run scripts/setup-system.sh (Debian) or set CHROMIUM");
  fs.mkdirSync(shotsDir, { recursive: true });
  const browser = await launch(chromium);
  try {
    const pages = await mapLimit(files, 2, (f) => checkPage(browser, f, shotsDir));
    return { pages, ok: pages.every((p) => p.ok) };
  } finally {
    await browser.close();
  }
}

/**
 * Checks every HTML page of the report in `dir`; copies the chart named by `chart` ("<notebook prefix>:<n>")
 * to <dir>/chart.png. Resolves with { pages, screenshot, ok }.
 */
async function checkReport({ dir = DEFAULT_DIR, chart = DEFAULT_CHART } = {}) {
  const files = reportPages(dir);
  if (files.length === 0) throw new Error(`no report pages (NN-*.html) in ${dir}: run npm run workbook first`);
  const { pages, ok } = await checkPages(
    files.map((f) => path.join(dir, f)),
    path.join(dir, "charts"),
  );
  const [prefix, nth] = [chart.split(":")[0], Number(chart.split(":")[1] || 1)];
  const all = pages.flatMap((p) => p.charts.map((c) => ({ ...c, page: p.file })));
  const chosen = all.find((c) => c.page.startsWith(prefix) && c.n === nth) ?? all[0] ?? null;
  let screenshot = null;
  if (chosen) {
    const png = path.join(dir, "chart.png");
    fs.copyFileSync(chosen.png, png);
    screenshot = {
      png,
      page: chosen.page,
      n: chosen.n,
      width: chosen.width,
      height: chosen.height,
      colours: chosen.colours,
      nonWhiteShare: chosen.nonWhiteShare,
    };
  }
  return { pages, screenshot, ok: ok && screenshot !== null };
}

module.exports = { checkReport, checkPages, chartFaultsInPage, pngColourStats, findChromium };

if (require.main === module) {
  const arg = (name) => {
    const k = process.argv.indexOf(name);
    return k > 0 ? process.argv[k + 1] : undefined;
  };
  const dir = arg("--dir") ? path.resolve(arg("--dir")) : DEFAULT_DIR;
  const t0 = Date.now();
  checkReport({ dir, chart: arg("--chart") ?? DEFAULT_CHART })
    .then((r) => {
      for (const p of r.pages) {
        const faulty = p.charts.filter((c) => c.faults.length > 0);
        console.log(`${p.file.padEnd(30)} charts ${p.drew}/${p.expected} drew, ${p.charts.length - faulty.length} without faults`);
        for (const c of faulty) for (const f of c.faults) console.log(`  chart ${c.n} (${path.relative(PROJECT, c.png)}): ${f}`);
      }
      if (r.screenshot) {
        const s = r.screenshot;
        console.log(
          `screenshot: ${path.relative(PROJECT, s.png)} (chart ${s.n} of ${s.page}; ${s.width}x${s.height}, ${s.colours} colours, ${(100 * s.nonWhiteShare).toFixed(1)}% non-white); every chart in ${path.relative(PROJECT, path.join(dir, "charts"))}/; ${((Date.now() - t0) / 1000).toFixed(1)} s`,
        );
      }
      if (!r.ok) {
        console.error("check-report: FAILED: a chart did not draw or a reader would see a fault (listed above)");
        process.exitCode = 1;
      }
    })
    .catch((e) => {
      console.error(`check-report: ${e.message}`);
      process.exitCode = 1;
    });
}
