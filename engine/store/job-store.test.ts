import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { ROOT, rmrf, tempDir } from '../../tests/helpers.ts';
import { openDatabase, immediate, type QuireDb } from './db.ts';
import { DocumentStore, saveStageStateRow } from './document-store.ts';
import { JobStore, newJobId, type Owner } from './job-store.ts';
import { insertTestJob } from './test-jobs.ts';

let dir: string;
let a: QuireDb;
let b: QuireDb;
const ownerA: Owner = { id: 'A', host: 'h', pid: 1 };
const ownerB: Owner = { id: 'B', host: 'h', pid: 2 };

beforeEach(async () => {
  dir = tempDir();
  // Two connections on one file, as two processes would have.
  a = await openDatabase(path.join(dir, 'q.db'));
  b = await openDatabase(path.join(dir, 'q.db'));
});
afterEach(async () => {
  await a.close();
  await b.close();
  rmrf(dir);
});

async function queueJobs(n: number): Promise<string[]> {
  const doc = await new DocumentStore(a.db).create({ title: 'Doc', source: '# Doc', format: 'md' });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const row = await immediate(a.db, (trx) =>
      insertTestJob(trx, { document: doc, outputBase: `out-${i}`, dedupeKey: `k${i}`, maxAttempts: 2 }),
    );
    ids.push(row.id);
  }
  return ids;
}

describe('JobStore', () => {
  it('three processes claiming at once never get the same job', async () => {
    const ids = await queueJobs(150);
    const go = path.join(dir, 'go');
    let ready = 0;
    const claimers = ['P1', 'P2', 'P3'].map(
      (owner) =>
        new Promise<string[]>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tests/fixtures/claim-loop.ts'), path.join(dir, 'q.db'), owner, go], {
            cwd: ROOT,
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          let out = '';
          child.stdout.on('data', (d) => {
            out += d;
            if (String(d).includes('ready') && ++ready === 3) fs.writeFileSync(go, '');
          });
          child.on('error', reject);
          child.on('close', (code) => (code === 0 ? resolve(out.split('\n').filter((l) => l && l !== 'ready')) : reject(new Error(`claimer exited ${code}`))));
        }),
    );
    const results = await Promise.all(claimers);
    const all = results.flat();
    expect(all.sort()).toEqual([...ids].sort());
    expect(new Set(all).size).toBe(150);
    const rows = await a.db.selectFrom('jobs').select(['status', 'attempt', 'owner_id']).execute();
    expect(rows.every((r) => r.status === 'running' && r.attempt === 1)).toBe(true);
    // The race was real: more than one process won claims.
    expect(results.filter((r) => r.length > 0).length).toBeGreaterThan(1);
  });

  it('progress never goes backwards and writes need the current claim token', async () => {
    await queueJobs(1);
    const s = new JobStore(a.db);
    const c = (await s.claimNext(ownerA))!;
    await s.update(c.row.id, c.token, { progress: 50, step: 'pdf', message: 'Rendering PDF' });
    const after = await s.update(c.row.id, c.token, { progress: 30 });
    expect(after.progress).toBe(50);
    expect(after.seq).toBeGreaterThan(c.row.seq);
    await expect(s.update(c.row.id, 'stale-token', { progress: 60 })).rejects.toMatchObject({ code: 'CLAIM_LOST' });
    await expect(s.finish(c.row.id, 'stale-token', { status: 'completed', message: 'x' })).rejects.toMatchObject({ code: 'CLAIM_LOST' });
  });

  it('a runner whose claim was taken over cannot write the final state', async () => {
    await queueJobs(1);
    const s = new JobStore(a.db);
    const first = (await s.claimNext(ownerA))!;
    // Runner A is presumed dead; recovery requeues and B claims with a fresh token.
    await new JobStore(b.db).recoverStale(() => true);
    const second = (await new JobStore(b.db).claimNext(ownerB))!;
    expect(second.row.id).toBe(first.row.id);
    expect(second.row.attempt).toBe(2);
    await expect(s.finish(first.row.id, first.token, { status: 'completed', message: 'done' })).rejects.toMatchObject({ code: 'CLAIM_LOST' });
    const done = await new JobStore(b.db).finish(second.row.id, second.token, { status: 'completed', message: 'done', outputs: [] });
    expect(done).toMatchObject({ status: 'completed', progress: 100, step: 'done', claim_token: null });
  });

  it('recovery gives up after max attempts with a clear interrupted error', async () => {
    await queueJobs(1);
    const s = new JobStore(a.db);
    for (let i = 0; i < 2; i++) {
      await s.claimNext(ownerA);
      await s.recoverStale(() => true);
    }
    const [job] = await s.list();
    expect(job).toMatchObject({ status: 'error', attempt: 2, error: { code: 'JOB_INTERRUPTED' } });
    expect(job!.error!.message).toMatch(/interrupted 2 times/);
    expect(await s.claimNext(ownerA)).toBeNull();
  });

  it('cancel: a queued job ends at once, a running one is flagged for its runner', async () => {
    const [q, r] = await queueJobs(2);
    const s = new JobStore(a.db);
    const c = (await s.claimNext(ownerA))!;
    expect(c.row.id).toBe(q);
    expect((await s.requestCancel(r!)).status).toBe('cancelled');
    expect((await s.requestCancel(q!)).status).toBe('running');
    expect(await s.heartbeat(ownerA.id)).toEqual([q]);
    expect(await s.heartbeat(ownerB.id)).toEqual([]);
  });

  it('checkpoints are written only by the claim holder', async () => {
    await queueJobs(1);
    const s = new JobStore(a.db);
    const c = (await s.claimNext(ownerA))!;
    const cp = { step: 'prepare', artifactPath: '/x', bytes: 3, sha256: 'abc', pages: null, attempt: 1 };
    await s.putCheckpoint(c.row.id, c.token, cp);
    await s.putCheckpoint(c.row.id, c.token, { ...cp, bytes: 4 });
    expect(await s.getCheckpoints(c.row.id)).toEqual([{ ...cp, bytes: 4 }]);
    await expect(s.putCheckpoint(c.row.id, 'other', cp)).rejects.toMatchObject({ code: 'CLAIM_LOST' });
  });

  it('the active-dedupe index allows one active job per key', async () => {
    const doc = await new DocumentStore(a.db).create({ title: 'Doc', source: 'x', format: 'md' });
    const insert = () =>
      immediate(a.db, (trx) =>
        insertTestJob(trx, { document: doc, outputBase: 'o', dedupeKey: 'same', maxAttempts: 3 }),
      );
    await insert();
    await expect(insert()).rejects.toThrow(/UNIQUE/);
  });
});

