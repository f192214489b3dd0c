/**
 * The enqueue planner (issue #10): jobs planned in memory and written together get the same
 * names, rows and stage states as jobs recorded one transaction each; a document's layers
 * reused between a batch's transactions are read again and re-checked when they changed; its
 * statements use their indexes (query plans, not timings: the test holds on a loaded machine).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rmrf, tempDir } from '../../tests/helpers.ts';
import type { StartExportRequest } from '../api/contract.ts';
import { createEngine } from '../engine.ts';
import { WAL_SIZE_LIMIT, immediate, openDatabase, type QuireDb } from '../store/db.ts';
import { BATCH_WAL_AUTOCHECKPOINT, enqueueExports, syncCommits } from './enqueue.ts';
import { ENQUEUE_SQL, EnqueueMemo, EnqueuePlan, type EnqueueContext } from './enqueue-plan.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach(rmrf));

function dir(): string {
  const d = tempDir('quire-enqueue-plan-');
  dirs.push(d);
  return d;
}

/** A store with `n` documents (titles from `titles`, in turn) and an output folder. */
async function setup(n: number, titles: string[]) {
  const d = dir();
  const out = path.join(d, 'out');
  fs.mkdirSync(out);
  const engine = await createEngine({ dataDir: path.join(d, 'data'), outputDir: out, runJobs: false });
  const docs: string[] = [];
  try {
    for (let i = 0; i < n; i++) docs.push((await engine.createDocument({ title: titles[i % titles.length]!, source: `# ${i}\n`, format: 'md' })).id);
  } finally {
    await engine.close();
  }
  const store = await openDatabase(engine.dbPath);
  const ctx: EnqueueContext = { sqlite: store.sqlite, defaultOutDir: out, createdBy: 'test', maxAttempts: 3 };
  return { store, ctx, docs, out };
}

/** What the enqueue left in the store, with ids replaced by the documents' and jobs' order. */
function stored(store: QuireDb, docs: string[], out: string) {
  const root = path.dirname(fs.realpathSync(out));
  const rel = (v: unknown) => String(v).replaceAll(root, '<root>');
  const jobs = store.sqlite.prepare('select * from jobs order by rowid').all() as Array<Record<string, unknown>>;
  const jobNo = new Map(jobs.map((j, i) => [j.id as string, i]));
  const docNo = new Map(docs.map((d, i) => [d, i]));
  return {
    jobs: jobs.map((j) => ({ doc: docNo.get(j.document_id as string), base: j.output_base, change: j.change_no, status: j.status, spec: rel(String(j.spec).replaceAll(j.document_id as string, '')) })),
    outputs: (store.sqlite.prepare('select path, document_id, job_id, name_family, name_number from output_files order by path').all() as Array<Record<string, string>>).map((o) => ({
      path: rel(o.path),
      name_family: rel(o.name_family),
      name_number: o.name_number,
      document_id: docNo.get(o.document_id!),
      job_id: jobNo.get(o.job_id!),
    })),
    stages: (store.sqlite.prepare('select document_id, stage_id, status, export_job_id from stage_states').all() as Array<Record<string, string>>)
      .map((s) => ({ doc: docNo.get(s.document_id!), stage: s.stage_id, status: s.status, job: jobNo.get(s.export_job_id!) }))
      .sort((a, b) => a.doc! - b.doc! || a.stage!.localeCompare(b.stage!)),
  };
}

/** Namesakes: shared titles and file names, several formats, an input refused, one repeated. */
function namesakeInputs(docs: string[]): StartExportRequest[] {
  const inputs: StartExportRequest[] = [];
  for (let k = 0; k < 3; k++) {
    docs.forEach((documentId, i) => {
      inputs.push({ documentId, stageId: 'export', options: { formats: i % 3 === 0 ? ['pdf', 'html', 'md'] : ['html'], ...(i % 2 ? { fileName: `part ${k}` } : {}) } });
    });
  }
  inputs.splice(7, 0, { documentId: 'missing', stageId: 'export' });
  inputs.splice(20, 0, { documentId: docs[0]!, stageId: 'export', options: { formats: ['docx' as never] } });
  inputs.push(inputs[3]!);
  return inputs;
}

