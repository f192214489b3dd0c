/**
 * Issue #7, defects 5–7, at the engine: a Chromium killed mid-print (the job retries on a
 * fresh browser, or fails clearly), a worker step past its time limit (a 5,000-column table),
 * and nothing left behind by either. Real SQLite, real worker threads, real Chromium.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rmrf, tempDir, waitFor } from '../tests/helpers.ts';
import { createEngine, type Engine, type EngineOptions } from './engine.ts';
import { ChromiumPdfRenderer } from './pdf/chromium-pdf-renderer.ts';
import { chromiumChildren, pdfText, processesUsing, sampleHtml } from './pdf/test-support.ts';
import { marked } from 'marked';
import { wideTableMarkdown } from './pipeline/test-support.ts';

const dirs: string[] = [];
const engines: Engine[] = [];

// A private temp folder: what the renderers leave in it is ours to see (and nobody else's).
let privateTmp = '';
let savedTmp: string | undefined;
beforeAll(() => {
  savedTmp = process.env.TMPDIR;
  privateTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-lc-'));
  process.env.TMPDIR = privateTmp; // os.tmpdir() reads it on every call
});
afterAll(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  dirs.forEach(rmrf);
  rmrf(privateTmp);
});
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});

async function engineFor(options: Partial<EngineOptions> = {}): Promise<Engine> {
  const dir = tempDir();
  dirs.push(dir);
  const engine = await createEngine({ dataDir: path.join(dir, 'data'), outputDir: path.join(dir, 'out'), maxThreads: 1, concurrency: 1, ...options });
  engines.push(engine);
  return engine;
}

/** Waits until the job prints its PDF in a browser, then kills that browser (SIGKILL); returns its pid. */
async function killBrowserMidPrint(engine: Engine, jobId: string, spare: number[] = []): Promise<number> {
  await waitFor(async () => (await engine.getJob(jobId)).step === 'pdf', { timeoutMs: 60_000, what: 'the PDF step' });
  const browser = await waitFor(() => chromiumChildren().find((b) => !spare.includes(b.pid)), { timeoutMs: 30_000, what: 'a browser' });
  await new Promise((resolve) => setTimeout(resolve, 300));
  process.kill(browser.pid, 'SIGKILL');
  return browser.pid;
}

describe('Chromium killed mid-print', () => {
  it('the job retries on a fresh browser and completes; a second death fails it clearly; nothing is left', async () => {
    const renderer = new ChromiumPdfRenderer();
    const engine = await engineFor({ pdfRenderer: renderer });
    const doc = await engine.createDocument({ title: 'Big', source: sampleHtml('Big', 1500), format: 'html' });

    // One death: retried within the job's attempt, on a fresh browser.
    const first = await engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['pdf'] } });
    const killed = await killBrowserMidPrint(engine, first.jobId);
    const [ok] = await engine.waitForJobs([first.jobId]);
    expect(ok, JSON.stringify(ok!.error)).toMatchObject({ status: 'completed', attempt: 1 });
    expect(pdfText(fs.readFileSync(ok!.outputs[0]!.path))).toContain('Big');
    expect(chromiumChildren().map((b) => b.pid)).not.toContain(killed);

    // Two deaths: the job ends in error, saying what happened; its work folder goes.
    await engine.updateDocument(doc.id, { source: sampleHtml('Doomed', 1500) });
    const second = await engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['pdf'], fileName: 'doomed' } });
    const once = await killBrowserMidPrint(engine, second.jobId, [killed]);
    await killBrowserMidPrint(engine, second.jobId, [killed, once]);
    const [failed] = await engine.waitForJobs([second.jobId]);
    expect(failed).toMatchObject({ status: 'error', error: { code: 'CHROMIUM_FAILED' } });
    // Where the second kill lands (starting, loading, printing) decides the reason in brackets.
    expect(failed!.error!.message).toMatch(/^Chromium could not start or crashed while rendering the PDF \(.+\)\. Retry the export/);
    expect(fs.existsSync(path.join(engine.dataDir, 'work', second.jobId))).toBe(false);

    await engine.close();
    await renderer.close();
    expect(chromiumChildren()).toEqual([]);
    expect(fs.readdirSync(privateTmp).filter((f) => f.startsWith('quire-chromium-') || f.startsWith('playwright'))).toEqual([]);
    expect(processesUsing(privateTmp)).toEqual([]);
  }, 240_000);
});

describe('worker step time limit', () => {
  it('an HTML document with a 5,000-column table fails the Markdown step within its limit, naming the step and the table; the pool serves the next job', async () => {
    const engine = await engineFor({ stepTimeLimitMs: 6_000 });
    // An HTML source: its Markdown is made by turndown (a Markdown source's .md is its own text).
    const wideHtml = `<h1>Wide</h1>\n${marked.parse(wideTableMarkdown(5000), { async: false })}`;
    const wide = await engine.createDocument({ title: 'Wide', source: wideHtml, format: 'html' });
    const next = await engine.createDocument({ title: 'Next', source: '# Next\n\nfine\n', format: 'md' });
    const started = Date.now();
    const j1 = await engine.startExport({ documentId: wide.id, stageId: 'export', options: { formats: ['html', 'md'] } });
    const j2 = await engine.startExport({ documentId: next.id, stageId: 'export', options: { formats: ['html', 'md'] } });
    const [f1] = await engine.waitForJobs([j1.jobId]);
    // The limit (6 s) plus the other steps; unlimited, this conversion takes minutes.
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(f1).toMatchObject({ status: 'error', attempt: 1, error: { code: 'STEP_TIMEOUT' } });
    expect(f1!.error!.message).toBe(
      'The Markdown step took longer than 6 s and was stopped. The document has a table with 5,000 columns, which the Markdown converter handles slowly. Split the table, or export PDF and HTML only.',
    );
    // What finished is kept; the failed job's work folder (its export HTML) is not.
    expect(f1!.outputs.map((o) => o.format)).toEqual(['html']);
    expect(fs.existsSync(path.join(engine.dataDir, 'work', j1.jobId))).toBe(false);
    const [f2] = await engine.waitForJobs([j2.jobId]);
    expect(f2).toMatchObject({ status: 'completed' });
    expect(fs.readFileSync(f2!.outputs.find((o) => o.format === 'md')!.path, 'utf8')).toContain('# Next');
  }, 120_000);
});