describe('DocumentStore', () => {
  it('bumps the revision on a real change only, and saving stage states keeps exportJobId', async () => {
    const docs = new DocumentStore(a.db);
    const doc = await docs.create({ title: '  Report ', source: '# R', format: 'md' });
    expect(doc).toMatchObject({ title: 'Report', revision: 1, workflowId: 'report' });
    expect((await docs.update(doc.id, { source: '# R' })).revision).toBe(1);
    expect((await docs.update(doc.id, { source: '# R2' })).revision).toBe(2);

    await saveStageStateRow(a.db, doc.id, 'export', { exportJobId: 'job-1' });
    await docs.saveStageState(doc.id, 'export', { data: { exportOptions: { formats: ['pdf'] } }, status: 'done' });
    const states = await docs.getStageStates(doc.id);
    expect(states.map((s) => s.stageId)).toEqual(['write', 'details', 'export']);
    expect(states[2]).toMatchObject({ kind: 'export', exportJobId: 'job-1', status: 'done', data: { exportOptions: { formats: ['pdf'] } }, problem: null });
    expect(states[0]).toMatchObject({ status: 'pending', exportJobId: null });

    await expect(docs.saveStageState(doc.id, 'nope', {})).rejects.toMatchObject({ code: 'STAGE_NOT_FOUND' });
    // Data that does not fit the stage's kind is refused, naming the stage and the field; nothing is written.
    await expect(docs.saveStageState(doc.id, 'export', { data: { formats: ['pdf'] } })).rejects.toMatchObject({
      code: 'INVALID_STAGE_DATA',
      message: expect.stringMatching(/The Export stage's saved data is invalid: .*formats/),
    });
    await expect(docs.saveStageState(doc.id, 'details', { data: { author: 7 } })).rejects.toMatchObject({ message: expect.stringMatching(/Details stage.*author/) });
    // Data stored by another version that no longer fits: the state says so, the row is kept.
    await a.db.updateTable('stage_states').set({ data: '{"exportOptions":{"pdf":{"pageSize":"B9"}}}' }).where('stage_id', '=', 'export').execute();
    const damaged = (await docs.getStageStates(doc.id))[2]!;
    expect(damaged).toMatchObject({ kind: 'export', data: {}, problem: expect.stringMatching(/Export stage.*exportOptions\.pdf\.pageSize/) });
    expect((await a.db.selectFrom('stage_states').select('data').where('stage_id', '=', 'export').executeTakeFirstOrThrow()).data).toContain('B9');
    await docs.delete(doc.id);
    await expect(docs.get(doc.id)).rejects.toMatchObject({ code: 'DOCUMENT_NOT_FOUND' });
    expect(await a.db.selectFrom('stage_states').selectAll().execute()).toEqual([]);
  });
});

describe('newJobId', () => {
  it('is a UUID v7 that grows in creation order, within a millisecond and across a clock step back', () => {
    const ids = [newJobId(1_000), newJobId(1_000), newJobId(999), newJobId(1_001)];
    for (let i = 0; i < 5000; i++) ids.push(newJobId(2_000)); // more than 4,096 in one millisecond
    ids.push(newJobId(Date.now()));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids.slice(1).every((id, i) => id > ids[i]!)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives the jobs of one batch ids in the order they were recorded', async () => {
    const ids = await queueJobs(50);
    expect([...ids].sort()).toEqual(ids);
  });
});
