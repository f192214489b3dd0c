/**
 * Issue 11, "Crash windows" and "Lost claim": kills at exact points (engine/test-pause.ts:
 * QUIRE_TEST_PAUSE_AT makes the real `quire` process stop there, then the whole tree is
 * SIGKILLed), and a runner that keeps working after its job was requeued to another one.
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { CORPUS, rmrf, runQuire, spawnQuire, tempDir, waitFor } from '../helpers.ts';
import { PAUSED_MARK } from '../../engine/test-pause.ts';
import { LATEST_MIGRATION, MIGRATIONS } from '../../engine/store/migrations.ts';
import { chromiumFolders, databaseProblems, exitOf, killTree, processesTagged, qpdfProblem, readJobs, sha256File, tempFilesUnder } from './crash-support.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach(rmrf));

const DOC = path.join(CORPUS, 'rust-book', 'ch03-04-comments.md');
const BASE = 'ch03-04-comments';

function setup() {
  const dir = tempDir('qcw-');
  dirs.push(dir);
  const tmp = path.join(dir, 't');
  fs.mkdirSync(tmp);
  return { dir, tmp, data: path.join(dir, 'data'), out: path.join(dir, 'out'), env: { TMPDIR: tmp } };
}

/** Runs `quire args` with the pause point set, waits until it stops there, SIGKILLs its tree. */
async function killAt(point: string, args: string[], env: Record<string, string>): Promise<void> {
  const child = spawnQuire(args, { env: { ...env, QUIRE_TEST_PAUSE_AT: point } });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.resume();
  const exited = exitOf(child);
  await waitFor(() => stderr.includes(`${PAUSED_MARK} ${point}`) || child.exitCode !== null, { timeoutMs: 120_000, what: `pause at ${point}` });
  expect(stderr, `never reached ${point}`).toContain(`${PAUSED_MARK} ${point}`);
  killTree(child.pid!);
  expect((await exitOf(child)).signal ?? (await exited).signal).toBe('SIGKILL');
}

function outputFileRows(data: string): Array<{ path: string; sha256: string | null; pending_sha256: string | null }> {
  const db = new BetterSqlite3(path.join(data, 'quire.db'), { readonly: true });
  try {
    return db.prepare('select path, sha256, pending_sha256 from output_files order by path').all() as Array<{ path: string; sha256: string | null; pending_sha256: string | null }>;
  } finally {
    db.close();
  }
}

function checkpointRows(data: string): Array<{ step: string; attempt: number }> {
  const db = new BetterSqlite3(path.join(data, 'quire.db'), { readonly: true });
  try {
    return db.prepare('select step, attempt from job_checkpoints order by step').all() as Array<{ step: string; attempt: number }>;
  } finally {
    db.close();
  }
}

/** What every window ends with: the job completed once, one file per format holding what it recorded, nothing left over. */
function expectCompletedOnce(ctx: ReturnType<typeof setup>, formats: string[], attempt: number) {
  const [job, ...more] = readJobs(ctx.data);
  expect(more).toEqual([]);
  expect(job).toMatchObject({ status: 'completed', progress: 100, attempt, output_base: BASE });
  expect(fs.readdirSync(ctx.out).filter((f) => !f.endsWith('.assets')).sort()).toEqual(formats.map((f) => `${BASE}.${f}`).sort());
  for (const o of JSON.parse(job!.outputs) as Array<{ path: string; sha256: string }>) expect(sha256File(o.path), o.path).toBe(o.sha256);
  for (const r of outputFileRows(ctx.data)) expect(r.pending_sha256, r.path).toBeNull();
  for (const f of formats.filter((x) => x === 'pdf')) expect(qpdfProblem(path.join(ctx.out, `${BASE}.${f}`))).toBeNull();
  expect(tempFilesUnder(ctx.out)).toEqual([]);
  expect(fs.readdirSync(path.join(ctx.data, 'work'))).toEqual([]);
  expect(chromiumFolders(ctx.tmp)).toEqual([]);
  expect(processesTagged(ctx.tmp)).toEqual([]);
  expect(databaseProblems(ctx.data)).toEqual([]);
}

