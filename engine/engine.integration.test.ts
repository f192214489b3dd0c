/**
 * The engine end to end in one process: real SQLite file, real Piscina workers, real
 * Chromium. Crash and multi-process behaviour live in tests/crash.test.ts.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS, ROOT, pdfinfo, pdftotext, rmrf, tempDir, waitFor } from '../tests/helpers.ts';
import type { JobSnapshot } from './api/types.ts';
import { DEFAULT_EVENT_INTERVAL_MS, createEngine, type Engine, type EngineOptions } from './engine.ts';
import { ChromiumPdfRenderer } from './pdf/chromium-pdf-renderer.ts';
import { openDatabase } from './store/db.ts';
import { JobStore } from './store/job-store.ts';

const dirs: string[] = [];
const engines: Engine[] = [];
// One browser for the whole file (as the app reuses one across jobs).
const pdf = new ChromiumPdfRenderer();

function newDir(): string {
  const dir = tempDir();
  dirs.push(dir);
  return dir;
}

/** An engine on a fresh folder, or on `dir`'s data folder (as a second process or a restart would open it). */
async function engineFor(options: Partial<EngineOptions> = {}, dir = newDir()): Promise<{ engine: Engine; dir: string; out: string }> {
  const out = path.join(dir, 'out');
  const engine = await createEngine({ dataDir: path.join(dir, 'data'), outputDir: out, pdfRenderer: pdf, maxThreads: 1, ...options });
  engines.push(engine);
  return { engine, dir, out };
}

function record(engine: Engine, jobId: string): JobSnapshot[] {
  const seen: JobSnapshot[] = [];
  engine.subscribe(jobId, (j) => seen.push(j));
  return seen;
}

const SAMPLE = `# Quarterly Report

Intro paragraph with **bold** text.

## Revenue

| Region | Q1 | Q2 |
|---|---|---|
| North | 10 | 12 |

## Outlook

\`\`\`js
console.log('hello');
\`\`\`
`;

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});
afterAll(async () => {
  await pdf.close();
  dirs.forEach(rmrf);
});

