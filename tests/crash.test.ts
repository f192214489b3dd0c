/**
 * The promise of Quire: kill the app mid-export and start it again — the job finishes once,
 * nothing lost, nothing duplicated. Real child processes killed with SIGKILL, a real corpus
 * document, real Chromium, the real SQLite file inspected from outside.
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { CORPUS, pdfinfo, pdftotext, rmrf, runQuire, spawnQuire, tempDir, waitFor } from './helpers.ts';
import { generateExportHtml } from '../engine/pipeline/export-html.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach(rmrf));

const DOC = path.join(CORPUS, 'system-design-primer', 'README.md');
const HEADINGS = ['The System Design Primer', 'Motivation', 'Index of system design topics', 'Load balancer', 'Database', 'Cache'];

interface JobRowView {
  id: string;
  status: string;
  step: string;
  progress: number;
  attempt: number;
  message: string;
}

/** Reads the job table from outside, as another process would (read-only, WAL). */
class Observer {
  readonly #db: BetterSqlite3.Database;
  readonly progress: number[] = [];
  constructor(file: string) {
    this.#db = new BetterSqlite3(file, { readonly: true, fileMustExist: true, timeout: 10_000 });
  }
  job(): JobRowView | undefined {
    let row: JobRowView | undefined;
    try {
      row = this.#db.prepare('select id, status, step, progress, attempt, message from jobs').get() as JobRowView | undefined;
    } catch (e) {
      if (/no such table/.test(String(e))) return undefined; // the CLI is still migrating
      throw e;
    }
    if (row) this.progress.push(row.progress);
    return row;
  }
  checkpoints(): Array<{ step: string; attempt: number }> {
    return this.#db.prepare('select step, attempt from job_checkpoints order by created_at').all() as Array<{ step: string; attempt: number }>;
  }
  close() {
    this.#db.close();
  }
}

function tempFilesIn(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.startsWith('.') || f.includes('tmp')) : [];
}

