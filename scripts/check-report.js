#!/usr/bin/env node
// Opens each HTML page of the workbook report in headless Chromium and checks that every Plotly chart
// actually drew (plot SVG plus drawn marks per chart); screenshots one chart to PNG and checks it is not blank.
// usage: node scripts/check-report.js [--dir out/workbook] [--chart 03:4]  (the 4th chart of notebook 03; default 01:1)
"use strict";
const { spawn, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const zlib = require("node:zlib");

const PROJECT = path.resolve(__dirname, "..");
const DEFAULT_DIR = path.join(PROJECT, "out", "workbook");
const PLOTLY_MIME = "application/vnd.plotly.v1+json";
const CHART_START = '<div id="ewb-plot-';
/** Elements Plotly draws for data: line paths, markers and bars, fills, heatmap images, pie slices. */
const MARKS = [/class="js-line"/, /class="point"/, /class="js-fill"/, /<image\b/, /class="slice"/, /class="surface"/];

function findChromium() {
  for (const c of [process.env.CHROMIUM, "chromium", "chromium-browser", "google-chrome"].filter(Boolean)) {
    const r = spawnSync(c, ["--version"], { encoding: "utf8" });
    if (r.status === 0) return c;
  }
  return null;
}

function chromiumArgs(userDataDir) {
  return [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
    "--disable-component-update", "--disable-sync", "--disable-extensions", "--hide-scrollbars",
    `--user-data-dir=${userDataDir}`,
    // Virtual time lets the page's scripts (plotly.js is ~5 MB) finish before the DOM is dumped.
    "--virtual-time-budget=15000",
  ];
}

/** Runs Chromium on one URL with a fresh profile; resolves with its stdout (the DOM for --dump-dom). */
function runChromium(chromium, extraArgs, url) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ewb-chromium-"));
  return new Promise((resolve, reject) => {
    const child = spawn(chromium, [...chromiumArgs(dir), ...extraArgs, url], { stdio: ["ignore", "pipe", "pipe"] });
    const out = [];
    let err = "";
    child.stdout.on("data", (b) => out.push(b));
    child.stderr.on("data", (b) => (err = (err + b).slice(-2000)));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
      if (code === 0) resolve(Buffer.concat(out).toString("utf8"));
      else reject(new Error(`chromium exited ${code ?? signal} on ${url}: ${err.slice(-500)}`));
    });
  });
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
 * Splits a rendered DOM into one piece per chart (from its div to the next chart's) and says for each
 * whether Plotly drew into it.
 */
function chartsInDom(dom) {
  const pieces = dom.split(CHART_START).slice(1);
  return pieces.map((piece) => {
    const id = "ewb-plot-" + piece.slice(0, piece.indexOf('"'));
    const svg = piece.includes('class="main-svg"');
    const marks = MARKS.reduce((n, re) => n + (piece.match(new RegExp(re.source, "g")) || []).length, 0);
    return { id, drew: svg && marks > 0, marks, message: /plotly\.js is not loaded/.test(piece.slice(0, 2000)) };
  });
}

/** Checks one report page: the number of charts in the HTML source and how many of them drew. */
async function checkPage(chromium, htmlFile) {
  const source = fs.readFileSync(htmlFile, "utf8");
  const expected = source.split(CHART_START).length - 1;
  const dom = await runChromium(chromium, ["--dump-dom"], `file://${htmlFile}`);
  const charts = chartsInDom(dom);
  const blank = charts.filter((c) => !c.drew).map((c) => c.id);
  return { file: path.basename(htmlFile), expected, found: charts.length, drew: charts.length - blank.length, blank, ok: charts.length === expected && blank.length === 0 };
}

/** Decodes an 8-bit, non-interlaced RGB/RGBA PNG enough to count its distinct colours. */
function pngColourStats(buf) {
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error("not a PNG");
  let off = 8;
  let width = 0, height = 0, colourType = 0, bitDepth = 0;
  const idat = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString("ascii", off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      bitDepth = data[8];
      colourType = data[9];
      if (data[12] !== 0) throw new Error("interlaced PNG not supported");
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    off += 12 + len;
  }
  const bpp = { 2: 3, 6: 4 }[colourType];
  if (bitDepth !== 8 || !bpp) throw new Error(`PNG colour type ${colourType}/${bitDepth}-bit not supported`);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const prev = Buffer.alloc(stride);
  const cur = Buffer.alloc(stride);
  const colours = new Set();
  let nonWhite = 0;
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? cur[x - bpp] : 0, b = prev[x], c = x >= bpp ? prev[x - bpp] : 0;
      let v = line[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      cur[x] = v & 255;
    }
    for (let x = 0; x < stride; x += bpp) {
      const rgb = (cur[x] << 16) | (cur[x + 1] << 8) | cur[x + 2];
      colours.add(rgb);
      if (rgb !== 0xffffff) nonWhite++;
    }
    cur.copy(prev);
  }
  return { width, height, colours: colours.size, nonWhiteShare: nonWhite / (width * height) };
}

