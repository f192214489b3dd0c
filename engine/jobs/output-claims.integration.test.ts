/**
 * Output files against a real engine: real SQLite files, real worker threads, real files on
 * disk. Outputs never replace a source or a file Quire did not write for that document, and
 * Download/Open hand over only the bytes their job wrote.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { rmrf, tempDir } from '../../tests/helpers.ts';
import { createEngine, type Engine, type EngineOptions } from '../engine.ts';
import { createQuireApi } from '../host/create-api.ts';
import { JsonSettingsStore, defaultSettings } from '../host/settings.ts';
import { immediate, openDatabase } from '../store/db.ts';
import { DocumentStore } from '../store/document-store.ts';
import { insertTestJob } from '../store/test-jobs.ts';
import { outputKeyOf } from './output-keys.ts';
import { chooseOutputBase, diskVerdict, publishOutput, readIntactOutput, reserveOutputs } from './output-claims.ts';

const dirs: string[] = [];
const engines: Engine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});
afterAll(() => dirs.forEach(rmrf));

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

async function engineFor(options: Partial<EngineOptions> = {}) {
  const dir = tempDir('quire-outputs-');
  dirs.push(dir);
  const out = path.join(dir, 'out');
  const engine = await createEngine({ dataDir: path.join(dir, 'data'), outputDir: out, maxThreads: 1, ...options });
  engines.push(engine);
  return { engine, dir, out };
}

async function exportDoc(engine: Engine, documentId: string, options: Record<string, unknown> = {}) {
  const { jobId } = await engine.startExport({ documentId, stageId: 'export', options: { formats: ['html', 'md'], ...options } });
  const [job] = await engine.waitForJobs([jobId]);
  expect(job!.status, job!.error?.message).toBe('completed');
  return job!;
}

describe('two documents with the same title (the app path)', () => {
  it('never share an output file, and each job reads back its own bytes', async () => {
    const { engine, out } = await engineFor();
    const d1 = await engine.createDocument({ title: 'Typed note', source: '# Typed note\n\nfirst document', format: 'md' });
    const d2 = await engine.createDocument({ title: 'Typed note', source: '# Typed note\n\nsecond document', format: 'md' });
    // One after the other, as a user clicks Export in two documents: the first job is no
    // longer active when the second starts, so only the recorded owner keeps them apart.
    const j1 = await exportDoc(engine, d1.id);
    const j2 = await exportDoc(engine, d2.id);
    expect(fs.readdirSync(out).sort()).toEqual(['Typed note (2).html', 'Typed note (2).md', 'Typed note.html', 'Typed note.md']);
    const paths1 = j1.outputs.map((o) => o.path);
    expect(j2.outputs.every((o) => !paths1.includes(o.path))).toBe(true);

    const a = await engine.readJobOutput(j1.id, 'html');
    const b = await engine.readJobOutput(j2.id, 'html');
    expect(a.data.toString()).toContain('first document');
    expect(b.data.toString()).toContain('second document');
    expect(sha(a.data)).toBe(j1.outputs.find((o) => o.format === 'html')!.sha256);

    // Exporting the first again replaces its own files, still apart from the second's.
    await engine.updateDocument(d1.id, { source: '# Typed note\n\nfirst, edited' });
    const j3 = await exportDoc(engine, d1.id);
    expect(j3.outputs.map((o) => o.path)).toEqual(paths1);
    expect(fs.readdirSync(out)).toHaveLength(4);
    expect((await engine.readJobOutput(j3.id, 'html')).data.toString()).toContain('first, edited');
    // The first job's file now holds other bytes: refused, plainly, never served as its own.
    await expect(engine.readJobOutput(j1.id, 'html')).rejects.toMatchObject({
      code: 'OUTPUT_CHANGED',
      message: 'Typed note.html was changed or replaced after Quire wrote it; export again to get a fresh copy.',
    });
    fs.rmSync(j2.outputs[0]!.path);
    await expect(engine.readJobOutput(j2.id, 'html')).rejects.toMatchObject({ code: 'OUTPUT_MISSING', message: expect.stringMatching(/^Typed note \(2\)\.html is gone/) });
    // Same size, other bytes: the hash catches it.
    const md = j2.outputs.find((o) => o.format === 'md')!;
    fs.writeFileSync(md.path, Buffer.alloc(md.bytes, 0x41));
    await expect(readIntactOutput(md)).rejects.toMatchObject({ code: 'OUTPUT_CHANGED' });
  });
});

describe('files Quire did not write', () => {
  it('a file already at the output path is kept; the export takes the next free name; overwrite replaces it', async () => {
    const { engine, out } = await engineFor();
    fs.mkdirSync(out, { recursive: true });
    const mine = path.join(out, 'Plans.html');
    fs.writeFileSync(mine, '<p>my own page</p>');
    const doc = await engine.createDocument({ title: 'Plans', source: '# Plans\n\ntext', format: 'md' });
    const j1 = await exportDoc(engine, doc.id, { formats: ['html'] });
    expect(fs.readFileSync(mine, 'utf8')).toBe('<p>my own page</p>');
    expect(j1.outputs.map((o) => path.basename(o.path))).toEqual(['Plans (2).html']);

    const j2 = await exportDoc(engine, doc.id, { formats: ['html'], overwrite: true });
    // With overwrite the plain name is free again: the user's file is replaced on request.
    expect(j2.outputs.map((o) => path.basename(o.path))).toEqual(['Plans.html']);
    expect(fs.readFileSync(mine, 'utf8')).toContain('Plans');
  });

  it('one base name for every format: a foreign notes.md moves the whole family to "(2)"', async () => {
    const { engine, out } = await engineFor();
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'Family.md'), 'mine');
    const doc = await engine.createDocument({ title: 'Family', source: '# Family', format: 'md' });
    const job = await exportDoc(engine, doc.id);
    expect(job.outputs.map((o) => path.basename(o.path))).toEqual(['Family (2).html', 'Family (2).md']);
    expect(fs.readFileSync(path.join(out, 'Family.md'), 'utf8')).toBe('mine');
  });

  it('a file that appears after the export was queued, before it is written, is kept', async () => {
    const { engine, out } = await engineFor({ stepDelayMs: 600 });
    const doc = await engine.createDocument({ title: 'Late', source: '# Late\n\nbody', format: 'md' });
    const { jobId } = await engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['html'] } });
    // Reserved as Late.html at enqueue; the user saves a file there while the job prepares.
    fs.writeFileSync(path.join(out, 'Late.html'), 'appeared meanwhile');
    const [job] = await engine.waitForJobs([jobId]);
    expect(job!.status).toBe('completed');
    expect(fs.readFileSync(path.join(out, 'Late.html'), 'utf8')).toBe('appeared meanwhile');
    expect(job!.outputs.map((o) => path.basename(o.path))).toEqual(['Late (2).html']);
    expect(fs.readdirSync(out).sort()).toEqual(['Late (2).html', 'Late.html']);
    expect((await engine.readJobOutput(jobId, 'html')).data.toString()).toContain('body');
  });

  it('a symlink at the output path is never followed or replaced, not even with overwrite', async () => {
    const { engine, dir, out } = await engineFor();
    fs.mkdirSync(out, { recursive: true });
    const target = path.join(dir, 'elsewhere.html');
    fs.writeFileSync(target, 'precious');
    fs.symlinkSync(target, path.join(out, 'Linked.html'));
    const doc = await engine.createDocument({ title: 'Linked', source: '# Linked', format: 'md' });
    const job = await exportDoc(engine, doc.id, { formats: ['html'], overwrite: true });
    expect(path.basename(job.outputs[0]!.path)).toBe('Linked (2).html');
    expect(fs.lstatSync(path.join(out, 'Linked.html')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(target, 'utf8')).toBe('precious');
  });

  it('never writes over a source file, not even with overwrite', async () => {
    const { engine, dir } = await engineFor();
    const folder = path.join(dir, 'notes');
    fs.mkdirSync(folder);
    const src = path.join(folder, 'notes.md');
    const original = '# Notes\n\n| a | b |\n|:-|-:|\n| 1 | 2 |\n';
    fs.writeFileSync(src, original);
    const doc = await engine.importFile(src);
    for (const overwrite of [false, true]) {
      const job = await exportDoc(engine, doc.id, { formats: ['md'], outDir: folder, fileName: doc.fileBaseName, overwrite });
      expect(job.outputs.map((o) => path.basename(o.path))).toEqual(['notes (2).md']);
      expect(fs.readFileSync(src, 'utf8')).toBe(original);
    }
    // Another document's source is as safe: a namesake document exported into that folder.
    const other = await engine.createDocument({ title: 'notes', source: '# other', format: 'md' });
    const job = await exportDoc(engine, other.id, { formats: ['md'], outDir: folder, overwrite: true });
    expect(path.basename(job.outputs[0]!.path)).not.toBe('notes.md');
    expect(fs.readFileSync(src, 'utf8')).toBe(original);
  });
});

describe('Open in the desktop app', () => {
  it('opens an output only while it holds the bytes its job wrote', async () => {
    const { engine, dir } = await engineFor();
    const opened: string[] = [];
    const api = createQuireApi(engine, {
      info: { kind: 'test', canOpenPath: true, canShowInFolder: true, downloadBase: null, assetBase: null, platform: process.platform, version: '0' },
      settings: new JsonSettingsStore(path.join(dir, 'settings.json'), defaultSettings(dir)),
      openOutput: async (file) => void opened.push(file),
    });
    const doc = await engine.createDocument({ title: 'Openable', source: '# Openable', format: 'md' });
    const job = await exportDoc(engine, doc.id, { formats: ['md'] });
    const file = job.outputs[0]!.path;
    await api.openOutput(file);
    expect(opened).toEqual([file]);
    fs.writeFileSync(file, 'replaced by someone');
    await expect(api.openOutput(file)).rejects.toMatchObject({ code: 'OUTPUT_CHANGED', message: expect.stringContaining('Openable.md was changed or replaced') });
    expect(opened).toHaveLength(1);
  });
});

describe('the overwriteOutputs setting', () => {
  it('reaches jobs through the engine\'s settings layer; default off', async () => {
    expect(defaultSettings('/x').overwriteOutputs).toBe(false);
    const { engine, out } = await engineFor({ settings: () => ({ ...defaultSettings('/x'), overwriteOutputs: true }) });
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'Setting.md'), 'old');
    const doc = await engine.createDocument({ title: 'Setting', source: '# Setting', format: 'md' });
    const job = await exportDoc(engine, doc.id, { formats: ['md'] });
    expect(job.spec.overwrite).toBe(true);
    expect(path.basename(job.outputs[0]!.path)).toBe('Setting.md');
  });
});

describe('the same file imported again', () => {
  it('is the same document: updated in place, its revision raised only when the content changed', async () => {
    const { engine, dir } = await engineFor({ runJobs: false });
    const src = path.join(dir, 'same.md');
    fs.writeFileSync(src, '# Same\n\none');
    const a = await engine.importFile(src);
    const b = await engine.importFile(path.join(dir, '.', 'same.md'));
    expect(b.id).toBe(a.id);
    expect(b.revision).toBe(1);
    fs.writeFileSync(src, '# Same again\n\ntwo');
    const c = await engine.importFile(src);
    expect(c).toMatchObject({ id: a.id, revision: 2, title: 'Same again', source: '# Same again\n\ntwo' });
    expect(await engine.listDocuments()).toHaveLength(1);
  });
});

describe('a crash between publishing an output and recording it', () => {
  it('the resumed job knows the file at its reserved path as its own: no "(2)" duplicate', async () => {
    const dir = tempDir('quire-outputs-crash-');
    dirs.push(dir);
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    const store = await openDatabase(path.join(dir, 'q.db'));
    try {
      const doc = await new DocumentStore(store.db).create({ title: 'Crash', source: '# Crash', format: 'md' });
      const claim = { documentId: doc.id, outDir: out, formats: ['html'] as const, overwrite: false };
      const jobId = await immediate(store.db, async (trx) => {
        const base = await chooseOutputBase(trx, { ...claim, jobId: null, base: 'Crash' });
        const row = await insertTestJob(trx, { document: doc, outputBase: base, dedupeKey: 'k', options: { formats: ['html'], outDir: out, fileName: 'Crash' } });
        await reserveOutputs(trx, { ...claim, jobId: row.id, base });
        return row.id;
      });
      const input = { documentId: doc.id, jobId, overwrite: false, outDir: out, bases: { reserved: 'Crash', plain: 'Crash' }, format: 'html' as const };
      const first = await publishOutput(store.db, { ...input, data: '<p>v1</p>' });
      expect(path.basename(first.path)).toBe('Crash.html');
      const key = outputKeyOf(first.path);

      // Killed after the file was in place, before it was confirmed: only the pending bytes are known.
      await store.db.updateTable('output_files').set({ sha256: null, bytes: null, pending_sha256: first.sha256, pending_bytes: first.bytes }).where('path', '=', key).execute();
      const again = await publishOutput(store.db, { ...input, data: '<p>v1</p>' });
      expect(again.path).toBe(first.path);
      expect(fs.readdirSync(out)).toEqual(['Crash.html']);

      // Killed after recording the next bytes, before publishing them: the old file is still ours.
      await store.db.updateTable('output_files').set({ pending_sha256: sha('<p>v2</p>'), pending_bytes: 9 }).where('path', '=', key).execute();
      const third = await publishOutput(store.db, { ...input, data: '<p>v2</p>' });
      expect(third.path).toBe(first.path);
      expect(fs.readdirSync(out)).toEqual(['Crash.html']);
      expect(fs.readFileSync(first.path, 'utf8')).toBe('<p>v2</p>');
      expect(await store.db.selectFrom('output_files').selectAll().execute()).toEqual([
        expect.objectContaining({ path: key, document_id: doc.id, job_id: jobId, sha256: sha('<p>v2</p>'), bytes: 9, pending_sha256: null }),
      ]);

      // A stranger's bytes at the same path are not ours: kept, the output goes to "(2)".
      fs.writeFileSync(first.path, 'a stranger');
      const fourth = await publishOutput(store.db, { ...input, data: '<p>v3</p>' });
      expect(path.basename(fourth.path)).toBe('Crash (2).html');
      expect(fs.readFileSync(first.path, 'utf8')).toBe('a stranger');
    } finally {
      await store.close();
    }
  });
});

describe('diskVerdict', () => {
  it('is free only for nothing there or a file of its own; a folder, a symlink or an unreachable path is not, with the reason', () => {
    const dir = tempDir('quire-verdict-');
    dirs.push(dir);
    const who = { documentId: 'doc-1', jobId: null, overwrite: false };
    expect(diskVerdict(path.join(dir, 'new.pdf'), undefined, who)).toEqual({ free: true, mode: 'new' });
    fs.mkdirSync(path.join(dir, 'folder.pdf'));
    expect(diskVerdict(path.join(dir, 'folder.pdf'), undefined, { ...who, overwrite: true })).toEqual({ free: false, reason: 'not a regular file' });
    fs.writeFileSync(path.join(dir, 'theirs.pdf'), 'not ours');
    fs.symlinkSync(path.join(dir, 'theirs.pdf'), path.join(dir, 'link.pdf'));
    expect(diskVerdict(path.join(dir, 'link.pdf'), undefined, { ...who, overwrite: true })).toEqual({ free: false, reason: 'not a regular file' });
    expect(diskVerdict(path.join(dir, 'theirs.pdf'), undefined, who)).toEqual({ free: false, reason: 'a file Quire did not write for this document' });
    // A file where a folder of the path should be: lstat throws ENOTDIR, not "nothing there".
    expect(diskVerdict(path.join(dir, 'theirs.pdf', 'x.pdf'), undefined, who)).toEqual({ free: false, reason: 'ENOTDIR' });
  });
});
