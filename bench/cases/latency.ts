/**
 * Issue #10, cases 4 (first job queued), 6 (progress latency) and 7 (resume), with real
 * `bin/quire` processes (the compiled bundle) and real SQLite files.
 *
 *   npx tsx bench/cases/latency.ts            # prints the rows
 *   npx tsx bench/cases/latency.ts --json     # the whole result as JSON
 *
 * How each figure is taken (all clocks are this machine's wall clock, shared by the processes):
 * - First job queued: t0 just before spawn(`quire export <chapter> --format html`); the job's
 *   own `created_at` (stamped by the CLI inside the enqueue transaction) and the moment this
 *   process first sees the committed row (polling the SQLite file every 2 ms). Warm: the data
 *   folder already exists; fresh: a new one each run (creates and migrates the database).
 * - Progress latency: a trigger this benchmark adds to its own data folder's database records
 *   every write to a job row (seq, updated_at = the runner's stamp before its commit). For each
 *   write, latency = the moment a subscriber on the contract (createQuireApi served over the
 *   in-memory RPC transport) receives an event of that job with seq ≥ the write's, minus its
 *   updated_at. Writes collapsed by the event throttle count with the later event that carries
 *   them, so a delayed write is never hidden. Cross-process: a `quire export` process runs the
 *   jobs, this process only subscribes (ChangeFeed). In-process: this process's engine runs them.
 * - Resume: a `quire export` with QUIRE_TEST_STEP_DELAY_MS holds its job in a step; it is
 *   SIGKILLed; t0 just before spawn(`quire resume`); the figure is the first write of the next
 *   attempt with status running (its updated_at, from the trigger), and when this process saw it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { printRowsCase } from './print-rows.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CORPUS = process.env.QUIRE_CORPUS ?? path.resolve(ROOT, '..', 'shared', 'corpus');
const QUIRE = path.join(ROOT, 'bin', 'quire');
const BOOK = path.join(CORPUS, 'rust-book');

export interface LatencyRow {
  what: string;
  value: number;
  unit: string;
  target?: string;
  met?: boolean;
}

export interface LatencyCase {
  id: string;
  title: string;
  rows: LatencyRow[];
  notes: string[];
}

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
const median = (v: number[]) => percentile(v, 50);
const round = (n: number) => Math.round(n * 10) / 10;

function chapters(n: number): string[] {
  return fs
    .readdirSync(BOOK)
    .filter((f) => /^ch\d.*\.md$/.test(f))
    .sort()
    .slice(0, n)
    .map((f) => path.join(BOOK, f));
}

const STAMP = path.join(ROOT, 'out', 'cli', 'sources.stamp');
const stamp = () => (fs.existsSync(STAMP) ? fs.readFileSync(STAMP, 'utf8') : '');

/**
 * Runs `measure` with the CLI bundle up to date, again (up to 5 times) if bin/quire rebuilt it
 * meanwhile: a rebuild follows an edit of engine/, which a user's start never pays.
 */