describe('export lifecycle', () => {
  it('runs queued → running → completed with valid outputs, monotonic progress and increasing seq', async () => {
    const { engine, out } = await engineFor();
    const doc = await engine.createDocument({ title: 'Quarterly Report', source: SAMPLE, format: 'md' });
    await engine.saveStageState(doc.id, 'details', { data: { author: 'Ada Lovelace', date: '2026-11-28' } });
    const { jobId, created } = await engine.startExport({ documentId: doc.id, stageId: 'export' });
    expect(created).toBe(true);
    const seen = record(engine, jobId);
    const [final] = await engine.waitForJobs([jobId]);

    expect(final).toMatchObject({ status: 'completed', progress: 100, step: 'done', attempt: 1, error: null, createdBy: os.userInfo().username, warnings: [] });
    expect(final!.outputs.map((o) => o.format)).toEqual(['pdf', 'html', 'md']);
    for (const o of final!.outputs) {
      const data = fs.readFileSync(o.path);
      expect(path.dirname(o.path)).toBe(out);
      expect(data.byteLength).toBe(o.bytes);
      expect(createHash('sha256').update(data).digest('hex')).toBe(o.sha256);
    }
    const pdfOut = final!.outputs.find((o) => o.format === 'pdf')!;
    expect(path.basename(pdfOut.path)).toBe('Quarterly Report.pdf');
    expect(Number(pdfinfo(pdfOut.path).Pages)).toBe(pdfOut.pages);
    const text = pdftotext(pdfOut.path);
    for (const h of ['Quarterly Report', 'Revenue', 'Outlook', 'Ada Lovelace']) expect(text).toContain(h);
    const md = fs.readFileSync(final!.outputs.find((o) => o.format === 'md')!.path, 'utf8');
    expect(md).toMatch(/## Revenue/);
    expect(md).toMatch(/\| North \| 10 \| 12 \|/);
    const html = fs.readFileSync(final!.outputs.find((o) => o.format === 'html')!.path, 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).not.toMatch(/<script/i);

    // Subscribers saw the snapshot first, then changes; never backwards, seq strictly increasing.
    await waitFor(() => seen.at(-1)?.status === 'completed', { what: 'final event' });
    expect(seen[0]!.status === 'queued' || seen[0]!.status === 'running').toBe(true);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.progress).toBeGreaterThanOrEqual(seen[i - 1]!.progress);
      expect(seen[i]!.seq).toBeGreaterThan(seen[i - 1]!.seq);
    }
    expect(seen.some((s) => s.status === 'running' && s.progress > 0 && s.progress < 100)).toBe(true);

    const states = await engine.getStageStates(doc.id);
    expect(states.find((s) => s.stageId === 'export')!.exportJobId).toBe(jobId);
    expect(states.find((s) => s.stageId === 'details')!.data).toEqual({ author: 'Ada Lovelace', date: '2026-11-28' });
    // The job's work folder is gone and no temp file is left next to the outputs.
    expect(fs.readdirSync(out).sort()).toEqual(['Quarterly Report.html', 'Quarterly Report.md', 'Quarterly Report.pdf']);
    expect(fs.existsSync(path.join(engine.dataDir, 'work', jobId))).toBe(false);
  });

  it('starting the same export again returns the active job; a new revision or new options start a new one', async () => {
    const { engine } = await engineFor({ stepDelayMs: 400 });
    const doc = await engine.createDocument({ title: 'Idem', source: '# Idem\n\ntext', format: 'md' });
    const a = await engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['html'] } });
    const b = await engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['html'] } });
    expect(b).toEqual({ jobId: a.jobId, created: false, spec: a.spec });
    const c = await engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['md'] } });
    expect(c.created).toBe(true);
    await engine.updateDocument(doc.id, { source: '# Idem\n\nchanged' });
    const d = await engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['html'] } });
    expect(d.created).toBe(true);
    expect(new Set([a.jobId, c.jobId, d.jobId]).size).toBe(3);
    const finals = await engine.waitForJobs([a.jobId, c.jobId, d.jobId]);
    expect(finals.map((j) => j.status)).toEqual(['completed', 'completed', 'completed']);
    // Once finished, the same request starts a fresh job.
    const e = await engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['html'] } });
    expect(e.created).toBe(true);
    expect((await engine.listJobs({ documentId: doc.id })).length).toBe(4);
    await engine.waitForJobs([e.jobId]);
  });

  it('a job exports the revision and details it was started with, not what the document became while it waited', async () => {
    const dir = newDir();
    const open = async (runJobs: boolean) => (await engineFor({ runJobs }, dir)).engine;
    const ui = await open(false);
    const doc = await ui.createDocument({ title: 'Draft', source: '# Draft\n\nRevision one text.\n', format: 'md' });
    await ui.saveStageState(doc.id, 'details', { data: { title: 'Title One', author: 'Ada' } });
    const started = await ui.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['pdf', 'html'] } });
    expect(started.spec).toMatchObject({ title: 'Title One', metadata: { author: 'Ada' }, source: { revision: 1 } });
    // Edited while the job waits in the queue: text, title and author.
    await ui.updateDocument(doc.id, { source: '# Draft\n\nRevision two text.\n' });
    await ui.saveStageState(doc.id, 'details', { data: { title: 'Title Two', author: 'Bob' } });
    await ui.close();

    const runner = await open(true);
    await runner.runUntilIdle();
    const job = await runner.getJob(started.jobId);
    expect(job.status).toBe('completed');
    expect(job.spec).toEqual(started.spec);
    const html = fs.readFileSync(job.outputs.find((o) => o.format === 'html')!.path, 'utf8');
    expect(html).toContain('Revision one text.');
    expect(html).not.toContain('Revision two');
    expect(html).toContain('<title>Title One</title>');
    const pdfFile = job.outputs.find((o) => o.format === 'pdf')!.path;
    // One title for the PDF's metadata, its running header and the HTML.
    expect(pdfinfo(pdfFile).Title).toBe('Title One');
    const text = pdftotext(pdfFile);
    expect(text).toContain('Revision one text.');
    expect(text).toContain('Title One');
    expect(text).not.toMatch(/Revision two|Title Two/);
    expect((await runner.getDocument(doc.id)).revision).toBe(2);
    // The snapshot goes once no queued or running job needs it.
    const store = await openDatabase(runner.dbPath);
    try {
      expect(await store.db.selectFrom('source_snapshots').selectAll().execute()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('a job resumed after its runner stopped writes the same bytes as one that ran straight through', async () => {
    const dir = newDir();
    const open = async (options: Partial<EngineOptions> = {}) => (await engineFor(options, dir)).engine;
    const first = await open();
    const doc = await first.createDocument({ title: 'Same bytes', source: SAMPLE, format: 'md' });
    const request = { documentId: doc.id, stageId: 'export', options: { formats: ['html', 'md'] as Array<'html' | 'md'> } };
    const straight = (await first.waitForJobs([(await first.startExport(request)).jobId]))[0]!;
    await first.close();

    const slow = await open({ stepDelayMs: 1_500 });
    const { jobId } = await slow.startExport(request);
    await waitFor(async () => (await slow.getJob(jobId)).step === 'html', { timeoutMs: 20_000 });
    await slow.close(); // the runner stops mid-job: the job goes back to the queue
    expect((await (await open({ runJobs: false })).getJob(jobId)).status).toBe('queued');
    const resumer = await open();
    await resumer.runUntilIdle();
    const resumed = await resumer.getJob(jobId);
    expect(resumed).toMatchObject({ status: 'completed', attempt: 2 });
    expect(resumed.outputs.map((o) => [o.format, o.sha256])).toEqual(straight.outputs.map((o) => [o.format, o.sha256]));
  });

  it('refuses unknown documents, non-export stages and bad options with specific codes', async () => {
    const { engine } = await engineFor({ runJobs: false });
    const doc = await engine.createDocument({ title: 'X', source: '# X', format: 'md' });
    await expect(engine.startExport({ documentId: 'missing', stageId: 'export' })).rejects.toMatchObject({ code: 'DOCUMENT_NOT_FOUND' });
    await expect(engine.startExport({ documentId: doc.id, stageId: 'write' })).rejects.toMatchObject({ code: 'NOT_AN_EXPORT_STAGE' });
    await expect(engine.startExport({ documentId: doc.id, stageId: 'nope' })).rejects.toMatchObject({ code: 'STAGE_NOT_FOUND' });
    await expect(engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['docx' as never] } })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
      message: 'The export request: formats.0 "docx" is not an export format; use pdf, html or md.',
    });
    await expect(engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: [] } })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    const file = path.join(dirs.at(-1)!, 'a-file');
    fs.writeFileSync(file, 'x');
    await expect(engine.startExport({ documentId: doc.id, stageId: 'export', options: { outDir: file } })).rejects.toMatchObject({
      code: 'OUTPUT_NOT_WRITABLE',
    });
    expect(await engine.listJobs()).toEqual([]);
  });

  it('two documents with the same title exporting to one folder never overwrite each other', async () => {
    const { engine, out } = await engineFor({ stepDelayMs: 200 });
    const d1 = await engine.createDocument({ title: 'Same', source: '# One', format: 'md' });
    const d2 = await engine.createDocument({ title: 'Same', source: '# Two', format: 'md' });
    const j1 = await engine.startExport({ documentId: d1.id, stageId: 'export', options: { formats: ['html'] } });
    const j2 = await engine.startExport({ documentId: d2.id, stageId: 'export', options: { formats: ['html'] } });
    await engine.waitForJobs([j1.jobId, j2.jobId]);
    expect(fs.readdirSync(out).sort()).toEqual(['Same (2).html', 'Same.html']);
  });
});