describe('crash recovery', () => {
  it('SIGKILL in every step, then resume: one output per format, valid PDF, no temp files, progress never backwards', async () => {
    const dir = tempDir('quire-crash-');
    dirs.push(dir);
    const data = path.join(dir, 'data');
    const out = path.join(dir, 'out');
    // Each step pauses 1.5 s after it is recorded, so the kill lands inside that step.
    const env = { QUIRE_TEST_STEP_DELAY_MS: '1500' };
    let observer: Observer | undefined;
    const kills: Array<{ step: string; progress: number; attempt: number }> = [];

    const runUntilStep = async (args: string[], step: string) => {
      const child = spawnQuire(args, { env });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      if (!observer) {
        await waitFor(() => fs.existsSync(path.join(data, 'quire.db')) && fs.existsSync(path.join(data, 'quire.db-wal')), { what: 'database' });
        observer = new Observer(path.join(data, 'quire.db'));
      }
      const row = await waitFor(
        () => {
          const j = observer!.job();
          return j && j.status === 'running' && j.step === step ? j : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 10, what: `step ${step}: ${stderr}` },
      );
      child.kill('SIGKILL');
      expect(await exited).toBe(null);
      kills.push({ step, progress: row.progress, attempt: row.attempt });
      // The killed process left the job "running"; nobody else touched it.
      expect(observer!.job()).toMatchObject({ status: 'running', step });
    };

    await runUntilStep(['export', DOC, '--out', out, '--data-dir', data], 'prepare');
    for (const step of ['html', 'md', 'pdf']) await runUntilStep(['resume', '--data-dir', data], step);

    // Keep sampling progress while the final resume runs to completion.
    const sampler = setInterval(() => observer!.job(), 20);
    const final = await runQuire(['resume', '--data-dir', data, '--json'], { timeoutMs: 180_000 });
    clearInterval(sampler);
    expect(final.code, final.stderr).toBe(0);
    const [result] = final.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(result).toMatchObject({ status: 'completed' });
    // The warnings found in prepare (attempt 2) survived three more processes that skipped it.
    const { warnings } = generateExportHtml({ title: 'README', source: fs.readFileSync(DOC, 'utf8'), format: 'md', baseDir: path.dirname(DOC), meta: {} });
    expect(warnings.length).toBeGreaterThan(0);
    expect(result.warnings).toEqual(warnings);
    expect(observer!.job()).toMatchObject({ status: 'completed', progress: 100, attempt: 5 });

    // Each attempt redid only the step it was killed in: prepare in 2, html in 3, md in 4, pdf in 5.
    expect(Object.fromEntries(observer!.checkpoints().map((c) => [c.step, c.attempt]))).toEqual({ prepare: 2, html: 3, md: 4, pdf: 5 });
    expect(kills.map((k) => k.step)).toEqual(['prepare', 'html', 'md', 'pdf']);
    expect(kills.map((k) => k.attempt)).toEqual([1, 2, 3, 4]);

    // Progress, as seen from outside over all five processes, never went backwards.
    const seen = observer!.progress;
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(seen.at(-1)).toBe(100);

    // Exactly one output per format, nothing else in the folder.
    // The Markdown's images are copied beside it (README.assets/), each once, none half-written.
    expect(fs.readdirSync(out).sort()).toEqual(['README.assets', 'README.html', 'README.md', 'README.pdf']);
    expect(tempFilesIn(out)).toEqual([]);
    expect(tempFilesIn(path.join(out, 'README.assets'))).toEqual([]);
    const md = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
    // Markdown images ](…) and raw HTML <img src="…">, both rewritten to the copies.
    const copied = [...md.matchAll(/(?:\]\(|src=")(README\.assets\/[^)"\s]+)/g)].map((m) => decodeURIComponent(m[1]!));
    expect(copied.length).toBeGreaterThan(30);
    for (const ref of copied) expect(fs.existsSync(path.join(out, ref)), ref).toBe(true);
    expect(new Set(copied).size).toBe(fs.readdirSync(path.join(out, 'README.assets')).length);
    expect(fs.readdirSync(path.join(data, 'work'))).toEqual([]);
    const info = pdfinfo(path.join(out, 'README.pdf'));
    expect(Number(info.Pages)).toBeGreaterThan(0);
    expect(result.outputs.find((o: { format: string }) => o.format === 'pdf').pages).toBe(Number(info.Pages));
    const text = pdftotext(path.join(out, 'README.pdf'));
    for (const h of HEADINGS) expect(text).toContain(h);

    // Only one job ever existed, and the database is sound.
    const jobs = await runQuire(['jobs', '--json', '--data-dir', data]);
    expect(jobs.stdout.trim().split('\n')).toHaveLength(1);
    observer!.close();
    const db = new BetterSqlite3(path.join(data, 'quire.db'));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    console.log(`crash test: kills at ${JSON.stringify(kills)}; ${seen.length} progress samples`);
  }, 400_000);

  it('SIGKILL during a real PDF render (no test delays), then resume completes it', async () => {
    const dir = tempDir('quire-crash-');
    dirs.push(dir);
    const data = path.join(dir, 'data');
    const out = path.join(dir, 'out');
    const child = spawnQuire(['export', DOC, '--format', 'pdf', '--out', out, '--data-dir', data]);
    const exited = new Promise((r) => child.on('exit', r));
    await waitFor(() => fs.existsSync(path.join(data, 'quire.db-wal')), { what: 'database' });
    const observer = new Observer(path.join(data, 'quire.db'));
    await waitFor(() => observer.job()?.step === 'pdf', { timeoutMs: 90_000, intervalMs: 10, what: 'PDF render' });
    await new Promise((r) => setTimeout(r, 400));
    child.kill('SIGKILL');
    await exited;
    expect(observer.job()).toMatchObject({ status: 'running', step: 'pdf' });
    const r = await runQuire(['resume', '--data-dir', data, '--json'], { timeoutMs: 180_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(observer.job()).toMatchObject({ status: 'completed', attempt: 2, progress: 100 });
    expect(fs.readdirSync(out)).toEqual(['README.pdf']);
    expect(Number(pdfinfo(path.join(out, 'README.pdf')).Pages)).toBeGreaterThan(0);
    // Chromium was a child of the killed process: resume launched its own, and none is left behind by us.
    observer.close();
  }, 300_000);

  it('an interrupted job that keeps crashing ends in error after its attempts, saying so', async () => {
    const dir = tempDir('quire-crash-');
    dirs.push(dir);
    const data = path.join(dir, 'data');
    const out = path.join(dir, 'out');
    const file = path.join(dir, 'doc.md');
    fs.writeFileSync(file, '# Doomed\n\ntext\n');
    const env = { QUIRE_TEST_STEP_DELAY_MS: '5000' };
    let observer: Observer | undefined;
    for (let attempt = 1; attempt <= 5; attempt++) {
      const child = spawnQuire(attempt === 1 ? ['export', file, '--out', out, '--data-dir', data] : ['resume', '--data-dir', data], { env });
      const exited = new Promise((r) => child.on('exit', r));
      if (!observer) {
        await waitFor(() => fs.existsSync(path.join(data, 'quire.db-wal')), { what: 'database' });
        observer = new Observer(path.join(data, 'quire.db'));
      }
      await waitFor(() => observer!.job()?.attempt === attempt && observer!.job()?.status === 'running', { timeoutMs: 60_000, what: `attempt ${attempt}` });
      child.kill('SIGKILL');
      await exited;
    }
    const r = await runQuire(['resume', '--data-dir', data, '--json']);
    expect(r.code).toBe(1);
    const [job] = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(job).toMatchObject({ status: 'error', error: { code: 'JOB_INTERRUPTED' } });
    expect(job.error.message).toMatch(/interrupted 5 times/);
    expect(tempFilesIn(out)).toEqual([]);
    observer!.close();
  }, 300_000);
});

describe('two runners on one data folder', () => {
  it('each job runs exactly once', async () => {
    const dir = tempDir('quire-two-');
    dirs.push(dir);
    const data = path.join(dir, 'data');
    const out = path.join(dir, 'out');
    const files = ['ch03-01-variables-and-mutability.md', 'ch04-01-what-is-ownership.md', 'ch05-01-defining-structs.md', 'ch06-02-match.md', 'ch08-02-strings.md', 'ch09-02-recoverable-errors-with-result.md'].map((f) =>
      path.join(CORPUS, 'rust-book', f),
    );
    // Queue six jobs without running them: start an export and kill it before it claims anything.
    const { createEngine } = await import('../engine/engine.ts');
    const engine = await createEngine({ dataDir: data, outputDir: out, runJobs: false });
    for (const f of files) {
      const doc = await engine.importFile(f);
      await engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['pdf', 'md'], fileName: doc.fileBaseName } });
    }
    await engine.close();

    const env = { QUIRE_TEST_STEP_DELAY_MS: '150' };
    const [a, b] = await Promise.all([runQuire(['resume', '--data-dir', data, '--json'], { env, timeoutMs: 240_000 }), runQuire(['resume', '--data-dir', data, '--json'], { env, timeoutMs: 240_000 })]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const ranByA = a.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l).jobId);
    const ranByB = b.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l).jobId);
    // Each runner reports what it ran; together that is every job, with no job in both.
    expect(new Set([...ranByA, ...ranByB]).size).toBe(6);
    expect(ranByA.filter((id: string) => ranByB.includes(id))).toEqual([]);
    expect(ranByA.length).toBeGreaterThan(0);
    expect(ranByB.length).toBeGreaterThan(0);

    const db = new BetterSqlite3(path.join(data, 'quire.db'), { readonly: true });
    const rows = db.prepare('select status, attempt from jobs').all() as Array<{ status: string; attempt: number }>;
    expect(rows).toHaveLength(6);
    for (const r of rows) expect(r).toEqual({ status: 'completed', attempt: 1 });
    const cps = db.prepare('select count(*) n, max(attempt) a from job_checkpoints').get() as { n: number; a: number };
    expect(cps).toEqual({ n: 18, a: 1 });
    db.close();
    // One PDF and one Markdown file per job (a chapter's images go in its own .assets folder).
    expect(fs.readdirSync(out).filter((f) => !f.endsWith('.assets'))).toHaveLength(12);
  }, 300_000);
});
