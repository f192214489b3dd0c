import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rmrf, tempDir } from '../../tests/helpers.ts';
import { createMigrator, integrityCheck, openDatabase } from './db.ts';
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
    expect((await jobs.changedAfter(0)).map((r) => r.id)).toEqual(['j1']);
    expect(await jobs.lastChangeNo()).toBe(job.change_no);
    const migrations = await createMigrator(upgraded.db).getMigrations();
    expect(migrations.at(-1)).toMatchObject({ name: LATEST_MIGRATION });
    expect(migrations.every((m) => m.executedAt)).toBe(true);
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
          `insert into jobs (id, document_id, stage_id, status, max_attempts, created_by, created_at, updated_at, options, output_base, doc_revision, dedupe_key)
           values ('j', 'nope', 'export', 'queued', 5, 'me', ?, ?, '{}', 'x', 1, 'k')`,
        )
        .run(now, now),
    ).toThrow(/FOREIGN KEY/);
    await store.close();
  });
});
