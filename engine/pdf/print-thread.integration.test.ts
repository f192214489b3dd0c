import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { QuireError } from '../api/errors.ts';
import { DEFAULT_PDF_OPTIONS } from '../api/export-spec.ts';
import { ThreadedPdfRenderer } from './print-thread.ts';
import { chromiumChildren, pdfPagesByPdfinfo, pdfText, sampleHtml } from './test-support.ts';

async function rejection(promise: Promise<unknown>): Promise<QuireError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(QuireError);
    return e as QuireError;
  }
  throw new Error('expected the call to fail');
}

const renderer = new ThreadedPdfRenderer();
afterAll(() => renderer.close());

describe('ThreadedPdfRenderer (ChromiumPdfRenderer in a thread of its own)', () => {
  it('prints in the thread: the PDF, its page count and its text come back', async () => {
    renderer.warmUp();
    const phases: string[] = [];
    const { pdf, pages } = await renderer.render({
      html: sampleHtml('Threaded Report', 40),
      title: 'Threaded Report',
      options: DEFAULT_PDF_OPTIONS,
      onProgress: (phase) => phases.push(phase),
    });
    expect(pdf).toBeInstanceOf(Uint8Array);
    expect(pages).toBe(pdfPagesByPdfinfo(pdf));
    expect(pages).toBeGreaterThan(1);
    expect(pdfText(pdf)).toContain('Section 40');
    expect(phases).toEqual(['printing']);
    // Chromium is this process's child even though a worker thread launched it.
    expect(chromiumChildren().length).toBeGreaterThan(0);
  });

  it('errors keep their code across the thread', async () => {
    const small = new ThreadedPdfRenderer({ maxPageBytes: 1000 });
    try {
      const error = await rejection(small.render({ html: sampleHtml('Too big', 50), title: 'Too big', options: DEFAULT_PDF_OPTIONS }));
      expect(error.code).toBe('PDF_PAGE_TOO_LARGE');
      expect(error.message).toMatch(/Chromium can print pages up to/);
    } finally {
      await small.close();
    }
  });

  it('a cancel reaches the thread: JOB_CANCELLED at once, and the next render works', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const printing = renderer.render({ html: sampleHtml('Long', 1500), title: 'Long', options: DEFAULT_PDF_OPTIONS, signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    const error = await rejection(printing);
    expect(error.code).toBe('JOB_CANCELLED');
    expect(Date.now() - started).toBeLessThan(10_000);
    const next = await renderer.render({ html: sampleHtml('After', 2), title: 'After', options: DEFAULT_PDF_OPTIONS });
    expect(pdfText(next.pdf)).toContain('Section 2');
  });

  it('draws diagrams in the thread', async () => {
    const [result] = await renderer.renderDiagrams({ sources: ['graph TD; A-->B'], idPrefix: 'qd-thread' });
    expect(result!.ok).toBe(true);
    expect(result!.ok && result!.svg).toMatch(/^<svg[\s\S]*qd-thread-1/);
  });

  it('a thread that dies fails its requests with CHROMIUM_FAILED, never a hang, and the next request starts a new one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'quire-print-thread-'));
    // A real thread whose entry exits on the first request (what an out-of-memory abort looks like from outside).
    const entry = path.join(dir, 'exits.mjs');
    writeFileSync(entry, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => process.exit(3));\n");
    const dying = new ThreadedPdfRenderer({ workerFile: entry });
    try {
      for (let i = 0; i < 2; i++) {
        const error = await rejection(dying.render({ html: '<p>x', title: 'x', options: DEFAULT_PDF_OPTIONS }));
        expect(error.code).toBe('CHROMIUM_FAILED');
        expect(error.message).toMatch(/print thread stopped \(exit code 3\)/);
      }
    } finally {
      await dying.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('close() ends the browser it launched and the thread', async () => {
    const own = new ThreadedPdfRenderer();
    const before = new Set(chromiumChildren().map((c) => c.pid));
    await own.render({ html: '<p>one', title: 'one', options: DEFAULT_PDF_OPTIONS });
    const launched = chromiumChildren().filter((c) => !before.has(c.pid));
    expect(launched.length).toBe(1);
    await own.close();
    const alive = new Set(chromiumChildren().map((c) => c.pid));
    expect(alive.has(launched[0]!.pid)).toBe(false);
  });
});