describe('cancel', () => {
  it('cancels a queued job at once; it never runs', async () => {
    const { engine } = await engineFor({ concurrency: 1, stepDelayMs: 1_000 });
    const doc = await engine.createDocument({ title: 'C', source: '# C', format: 'md' });
    const first = await engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['html'] } });
    const queued = await engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['md'] } });
    await waitFor(async () => (await engine.getJob(first.jobId)).status === 'running', { what: 'first running' });
    expect((await engine.getJob(queued.jobId)).status).toBe('queued');
    const cancelled = await engine.cancelExport(queued.jobId);
    expect(cancelled).toMatchObject({ status: 'cancelled', attempt: 0 });
    const [a, b] = await engine.waitForJobs([first.jobId, queued.jobId]);
    expect(a!.status).toBe('completed');
    expect(b).toMatchObject({ status: 'cancelled', attempt: 0, outputs: [] });
  });

  it('cancels a running PDF render: the page is closed, no temp file is left, status cancelled', async () => {
    const { engine, out } = await engineFor();
    const chapters = fs.readdirSync(path.join(CORPUS, 'rust-book')).filter((f) => f.endsWith('.md')).sort();
    const source = chapters.map((c) => fs.readFileSync(path.join(CORPUS, 'rust-book', c), 'utf8')).join('\n\n');
    const doc = await engine.createDocument({ title: 'Rust Book', source, format: 'md', baseDir: path.join(CORPUS, 'rust-book') });
    const { jobId } = await engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['pdf'] } });
    await waitFor(async () => ['Rendering PDF', 'Printing pages'].includes((await engine.getJob(jobId)).message), { what: 'PDF rendering', timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    await engine.cancelExport(jobId);
    const [final] = await engine.waitForJobs([jobId]);
    const cancelMs = Date.now() - t0;
    expect(final).toMatchObject({ status: 'cancelled', outputs: [] });
    expect(cancelMs).toBeLessThan(5_000);
    expect(fs.existsSync(out) ? fs.readdirSync(out) : []).toEqual([]);
    expect(fs.existsSync(path.join(engine.dataDir, 'work', jobId))).toBe(false);
    // The browser is still usable for the next job.
    const next = await engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['pdf'], fileName: 'small' } });
    await engine.updateDocument(doc.id, { source: '# Small\n\nok' });
    const [ok] = await engine.waitForJobs([next.jobId]);
    expect(ok!.status).toBe('completed');
  }, 180_000);
});

