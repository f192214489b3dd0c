// Quire's PDF renderer alone (engine/pdf/chromium-pdf-renderer.ts), for bench/bench.ts case 1:
// the print forms Quire's prepare step makes (images and bundled fonts linked, served by request
// interception) are made beforehand, untimed, and this prints them as a Quire batch does: one
// warm browser, the renderer's default print slots, its own routing, priorities, time limits and
// page reuse. No job store, no pipeline worker, no print thread, no Markdown: set beside the
// floor (which is given finished HTML too) it shows what Quire's printing itself costs, and
// beside `quire export` what the rest of a job costs. bench.ts bundles it with esbuild first, so
// no TypeScript is compiled in the timed run.
//   node out/bench/renderer-only.mjs <index.json> <outDir>
// index.json: [{ "html": "<print form path>", "pdf": "<name>.pdf", "title": "…", "assets": { "<sha256>": PrintAsset } }, …]
// Prints a timing line (JSON) to stderr.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_PDF_OPTIONS } from '../engine/api/export-spec.ts';
import { ChromiumPdfRenderer } from '../engine/pdf/chromium-pdf-renderer.ts';
import type { PrintAsset } from '../engine/pdf/pdf-renderer.ts';

interface Item {
  html: string;
  pdf: string;
  title: string;
  assets: Record<string, PrintAsset>;
}

const t0 = performance.now();
const [indexFile, outDir] = process.argv.slice(2);
if (!indexFile || !outDir) {
  console.error('usage: node out/bench/renderer-only.mjs <index.json> <outDir>');
  process.exit(2);
}
const items = JSON.parse(readFileSync(indexFile, 'utf8')) as Item[];
mkdirSync(outDir, { recursive: true });
const renderer = new ChromiumPdfRenderer();
// As a PDF job does when it starts (run-export-job.ts): the browser launches while the first document is read.
renderer.warmUp();
let pages = 0;
try {
  // The renderer's print slots queue what is over them, as for the jobs of a batch.
  await Promise.all(
    items.map(async (item) => {
      const rendered = await renderer.render({ html: readFileSync(item.html, 'utf8'), assets: item.assets, title: item.title, options: DEFAULT_PDF_OPTIONS });
      writeFileSync(path.join(outDir, item.pdf), rendered.pdf);
      pages += rendered.pages;
    }),
  );
} finally {
  await renderer.close();
}
console.error(JSON.stringify({ docs: items.length, pages, total_in_process_ms: Math.round(performance.now() - t0) }));