describe('crash windows (SIGKILL at an exact point, then resume)', () => {
  for (const formats of [['html', 'md'], ['pdf']]) {
    it(`after ${formats[0]} was renamed into place, before the rows knew: no duplicate file, the job completes (${formats.join(',')})`, async () => {
      const ctx = setup();
      await killAt('output-renamed', ['export', DOC, '--format', formats.join(','), '--out', ctx.out, '--data-dir', ctx.data], ctx.env);
      // The file is in place; the job is still running and the write only announced (pending).
      expect(fs.readdirSync(ctx.out)).toContain(`${BASE}.${formats[0]}`);
      expect(readJobs(ctx.data)[0]).toMatchObject({ status: 'running', step: formats[0] });
      const announced = outputFileRows(ctx.data).find((r) => r.path.endsWith(`${BASE}.${formats[0]}`))!;
      expect(announced.pending_sha256).toBe(sha256File(path.join(ctx.out, `${BASE}.${formats[0]}`)));
      const r = await runQuire(['resume', '--data-dir', ctx.data, '--json'], { env: ctx.env, timeoutMs: 180_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout.trim()).warnings ?? []).toEqual([]);
      expectCompletedOnce(ctx, formats, 2);
    }, 300_000);
  }

  for (const step of ['prepare', 'md']) {
    it(`inside the checkpoint write of ${step}: the transaction rolls back, the step is redone once, the job completes`, async () => {
      const ctx = setup();
      await killAt(`checkpoint-write:${step}`, ['export', DOC, '--format', 'html,md', '--out', ctx.out, '--data-dir', ctx.data], ctx.env);
      expect(databaseProblems(ctx.data)).toEqual([]);
      // The killed transaction left nothing: only the steps before it are recorded.
      expect(checkpointRows(ctx.data).map((c) => c.step)).toEqual(step === 'prepare' ? [] : ['html', 'prepare']);
      const r = await runQuire(['resume', '--data-dir', ctx.data, '--json'], { env: ctx.env, timeoutMs: 180_000 });
      expect(r.code, r.stderr).toBe(0);
      expectCompletedOnce(ctx, ['html', 'md'], 2);
      // Steps recorded before the kill were not redone; the one killed was, in attempt 2.
      expect(Object.fromEntries(checkpointRows(ctx.data).map((c) => [c.step, c.attempt]))).toMatchObject(
        step === 'prepare' ? { prepare: 2, html: 2, md: 2 } : { prepare: 1, html: 1, md: 2 },
      );
    }, 300_000);
  }

  /** After a killed start: the store is sound, the next export succeeds; returns the migrations recorded. */
  async function exportAfterKill(ctx: ReturnType<typeof setup>): Promise<string[]> {
    expect(databaseProblems(ctx.data)).toEqual([]);
    const r = await runQuire(['export', DOC, '--format', 'html', '--out', ctx.out, '--data-dir', ctx.data, '--json'], { env: ctx.env, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const db = new BetterSqlite3(path.join(ctx.data, 'quire.db'), { readonly: true });
    const applied = (db.prepare('select name from kysely_migration order by name').all() as Array<{ name: string }>).map((m) => m.name);
    db.close();
    return applied;
  }

  it('while a first start makes the schema: the next start makes it cleanly and works', async () => {
    const ctx = setup();
    const names = Object.keys(MIGRATIONS);
    // A new database gets the whole schema in one transaction (fresh-schema.ts): killed before its commit.
    await killAt('migration:fresh-schema', ['jobs', '--data-dir', ctx.data], ctx.env);
    const applied = await exportAfterKill(ctx);
    expect(applied).toEqual(names);
    expectCompletedOnce(ctx, ['html'], 1);
  }, 180_000);

  it('during the migrations of an upgrade: the next start migrates cleanly and works', async () => {
    const ctx = setup();
    const names = Object.keys(MIGRATIONS);
    // A database made by an older Quire (two migrations), then killed after the third
    // migration's statements ran, before anything was recorded.
    const { openDatabase } = await import('../../engine/store/db.ts');
    await (await openDatabase(path.join(ctx.data, 'quire.db'), { migrateTo: names[1] })).close();
    await killAt(`migration:${names[2]}`, ['jobs', '--data-dir', ctx.data], ctx.env);
    const applied = await exportAfterKill(ctx);
    expect(applied).toEqual(names);
    expect(applied.at(-1)).toBe(LATEST_MIGRATION);
    expectCompletedOnce(ctx, ['html'], 1);
  }, 180_000);
});

describe('lost claim', () => {
  it("a runner whose job was requeued (lease ran out) while it worked: its late writes and completion are refused; the job completes once", async () => {
    const ctx = setup();
    const { createEngine } = await import('../../engine/engine.ts');
    // Runner A stops 8 s at the start of each step: its lease runs out for runner B meanwhile.
    // Its heartbeat every 5 s (not 1 s): with both on 1 s timers in one process, B's recovery
    // could land just after each of A's heartbeats and never see the lease run out.
    const a = await createEngine({ dataDir: ctx.data, outputDir: ctx.out, stepDelayMs: 8_000, concurrency: 1, heartbeatMs: 5_000 });
    let b: Awaited<ReturnType<typeof createEngine>> | undefined;
    try {
      const doc = await a.importFile(DOC);
      const { jobId } = await a.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['html', 'md'], fileName: doc.fileBaseName } });
      await waitFor(() => readJobs(ctx.data).find((j) => j.id === jobId && j.step === 'html'), { timeoutMs: 60_000, what: 'A in the html step' });
      // B takes over jobs whose heartbeat is older than 300 ms.
      b = await createEngine({ dataDir: ctx.data, outputDir: ctx.out, leaseMs: 300, concurrency: 1 });
      const done = await waitFor(() => readJobs(ctx.data).find((j) => j.id === jobId && j.status === 'completed'), { timeoutMs: 60_000, what: 'B completes it' });
      expect(done.attempt).toBe(2);
      const html = path.join(ctx.out, `${BASE}.html`);
      const written = fs.statSync(html);
      // A wakes, tries to write the html output, its checkpoint, the final state: all refused.
      await a.close({ drain: true });
      const after = fs.statSync(html);
      expect({ ino: after.ino, mtimeMs: after.mtimeMs }, 'A replaced the output B had completed').toEqual({ ino: written.ino, mtimeMs: written.mtimeMs });
      expect(readJobs(ctx.data)).toMatchObject([{ id: jobId, status: 'completed', attempt: 2, finished_at: done.finished_at }]);
      expect(Object.fromEntries(checkpointRows(ctx.data).map((c) => [c.step, c.attempt]))).toEqual({ prepare: 1, html: 2, md: 2 });
      await b.close();
      b = undefined;
      expectCompletedOnce(ctx, ['html', 'md'], 2);
    } finally {
      await a.close().catch(() => undefined);
      await b?.close().catch(() => undefined);
    }
  }, 120_000);
});