describe('failures', () => {
  it('a PDF step that cannot find Chromium ends the job in error with a message saying what to install', async () => {
    const broken = new ChromiumPdfRenderer({ executablePath: '/nonexistent/chromium' });
    const { engine, out } = await engineFor({ pdfRenderer: broken });
    const doc = await engine.createDocument({ title: 'E', source: '# E\n\ntext', format: 'md' });
    const { jobId } = await engine.startExport({ documentId: doc.id, stageId: 'export' });
    const [final] = await engine.waitForJobs([jobId]);
    expect(final!.status).toBe('error');
    expect(final!.error!.code).toMatch(/CHROMIUM_/);
    expect(final!.error!.message).toMatch(/chromium/i);
    expect(final!.error!.message).not.toMatch(/\n\s+at /); // no stack trace
    // What finished before the failure is kept and listed; nothing half-written.
    expect(final!.outputs.map((o) => o.format)).toEqual(['html', 'md']);
    expect(fs.readdirSync(out).sort()).toEqual(['E.html', 'E.md']);
    await broken.close();

    // Retry after the cause is fixed: a new job with the same options completes.
    await engine.close();
    const fixed = await createEngine({ dataDir: engine.dataDir, outputDir: out, pdfRenderer: pdf });
    engines.push(fixed);
    const retry = await fixed.retryExport(jobId);
    expect(retry.created).toBe(true);
    const [ok] = await fixed.waitForJobs([retry.jobId]);
    expect(ok).toMatchObject({ status: 'completed' });
    expect(ok!.outputs.map((o) => o.format)).toEqual(['pdf', 'html', 'md']);
    await expect(fixed.retryExport(retry.jobId)).rejects.toMatchObject({ code: 'JOB_NOT_RETRYABLE' });
  });

  it.each(['throw', 'exit'])('a worker that %ss ends the job in WORKER_CRASHED and the pool keeps serving', async (mode) => {
    const { engine } = await engineFor({ workerFile: path.join(ROOT, 'tests/fixtures/faulty-worker.ts'), concurrency: 1 });
    const bad = await engine.createDocument({ title: `Bad [[${mode}]]`, source: '# Bad', format: 'md' });
    const good = await engine.createDocument({ title: 'Good', source: '# Good\n\nfine', format: 'md' });
    const j1 = await engine.startExport({ documentId: bad.id, stageId: 'export', options: { formats: ['html', 'md'] } });
    const j2 = await engine.startExport({ documentId: good.id, stageId: 'export', options: { formats: ['html', 'md'] } });
    const [f1, f2] = await engine.waitForJobs([j1.jobId, j2.jobId]);
    expect(f1).toMatchObject({ status: 'error', error: { code: 'WORKER_CRASHED' } });
    expect(f1!.error!.message).toMatch(/worker stopped unexpectedly/);
    expect(f2).toMatchObject({ status: 'completed' });
    expect(f2!.outputs.map((o) => o.format)).toEqual(['html', 'md']);
  });
});

