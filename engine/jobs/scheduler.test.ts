/** Scheduler recovery decisions on a real SQLite file (no jobs run: `run` is never reached). */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { rmrf, tempDir } from '../../tests/helpers.ts';
import { immediate, openDatabase, type QuireDb } from '../store/db.ts';
import { DocumentStore } from '../store/document-store.ts';
import { JobStore } from '../store/job-store.ts';
import { insertTestJob } from '../store/test-jobs.ts';
import { DEFAULT_LEASE_MS, Scheduler, runnerIsGone } from './scheduler.ts';

let dir: string;
let store: QuireDb;

beforeEach(async () => {
  dir = tempDir();
  store = await openDatabase(path.join(dir, 'q.db'));
});
afterEach(async () => {
  await store.close();
  rmrf(dir);
});

/** A job claimed by a runner on another host whose last heartbeat is `ageMs` old. */
async function claimedElsewhere(ageMs: number): Promise<string> {
  const doc = await new DocumentStore(store.db).create({ title: 'Doc', source: '# Doc', format: 'md' });
  const row = await immediate(store.db, (trx) =>
    insertTestJob(trx, { document: doc, outputBase: 'o', dedupeKey: 'k' }),
  );
  const jobs = new JobStore(store.db);
  await jobs.claimNext({ id: 'far', host: 'another-host', pid: 4242 });
  await sql`UPDATE jobs SET heartbeat_at = ${Date.now() - ageMs} WHERE id = ${row.id}`.execute(store.db);
  return row.id;
}

function scheduler(leaseMs: number | undefined): Scheduler {
  return new Scheduler({
    jobs: new JobStore(store.db),
    owner: { id: 'me', host: 'this-host', pid: process.pid },
    concurrency: 1,
    leaseMs,
    run: async () => {
      throw new Error('not started in this test');
    },
    publish: () => undefined,
  });
}

describe('Scheduler.recover', () => {
  it('takes over a job whose runner stopped heartbeating, with the default lease when none is given', async () => {
    const id = await claimedElsewhere(DEFAULT_LEASE_MS + 5_000);
    // leaseMs passed as undefined (as the engine does when no lease is configured).
    expect(await scheduler(undefined).recover()).toBe(1);
    expect(await new JobStore(store.db).get(id)).toMatchObject({ status: 'queued', attempt: 1 });
  });

  it('leaves a job whose runner elsewhere is still within its lease', async () => {
    const id = await claimedElsewhere(1_000);
    expect(await scheduler(undefined).recover()).toBe(0);
    expect((await new JobStore(store.db).get(id)).status).toBe('running');
  });
});

describe('runnerIsGone', () => {
  const now = 1_000_000;
  it('on this host: a dead pid is gone at once; a live one only after its lease', () => {
    const fresh = { heartbeat_at: now - 100, owner_host: 'h' };
    expect(runnerIsGone({ ...fresh, owner_pid: process.pid }, 'h', 20_000, now)).toBe(false);
    expect(runnerIsGone({ ...fresh, owner_pid: 2 ** 22 + 12345 }, 'h', 20_000, now)).toBe(true);
    expect(runnerIsGone({ heartbeat_at: now - 30_000, owner_host: 'h', owner_pid: process.pid }, 'h', 20_000, now)).toBe(true);
  });

  it('on another host: only the lease counts', () => {
    expect(runnerIsGone({ heartbeat_at: now - 100, owner_host: 'x', owner_pid: 1 }, 'h', 20_000, now)).toBe(false);
    expect(runnerIsGone({ heartbeat_at: now - 30_000, owner_host: 'x', owner_pid: 1 }, 'h', 20_000, now)).toBe(true);
    expect(runnerIsGone({ heartbeat_at: null, owner_host: 'x', owner_pid: 1 }, 'h', 20_000, now)).toBe(true);
  });
});