describe('EnqueuePlan', () => {
  it('gives the same names and rows in one transaction as in one transaction per job', async () => {
    const one = await setup(12, ['Chapter', 'Chapter', 'Notes']);
    const each = await setup(12, ['Chapter', 'Chapter', 'Notes']);
    const sliced = await setup(12, ['Chapter', 'Chapter', 'Notes']);
    try {
      // A file nobody recorded takes a name in both stores: the next number is chosen.
      for (const s of [one, each, sliced]) {
        fs.writeFileSync(path.join(s.out, 'Chapter (2).html'), 'not ours');
        fs.mkdirSync(path.join(s.out, 'part 1 (3).html'));
      }
      const a = await enqueueExports(one.store.db, namesakeInputs(one.docs), one.ctx);
      const b = await enqueueExports(each.store.db, namesakeInputs(each.docs), each.ctx, { maxBatchItems: 1, maxTransactionMs: 0 });
      // One transaction of one-job slices, the event loop running between them.
      const c = await enqueueExports(sliced.store.db, namesakeInputs(sliced.docs), sliced.ctx, { maxBatchItems: 1, maxTransactionMs: 60_000 });
      const shape = (r: (typeof a)[number]) => ('error' in r ? r.error.code : r.created);
      expect(a.map(shape)).toEqual(b.map(shape));
      expect(c.map(shape)).toEqual(b.map(shape));
      expect(a.filter((r) => 'error' in r).map((r) => ('error' in r ? r.error.code : ''))).toEqual(['DOCUMENT_NOT_FOUND', 'INVALID_OPTIONS']);
      expect(a.at(-1)).toMatchObject({ created: false });
      // Committed without an fsync each, synced once at the end: the connection is left as it was.
      expect(one.store.sqlite.pragma('synchronous', { simple: true })).toBe(2);
      const sa = stored(one.store, one.docs, one.out);
      expect(sa).toEqual(stored(each.store, each.docs, each.out));
      expect(sa).toEqual(stored(sliced.store, sliced.docs, sliced.out));
      // No two jobs share an output path, and the ones on disk were left alone.
      expect(new Set(sa.outputs.map((o) => o.path)).size).toBe(sa.outputs.length);
      const bases = sa.jobs.map((j) => j.base);
      expect(bases).not.toContain('Chapter (2)');
      expect(bases).not.toContain('part 1 (3)');
      expect(sa.jobs.map((j) => j.change)).toEqual(sa.jobs.map((_, i) => i + 1));
    } finally {
      await one.store.close();
      await each.store.close();
      await sliced.store.close();
    }
  });

  it('commits once a transaction, however many slices it held the main thread in, and hands each commit its results', async () => {
    const { store, ctx, docs } = await setup(6, ['T']);
    // Another connection, as another process reads the store: it sees only what was committed.
    const other = await openDatabase(store.path);
    try {
      const visible = () => other.sqlite.prepare('select count(*) from jobs').pluck().get() as number;
      const inputs = docs.map((documentId) => ({ documentId, stageId: 'export' }));
      // Slices of one job in one transaction: the event loop runs between them, nothing is visible.
      let turns = 0;
      const seenMeanwhile = new Set<number>();
      let running = true;
      const watch = () => {
        if (!running) return;
        turns++;
        seenMeanwhile.add(visible());
        setImmediate(watch);
      };
      setImmediate(watch);
      const calls: number[][] = [];
      const one = await enqueueExports(store.db, inputs.slice(0, 3), ctx, { maxBatchItems: 1, maxTransactionMs: 60_000 }, (r) => {
        calls.push([r.length, visible()]);
      });
      running = false;
      expect(turns).toBeGreaterThanOrEqual(2);
      expect(seenMeanwhile).toEqual(new Set([0]));
      expect(calls).toEqual([[3, 3]]); // one commit, its three jobs, visible when handed over
      expect(one.every((r) => 'row' in r && r.created)).toBe(true);
      // One transaction per slice: each commit handed over on its own, in order, already visible.
      const seen: string[] = [];
      const counts: number[] = [];
      const three = await enqueueExports(store.db, [...inputs.slice(3), { documentId: 'missing', stageId: 'export' }], ctx, { maxBatchItems: 1, maxTransactionMs: 0 }, (r) => {
        for (const x of r) seen.push('row' in x ? x.row.id : x.error.code);
        counts.push(visible());
      });
      expect(seen).toEqual([...three.slice(0, 3).map((r) => ('row' in r ? r.row.id : '')), 'DOCUMENT_NOT_FOUND']);
      expect(counts).toEqual([4, 5, 6, 6]);
    } finally {
      await other.close();
      await store.close();
    }
  });

  it('reuses a document between transactions only while it reads the same', async () => {
    const { store, ctx, docs } = await setup(1, ['First']);
    try {
      const memo = new EnqueueMemo();
      const plan = (fileName: string) =>
        immediate(store.db, async () => {
          const p = new EnqueuePlan(ctx, memo);
          const r = p.add({ documentId: docs[0]!, stageId: 'export', options: { formats: ['html'], fileName } });
          p.write();
          return r.spec!;
        });
      expect((await plan('a')).title).toBe('First');
      store.sqlite.prepare(`update documents set title = 'Second', source = '# Second changed' where id = ?`).run(docs[0]);
      const second = await plan('b');
      expect(second.title).toBe('Second');
      expect(second.source.bytes).toBe(Buffer.byteLength('# Second changed'));
      // Saved options that the export stage's schema refuses: refused in the next transaction too.
      store.sqlite.prepare(`insert into stage_states (document_id, stage_id, status, data, updated_at) values (?, 'export', 'pending', '{"exportOptions":{"theme":"neon"}}', 0) on conflict do update set data = excluded.data`).run(docs[0]);
      await expect(plan('c')).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
      // The snapshot of each source a job was started with is kept.
      expect(store.sqlite.prepare('select count(*) as n from source_snapshots').get()).toEqual({ n: 2 });
    } finally {
      await store.close();
    }
  });

  it('leaves nothing for a refused input and writes nothing for a transaction of refusals', async () => {
    const { store, ctx } = await setup(1, ['Only']);
    try {
      const results = await enqueueExports(store.db, [{ documentId: 'missing', stageId: 'export' }], ctx);
      expect(results).toMatchObject([{ error: { code: 'DOCUMENT_NOT_FOUND' } }]);
      for (const table of ['jobs', 'output_files', 'source_snapshots']) {
        expect(store.sqlite.prepare(`select count(*) as n from ${table}`).get()).toEqual({ n: 0 });
      }
    } finally {
      await store.close();
    }
  });

  it("lets the write-ahead log grow while batches run, and puts SQLite's checkpoint pace back after, also after a failed one", async () => {
    const { store, ctx, docs } = await setup(4, ['A']);
    let running = true;
    try {
      const pace = () => store.sqlite.pragma('wal_autocheckpoint', { simple: true });
      expect(pace()).toBe(1000);
      const seen = new Set<unknown>();
      const watch = () => {
        if (!running) return;
        seen.add(pace());
        setImmediate(watch);
      };
      setImmediate(watch);
      const inputs = (k: number) => docs.map((documentId) => ({ documentId, stageId: 'export', options: { formats: ['html' as const], fileName: `b${k}` } }));
      // Two batches at once, one transaction per job: between their commits the others run.
      const [a, b] = await Promise.all([enqueueExports(store.db, inputs(1), ctx, { maxBatchItems: 1, maxTransactionMs: 0 }), enqueueExports(store.db, inputs(2), ctx, { maxBatchItems: 1, maxTransactionMs: 0 })]);
      running = false;
      expect([...a, ...b].every((r) => 'row' in r && r.created)).toBe(true);
      expect(seen).toContain(BATCH_WAL_AUTOCHECKPOINT);
      expect(pace()).toBe(1000);
      expect(store.sqlite.pragma('synchronous', { simple: true })).toBe(2);
      // The log a batch let grow is cut back once checkpointed (journal_size_limit).
      const wal = `${store.path}-wal`;
      store.sqlite.pragma(`wal_autocheckpoint = ${BATCH_WAL_AUTOCHECKPOINT}`);
      const blob = store.sqlite.prepare(`insert into source_snapshots (sha256, source, bytes, created_at) values (?, ?, 0, 0)`);
      for (let i = 0; i < 12; i++) blob.run(`big${i}`, 'x'.repeat(1024 * 1024));
      store.sqlite.pragma('wal_autocheckpoint = 1000');
      expect(fs.statSync(wal).size).toBeGreaterThan(WAL_SIZE_LIMIT);
      store.sqlite.exec(`delete from source_snapshots where sha256 like 'big%'`);
      store.sqlite.pragma('wal_checkpoint(PASSIVE)');
      blob.run('small', 'x'); // the next write starts the log again
      expect(fs.statSync(wal).size).toBeLessThanOrEqual(WAL_SIZE_LIMIT);
      // A store error ends the batch (thrown): the pace is put back all the same.
      store.sqlite.exec(`create trigger no_jobs before insert on jobs begin select raise(abort, 'disk says no'); end`);
      await expect(enqueueExports(store.db, inputs(3), ctx)).rejects.toThrow('disk says no');
      expect(pace()).toBe(1000);
    } finally {
      running = false;
      await store.close();
    }
  });

  it("ends a batch with a FULL commit that writes a page, so it fsyncs the log and every commit of the batch", async () => {
    const { store, ctx, docs } = await setup(3, ['D']);
    try {
      // Frames in the write-ahead log (its index's header, SQLite's documented layout): a commit
      // that adds none has nothing to fsync.
      const frames = () => fs.readFileSync(`${store.path}-shm`).readUInt32LE(16);
      const syncs = () => store.sqlite.prepare('select n from store_syncs').pluck().get();
      const results = await enqueueExports(store.db, docs.map((documentId) => ({ documentId, stageId: 'export' })), ctx);
      const id = 'row' in results[0]! ? results[0].row.id : '';
      expect(syncs()).toBe(1);
      // What the batch ended with before: a job rewritten as it was writes nothing (SQLite skips it).
      let before = frames();
      store.sqlite.prepare('update jobs set seq = seq where id = ?').run(id);
      expect(frames()).toBe(before);
      before = frames();
      await syncCommits(store.db, ctx);
      expect(frames()).toBeGreaterThan(before);
      expect(syncs()).toBe(2);
      expect(store.sqlite.pragma('synchronous', { simple: true })).toBe(2);
      // A batch of refusals commits nothing, and syncs nothing.
      await enqueueExports(store.db, [{ documentId: 'missing', stageId: 'export' }], ctx);
      expect(syncs()).toBe(2);
    } finally {
      await store.close();
    }
  });

  it('reads by index only', async () => {
    const { store } = await setup(1, ['x']);
    try {
      const plan = (q: string, ...args: unknown[]) => (store.sqlite.prepare(`explain query plan ${q}`).all(...args) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
      const facts = plan(ENQUEUE_SQL.pathFacts, { key: '/o/x.html' });
      expect(facts).toMatch(/SEARCH o USING INDEX sqlite_autoindex_output_files_1 \(path=\?\)/);
      expect(facts).toMatch(/documents USING COVERING INDEX documents_source_path/);
      expect(plan(ENQUEUE_SQL.ownInFamily, 'd', 'f')).toMatch(/USING INDEX output_files_document_family/);
      expect(plan(ENQUEUE_SQL.topOfFamily, 'f')).toMatch(/USING COVERING INDEX output_files_name_family/);
      expect(plan(ENQUEUE_SQL.activeByDedupe, 'k')).toMatch(/USING INDEX jobs_active_dedupe/);
      expect(plan(ENQUEUE_SQL.lastChangeNo)).toMatch(/jobs_change_no/);
      for (const q of [ENQUEUE_SQL.documents, ENQUEUE_SQL.stageRows, ENQUEUE_SQL.assets]) expect(plan(q, '["d"]')).toMatch(/^SEARCH (documents|stage_states|document_assets) USING INDEX sqlite_autoindex_\w+ \((id|document_id)=\?\)/);
    } finally {
      await store.close();
    }
  });
});