describe('events', () => {
  it(`at most one update per ${DEFAULT_EVENT_INTERVAL_MS} ms per job reaches subscribers, and the final state always does`, async () => {
    const { engine } = await engineFor();
    const doc = await engine.createDocument({ title: 'Burst', source: '# Burst', format: 'md' });
    const { jobId } = await engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['html', 'md'] } });
    const times: number[] = [];
    const statuses: string[] = [];
    engine.onDidChangeJob((j) => {
      if (j.id !== jobId) return;
      times.push(Date.now());
      statuses.push(j.status);
    });
    await engine.waitForJobs([jobId]);
    await waitFor(() => statuses.includes('completed'), { what: 'completed event' });
    // The runner writes far more often than that: the rows' seq shows how many changes there were.
    const final = await engine.getJob(jobId);
    expect(final.seq).toBeGreaterThan(times.length);
    const active = times.slice(0, statuses.indexOf('completed'));
    // Timers may fire a few ms early or late; the throttle's interval is what counts.
    for (let i = 1; i < active.length; i++) expect(active[i]! - active[i - 1]!).toBeGreaterThanOrEqual(DEFAULT_EVENT_INTERVAL_MS - 5);
  });
});

describe('following writes made by another connection', () => {
  it('sees every write, even one whose timestamp is older than its commit (it waited for the lock)', async () => {
    const { engine, dir } = await engineFor({ runJobs: false });
    const doc = await engine.createDocument({ title: 'Followed', source: '# Followed\n', format: 'md' });
    const { jobId } = await engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['html'] } });
    const seen = record(engine, jobId);
    await waitFor(() => seen.length > 0, { what: 'the first snapshot' });

    // Another runner on the same file: it claims, reports progress and finishes. Each write's
    // updated_at is then moved a minute back, as if the write had waited that long for a lock.
    const other = await openDatabase(path.join(dir, 'data', 'quire.db'));
    try {
      const jobs = new JobStore(other.db);
      const backdate = () => sql`UPDATE jobs SET updated_at = updated_at - 60000 WHERE id = ${jobId}`.execute(other.db);
      const claim = await jobs.claimNext({ id: 'other-runner', host: os.hostname(), pid: process.pid });
      expect(claim?.row.id).toBe(jobId);
      await backdate();
      await waitFor(() => seen.some((j) => j.status === 'running'), { what: 'running' });
      await jobs.update(jobId, claim!.token, { progress: 50, step: 'html', message: 'Halfway' });
      await backdate();
      await waitFor(() => seen.some((j) => j.progress === 50), { what: 'progress 50' });
      await jobs.finish(jobId, claim!.token, { status: 'completed', outputs: [], message: 'Done' });
      await backdate();
      await waitFor(() => seen.some((j) => j.status === 'completed'), { what: 'completed', timeoutMs: 5_000 });
    } finally {
      await other.close();
    }
    expect(seen.map((j) => j.status)).toEqual(['queued', 'running', 'running', 'completed']);
  });
});