async function withBuiltCli<T>(measure: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const built = await exited(spawn(process.execPath, [QUIRE, '--version'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
    if (built.code !== 0) throw new Error(`bin/quire could not build: ${built.stderr}`);
    const before = stamp();
    const result = await measure();
    if (stamp() === before || attempt >= 5) return result;
    rebuilds++;
  }
}
let rebuilds = 0;

function quire(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [QUIRE, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

function exited(child: ChildProcess, timeoutMs = 120_000): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.resume();
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, stderr });
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`quire ${child.spawnargs.slice(2).join(' ')} ran past ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stderr });
    });
  });
}

/** Records every insert and update of a job row in the benchmark's own database (see the header). */
async function addWriteLog(dbFile: string): Promise<BetterSqlite3.Database> {
  // Created (and migrated) first, so the triggers go in before any engine holds the file.
  const { openDatabase } = await import('../../engine/store/db.ts');
  await (await openDatabase(dbFile)).close();
  const db = new BetterSqlite3(dbFile, { timeout: 15_000 });
  db.exec(`
    CREATE TABLE IF NOT EXISTS bench_job_writes (job_id TEXT, seq INTEGER, status TEXT, step TEXT, progress INTEGER, attempt INTEGER, updated_at INTEGER);
    CREATE TRIGGER IF NOT EXISTS bench_jobs_ins AFTER INSERT ON jobs BEGIN
      INSERT INTO bench_job_writes VALUES (NEW.id, NEW.seq, NEW.status, NEW.step, NEW.progress, NEW.attempt, NEW.updated_at); END;
    CREATE TRIGGER IF NOT EXISTS bench_jobs_upd AFTER UPDATE ON jobs BEGIN
      INSERT INTO bench_job_writes VALUES (NEW.id, NEW.seq, NEW.status, NEW.step, NEW.progress, NEW.attempt, NEW.updated_at); END;
  `);
  return db;
}

interface Write {
  job_id: string;
  seq: number;
  status: string;
  step: string;
  progress: number;
  attempt: number;
  updated_at: number;
}

async function withTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qlat-'));
  try {
    return await fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// 4. First job queued

async function firstJobQueued(runs: number): Promise<{ warm: { stamp: number[]; seen: number[] }; fresh: { stamp: number[]; seen: number[] }; node: number[] }> {
  const [chapter] = chapters(1);
  const result = { warm: { stamp: [] as number[], seen: [] as number[] }, fresh: { stamp: [] as number[], seen: [] as number[] }, node: [] as number[] };
  await withTemp(async (dir) => {
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    const warmData = path.join(dir, 'warm');
    // One export first: the warm runs find the database, the bundle built and the disk cache hot.
    const first = await exited(quire(['export', chapter!, '--format', 'html', '--out', out, '--data-dir', warmData]));
    if (first.code !== 0) throw new Error(`quire export failed: ${first.stderr}`);
    for (let i = 0; i < runs; i++) {
      for (const kind of ['warm', 'fresh'] as const) {
        await withBuiltCli(async () => {
        const data = kind === 'warm' ? warmData : path.join(dir, `fresh${i}-${Math.random().toString(36).slice(2, 8)}`);
        const dbFile = path.join(data, 'quire.db');
        const known = new Set<string>();
        let db: BetterSqlite3.Database | null = null;
        if (fs.existsSync(dbFile)) {
          db = new BetterSqlite3(dbFile, { timeout: 15_000 });
          for (const r of db.prepare('SELECT id FROM jobs').all() as Array<{ id: string }>) known.add(r.id);
        }
        const t0 = now();
        const child = quire(['export', chapter!, '--format', 'html', '--out', out, '--data-dir', data]);
        const done = exited(child);
        let row: { id: string; created_at: number } | undefined;
        while (!row && child.exitCode === null) {
          if (!db && fs.existsSync(dbFile)) {
            try {
              db = new BetterSqlite3(dbFile, { timeout: 15_000, fileMustExist: true });
            } catch {
              db = null;
            }
          }
          try {
            row = (db?.prepare('SELECT id, created_at FROM jobs ORDER BY created_at DESC LIMIT 5').all() as Array<{ id: string; created_at: number }> | undefined)?.find((r) => !known.has(r.id));
          } catch {
            // The table does not exist yet (the CLI is migrating the new database).
          }
          if (!row) await sleep(2);
        }
        const seen = now() - t0;
        const { code, stderr } = await done;
        if (code !== 0 || !row) throw new Error(`quire export (${kind}) failed: ${stderr}`);
        db?.close();
        return () => {
          result[kind].stamp.push(row!.created_at - t0);
          result[kind].seen.push(seen);
        };
        }).then((keep) => keep());
      }
      const t0 = now();
      await exited(spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' }));
      result.node.push(now() - t0);
    }
  });
  return result;
}

// ---------------------------------------------------------------------------------------------
// 6. Progress latency

interface Subscriber {
  received: Map<string, Array<{ seq: number; at: number }>>;
  close(): Promise<void>;
  startExport?: (file: string, outDir: string) => Promise<string>;
}

/** A contract client on an engine over `dataDir`: createQuireApi served on the in-memory RPC transport. */
async function subscriber(dataDir: string, runJobs: boolean): Promise<Subscriber> {
  const { createEngine } = await import('../../engine/engine.ts');
  const { createQuireApi } = await import('../../engine/host/create-api.ts');
  const { JsonSettingsStore, defaultSettings } = await import('../../engine/host/settings.ts');
  const { API_EVENTS, API_METHODS } = await import('../../engine/api/contract.ts');
  const { connect, createInMemoryTransportPair, serve } = await import('../../engine/api/rpc.ts');
  const { validateCall } = await import('../../engine/api/schemas.ts');
  const outDir = path.join(dataDir, '..', 'out');
  const settings = new JsonSettingsStore(path.join(dataDir, '..', 'settings.json'), defaultSettings(outDir));
  const engine = await createEngine({ dataDir, outputDir: outDir, runJobs, settings: () => settings.get() });
  const api = createQuireApi(engine, {
    info: { kind: 'test', canOpenPath: false, canShowInFolder: false, downloadBase: null, assetBase: null, platform: process.platform, version: 'bench' },
    settings,
  });
  const [server, wire] = createInMemoryTransportPair();
  const stopServing = serve(api, server, { methods: API_METHODS, events: API_EVENTS, validate: validateCall });
  const client = connect<typeof api>(wire, { methods: API_METHODS, events: API_EVENTS });
  const received = new Map<string, Array<{ seq: number; at: number }>>();
  const off = client.onDidChangeJob((job) => {
    const at = now();
    let list = received.get(job.id);
    if (!list) received.set(job.id, (list = []));
    list.push({ seq: job.seq, at });
  });
  // The subscription is registered over the transport: let it arrive before anything is written.
  await client.listWorkflows();
  return {
    received,
    async startExport(file, out) {
      const doc = await engine.importFile(file);
      const { exportStageOf } = await import('../../engine/store/workflows.ts');
      const { jobId } = await client.startExport({ documentId: doc.id, stageId: exportStageOf(doc.workflowId)!.id, options: { formats: ['html', 'md'], outDir: out, fileName: doc.fileBaseName } });
      return jobId;
    },
    async close() {
      off();
      client.dispose();
      stopServing();
      await engine.close({ drain: true });
    },
  };
}

/** Per write of a running job: first receipt of an event at or beyond its seq, minus its stamp. */
function latencies(writes: Write[], received: Subscriber['received'], jobIds: Set<string>): { all: number[]; missed: number } {
  const all: number[] = [];
  let missed = 0;
  for (const w of writes) {
    if (!jobIds.has(w.job_id) || w.status === 'queued') continue;
    const got = received.get(w.job_id)?.find((e) => e.seq >= w.seq);
    if (!got) missed++;
    else all.push(got.at - w.updated_at);
  }
  return { all, missed };
}

async function progressLatency(files: number): Promise<{ cross: { all: number[]; missed: number }; inProcess: { all: number[]; missed: number } }> {
  const list = chapters(files);
  const cross = await withTemp(async (dir) => {
    const data = path.join(dir, 'data');
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    const log = await addWriteLog(path.join(data, 'quire.db'));
    const sub = await subscriber(data, false);
    try {
      const { code, stderr } = await exited(quire(['export', ...list, '--format', 'html,md', '--out', out, '--data-dir', data]), 300_000);
      if (code !== 0) throw new Error(`quire export failed: ${stderr}`);
      const writes = log.prepare('SELECT * FROM bench_job_writes ORDER BY rowid').all() as Write[];
      const ids = new Set(writes.map((w) => w.job_id));
      // The final states come through the poll; give the last one time to arrive.
      const end = Date.now() + 5_000;
      while (Date.now() < end && [...ids].some((id) => !received(sub, id, writes))) await sleep(20);
      return latencies(writes, sub.received, ids);
    } finally {
      log.close();
      await sub.close();
    }
  });
  const inProcess = await withTemp(async (dir) => {
    const data = path.join(dir, 'data');
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    const log = await addWriteLog(path.join(data, 'quire.db'));
    const sub = await subscriber(data, true);
    try {
      const ids = new Set<string>();
      for (const f of list) ids.add(await sub.startExport!(f, out));
      const end = Date.now() + 300_000;
      for (;;) {
        const writes = log.prepare('SELECT * FROM bench_job_writes ORDER BY rowid').all() as Write[];
        if ([...ids].every((id) => received(sub, id, writes))) return latencies(writes, sub.received, ids);
        if (Date.now() > end) throw new Error('in-process exports did not end');
        await sleep(50);
      }
    } finally {
      log.close();
      await sub.close();
    }
  });
  return { cross, inProcess };
}

/** Whether the subscriber got the job's final write. */
function received(sub: Subscriber, jobId: string, writes: Write[]): boolean {
  const last = writes.filter((w) => w.job_id === jobId).at(-1);
  if (!last || last.status === 'queued' || last.status === 'running') return false;
  return (sub.received.get(jobId) ?? []).some((e) => e.seq >= last.seq);
}

// ---------------------------------------------------------------------------------------------
// 7. Resume

async function resume(runs: number): Promise<{ stamp: number[]; seen: number[] }> {
  const [chapter] = chapters(1);
  const stamps: number[] = [];
  const seen: number[] = [];
  await withTemp(async (dir) => {
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    for (let i = 0; i < runs + 5 && stamps.length < runs; i++) {
      const data = path.join(dir, `data${i}`);
      // The database with its write log exists before the job does.
      const log = await addWriteLog(path.join(data, 'quire.db'));
      try {
        const victim = quire(['export', chapter!, '--format', 'html,md', '--out', out, '--data-dir', data], { QUIRE_TEST_STEP_DELAY_MS: '5000' });
        const victimDone = exited(victim).catch(() => undefined);
        let running: Write | undefined;
        const until = Date.now() + 30_000;
        while (!running && Date.now() < until) {
          running = log.prepare("SELECT * FROM bench_job_writes WHERE status = 'running' ORDER BY rowid LIMIT 1").get() as Write | undefined;
          if (!running) await sleep(10);
        }
        if (!running) throw new Error('the job never started running');
        await sleep(300); // inside the step's delay
        victim.kill('SIGKILL');
        await victimDone;
        // Built now, so the resume below never includes a rebuild (no retry: the job is killed once).
        const built = await exited(spawn(process.execPath, [QUIRE, '--version'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
        if (built.code !== 0) throw new Error(`bin/quire could not build: ${built.stderr}`);
        const before = stamp();
        const t0 = now();
        const child = quire(['resume', '--data-dir', data]);
        const done = exited(child);
        let again: Write | undefined;
        while (!again && child.exitCode === null) {
          again = log.prepare("SELECT * FROM bench_job_writes WHERE job_id = ? AND status = 'running' AND attempt > ? ORDER BY rowid LIMIT 1").get(running.job_id, running.attempt) as Write | undefined;
          if (!again) await sleep(2);
        }
        const at = now() - t0;
        const { code, stderr } = await done;
        again ??= log.prepare("SELECT * FROM bench_job_writes WHERE job_id = ? AND status = 'running' AND attempt > ? ORDER BY rowid LIMIT 1").get(running.job_id, running.attempt) as Write | undefined;
        if (code !== 0 || !again) throw new Error(`quire resume did not run the job again: ${stderr}`);
        if (stamp() !== before) {
          rebuilds++;
          continue; // bin/quire rebuilt the bundle during this run: not a user's start
        }
        stamps.push(again.updated_at - t0);
        seen.push(at);
      } finally {
        log.close();
      }
    }
  });
  return { stamp: stamps, seen };
}

// ---------------------------------------------------------------------------------------------

export async function caseLatency(options: { runs?: number; files?: number } = {}): Promise<LatencyCase> {
  const runs = options.runs ?? Number(process.env.BENCH_LATENCY_RUNS ?? 7);
  const files = options.files ?? Number(process.env.BENCH_LATENCY_FILES ?? 20);
  const rows: LatencyRow[] = [];
  const notes: string[] = [];

  const t = now();
  const say = (what: string) => process.env.BENCH_VERBOSE && process.stderr.write(`latency: ${what} after ${Math.round(now() - t)} ms\n`);
  const q = await firstJobQueued(runs);
  say('first job queued');
  const target300 = (v: number) => ({ target: '≤ 300 ms', met: v <= 300 });
  rows.push({ what: 'bare node: spawn → exit (`node -e 0`), median', value: round(median(q.node)), unit: 'ms' });
  rows.push({ what: 'first job queued, warm data folder: spawn → job created_at, median', value: round(median(q.warm.stamp)), unit: 'ms', ...target300(median(q.warm.stamp)) });
  rows.push({ what: 'first job queued, warm data folder: spawn → row seen by another process, median', value: round(median(q.warm.seen)), unit: 'ms', ...target300(median(q.warm.seen)) });
  rows.push({ what: 'first job queued, new data folder: spawn → job created_at, median', value: round(median(q.fresh.stamp)), unit: 'ms', ...target300(median(q.fresh.stamp)) });
  rows.push({ what: 'first job queued, new data folder: spawn → row seen by another process, median', value: round(median(q.fresh.seen)), unit: 'ms', ...target300(median(q.fresh.seen)) });
  notes.push(
    `First job queued: ${runs} runs each of \`quire export <ch01-00> --format html\`; warm runs min–max ${round(Math.min(...q.warm.seen))}–${round(Math.max(...q.warm.seen))} ms (seen), new data folder ${round(Math.min(...q.fresh.seen))}–${round(Math.max(...q.fresh.seen))} ms; "seen" polls the SQLite file every 2 ms.`,
  );

  const p = await progressLatency(files);
  say('progress latency');
  for (const [label, r] of [['across processes (CLI runs, contract client subscribes)', p.cross], ['in one process (engine runs, contract client subscribes)', p.inProcess]] as const) {
    rows.push({ what: `progress latency ${label}: p50`, value: round(percentile(r.all, 50)), unit: 'ms' });
    rows.push({ what: `progress latency ${label}: p95`, value: round(percentile(r.all, 95)), unit: 'ms', target: '< 50 ms', met: percentile(r.all, 95) < 50 });
    rows.push({ what: `progress latency ${label}: max`, value: round(Math.max(...r.all)), unit: 'ms' });
    notes.push(`Progress latency ${label}: ${r.all.length} job-row writes of ${files} chapters exported to html,md${r.missed ? `; ${r.missed} writes never reached the subscriber` : ''}.`);
  }

  const r = await resume(runs);
  say('resume');
  rows.push({ what: 'resume: spawn `quire resume` → interrupted job running again (its row stamp), median', value: round(median(r.stamp)), unit: 'ms', target: '< 1000 ms', met: median(r.stamp) < 1000 });
  rows.push({ what: 'resume: spawn `quire resume` → running row seen by another process, median', value: round(median(r.seen)), unit: 'ms', target: '< 1000 ms', met: median(r.seen) < 1000 });
  notes.push(`Resume: ${runs} runs; the job was SIGKILLed in its prepare step (QUIRE_TEST_STEP_DELAY_MS=5000); seen min–max ${round(Math.min(...r.seen))}–${round(Math.max(...r.seen))} ms.`);
  if (rebuilds) notes.push(`${rebuilds} run(s) were taken again: bin/quire rebuilt its bundle meanwhile (engine/ sources edited).`);
  notes.push(`Machine: ${os.availableParallelism?.() ?? os.cpus().length} cores, shared with other work while measured; compare with the bare-node row of the same run.`);

  return { id: 'latency', title: 'CLI start to first job queued, progress latency, resume', rows, notes };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  printRowsCase(await caseLatency());
}
