import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rmrf, tempDir } from '../../tests/helpers.ts';
import { immediate, openDatabase, relaxedDurability, type QuireDb } from './db.ts';
import { DocumentStore } from './document-store.ts';
import { JobStore, type Owner } from './job-store.ts';
import { insertTestJob } from './test-jobs.ts';

let dir: string;
let store: QuireDb;
const owner: Owner = { id: 'A', host: 'h', pid: process.pid };
/** PRAGMA synchronous: 1 NORMAL, 2 FULL. */
const synchronous = () => store.sqlite.pragma('synchronous', { simple: true });

beforeEach(async () => {
  dir = tempDir();
  store = await openDatabase(path.join(dir, 'q.db'));
});
afterEach(async () => {
  await store.close();
  rmrf(dir);
});

describe('relaxed durability for progress writes', () => {
  it('runs its writes with synchronous=NORMAL and puts FULL back, also when the write throws', async () => {
    expect(synchronous()).toBe(2);
    const inside = await relaxedDurability(store.db, async () => synchronous());
    expect(inside).toBe(1);
    expect(synchronous()).toBe(2);
    await expect(relaxedDurability(store.db, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(synchronous()).toBe(2);
  });

  it("a runner's progress writes and heartbeats leave the connection at FULL for the checkpoint and final writes", async () => {
    const jobs = new JobStore(store.db);
    const doc = await new DocumentStore(store.db).create({ title: 'Doc', source: '# Doc', format: 'md' });
    await immediate(store.db, (trx) => insertTestJob(trx, { document: doc, outputBase: 'doc', dedupeKey: 'k', maxAttempts: 2 }));
    const claim = (await jobs.claimNext(owner))!;
    const row = await jobs.update(claim.row.id, claim.token, { progress: 40, message: 'Printing pages' });
    expect(row.progress).toBe(40);
    expect(row.message).toBe('Printing pages');
    expect(synchronous()).toBe(2);
    await jobs.heartbeat(owner.id);
    expect(synchronous()).toBe(2);
    // A refused write (claim lost) still restores FULL.
    await expect(jobs.update(claim.row.id, 'not-the-token', { progress: 50 })).rejects.toMatchObject({ code: 'CLAIM_LOST' });
    expect(synchronous()).toBe(2);
    const done = await jobs.finish(claim.row.id, claim.token, { status: 'completed', outputs: [], message: 'Exported' });
    expect(done.status).toBe('completed');
  });
});