describe('warnings', () => {
  it('a completed export lists the images it could not embed, and keeps them on the job', async () => {
    const { engine, dir } = await engineFor();
    const base = path.join(dir, 'doc');
    fs.mkdirSync(base);
    const doc = await engine.createDocument({
      title: 'With images',
      source: '# With images\n\n![gone](images/none.png)\n\n![web](https://example.com/a.png)\n',
      format: 'md',
      baseDir: base,
    });
    const { jobId } = await engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['html'] } });
    const [final] = await engine.waitForJobs([jobId]);
    const expected = [
      `image images/none.png not found in ${base} when the document was imported (put it there and export again, or add it in the Write stage)`,
      'image https://example.com/a.png is on the web and was not downloaded (Quire works offline); a link is shown instead',
    ];
    expect(final).toMatchObject({ status: 'completed', warnings: expected });
    // Stored, not only sent: a window that attaches later reads them too.
    expect((await engine.getJob(jobId)).warnings).toEqual(expected);
  });
});

describe('documents own their images', () => {
  const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
  const PNG = Buffer.from(PNG_B64, 'base64');
  const PNG2 = Buffer.concat([PNG, Buffer.from('replaced')]);

  it("a job started on revision N exports revision N's images after the file beside the document was replaced and re-imported", async () => {
    const dir = newDir();
    const open = async (runJobs: boolean) => (await engineFor({ runJobs }, dir)).engine;
    const folder = path.join(dir, 'doc');
    fs.mkdirSync(path.join(folder, 'images'), { recursive: true });
    const image = path.join(folder, 'images', 'chart.png');
    const file = path.join(folder, 'report.md');
    fs.writeFileSync(image, PNG);
    fs.writeFileSync(file, '# Report\n\nRevision one.\n\n![chart](./images/chart.png)\n');

    const ui = await open(false);
    const doc = await ui.importFile(file);
    const started = await ui.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['html', 'md'] } });
    const sha1 = createHash('sha256').update(PNG).digest('hex');
    expect(started.spec.assets).toEqual([{ ref: 'images/chart.png', sha256: sha1, bytes: PNG.length }]);
    // While the job waits: the image is replaced on disk and the document imported again (revision 2).
    fs.writeFileSync(image, PNG2);
    fs.writeFileSync(file, '# Report\n\nRevision two.\n\n![chart](./images/chart.png)\n');
    const again = await ui.importFile(file);
    expect(again).toMatchObject({ id: doc.id, revision: 2 });
    expect(again.assets[0]!.sha256).toBe(createHash('sha256').update(PNG2).digest('hex'));
    await ui.close();

    const runner = await open(true);
    await runner.runUntilIdle();
    const job = await runner.getJob(started.jobId);
    expect(job).toMatchObject({ status: 'completed', warnings: [] });
    const html = fs.readFileSync(job.outputs.find((o) => o.format === 'html')!.path, 'utf8');
    const embedded = [...html.matchAll(/<img src="data:image\/png;base64,([^"]+)"/g)].map((m) => m[1]);
    expect(embedded).toEqual([PNG_B64]);
    expect(html).toContain('Revision one.');
    expect(html).not.toContain(PNG2.toString('base64'));
    // The .md (in another folder than the document) refers to its own copy of revision one's image.
    const mdPath = job.outputs.find((o) => o.format === 'md')!.path;
    const copied = /!\[chart\]\(([^)]+\.assets\/chart\.png)\)/.exec(fs.readFileSync(mdPath, 'utf8'))?.[1];
    expect(copied).toBeDefined();
    expect(fs.readFileSync(path.resolve(path.dirname(mdPath), decodeURIComponent(copied!))).equals(PNG)).toBe(true);

    // A new export takes the document as it is now: revision 2 and the new image.
    const next = await runner.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['html'], fileName: 'now' } });
    const [done] = await runner.waitForJobs([next.jobId]);
    expect(fs.readFileSync(done!.outputs[0]!.path, 'utf8')).toContain(`data:image/png;base64,${PNG2.toString('base64')}`);
  });
});
