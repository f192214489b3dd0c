// @vitest-environment jsdom
/**
 * The store and its actions against a REAL engine (SQLite, Piscina workers) over the
 * in-memory transport: what the UI does, checked where it lands — in the engine.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { QuireApi } from '../../../engine/api/contract.ts';
import type { JobSnapshot } from '../../../engine/api/types.ts';
import { closeWindow, openWindow, startRealQuire, until, type RealQuire } from '../test-support/real-quire.ts';
import { boot, shutdown } from './boot.ts';
import { createDocument, deleteDocument, importFiles, openDocument, renameDocument } from './documents-actions.ts';
import { editExportOptions, startExport } from './export-actions.ts';
import { cancelJob, loadJobs, rerunJob, retryJob } from './jobs-actions.ts';
import { navigate } from './routing.ts';
import { editDocument, editStageData, flushSaves } from './saving.ts';
import { resetStore, useQuireStore } from './store.ts';

let q: RealQuire;
let client: QuireApi & { dispose(): void };
const S = () => useQuireStore.getState();

beforeAll(async () => {
  // A short pause in every step keeps jobs active long enough to act on them.
  q = await startRealQuire({ engine: { stepDelayMs: 150 } });
});

afterAll(async () => {
  shutdown();
  await q.close();
});

beforeEach(async () => {
  client = await openWindow(q);
});

afterEach(() => {
  closeWindow(client);
});

async function newDoc(title: string, source = `# ${title}\n\nBody text.\n`): Promise<string> {
  const doc = await q.engine.createDocument({ title, source, format: 'md' });
  await openDocument(doc.id);
  return doc.id;
}

function finalJob(jobId: string): Promise<JobSnapshot> {
  return until(() => {
    const j = S().jobs[jobId];
    return j && (j.status === 'completed' || j.status === 'error' || j.status === 'cancelled') ? j : undefined;
  }, `job ${jobId} to end in the store`);
}

describe('boot and documents', () => {
  it('loads host info, settings, workflows and the document list', async () => {
    expect(S().ready).toBe(true);
    expect(S().hostInfo?.kind).toBe('test');
    expect(S().settings?.outputDir).toBe(q.outDir);
    expect(S().workflows.map((w) => w.id)).toContain('report');
    expect(Array.isArray(S().documents)).toBe(true);
  });

  it('creates a document and saves typing after a pause (debounced), in order', async () => {
    const id = (await createDocument('Plan', 'report'))!;
    expect(S().route).toEqual({ name: 'document', documentId: id, stageId: null });
    editDocument(id, { source: '# Plan\n\nv1' });
    editDocument(id, { source: '# Plan\n\nv2' });
    editDocument(id, { title: 'Plan B' });
    expect(S().saveStatus[id]).toBe('pending');
    // Nothing is sent while typing continues…
    expect((await q.engine.getDocument(id)).source).toBe('# Plan\n\n');
    await until(async () => (await q.engine.getDocument(id)).source === '# Plan\n\nv2', 'the debounced save');
    const saved = await q.engine.getDocument(id);
    expect(saved.title).toBe('Plan B');
    // Three edits became one save: revision 1 → 2.
    expect(saved.revision).toBe(2);
    await until(() => S().saveStatus[id] === 'saved', 'save status "saved"');
  });

  it('saves stage data as you go and keeps the export options where the engine reads them', async () => {
    const id = await newDoc('Details doc');
    editStageData(id, 'details', 'details', { author: 'Ada Lovelace', date: '2024-05-01' });
    editExportOptions(id, 'export', { formats: ['md'], pdf: { pageSize: 'Letter', margins: { top: 25 } } });
    await flushSaves(id);
    const states = await q.engine.getStageStates(id);
    expect(states.find((s) => s.stageId === 'details')).toMatchObject({ status: 'in_progress', data: { author: 'Ada Lovelace', date: '2024-05-01' } });
    expect(states.find((s) => s.stageId === 'export')!.data.exportOptions).toEqual({ formats: ['md'], pdf: { pageSize: 'Letter', margins: { top: 25 } } });
  });

  it('never stores an empty output folder (the engine would read it as a path)', async () => {
    const id = await newDoc('Folder cleared');
    editExportOptions(id, 'export', { formats: ['md'], outDir: '/tmp/somewhere' });
    editExportOptions(id, 'export', { outDir: '  ' });
    await flushSaves(id);
    const state = (await q.engine.getStageStates(id)).find((s) => s.stageId === 'export')!;
    expect(state.data.exportOptions).toEqual({ formats: ['md'] });
    const jobId = (await startExport(id, 'export'))!;
    expect((await q.engine.getJob(jobId)).spec.outDir).toBe(q.outDir);
    await finalJob(jobId);
  });

  it('renames and deletes documents', async () => {
    const id = await newDoc('Old name');
    expect(await renameDocument(id, '  New name ')).toBe(true);
    expect((await q.engine.getDocument(id)).title).toBe('New name');
    expect(S().documents.find((d) => d.id === id)?.title).toBe('New name');
    expect(await deleteDocument(id)).toBe(true);
    expect(S().documents.some((d) => d.id === id)).toBe(false);
    await expect(q.engine.getDocument(id)).rejects.toMatchObject({ code: 'DOCUMENT_NOT_FOUND' });
  });

  it('imports .md and .html files and reports an unsupported one by name', async () => {
    const ids = await importFiles([
      new File(['# From a file\n\nText.'], 'notes.md', { type: 'text/markdown' }),
      new File(['<html><head><title>Web page</title></head><body><p>Hi</p></body></html>'], 'page.html', { type: 'text/html' }),
      new File(['%PDF-1.4'], 'scan.pdf', { type: 'application/pdf' }),
    ]);
    expect(ids).toHaveLength(2);
    const docs = await Promise.all(ids.map((id) => q.engine.getDocument(id)));
    expect(docs.map((d) => [d.title, d.format])).toEqual([
      ['From a file', 'md'],
      ['Web page', 'html'],
    ]);
    expect(S().notices.some((n) => n.kind === 'error' && n.text.includes('scan.pdf'))).toBe(true);
  });

  it('follows documents deleted by another window', async () => {
    const id = await newDoc('Doomed');
    navigate({ name: 'document', documentId: id, stageId: 'write' });
    const other = q.connectClient();
    await other.deleteDocument(id);
    await until(() => !S().documents.some((d) => d.id === id) && S().route.name === 'library', 'the deletion to reach the store');
    expect(S().notices.some((n) => n.text.includes('deleted'))).toBe(true);
  });
});

describe('export jobs', () => {
  it('starts an export and follows it live to completed, with seq and progress never going back', async () => {
    const id = await newDoc('Live export');
    editExportOptions(id, 'export', { formats: ['html', 'md'] });
    const seen: Array<{ seq: number; progress: number; status: string }> = [];
    let jobId: string | null = null;
    const off = useQuireStore.subscribe((s) => {
      const j = jobId ? s.jobs[jobId] : undefined;
      if (j && seen.at(-1)?.seq !== j.seq) seen.push({ seq: j.seq, progress: j.progress, status: j.status });
    });
    jobId = await startExport(id, 'export');
    expect(jobId).toBeTruthy();
    expect(S().stages[id]!.export!.exportJobId).toBe(jobId);
    const final = await finalJob(jobId!);
    off();
    expect(final.status).toBe('completed');
    expect(final.outputs.map((o) => o.format)).toEqual(['html', 'md']);
    for (const o of final.outputs) expect(fs.statSync(o.path).size).toBe(o.bytes);
    expect(path.dirname(final.outputs[0]!.path)).toBe(q.outDir);
    // Live: several distinct states arrived, in order.
    expect(seen.length).toBeGreaterThan(2);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.seq).toBeGreaterThan(seen[i - 1]!.seq);
      expect(seen[i]!.progress).toBeGreaterThanOrEqual(seen[i - 1]!.progress);
    }
    expect(seen.some((s) => s.status === 'running' && s.progress > 0 && s.progress < 100)).toBe(true);
  });

  it('drops a stale snapshot (seq <= the one held)', async () => {
    const id = await newDoc('Stale');
    editExportOptions(id, 'export', { formats: ['md'] });
    const jobId = (await startExport(id, 'export'))!;
    const final = await finalJob(jobId);
    S().applyJobs([{ ...final, seq: final.seq - 1, status: 'running', progress: 10 }]);
    S().applyJobs([{ ...final, status: 'running', progress: 10 }]);
    expect(S().jobs[jobId]).toEqual(final);
  });

  it('re-attaches to a running job on load and never starts one', async () => {
    const id = await newDoc('Reload me');
    editExportOptions(id, 'export', { formats: ['html', 'md'] });
    const jobId = (await startExport(id, 'export'))!;
    // A "reload": a fresh store and a fresh connection.
    closeWindow(client);
    client = await openWindow(q);
    navigate({ name: 'document', documentId: id, stageId: 'export' });
    await until(() => S().jobs[jobId], 'the job to be re-attached');
    expect(S().stages[id]!.export!.exportJobId).toBe(jobId);
    expect((await finalJob(jobId)).status).toBe('completed');
    expect(await q.engine.listJobs({ documentId: id })).toHaveLength(1);
  });

  it('gets the same job when Start is pressed again while it is active', async () => {
    const id = await newDoc('Twice');
    editExportOptions(id, 'export', { formats: ['html'] });
    const [a, b] = await Promise.all([startExport(id, 'export'), q.connectClient().startExport({ documentId: id, stageId: 'export', options: { formats: ['html'] } })]);
    expect(b.jobId).toBe(a);
    await finalJob(a!);
    expect(await q.engine.listJobs({ documentId: id })).toHaveLength(1);
  });

  it('cancels a running job', async () => {
    const id = await newDoc('Cancel me');
    editExportOptions(id, 'export', { formats: ['html', 'md'] });
    const jobId = (await startExport(id, 'export'))!;
    await until(() => S().jobs[jobId]?.status === 'running', 'the job to run');
    await cancelJob(jobId);
    expect((await finalJob(jobId)).status).toBe('cancelled');
    expect((await q.engine.getJob(jobId)).status).toBe('cancelled');
  });

  it('reports a start the engine refuses, with its message', async () => {
    const id = await newDoc('Bad folder');
    const file = path.join(q.dir, 'not-a-folder');
    fs.writeFileSync(file, 'x');
    editExportOptions(id, 'export', { formats: ['html'], outDir: file });
    expect(await startExport(id, 'export')).toBeNull();
    expect(S().stageErrors[`${id}:export`]).toMatch(/Cannot write to the output folder .*not-a-folder/);
    expect(await q.engine.listJobs({ documentId: id })).toHaveLength(0);
  });

  it('shows a failed job with its error, and Retry runs a new job that completes', async () => {
    const id = await newDoc('Will fail');
    const outDir = path.join(q.dir, 'blocked');
    editExportOptions(id, 'export', { formats: ['html'], outDir });
    const jobId = (await startExport(id, 'export'))!;
    // The output folder is replaced by a file while the job waits in its first step (a
    // drive unplugged, a folder deleted): the write fails inside the job. (A file or folder
    // merely sitting at the output path no longer fails a job: it is kept and the output
    // takes the next free name.)
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.writeFileSync(outDir, 'not a folder');
    const failed = await finalJob(jobId);
    expect(failed.status).toBe('error');
    expect(failed.error).toMatchObject({ code: 'OUTPUT_WRITE_FAILED' });
    expect(failed.error!.message).toContain('Will fail.html: the output folder is no longer a folder');
    fs.rmSync(outDir);
    const retried = (await retryJob(jobId))!;
    expect(retried).not.toBe(jobId);
    expect(S().stages[id]!.export!.exportJobId).toBe(retried);
    expect((await finalJob(retried)).status).toBe('completed');
  });

  it('lists jobs across documents for the jobs panel', async () => {
    const a = await newDoc('Panel A');
    const b = await newDoc('Panel B');
    editExportOptions(a, 'export', { formats: ['md'] });
    editExportOptions(b, 'export', { formats: ['md'] });
    const ja = (await startExport(a, 'export'))!;
    const jb = (await startExport(b, 'export'))!;
    await Promise.all([finalJob(ja), finalJob(jb)]);
    resetStore();
    await boot(client);
    await loadJobs();
    expect(S().jobsLoaded).toBe(true);
    expect(Object.keys(S().jobs)).toEqual(expect.arrayContaining([ja, jb]));
  });

  it('runs a completed job again (jobs panel) as a new start of its stage, with the options the stage holds', async () => {
    const doc = await q.engine.createDocument({ title: 'Again', source: '# Again\n', format: 'md' });
    await q.engine.saveStageState(doc.id, 'export', { status: 'in_progress', data: { exportOptions: { formats: ['md'] } } });
    const first = await q.engine.startExport({ documentId: doc.id, stageId: 'export' });
    await loadJobs();
    const done = await finalJob(first.jobId);
    expect(done.status).toBe('completed');
    // Not open in this window: the stage's saved choice is fetched, not the stage's default (pdf).
    expect(S().stages[doc.id]).toBeUndefined();
    const again = (await rerunJob(done))!;
    expect(again).not.toBe(first.jobId);
    const next = await finalJob(again);
    expect(next.status).toBe('completed');
    expect(next.outputs.map((o) => o.format)).toEqual(['md']);
    expect(S().stages[doc.id]!.export!.exportJobId).toBe(again);
  });
});
