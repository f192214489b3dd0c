/**
 * The job store at scale (issue #10): migration 0007 upgrades a database made before it
 * (output name families filled in for rows already there, the listing indexes made), the
 * next free "name (n)" comes from the family index, the hot queries use their indexes (query
 * plans, not timings, so the test holds on a loaded machine), and listPage pages by keyset.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rmrf, tempDir } from '../../tests/helpers.ts';
import { createEngine } from '../engine.ts';
import { chooseOutputBase } from '../jobs/output-claims.ts';
import { nameFamilyOf } from '../jobs/output-families.ts';
import { outputKeyOf } from '../jobs/output-keys.ts';
import { immediate, openDatabase } from './db.ts';
import { JobStore } from './job-store.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach(rmrf));

function dir(): string {
  const d = tempDir('quire-store-scale-');
  dirs.push(d);
  return d;
}

describe('nameFamilyOf', () => {
  it('strips the extension and one trailing " (n)"', () => {
    expect(nameFamilyOf('/o/notes.pdf')).toEqual({ family: '/o/notes', number: 1 });
    expect(nameFamilyOf('/o/notes (12).html')).toEqual({ family: '/o/notes', number: 12 });
    expect(nameFamilyOf('/o/Report (2) (3).md')).toEqual({ family: '/o/Report (2)', number: 3 });
    expect(nameFamilyOf('/o/v1.2 (1).md')).toEqual({ family: '/o/v1.2 (1)', number: 1 });
    expect(nameFamilyOf('/o/README')).toEqual({ family: '/o/README', number: 1 });
  });
});

describe('migration 0007', () => {
  it('upgrades a 0006 database: existing output files get their family, the listing indexes exist', async () => {
    const d = dir();
    const file = path.join(d, 'q.db');
    const out = path.join(d, 'out');
    fs.mkdirSync(out);
    const old = await openDatabase(file, { migrateTo: '0006_export_specs_and_assets' });
    const now = Date.now();
    const insertDoc = old.sqlite.prepare(`insert into documents (id, title, source, format, base_dir, workflow_id, revision, created_at, updated_at) values (?, 'notes', '# n', 'md', null, 'report', 1, ?, ?)`);
    for (const id of ['d1', 'd2', 'd3']) insertDoc.run(id, now, now);
    // Outputs on disk, recorded with the bytes Quire wrote (so each is its document's own).
    const insertOutput = old.sqlite.prepare(`insert into output_files (path, document_id, job_id, sha256, bytes, updated_at) values (?, ?, ?, ?, ?, ?)`);
    for (const [name, doc] of [['notes.html', 'd1'], ['notes (2).html', 'd2'], ['notes (3).md', 'd3']] as const) {
      fs.writeFileSync(path.join(out, name), name);
      insertOutput.run(outputKeyOf(path.join(out, name)), doc, `j${doc.slice(1)}`, createHash('sha256').update(name).digest('hex'), Buffer.byteLength(name), now);
    }
    const insertJob = old.sqlite.prepare(
      `insert into jobs (id, document_id, stage_id, status, progress, step, message, attempt, max_attempts, created_by, created_at, updated_at, spec, outputs, output_base, doc_revision, dedupe_key, seq, cancel_requested, change_no, warnings)
       values (?, 'd1', 'export', 'completed', 100, 'done', '', 1, 5, 'me', ?, ?, '{"source":{}}', '[]', 'notes', 1, ?, 1, 0, ?, '[]')`,
    );
    for (let i = 0; i < 5; i++) insertJob.run(`j${i}`, now + i, now + i, `k${i}`, i + 1);
    await old.close();

    const store = await openDatabase(file);
    try {
      const rows = await store.db.selectFrom('output_files').select(['path', 'name_family', 'name_number']).orderBy('path').execute();
      const family = path.join(fs.realpathSync(out), 'notes');
      expect(rows.map((r) => [path.basename(r.path), r.name_family, r.name_number])).toEqual([
        ['notes (2).html', family, 2],
        ['notes (3).md', family, 3],
        ['notes.html', family, 1],
      ]);
      const indexes = (store.sqlite.prepare(`select name from sqlite_master where type = 'index'`).all() as Array<{ name: string }>).map((r) => r.name);
      expect(indexes).toEqual(expect.arrayContaining(['output_files_name_family', 'output_files_document_family', 'jobs_created', 'jobs_document_created']));
      // Its prefix is jobs_document_created's.
      expect(indexes).not.toContain('jobs_document');

      // A namesake document gets the number after the highest; d3 gets its own "(3)" back.
      const claim = { jobId: null, outDir: out, base: 'notes', formats: ['html', 'md'] as const, overwrite: false };
      const insertD4 = `insert into documents (id, title, source, format, workflow_id, created_at, updated_at) values ('d4', 'notes', '#', 'md', 'report', 1, 1)`;
      store.sqlite.prepare(insertD4).run();
      expect(await immediate(store.db, (trx) => chooseOutputBase(trx, { ...claim, documentId: 'd4' }))).toBe('notes (4)');
      expect(await immediate(store.db, (trx) => chooseOutputBase(trx, { ...claim, documentId: 'd3' }))).toBe('notes (3)');

      // Rows from before the upgrade page like new ones, newest first.
      const jobs = new JobStore(store.db);
      const first = await jobs.listPage({ limit: 2 });
      expect(first.jobs.map((j) => j.id)).toEqual(['j4', 'j3']);
      const second = await jobs.listPage({ limit: 2, cursor: first.nextCursor });
      expect(second.jobs.map((j) => j.id)).toEqual(['j2', 'j1']);
      const last = await jobs.listPage({ limit: 2, cursor: second.nextCursor });
      expect(last).toMatchObject({ nextCursor: null });
      expect(last.jobs.map((j) => j.id)).toEqual(['j0']);
      await expect(jobs.listPage({ cursor: 'bm9wZQ' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    } finally {
      await store.close();
    }
  });
});

describe('migration 0008', () => {
  it('drops the indexes no query uses; rows stay, every lookup and the cascade still use an index', async () => {
    const d = dir();
    const file = path.join(d, 'q.db');
    const old = await openDatabase(file, { migrateTo: '0007_output_name_families_and_job_pages' });
    const indexesOf = (s: typeof old) => (s.sqlite.prepare(`select name from sqlite_master where type = 'index'`).all() as Array<{ name: string }>).map((r) => r.name);
    expect(indexesOf(old)).toEqual(expect.arrayContaining(['jobs_updated', 'output_files_document', 'output_files_job']));
    old.sqlite.prepare(`insert into documents (id, title, source, format, workflow_id, created_at, updated_at) values ('d1', 'notes', '#', 'md', 'report', 1, 1)`).run();
    old.sqlite
      .prepare(
        `insert into jobs (id, document_id, stage_id, status, progress, step, message, attempt, max_attempts, created_by, created_at, updated_at, spec, outputs, output_base, doc_revision, dedupe_key, seq, cancel_requested, change_no, warnings)
         values ('j1', 'd1', 'export', 'queued', 0, 'queued', '', 0, 5, 'me', 1, 1, '{"source":{}}', '[]', 'notes', 1, 'k1', 1, 0, 1, '[]')`,
      )
      .run();
    old.sqlite.prepare(`insert into output_files (path, document_id, job_id, updated_at, name_family, name_number) values ('/o/notes.html', 'd1', 'j1', 1, '/o/notes', 1)`).run();
    await old.close();

    const store = await openDatabase(file);
    try {
      const indexes = indexesOf(store);
      for (const gone of ['jobs_updated', 'output_files_document', 'output_files_job']) expect(indexes).not.toContain(gone);
      expect(indexes).toEqual(expect.arrayContaining(['output_files_document_family', 'jobs_document_created', 'jobs_active_dedupe', 'jobs_change_no', 'jobs_source_sha256']));
      expect(store.sqlite.prepare('select id from jobs').pluck().all()).toEqual(['j1']);
      const plan = (q: string) => (store.sqlite.prepare(`explain query plan ${q}`).all() as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
      // What deleting a document cascades to, and what the removed indexes could have served.
      expect(plan(`delete from output_files where document_id = 'd1'`)).toMatch(/USING COVERING INDEX output_files_document_family/);
      expect(plan(`delete from jobs where document_id = 'd1'`)).toMatch(/USING COVERING INDEX jobs_document_created/);
      expect(plan(`select * from output_files where path = 'p' and job_id = 'j'`)).toMatch(/USING INDEX sqlite_autoindex_output_files_1/);
      store.sqlite.pragma('foreign_keys = ON');
      store.sqlite.prepare(`delete from documents where id = 'd1'`).run();
      expect(store.sqlite.prepare('select count(*) from output_files').pluck().get()).toBe(0);
      expect(store.sqlite.prepare('select count(*) from jobs').pluck().get()).toBe(0);
    } finally {
      await store.close();
    }
  });
});

describe('the hot queries use their indexes', () => {
  it('enqueue (dedupe, name family, own names) and a page of the listing never scan the jobs', async () => {
    const d = dir();
    const store = await openDatabase(path.join(d, 'q.db'));
    try {
      const plan = (q: string) => (store.sqlite.prepare(`explain query plan ${q}`).all() as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
      expect(plan(`select * from jobs where dedupe_key = 'k' and status in ('queued', 'running')`)).toMatch(/USING INDEX jobs_active_dedupe/);
      expect(plan(`select max(name_number) from output_files where name_family = 'f'`)).toMatch(/USING COVERING INDEX output_files_name_family/);
      expect(plan(`select name_number from output_files where document_id = 'd' and name_family = 'f'`)).toMatch(/USING INDEX output_files_document_family/);
      const page = `select *, rowid from jobs where (created_at, rowid) < (1, 1) order by created_at desc, rowid desc limit 101`;
      expect(plan(page)).toMatch(/USING INDEX jobs_created/);
      expect(plan(page)).not.toMatch(/TEMP B-TREE/);
      const byDoc = `select *, rowid from jobs where document_id = 'd' and (created_at, rowid) < (1, 1) order by created_at desc, rowid desc limit 101`;
      expect(plan(byDoc)).toMatch(/USING INDEX jobs_document_created/);
      expect(plan(byDoc)).not.toMatch(/TEMP B-TREE/);
    } finally {
      await store.close();
    }
  });
});

describe('startExports: a batch of namesakes', () => {
  it('records every job in few transactions with distinct names; a refused item leaves nothing', async () => {
    const d = dir();
    const out = path.join(d, 'out');
    const engine = await createEngine({ dataDir: path.join(d, 'data'), outputDir: out, runJobs: false });
    try {
      const docs = [];
      for (let i = 0; i < 30; i++) docs.push(await engine.createDocument({ title: 'Same', source: `# ${i}`, format: 'md' }));
      const inputs = docs.map((doc) => ({ documentId: doc.id, stageId: 'export', options: { formats: ['html' as const, 'md' as const] } }));
      // One input refused in the middle: its document does not exist.
      inputs.splice(10, 0, { documentId: 'missing', stageId: 'export', options: { formats: ['html', 'md'] } });
      // The same export twice in one batch is one job.
      inputs.push(inputs[0]!);
      const results = await engine.startExports(inputs);
      expect(results).toHaveLength(32);
      expect(results[10]).toMatchObject({ error: { code: 'DOCUMENT_NOT_FOUND' } });
      expect(results[31]).toEqual({ ...results[0], created: false });
      const ok = results.filter((r): r is Exclude<typeof r, { error: unknown }> => !('error' in r));
      const jobs = await Promise.all(ok.slice(0, 30).map((r) => engine.getJob(r.jobId)));
      expect(new Set(jobs.map((j) => j.id)).size).toBe(30);
      const listed = await engine.listJobsPage({ limit: 1000 });
      expect(listed.jobs).toHaveLength(30);
      // Every document its own base: Same, Same (2), … Same (30), in batch order.
      const bases = (await store(engine)).map((r) => r.output_base);
      expect(new Set(bases).size).toBe(30);
      expect(bases).toContain('Same');
      expect(bases).toContain('Same (30)');
    } finally {
      await engine.close();
    }
  });
});

/** The jobs' rows as stored (output_base is not in a snapshot). */
async function store(engine: { dbPath: string }) {
  const s = await openDatabase(engine.dbPath, { readonly: true });
  try {
    return await s.db.selectFrom('jobs').select(['id', 'output_base']).execute();
  } finally {
    await s.close();
  }
}
