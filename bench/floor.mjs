#!/usr/bin/env node
// Copied unchanged (but for this line and the next) from ../shared/tools/floor.mjs so its imports
// (playwright-core, marked) resolve from node_modules; used by bench/bench.ts as the raw-Chromium floor.
// Raw-Chromium "floor": marked -> simple HTML page -> page.pdf(), ONE warm browser,
// N pages (default 2) printing in parallel. Usage:
//   node floor.mjs [--out DIR] [--concurrency N] file1.md file2.md ...
// Writes DIR/<name>.html and DIR/<name>.pdf. Prints a timing breakdown (JSON) to stderr.
import { chromium } from 'playwright-core';
import { marked } from 'marked';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const T0 = performance.now();
const argv = process.argv.slice(2);
let outDir = 'out-floor';
let conc = 2;
let quireOpts = false; // --quire-options: tagged PDF, outline, header/footer, as Quire's defaults
const files = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--out') outDir = argv[++i];
  else if (argv[i] === '--concurrency') conc = Number(argv[++i]);
  else if (argv[i] === '--quire-options') quireOpts = true;
  else files.push(argv[i]);
}
if (!files.length) { console.error('usage: floor.mjs [--out DIR] [--concurrency N] files...'); process.exit(2); }
await fs.mkdir(outDir, { recursive: true });

const CSS = `
@page { size: A4; margin: 20mm 18mm; }
html { font: 11pt/1.5 "DejaVu Sans", "Liberation Sans", sans-serif; color: #222; }
body { margin: 0; }
h1, h2, h3, h4 { line-height: 1.25; page-break-after: avoid; }
pre, code { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 9pt; }
pre { background: #f6f8fa; padding: 8px 10px; border-radius: 4px; white-space: pre-wrap; word-wrap: break-word; }
:not(pre) > code { background: #f0f0f0; padding: 0 3px; border-radius: 3px; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; }
img { max-width: 100%; }
blockquote { margin: 1em 0; padding-left: 1em; border-left: 4px solid #ddd; color: #555; }
a { color: #0366d6; text-decoration: none; }
`;

const page2html = (title, body, baseHref) => `<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title>
<base href="${baseHref}"><style>${CSS}</style></head>
<body>
${body}
</body></html>`;

const tLaunch0 = performance.now();
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  // Quire's own --disable-features too (engine/pdf/chromium-pdf-renderer.ts): the same Chromium.
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-features=SpareRendererForSitePerProcess,WebUIOmniboxPopup,WebUIOmniboxAimPopup'],
});
const context = await browser.newContext();
const tLaunch = performance.now() - tLaunch0;

let markedMs = 0, loadMs = 0, pdfMs = 0, pages = 0;
const queue = files.map((f, i) => [f, i]);
const results = [];

async function worker() {
  const page = await context.newPage();
  for (;;) {
    const item = queue.shift();
    if (!item) break;
    const [file] = item;
    const abs = path.resolve(file);
    const name = path.basename(file).replace(/\.md$/i, '');
    const md = await fs.readFile(abs, 'utf8');
    const t1 = performance.now();
    const body = marked.parse(md);
    const html = page2html(name, body, pathToFileURL(path.dirname(abs) + '/').href);
    markedMs += performance.now() - t1;
    const htmlPath = path.resolve(outDir, name + '.html');
    await fs.writeFile(htmlPath, html);
    const t2 = performance.now();
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
    loadMs += performance.now() - t2;
    const t3 = performance.now();
    const buf = await page.pdf(quireOpts
      ? { format: 'A4', printBackground: true, tagged: true, outline: true, displayHeaderFooter: true,
          headerTemplate: '<div style="font-size:8px;width:100%;text-align:center"><span class="title"></span></div>',
          footerTemplate: '<div style="font-size:8px;width:100%;text-align:center"><span class="pageNumber"></span> / <span class="totalPages"></span></div>',
          margin: { top: '18mm', bottom: '18mm', left: '16mm', right: '16mm' } }
      : { format: 'A4', printBackground: true });
    pdfMs += performance.now() - t3;
    await fs.writeFile(path.resolve(outDir, name + '.pdf'), buf);
    pages++;
    results.push(name);
  }
  await page.close();
}
const tWork0 = performance.now();
await Promise.all(Array.from({ length: Math.max(1, conc) }, worker));
const tWork = performance.now() - tWork0;
const tClose0 = performance.now();
await browser.close();
const tClose = performance.now() - tClose0;
console.error(JSON.stringify({
  docs: pages, concurrency: conc,
  launch_ms: +tLaunch.toFixed(1), work_ms: +tWork.toFixed(1), close_ms: +tClose.toFixed(1),
  sum_marked_ms: +markedMs.toFixed(1), sum_goto_load_ms: +loadMs.toFixed(1), sum_pdf_ms: +pdfMs.toFixed(1),
  total_in_process_ms: +(performance.now() - T0).toFixed(1),
}));
