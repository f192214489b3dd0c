/**
 * The change feed on a real SQLite file, written through a second connection (as another
 * process would): a write after a quiet spell arrives through the folder watch long before the
 * quiet interval, and while jobs change the fast polls deliver without the watch.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rmrf, tempDir } from '../../tests/helpers.ts';
import { immediate, openDatabase, type QuireDb } from '../store/db.ts';
import { DocumentStore } from '../store/document-store.ts';
import { JobStore, type JobRow } from '../store/job-store.ts';
import { insertTestJob } from '../store/test-jobs.ts';
import { ChangeFeed } from './change-feed.ts';

let dir: string;
let reader: QuireDb;
let writer: QuireDb;
let feed: ChangeFeed | null = null;

beforeEach(async () => {
  dir = tempDir();
  reader = await openDatabase(path.join(dir, 'quire.db'));
  writer = await openDatabase(path.join(dir, 'quire.db'));
});
afterEach(async () => {
  feed?.stop();
  feed = null;
  await reader.close();
  await writer.close();
  rmrf(dir);
});

async function newJob(n: number): Promise<string> {
  const doc = await new DocumentStore(writer.db).create({ title: `Doc ${n}`, source: `# Doc ${n}`, format: 'md' });
  const row = await immediate(writer.db, (trx) => insertTestJob(trx, { document: doc, outputBase: `o${n}`, dedupeKey: `k${n}` }));
  return row.id;
}

/** Resolves with the ms from now until `publish` sees a row of `jobId` with seq ≥ `seq`. */
function arrival(seen: JobRow[], jobId: string, seq: number, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const check = setInterval(() => {
      if (seen.some((r) => r.id === jobId && r.seq >= seq)) {
        clearInterval(check);
        resolve(Date.now() - t0);
      } else if (Date.now() - t0 > timeoutMs) {
        clearInterval(check);
        reject(new Error(`no change of ${jobId} (seq ≥ ${seq}) within ${timeoutMs} ms`));
      }
    }, 2);
  });
}

describe('ChangeFeed', () => {
  it('delivers a write made after a quiet spell through the folder watch, not the 60 s poll', async () => {
    const seen: JobRow[] = [];
    feed = new ChangeFeed(new JobStore(reader.db), (row) => seen.push(row), { intervalMs: 60_000, dbFile: reader.path });
    await feed.init();
    feed.start();
    await new Promise((r) => setTimeout(r, 100));
    const id = await newJob(1);
    expect(await arrival(seen, id, 1, 5_000)).toBeLessThan(5_000);
    // A later write (the runner's progress) comes the same way.
    const claim = await new JobStore(writer.db).claimNext({ id: 'other', host: 'h', pid: 1 });
    expect(claim?.row.id).toBe(id);
    await arrival(seen, id, claim!.row.seq, 5_000);
  });

  it('polls fast while jobs change, without a watch', async () => {
    const seen: JobRow[] = [];
    // No file to watch and a 10 s quiet interval: only the fast polls can deliver within 2 s.
    feed = new ChangeFeed(new JobStore(reader.db), (row) => seen.push(row), { intervalMs: 10_000 });
    await feed.init();
    const id = await newJob(1);
    feed.start();
    await feed.poll(); // the first change is seen (as a timed poll would): fast mode from here
    const jobs = new JobStore(writer.db);
    const claim = (await jobs.claimNext({ id: 'other', host: 'h', pid: 1 }))!;
    expect(await arrival(seen, id, claim.row.seq, 2_000)).toBeLessThan(2_000);
    for (let i = 0; i < 5; i++) {
      const row = await jobs.update(id, claim.token, { progress: 10 + i, message: `step ${i}` });
      expect(await arrival(seen, id, row.seq, 2_000)).toBeLessThan(2_000);
    }
  });

  it('reads again only the changes its caller does not have: a row the caller wrote itself is not read back', async () => {
    const seen: JobRow[] = [];
    const ours = new Map<string, number>();
    feed = new ChangeFeed(new JobStore(reader.db), (row) => seen.push(row), { intervalMs: 60_000, known: (id, seq) => (ours.get(id) ?? 0) >= seq });
    await feed.init();
    const mine = await newJob(1);
    const theirs = await newJob(2);
    ours.set(mine, 1); // as if this process had written and published it
    await feed.poll();
    expect(seen.map((r) => r.id)).toEqual([theirs]);
    // A later change of the same job by someone else (seq 2) is read, whole.
    const claim = (await new JobStore(writer.db).claimNext({ id: 'other', host: 'h', pid: 1 }))!;
    expect(claim.row.id).toBe(mine);
    await feed.poll();
    expect(seen.map((r) => [r.id, r.status])).toEqual([
      [theirs, 'queued'],
      [mine, 'running'],
    ]);
    expect(seen.at(-1)!.spec).toBe(claim.row.spec);
    // Nothing new: nothing read or handed on.
    await feed.poll();
    expect(seen).toHaveLength(2);
  });
});
