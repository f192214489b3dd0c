/**
 * Source snapshots on a real SQLite file: a job's end drops its own snapshot once no queued or
 * running job shares it, and touches no other; the sweep (removeUnusedSnapshots, at start-up)
 * drops every unused one.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rmrf, tempDir } from '../../tests/helpers.ts';
import { immediate, openDatabase, type QuireDb } from './db.ts';
import { DocumentStore } from './document-store.ts';
import { removeSnapshotIfUnused, removeUnusedSnapshots } from './source-snapshots.ts';
import { insertTestJob } from './test-jobs.ts';

let dir: string;
let store: QuireDb;

beforeEach(async () => {
  dir = tempDir();
  store = await openDatabase(path.join(dir, 'quire.db'));
});
afterEach(async () => {
  await store.close();
  rmrf(dir);
});

const snapshots = () => store.sqlite.prepare('select sha256 from source_snapshots order by sha256').pluck().all();

describe('source snapshots', () => {
  it("a job's end drops its own snapshot once no queued or running job shares it, and no other", async () => {
    const docs = new DocumentStore(store.db);
    const shared = await docs.create({ title: 'Shared', source: '# Same text\n', format: 'md' });
    const other = await docs.create({ title: 'Other', source: '# Other text\n', format: 'md' });
    const job = (document: typeof shared, n: number) => immediate(store.db, (trx) => insertTestJob(trx, { document, outputBase: `o${n}`, dedupeKey: `k${n}` }));
    const a = await job(shared, 1);
    const b = await job(shared, 2);
    const c = await job(other, 3);
    expect(a.source_sha256).toBe(b.source_sha256);
    expect(snapshots()).toEqual([a.source_sha256, c.source_sha256].sort());
    const finish = (id: string) => store.sqlite.prepare("update jobs set status = 'completed' where id = ?").run(id);

    // a is done, b still queued: the shared text stays.
    finish(a.id);
    expect(await removeSnapshotIfUnused(store.db, a.source_sha256)).toBe(false);
    // b done too: it goes. c's (done, never removed) is not this job's: left for the sweep.
    finish(b.id);
    finish(c.id);
    expect(await removeSnapshotIfUnused(store.db, b.source_sha256)).toBe(true);
    expect(snapshots()).toEqual([c.source_sha256]);
    // Committed without an fsync, and the connection left syncing (FULL) as before.
    expect(store.sqlite.pragma('synchronous', { simple: true })).toBe(2);
    expect(await removeSnapshotIfUnused(store.db, null)).toBe(false);
    expect(await removeUnusedSnapshots(store.db)).toBe(1);
    expect(snapshots()).toEqual([]);
  });
});
