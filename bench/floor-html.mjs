#!/usr/bin/env node
// The raw-Chromium floor for Quire's own export HTML (issue #10: "the floor printing the same
// export HTML with the same options"): ONE warm browser, N pages (default 2) in one context
// printing in parallel, each file written into its page with page.setContent (measured cheaper
// for Chromium than navigating to its file: URL; --load file does that instead; a file too big to
// go over the DevTools pipe as one message, > 64 MB, is navigated to) and printed with
// exactly the page.pdf() options Quire uses for it (tagged, outline, header/footer, margins, size).
// No job store, no worker threads, no Markdown: what is left is what Chromium itself costs.
// --serve-fonts does what Quire's print form does with its bundled fonts: each data: font of the
// page is linked instead and served by request interception (the rewriting is timed too).
//   node floor-html.mjs --options options.json [--out DIR] [--concurrency N] [--load setcontent|file] [--serve-fonts]
// options.json: { "<absolute html path>": <page.pdf options>, ... }, written by bench/bench.ts.
// Writes DIR/<name>.pdf. Prints a timing breakdown (JSON) to stderr.
import { chromium } from 'playwright-core';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const T0 = performance.now();
const argv = process.argv.slice(2);
let outDir = 'out-floor';
let conc = 2;
let optionsFile = null;
let load = 'setcontent';
let serveFonts = false;
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--out') outDir = argv[++i];
  else if (argv[i] === '--concurrency') conc = Number(argv[++i]);
  else if (argv[i] === '--options') optionsFile = argv[++i];
  else if (argv[i] === '--load') load = argv[++i];
  else if (argv[i] === '--serve-fonts') serveFonts = true;
}
if (!optionsFile || !['setcontent', 'file'].includes(load)) { console.error('usage: floor-html.mjs --options options.json [--out DIR] [--concurrency N] [--load setcontent|file]'); process.exit(2); }
const options = JSON.parse(await fs.readFile(optionsFile, 'utf8'));
await fs.mkdir(outDir, { recursive: true });

const tLaunch0 = performance.now();
const browser = await chromium.launch({
  executablePath: process.env.QUIRE_BENCH_CHROMIUM ?? '/usr/bin/chromium',
  // Quire's own --disable-features too (engine/pdf/chromium-pdf-renderer.ts): without the
  // renderers a print never uses, the floor is the same Chromium that Quire drives.
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-dev-shm-usage', '--disable-features=SpareRendererForSitePerProcess,WebUIOmniboxPopup,WebUIOmniboxAimPopup'],
});
// JavaScript off, as Quire prints: the export HTML has no script to run.
const context = await browser.newContext({ javaScriptEnabled: false });
const tLaunch = performance.now() - tLaunch0;

let loadMs = 0, pdfMs = 0, docs = 0, navigated = 0;
const FONT_BASE = 'https://floor.invalid/font/';
/** --serve-fonts: each distinct data: font's base64 → its id (its index in fontBodies). */
const fontIds = new Map();
const fontBodies = [];
function linkFonts(html) {
  return html
    .replace(/url\(data:font\/woff2;base64,([A-Za-z0-9+/=]+)\)/g, (_, b64) => {
      let id = fontIds.get(b64);
      if (id === undefined) {
        id = fontBodies.push(Buffer.from(b64, 'base64')) - 1;
        fontIds.set(b64, id);
      }
      return `url(${FONT_BASE}${id})`;
    })
    .replace("font-src data:", `font-src data: ${FONT_BASE}`);
}
const queue = Object.entries(options);
async function worker() {
  const page = await context.newPage();
  page.setDefaultTimeout(0);
  if (serveFonts) {
    await page.route(`${FONT_BASE}**`, (route) => {
      const body = fontBodies[Number(route.request().url().slice(FONT_BASE.length))];
      return body ? route.fulfill({ status: 200, contentType: 'font/woff2', body }) : route.abort('failed');
    });
  }
  for (;;) {
    const item = queue.shift();
    if (!item) break;
    const [file, pdfOptions] = item;
    const t2 = performance.now();
    if (load === 'file' || (await fs.stat(file)).size > 64 * 1024 * 1024) { navigated++; await page.goto(pathToFileURL(file).href, { waitUntil: 'load' }); }
    else {
      const html = await fs.readFile(file, 'utf8');
      await page.setContent(serveFonts ? linkFonts(html) : html, { waitUntil: 'load' });
    }
    loadMs += performance.now() - t2;
    const t3 = performance.now();
    const buf = await page.pdf(pdfOptions);
    pdfMs += performance.now() - t3;
    await fs.writeFile(path.resolve(outDir, path.basename(file).replace(/\.html$/i, '') + '.pdf'), buf);
    docs++;
  }
  await page.close();
}
const tWork0 = performance.now();
await Promise.all(Array.from({ length: Math.max(1, conc) }, worker));
const tWork = performance.now() - tWork0;
await browser.close();
console.error(JSON.stringify({
  docs, concurrency: conc, load, navigated, servedFonts: fontBodies.length,
  launch_ms: +tLaunch.toFixed(1), work_ms: +tWork.toFixed(1), sum_goto_load_ms: +loadMs.toFixed(1), sum_pdf_ms: +pdfMs.toFixed(1),
  total_in_process_ms: +(performance.now() - T0).toFixed(1),
}));
