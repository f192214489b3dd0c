import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rmrf, tempDir } from '../../tests/helpers.ts';
import { outputKeyOf } from '../jobs/output-keys.ts';
import BetterSqlite3 from 'better-sqlite3';
import { allMigrationsApplied, createMigrator, integrityCheck, openDatabase } from './db.ts';
import { JobStore } from './job-store.ts';
import { LATEST_MIGRATION, MIGRATIONS } from './migrations.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach(rmrf));

describe('openDatabase', () => {
  it('uses WAL, foreign keys and full sync, and passes integrity_check', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const store = await openDatabase(path.join(dir, 'q.db'));
    expect(store.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.sqlite.pragma('synchronous', { simple: true })).toBe(2);
    expect(await integrityCheck(store.sqlite)).toBe('ok');
    await store.close();
  });

  it('close() closes the file even when no query went through Kysely: the log is checkpointed and removed', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = path.join(dir, 'q.db');
    for (const round of ['new file', 'up to date']) {
      const store = await openDatabase(file);
      store.sqlite.exec(`create table if not exists filler (x text); insert into filler values ('${round}')`);
      await store.close();
      expect(store.sqlite.open, round).toBe(false);
      expect(fs.existsSync(`${file}-wal`), round).toBe(false);
    }
    const reader = new BetterSqlite3(file, { readonly: true });
    expect(reader.prepare('select x from filler').pluck().all()).toEqual(['new file', 'up to date']);
    reader.close();
  });

  it('tells an up-to-date file from a new, a partly migrated or a foreign one in one query', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const names = Object.keys(MIGRATIONS);
    const fresh = new BetterSqlite3(path.join(dir, 'new.db'));
    expect(allMigrationsApplied(fresh)).toBe(false);
    fresh.close();
    const older = await openDatabase(path.join(dir, 'older.db'), { migrateTo: names.at(-2) });
    expect(allMigrationsApplied(older.sqlite)).toBe(false);
    await older.close();
    // Opening it again brings it up to date; then the check says so.
    const upgraded = await openDatabase(path.join(dir, 'older.db'));
    expect(allMigrationsApplied(upgraded.sqlite)).toBe(true);
    expect(upgraded.sqlite.prepare('SELECT name FROM kysely_migration ORDER BY name').pluck().all()).toEqual([...names].sort());
    await upgraded.close();
    const other = new BetterSqlite3(path.join(dir, 'other.db'));
    other.exec('CREATE TABLE kysely_migration (name TEXT)');
    expect(allMigrationsApplied(other)).toBe(false);
    other.close();
  });

  it('migrates a database made before change numbers and warnings (0002) to the latest, keeping rows', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = path.join(dir, 'q.db');
    const previous = '0002_checkpoints_and_cancel';
    expect(Object.keys(MIGRATIONS)).toContain(previous);
    const old = await openDatabase(file, { migrateTo: previous });
    const now = Date.now();
    await old.db
      .insertInto('documents')
      .values({ id: 'd1', title: 'T', source: '# T', format: 'md', base_dir: null, workflow_id: 'report', revision: 1, created_at: now, updated_at: now })
      .execute();
    // The previous schema has no change_no column: insert through raw SQL as an old app would.
    old.sqlite
      .prepare(
        `insert into jobs (id, document_id, stage_id, status, progress, step, message, attempt, max_attempts, created_by, created_at, updated_at, options, outputs, output_base, doc_revision, dedupe_key, seq, cancel_requested)
         values ('j1', 'd1', 'export', 'running', 40, 'pdf', 'Rendering PDF', 1, 5, 'me', ?, ?, '{}', '[]', 'T', 1, 'k', 3, 0)`,
      )
      .run(now, now);
    expect(old.sqlite.prepare(`select count(*) n from pragma_table_info('jobs') where name = 'change_no'`).get()).toEqual({ n: 0 });
    await old.close();

    const upgraded = await openDatabase(file);
    const job = await upgraded.db.selectFrom('jobs').selectAll().where('id', '=', 'j1').executeTakeFirstOrThrow();
    expect(job).toMatchObject({ status: 'running', progress: 40, step: 'pdf', seq: 3, cancel_requested: 0, warnings: '[]' });
    // Old rows get change numbers, so a follower starting from 0 sees them, and new writes go after them.
    expect(job.change_no).toBeGreaterThan(0);
    const jobs = new JobStore(upgraded.db);
    expect((await jobs.changesAfter(0)).map((r) => r.id)).toEqual(['j1']);
    expect(await jobs.lastChangeNo()).toBe(job.change_no);
    const migrations = await createMigrator(upgraded.db).getMigrations();
    expect(migrations.at(-1)).toMatchObject({ name: LATEST_MIGRATION });
    expect(migrations.every((m) => m.executedAt)).toBe(true);
    await upgraded.close();
  });

  it('migrates 0005 to 0006: job options become a spec; a queued job gets a snapshot of its document as it is', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = path.join(dir, 'q.db');
    const old = await openDatabase(file, { migrateTo: '0005_source_paths_and_output_files' });
    const now = Date.now();
    old.sqlite
      .prepare(`insert into documents (id, title, source, format, base_dir, workflow_id, revision, created_at, updated_at) values ('d1', 'Title', '# Now', 'md', null, 'report', 3, ?, ?)`)
      .run(now, now);
    const options = { formats: ['html', 'pdf'], outDir: '/out', fileName: 'Named', overwrite: true, pdf: { pageSize: 'A5', margins: { top: 1, right: 2, bottom: 3, left: 4 }, landscape: false, printBackground: true, headerFooter: true, outline: true, tagged: true } };
    const insertJob = old.sqlite.prepare(
      `insert into jobs (id, document_id, stage_id, status, progress, step, message, attempt, max_attempts, created_by, created_at, updated_at, options, outputs, output_base, doc_revision, dedupe_key, seq, cancel_requested, change_no, warnings)
       values (?, 'd1', 'export', ?, 0, 'queued', '', 0, 5, 'me', ?, ?, ?, '[]', 'Named', ?, ?, 1, 0, ?, '[]')`,
    );
    insertJob.run('queued1', 'queued', now, now, JSON.stringify(options), 3, 'k1', 1);
    insertJob.run('done1', 'completed', now, now, JSON.stringify(options), 1, 'k2', 2);
    await old.close();

    const upgraded = await openDatabase(file);
    const jobs = new JobStore(upgraded.db);
    const queued = await jobs.get('queued1');
    const sha = (await upgraded.db.selectFrom('source_snapshots').selectAll().execute()).map((r) => r.sha256);
    expect(sha).toHaveLength(1);
    expect(queued.spec).toEqual({
      version: 1,
      documentId: 'd1',
      stageId: 'export',
      formats: ['html', 'pdf'],
      outDir: '/out',
      fileBase: 'Named',
      overwrite: true,
      pdf: options.pdf,
      title: 'Title',
      metadata: {},
      source: { revision: 3, format: 'md', sha256: sha[0], bytes: 5 },
      assets: [],
      unavailableAssets: [],
    });
    // An ended job is never run again: no snapshot is made up for it.
    expect((await jobs.get('done1')).spec.source).toEqual({ revision: 1, format: 'md', sha256: null, bytes: 5 });
    expect(await upgraded.db.selectFrom('document_assets').selectAll().execute()).toEqual([]);
    await upgraded.close();
  });

  it('migrates 0004 to 0005: documents get source_path, outputs already written become known output files', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = path.join(dir, 'q.db');
    const old = await openDatabase(file, { migrateTo: '0004_job_warnings' });
    const now = Date.now();
    const out = path.join(dir, 'out');
    old.sqlite
      .prepare(`insert into documents (id, title, source, format, base_dir, workflow_id, revision, created_at, updated_at) values ('d1', 'T', '# T', 'md', null, 'report', 2, ?, ?)`)
      .run(now, now);
    const insertJob = old.sqlite.prepare(
      `insert into jobs (id, document_id, stage_id, status, progress, step, message, attempt, max_attempts, created_by, created_at, updated_at, finished_at, options, outputs, output_base, doc_revision, dedupe_key, seq, cancel_requested, change_no, warnings)
       values (?, 'd1', 'export', ?, 100, 'done', '', 1, 5, 'me', ?, ?, ?, '{}', ?, 'T', 1, ?, 1, 0, ?, '[]')`,
    );
    const output = (name: string, sha: string) => ({ format: 'md', path: path.join(out, name), bytes: 3, sha256: sha });
    // Two jobs wrote T.md: the later one's bytes are what is there now.
    insertJob.run('j1', 'completed', now, now, now, JSON.stringify([output('T.md', 'a'.repeat(64))]), 'k1', 1);
    insertJob.run('j2', 'completed', now, now, now + 1, JSON.stringify([output('T.md', 'b'.repeat(64)), output('T.pdf', 'c'.repeat(64))]), 'k2', 2);
    insertJob.run('j3', 'queued', now, now, null, '[]', 'k3', 3);
    expect(old.sqlite.prepare(`select count(*) n from sqlite_master where name = 'output_files'`).get()).toEqual({ n: 0 });
    await old.close();

    const upgraded = await openDatabase(file);
    const doc = await upgraded.db.selectFrom('documents').selectAll().where('id', '=', 'd1').executeTakeFirstOrThrow();
    expect(doc).toMatchObject({ title: 'T', revision: 2, source_path: null });
    const rows = await upgraded.db.selectFrom('output_files').selectAll().orderBy('path').execute();
    expect(rows).toEqual([
      expect.objectContaining({ path: outputKeyOf(path.join(out, 'T.md')), document_id: 'd1', job_id: 'j2', sha256: 'b'.repeat(64), bytes: 3, pending_sha256: null }),
      expect.objectContaining({ path: outputKeyOf(path.join(out, 'T.pdf')), document_id: 'd1', job_id: 'j2', sha256: 'c'.repeat(64), bytes: 3 }),
    ]);
    // One document per source file; deleting a document forgets its outputs (the files stay on disk).
    await upgraded.db.updateTable('documents').set({ source_path: '/x/notes.md' }).where('id', '=', 'd1').execute();
    expect(() =>
      upgraded.sqlite
        .prepare(`insert into documents (id, title, source, format, workflow_id, created_at, updated_at, source_path) values ('d2', 'U', '# U', 'md', 'report', 1, 1, '/x/notes.md')`)
        .run(),
    ).toThrow(/UNIQUE/);
    await upgraded.db.deleteFrom('documents').where('id', '=', 'd1').execute();
    expect(await upgraded.db.selectFrom('output_files').selectAll().execute()).toEqual([]);
    await upgraded.close();
  });

  it('enforces foreign keys: a job for a missing document is refused', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const store = await openDatabase(path.join(dir, 'q.db'));
    const now = Date.now();
    expect(() =>
      store.sqlite
        .prepare(
          `insert into jobs (id, document_id, stage_id, status, max_attempts, created_by, created_at, updated_at, spec, output_base, doc_revision, dedupe_key)
           values ('j', 'nope', 'export', 'queued', 5, 'me', ?, ?, '{}', 'x', 1, 'k')`,
        )
        .run(now, now),
    ).toThrow(/FOREIGN KEY/);
    await store.close();
  });
});
