/**
 * The QuireApi contract, end to end: every call and event against a real engine, over each
 * transport a host uses (see harness.ts). Invalid payloads must come back as typed errors
 * and leave the server serving; a refused sender gets UNAUTHORIZED_SENDER.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_EVENTS, API_METHODS, type DocumentChange, type QuireApi } from '../../engine/api/contract.ts';
import type { JobSnapshot, QuireDocument } from '../../engine/api/types.ts';
import { pdfinfo, pdftotext } from '../helpers.ts';
import { createHarness, failure, recorder, until, type Client, type Harness, type TransportKind } from './harness.ts';

const SOURCE = '# Field Notes\n\nA paragraph with *emphasis*.\n\n## Findings\n\n| a | b |\n|---|---|\n| 1 | 2 |\n';

describe.each<TransportKind>(['in-memory', 'electron-ipc'])('QuireApi over %s', (kind) => {
  let h: Harness;
  let client: Client;
  let quire: QuireApi;
  let jobEvents: { events: JobSnapshot[]; off: () => void };
  let docEvents: { events: DocumentChange[]; off: () => void };
  let doc: QuireDocument;
  let completed: JobSnapshot;

  const final = (jobId: string) =>
    until(() => jobEvents.events.find((j) => j.id === jobId && !['queued', 'running'].includes(j.status)), `job ${jobId} to end`);

  beforeAll(async () => {
    // A short pause per step keeps jobs observable (dedupe, cancel) without slowing the suite.
    h = await createHarness(kind, { stepDelayMs: 150 });
    client = h.client();
    quire = client.quire;
    jobEvents = recorder<JobSnapshot>((l) => quire.onDidChangeJob(l));
    docEvents = recorder<DocumentChange>((l) => quire.onDidChangeDocument(l));
    await until(() => h.subscriptions() === 2, 'the subscriptions to reach the engine');
  });

  afterAll(async () => {
    await h?.close();
  });

  it('getHostInfo and listWorkflows', async () => {
    expect(await quire.getHostInfo()).toMatchObject({ kind: 'test', canOpenPath: true, downloadBase: null });
    const workflows = await quire.listWorkflows();
    expect(workflows.map((w) => w.id)).toEqual(['report', 'note']);
    expect(workflows[0]!.stages.find((s) => s.kind === 'export')?.id).toBe('export');
  });

  it('documents: create, get, list, save, import, delete — each announced by onDidChangeDocument', async () => {
    doc = await quire.createDocument({ title: 'Field Notes', source: SOURCE, format: 'md' });
    expect(doc).toMatchObject({ title: 'Field Notes', format: 'md', workflowId: 'report', revision: 1, source: SOURCE });
    expect(await quire.getDocument(doc.id)).toEqual(doc);
    expect((await quire.listDocuments()).map((d) => d.id)).toContain(doc.id);

    const saved = await quire.saveDocument(doc.id, { title: 'Field Notes' , source: `${SOURCE}\nMore.\n` });
    expect(saved.revision).toBe(2);
    doc = saved;

    const imported = await quire.importDocument({ fileName: 'memo.md', content: '# Memo\n\nShort.\n', workflowId: 'note' });
    expect(imported).toMatchObject({ title: 'Memo', workflowId: 'note', format: 'md' });
    await quire.deleteDocument(imported.id);
    expect((await failure(quire.getDocument(imported.id))).code).toBe('DOCUMENT_NOT_FOUND');

    await until(() => docEvents.events.length >= 4, 'document events');
    expect(docEvents.events).toEqual([
      { documentId: doc.id, kind: 'created' },
      { documentId: doc.id, kind: 'updated' },
      { documentId: imported.id, kind: 'created' },
      { documentId: imported.id, kind: 'deleted' },
    ]);
  });

  it('addDocumentAssets: a document imported without its image lists it missing; adding the file stores it', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
    const memo = await quire.importDocument({ fileName: 'pictured.md', content: '# Pictured\n\n![dot](./img/dot.png) ![web](https://example.com/x.png)\n' });
    expect(memo.assets).toEqual([expect.objectContaining({ ref: 'img/dot.png', status: 'missing', sha256: null })]);
    const added = await quire.addDocumentAssets(memo.id, [
      { path: 'img/dot.png', data: png },
      { path: 'unrelated.png', data: png }, // referred to by nothing: ignored
    ]);
    const sha = crypto.createHash('sha256').update(Buffer.from(png, 'base64')).digest('hex');
    expect(added.assets).toEqual([expect.objectContaining({ ref: 'img/dot.png', status: 'stored', sha256: sha, mediaType: 'image/png' })]);
    expect((await quire.getDocument(memo.id)).assets).toEqual(added.assets);
    // The export's spec lists it by hash.
    expect((await quire.resolveExport({ documentId: memo.id, stageId: 'export' })).assets).toEqual([{ ref: 'img/dot.png', sha256: sha, bytes: 70 }]);
    await quire.deleteDocument(memo.id);
  });

  it('previewDocument: unsaved text through the export pipeline; a newer call supersedes an older one', async () => {
    const preview = await quire.previewDocument({ documentId: doc.id, source: '---\nauthor: Someone\n---\n# Unsaved heading\n' });
    expect(preview.html).toContain('<h1 id="unsaved-heading">Unsaved heading</h1>');
    expect(preview.html).not.toContain('author: Someone');
    expect(preview.warnings).toEqual([]);
    const older = quire.previewDocument({ documentId: doc.id, source: '# Older' });
    const newer = quire.previewDocument({ documentId: doc.id, source: '# Newer' });
    // The code crosses every transport (and the preload bridge) so the UI can ignore the older answer.
    expect((await failure(older)).code).toBe('PREVIEW_SUPERSEDED');
    expect((await newer).html).toContain('Newer');
  });

  it('stage states: save and read back', async () => {
    const state = await quire.saveStageState(doc.id, 'details', { status: 'done', data: { author: 'Ada Lovelace' } });
    expect(state).toMatchObject({ documentId: doc.id, stageId: 'details', status: 'done', data: { author: 'Ada Lovelace' } });
    const states = await quire.getStageStates(doc.id);
    expect(states.find((s) => s.stageId === 'details')).toEqual(state);
    expect((await failure(quire.saveStageState(doc.id, 'nope', {}))).code).toBe('STAGE_NOT_FOUND');
  });

  it('startExport (html + md) runs to completion with progress events; a repeat while active is the same job', async () => {
    const request = { documentId: doc.id, stageId: 'export', options: { formats: ['html', 'md'] as ('html' | 'md')[] } };
    const started = await quire.startExport(request);
    expect(started.created).toBe(true);
    expect(started.spec).toMatchObject({ documentId: doc.id, stageId: 'export', formats: ['html', 'md'], title: 'Field Notes', metadata: { author: 'Ada Lovelace' } });
    expect(await quire.resolveExport(request)).toEqual(started.spec);
    expect(await quire.startExport(request)).toEqual({ jobId: started.jobId, created: false, spec: started.spec });

    completed = await final(started.jobId);
    expect(completed).toMatchObject({ status: 'completed', progress: 100, step: 'done', error: null });
    const mine = jobEvents.events.filter((j) => j.id === started.jobId);
    expect(mine.map((j) => j.seq)).toEqual([...mine.map((j) => j.seq)].sort((a, b) => a - b));
    expect(mine.map((j) => j.progress)).toEqual([...mine.map((j) => j.progress)].sort((a, b) => a - b));
    expect(mine.some((j) => j.status === 'running')).toBe(true);

    expect(completed.outputs.map((o) => o.format)).toEqual(['html', 'md']);
    for (const o of completed.outputs) {
      const bytes = fs.readFileSync(o.path);
      expect(path.dirname(o.path)).toBe(h.outDir);
      expect(crypto.createHash('sha256').update(bytes).digest('hex')).toBe(o.sha256);
    }
    const html = fs.readFileSync(completed.outputs[0]!.path, 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('Findings</h2>');
    expect(html).not.toMatch(/<script/i);
    expect(fs.readFileSync(completed.outputs[1]!.path, 'utf8')).toMatch(/^# Field Notes/m);

    expect(await quire.getJob(started.jobId)).toEqual(completed);
    expect((await quire.listJobs({ documentId: doc.id })).map((j) => j.id)).toContain(started.jobId);
    expect(await quire.listJobs({ limit: 1 })).toHaveLength(1);
    // Paged: the first page names the next; following it never repeats a job.
    const first = await quire.listJobsPage({ limit: 1 });
    expect(first.jobs).toHaveLength(1);
    const rest = first.nextCursor ? await quire.listJobsPage({ limit: 1000, cursor: first.nextCursor }) : { jobs: [], nextCursor: null };
    expect(rest.nextCursor).toBeNull();
    expect([...first.jobs, ...rest.jobs].map((j) => j.id)).toEqual((await quire.listJobs({ limit: 1000 })).map((j) => j.id));
    expect((await quire.getStageStates(doc.id)).find((s) => s.stageId === 'export')?.exportJobId).toBe(started.jobId);
  });

  it('cancelExport stops a job; retryExport runs it again; a completed job is not retryable', async () => {
    const { jobId } = await quire.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['md'], fileName: 'to-cancel' } });
    const snapshot = await quire.cancelExport(jobId);
    expect(snapshot.id).toBe(jobId);
    expect((await final(jobId)).status).toBe('cancelled');
    expect(fs.existsSync(path.join(h.outDir, 'to-cancel.md'))).toBe(false);

    const retry = await quire.retryExport(jobId);
    expect(retry.created).toBe(true);
    expect(retry.jobId).not.toBe(jobId);
    const done = await final(retry.jobId);
    expect(done.status).toBe('completed');
    expect(done.outputs.map((o) => path.basename(o.path))).toEqual(['to-cancel.md']);

    expect((await failure(quire.retryExport(completed.id))).code).toBe('JOB_NOT_RETRYABLE');
    expect((await failure(quire.getJob('no-such-job'))).code).toBe('JOB_NOT_FOUND');
    expect((await failure(quire.startExport({ documentId: doc.id, stageId: 'write' }))).code).toBe('NOT_AN_EXPORT_STAGE');
  });

  it('settings: read, update, and the engine exports with them', async () => {
    const settings = await quire.getSettings();
    expect(settings).toMatchObject({ outputDir: h.outDir, defaultFormats: null, theme: 'system' });
    const next = await quire.updateSettings({ defaultFormats: ['md'], theme: 'dark', openFolderWhenDone: true });
    expect(next).toEqual({ ...settings, defaultFormats: ['md'], theme: 'dark', openFolderWhenDone: true });
    expect(await quire.getSettings()).toEqual(next);

    const { jobId } = await quire.startExport({ documentId: doc.id, stageId: 'export', options: { fileName: 'from-settings' } });
    const done = await final(jobId);
    expect(done.spec.formats).toEqual(['md']);
    expect(done.outputs.map((o) => path.basename(o.path))).toEqual(['from-settings.md']);

    expect((await failure(quire.updateSettings({ concurrency: 0 }))).code).toBe('INVALID_PAYLOAD');
    expect(await quire.updateSettings({ defaultFormats: settings.defaultFormats, theme: 'system', openFolderWhenDone: false })).toEqual(settings);
  });

  it('openOutput and showOutputInFolder: only outputs of our own jobs', async () => {
    const file = completed.outputs[0]!.path;
    await quire.openOutput(file);
    await quire.showOutputInFolder(file);
    expect(h.opened).toEqual([file]);
    expect(h.revealed).toEqual([file]);
    for (const p of ['/etc/passwd', path.join(h.outDir, 'other.pdf')]) {
      expect((await failure(quire.openOutput(p))).code).toBe('INVALID_INPUT');
      expect((await failure(quire.showOutputInFolder(p))).code).toBe('INVALID_INPUT');
    }
    expect(h.opened).toHaveLength(1);
  });

  it('exports a real PDF through the default Chromium renderer', async () => {
    const { jobId } = await quire.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['pdf'], fileName: 'field-notes' } });
    const done = await final(jobId);
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    const pdf = done.outputs[0]!;
    expect(pdf.format).toBe('pdf');
    const info = pdfinfo(pdf.path);
    expect(Number(info.Pages)).toBe(pdf.pages);
    expect(info['Page size']).toMatch(/A4/);
    expect(info.Tagged).toBe('yes');
    const text = pdftotext(pdf.path);
    expect(text).toContain('Field Notes');
    expect(text).toContain('Findings');
  });

  it('invalid payloads get INVALID_PAYLOAD, for every call, and the server keeps serving', async () => {
    const bad: Array<[keyof QuireApi, unknown[]]> = [
      ['listWorkflows', ['extra']],
      ['listDocuments', [1]],
      ['getDocument', ['']],
      ['getDocument', [5]],
      ['createDocument', [{ title: 'x', format: 'md' }]],
      ['createDocument', [{ title: 'x', source: 'y', format: 'docx' }]],
      ['createDocument', [{ title: 'x', source: 'y', format: 'md', baseDir: '/etc' }]],
      ['importDocument', [{ fileName: '', content: 'x' }]],
      ['saveDocument', [doc.id, { title: 5 }]],
      ['saveDocument', [doc.id]],
      ['deleteDocument', [null]],
      ['addDocumentAssets', [doc.id, [{ path: 'a.png', data: 'not base64!' }]]],
      ['getStageStates', [[]]],
      ['saveStageState', [doc.id, 'details', { status: 'weird' }]],
      ['resolveExport', [{ documentId: doc.id, stageId: 'export', options: { fileName: '' } }]],
      ['startExport', [{ documentId: doc.id }]],
      ['previewDocument', [{ documentId: doc.id, imageUrl: 'https://evil.example/{sha256}' }]],
      ['previewDocument', [{ documentId: doc.id, format: 'docx' }]],
      ['startExport', [{ documentId: doc.id, stageId: 'export', options: { formats: ['exe'] } }]],
      ['startExport', [{ documentId: doc.id, stageId: 'export', options: { pdf: { margins: { top: -5 } } } }]],
      ['cancelExport', [undefined]],
      ['retryExport', [{}]],
      ['listJobs', [{ limit: 0 }]],
      ['listJobs', ['all']],
      ['listJobsPage', [{ limit: 1001 }]],
      ['listJobsPage', [{ cursor: '../../etc' }]],
      ['getJob', ['x'.repeat(201)]],
      ['getSettings', [{}]],
      ['updateSettings', [{ theme: 'neon' }]],
      ['updateSettings', [{ outputDir: 42 }]],
      ['getHostInfo', [1]],
      ['openOutput', ['']],
      ['showOutputInFolder', [7]],
    ];
    const methodsCovered = new Set(bad.map(([m]) => m));
    expect([...API_METHODS].filter((m) => !methodsCovered.has(m))).toEqual([]);
    for (const [method, args] of bad) {
      const call = (quire[method] as (...a: unknown[]) => Promise<unknown>)(...args);
      const e = await failure(call);
      expect(e.code, `${method}(${JSON.stringify(args)})`).toBe('INVALID_PAYLOAD');
      expect(e.message).toContain(method);
    }
    expect((await quire.getDocument(doc.id)).id).toBe(doc.id);
  });

  it('survives garbage on the wire', async () => {
    const other = h.client();
    for (const m of [null, 'x', 42, [], {}, { t: 'call' }, { t: 'call', id: 1, method: 'constructor', args: [] }, { t: 'call', id: 2, method: 'listDocuments', args: 'nope' }, { t: 'sub', event: 'toString' }, { t: 'sub', event: 'onDidChangeJob', extra: 1 }, { t: 'unsub', event: 'nope' }, { t: 'result', id: 1, ok: true }]) {
      other.raw(m);
    }
    await new Promise((r) => setTimeout(r, 50));
    expect((await other.quire.listDocuments()).length).toBeGreaterThan(0);
    expect((await failure(other.quire.getDocument('missing'))).code).toBe('DOCUMENT_NOT_FOUND');
    other.close();
  });

  it('events reach every connected client; a closed client’s subscriptions are dropped', async () => {
    const before = h.subscriptions();
    const second = h.client();
    const seen = recorder<JobSnapshot>((l) => second.quire.onDidChangeJob(l));
    await until(() => h.subscriptions() === before + 1, 'the second subscription');
    const { jobId } = await quire.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['md'], fileName: 'two-clients' } });
    await final(jobId);
    await until(() => seen.events.some((j) => j.id === jobId && j.status === 'completed'), 'the second client to see the job end');

    const pending = second.quire.listJobs({ limit: 5 });
    second.close();
    await until(() => h.subscriptions() === before, 'the closed client’s subscription to be dropped');
    // Either it was answered before the close or it fails with TRANSPORT_CLOSED: it never hangs.
    const outcome = await pending.then(() => 'answered', (e: { code: string }) => e.code);
    expect(['answered', 'TRANSPORT_CLOSED']).toContain(outcome);
    expect((await failure(second.quire.listDocuments())).code).toBe('TRANSPORT_CLOSED');
  });

  it('unsubscribing stops events', async () => {
    const before = h.subscriptions();
    const extra = recorder<DocumentChange>((l) => quire.onDidChangeDocument(l));
    // One subscription on the wire per event per client: a second local listener adds none.
    await new Promise((r) => setTimeout(r, 20));
    expect(h.subscriptions()).toBe(before);
    extra.off();
    docEvents.off();
    await until(() => h.subscriptions() === before - 1, 'the document subscription to be dropped');
    const count = docEvents.events.length;
    await quire.createDocument({ title: 'Quiet', source: 'x', format: 'md' });
    await new Promise((r) => setTimeout(r, 50));
    expect(docEvents.events.length).toBe(count);
    expect(extra.events).toEqual([]);
  });

  it('this suite used every call and event of the contract', () => {
    const all = [...API_METHODS, ...API_EVENTS];
    expect(all.filter((name) => !client.used.has(name))).toEqual([]);
  });
});

describe('QuireApi over electron-ipc: sender check against a real engine', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('electron-ipc');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses calls and subscriptions from other origins, subframes and unknown windows', async () => {
    const good = h.client();
    const doc = await good.quire.createDocument({ title: 'Secret', source: 'x', format: 'md' });
    const intruders = [
      h.client({ url: 'https://evil.example/' }),
      h.client({ url: 'file:///tmp/evil.html' }),
      h.client({ url: 'quire://pdf/0b7f2c1e-9a7d-4a51' }),
      h.client({ isMainFrame: false }),
      h.client({ trusted: false }),
    ];
    const before = h.subscriptions();
    for (const c of intruders) {
      const seen = recorder<DocumentChange>((l) => c.quire.onDidChangeDocument(l));
      expect((await failure(c.quire.getDocument(doc.id))).code).toBe('UNAUTHORIZED_SENDER');
      expect((await failure(c.quire.deleteDocument(doc.id))).code).toBe('UNAUTHORIZED_SENDER');
      await good.quire.saveDocument(doc.id, { title: 'Secret!' });
      await new Promise((r) => setTimeout(r, 30));
      expect(seen.events).toEqual([]);
    }
    expect(h.subscriptions()).toBe(before);
    expect((await good.quire.getDocument(doc.id)).title).toBe('Secret!');
  });
});
