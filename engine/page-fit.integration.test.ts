/**
 * An image or diagram taller than the page is printed whole on one page, scaled to fit, not
 * cut across two (page-layout.ts fitCss). A Markdown file next to a real tall image (542×1096
 * from the system-design-primer README, which Quire once printed across pages 19 and 20)
 * through a real engine and Chromium; checked with pdfimages (on which pages each image is
 * drawn, at what resolution) and pdftotext (which page a diagram's labels are on).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CORPUS, rmrf, tempDir } from '../tests/helpers.ts';
import { createEngine, type Engine } from './engine.ts';
import { ChromiumPdfRenderer } from './pdf/chromium-pdf-renderer.ts';

const TALL = path.join(CORPUS, 'system-design-primer', 'images', '4j99mhe.png'); // 542×1096
const dirs: string[] = [];
const engines: Engine[] = [];
const pdf = new ChromiumPdfRenderer();

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});
afterAll(async () => {
  await pdf.close();
  dirs.forEach(rmrf);
});

/** Exports `markdown` (saved as doc.md beside a copy of the tall image) to PDF; the PDF's path. */
async function exportPdf(markdown: string): Promise<string> {
  const dir = tempDir();
  dirs.push(dir);
  fs.copyFileSync(TALL, path.join(dir, 'tall.png'));
  fs.writeFileSync(path.join(dir, 'doc.md'), markdown);
  const engine = await createEngine({ dataDir: path.join(dir, 'data'), outputDir: path.join(dir, 'out'), pdfRenderer: pdf, maxThreads: 1 });
  engines.push(engine);
  const doc = await engine.importFile(path.join(dir, 'doc.md'));
  const { jobId } = await engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['pdf'] } });
  const [final] = await engine.waitForJobs([jobId]);
  expect(final).toMatchObject({ status: 'completed', error: null, warnings: [] });
  const file = final!.outputs.find((o) => o.format === 'pdf')!.path;
  const keep = process.env.QUIRE_KEEP_OUTPUT; // a folder to look at the PDFs in
  if (keep) fs.copyFileSync(file, path.join(keep, `page-fit-${path.basename(dir)}.pdf`));
  return file;
}

/** Each drawing of the 542×1096 image (pdfimages -list: one row per page it is drawn on). */
function tallDrawings(file: string): Array<{ page: number; xPpi: number; yPpi: number }> {
  return execFileSync('pdfimages', ['-list', file], { encoding: 'utf8' })
    .split('\n')
    .slice(2)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[2] === 'image' && f[3] === '542' && f[4] === '1096')
    .map((f) => ({ page: Number(f[0]), xPpi: Number(f[12]), yPpi: Number(f[13]) }));
}

function pageText(file: string, page: number): string {
  return execFileSync('pdftotext', ['-f', String(page), '-l', String(page), file, '-'], { encoding: 'utf8' });
}

function pages(file: string): number {
  return Number(/^Pages:\s+(\d+)/m.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1]);
}

const STEPS = Array.from({ length: 16 }, (_, i) => `Stage ${String.fromCharCode(65 + i)}`);
/** A flowchart drawn top to bottom: 16 boxes, far taller than an A4 page at the text's width. */
const TALL_DIAGRAM = ['```mermaid', 'flowchart TD', ...STEPS.slice(1).map((s, i) => `  S${i}["${STEPS[i]}"] --> S${i + 1}["${s}"]`), '```'].join('\n');

describe('figures taller than the page', () => {
  it('an image and a diagram each printed whole on one page, in proportion (A4, the defaults)', async () => {
    const file = await exportPdf(`# Tall figures\n\nAn opening paragraph.\n\n![A tall drawing](tall.png)\n\nBetween the two.\n\n${TALL_DIAGRAM}\n\nThe end.\n`);
    const drawn = tallDrawings(file);
    // Without the limit: drawn at the text's width (≈170 mm, so ≈344 mm tall) on two pages.
    expect(drawn).toHaveLength(1);
    expect(Math.abs(drawn[0]!.xPpi - drawn[0]!.yPpi)).toBeLessThanOrEqual(2);
    const withLabels = Array.from({ length: pages(file) }, (_, i) => i + 1).filter((p) => STEPS.some((s) => pageText(file, p).includes(s)));
    expect(withLabels).toHaveLength(1);
    const labels = pageText(file, withLabels[0]!);
    for (const step of STEPS) expect(labels).toContain(step);
  });

  it('landscape Letter, an image given a width wider than the page by HTML: still whole, not squashed', async () => {
    const file = await exportPdf(`---\npdf:\n  pageSize: letter\n  landscape: true\n---\n\n# Wide page\n\n<img src="tall.png" width="2000" alt="A tall drawing">\n\nAfter it.\n`);
    const drawn = tallDrawings(file);
    expect(drawn).toHaveLength(1);
    // width="2000" is cut to the text's width and the height to the page's: drawn in proportion.
    expect(Math.abs(drawn[0]!.xPpi - drawn[0]!.yPpi)).toBeLessThanOrEqual(2);
    expect(pageText(file, drawn[0]!.page + (pages(file) > drawn[0]!.page ? 1 : 0))).toContain('After it.');
  });
});