/**
 * Renders one chart of an executed notebook on a page of its own (same HTML output as the report, with
 * plotly.js from node_modules) and screenshots it.
 */
/** The chart screenshotted by default: 01's random-beside-trained similarity, the workbook's point in one picture. */
const DEFAULT_CHART = "01:1";

async function screenshotChart(chromium, dir, pngPath, chart = DEFAULT_CHART) {
  // chart: "<notebook prefix>:<n>" picks the n-th chart (1-based) of that notebook; "" the first chart of all.
  const [prefix, nth] = chart ? [chart.split(":")[0], Number(chart.split(":")[1] || 1)] : ["", 1];
  const notebooks = reportPages(dir).map((f) => f.replace(/\.html$/, ".ipynb")).filter((f) => f.startsWith(prefix));
  let chosen = null;
  let seen = 0;
  for (const f of notebooks) {
    const nb = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
    for (const cell of nb.cells) {
      for (const o of cell.outputs || []) {
        if (chosen || !o.data || !o.data[PLOTLY_MIME] || !o.data["text/html"]) continue;
        if (++seen === nth) chosen = { notebook: f, html: [].concat(o.data["text/html"]).join(""), title: [].concat(o.data["text/plain"] || "").join("") };
      }
    }
  }
  if (!chosen && chart === DEFAULT_CHART) return screenshotChart(chromium, dir, pngPath, "");
  if (!chosen) throw new Error(`no chart ${chart || "at all"} in the executed notebooks in ${dir}`);
  const page = path.join(dir, "screenshot-chart.html");
  const plotly = require.resolve("plotly.js-dist-min", { paths: [PROJECT] });
  fs.writeFileSync(page, `<!doctype html><html><head><meta charset="utf-8"><script src="file://${plotly}"></script></head><body style="margin:0;background:#fff">${chosen.html}</body></html>`);
  await runChromium(chromium, [`--screenshot=${pngPath}`, "--window-size=1000,460"], `file://${page}`);
  return { ...chosen, png: pngPath, ...pngColourStats(fs.readFileSync(pngPath)) };
}

/** The report's notebook pages: those of the last run (summary.json) when there is one, else every NN-*.html. */
function reportPages(dir) {
  const summary = path.join(dir, "summary.json");
  if (fs.existsSync(summary)) {
    return JSON.parse(fs.readFileSync(summary, "utf8")).notebooks.map((n) => n.html).filter(Boolean);
  }
  return fs.readdirSync(dir).filter((f) => /^\d\d-.*\.html$/.test(f)).sort();
}

/**
 * Checks every HTML page of the report in `dir`, two Chromiums at a time; resolves with { pages, screenshot, ok }.
 */
async function checkReport({ dir = DEFAULT_DIR, screenshot = true, chart = DEFAULT_CHART } = {}) {
  const chromium = findChromium();
  if (!chromium) throw new Error("Chromium not found: run scripts/setup-system.sh (Debian) or set CHROMIUM");
  const files = reportPages(dir);
  if (files.length === 0) throw new Error(`no report pages (NN-*.html) in ${dir}: run npm run workbook first`);
  const [pages, shot] = await Promise.all([
    mapLimit(files, 2, (f) => checkPage(chromium, path.join(dir, f))),
    screenshot ? screenshotChart(chromium, dir, path.join(dir, "chart.png"), chart) : Promise.resolve(null),
  ]);
  // A drawn chart has axes, text and traces: far more than a handful of colours, and a real share of ink.
  const shotOk = !shot || (shot.colours >= 20 && shot.nonWhiteShare > 0.01);
  return { pages, screenshot: shot, ok: pages.every((p) => p.ok) && shotOk };
}

module.exports = { checkReport, chartsInDom, pngColourStats, findChromium };

if (require.main === module) {
  const arg = (name) => {
    const k = process.argv.indexOf(name);
    return k > 0 ? process.argv[k + 1] : undefined;
  };
  const dir = arg("--dir") ? path.resolve(arg("--dir")) : DEFAULT_DIR;
  checkReport({ dir, chart: arg("--chart") ?? DEFAULT_CHART }).then((r) => {
    for (const p of r.pages) {
      console.log(`${p.file.padEnd(28)} charts ${p.drew}/${p.expected} drew${p.blank.length ? `; BLANK: ${p.blank.join(", ")}` : ""}${p.found !== p.expected ? `; found ${p.found} in the DOM` : ""}`);
    }
    if (r.screenshot) {
      const s = r.screenshot;
      console.log(`screenshot: ${path.relative(PROJECT, s.png)} (${s.title} from ${s.notebook}; ${s.width}x${s.height}, ${s.colours} colours, ${(100 * s.nonWhiteShare).toFixed(1)}% non-white)`);
    }
    if (!r.ok) {
      console.error("check-report: FAILED: a chart did not draw");
      process.exitCode = 1;
    }
  }).catch((e) => {
    console.error(`check-report: ${e.message}`);
    process.exitCode = 1;
  });
}
