/**
 * Helpers of the crash tests in tests/hardening (issue 11): a seeded PRNG, killing a whole
 * process tree (Chromium included) with SIGKILL, finding processes left behind, reading the
 * job rows and checking the SQLite file from outside, and the checks every trial ends with.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

/** The reduced slice runs in `npm test`; QUIRE_HARDENING=full (npm run test:hardening) runs everything. */
export const FULL = process.env.QUIRE_HARDENING === 'full';

/** mulberry32: small, fast and good enough to choose kill moments reproducibly from a seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function parentOf(pid: string): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null; // exited meanwhile
  }
}

/** Every live descendant of `root` (children, their children, …), from /proc. */
export function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = parentOf(entry);
    if (ppid === null) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * SIGKILLs `root` and every descendant (Chromium runs in a process group of its own, so a
 * group kill would miss it). The tree is frozen with SIGSTOP first, walked again until no new
 * process appears, so nothing forks or escapes to init between the walk and the kill.
 * Returns what was killed (root first), with each command line as read while frozen.
 */
export function killTree(root: number): Array<{ pid: number; cmd: string }> {
  const frozen = new Set<number>([root]);
  signal(root, 'SIGSTOP');
  for (let round = 0; round < 20; round++) {
    const fresh = descendantsOf(root).filter((p) => !frozen.has(p));
    if (fresh.length === 0) break;
    for (const p of fresh) {
      frozen.add(p);
      signal(p, 'SIGSTOP');
    }
  }
  const killed = [...frozen].map((pid) => {
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      // exited before the freeze
    }
    return { pid, cmd };
  });
  for (const p of frozen) signal(p, 'SIGKILL');
  return killed;
}

/** Live processes whose command line or environment mentions `tag` (a trial's own TMPDIR). */
export function processesTagged(tag: string): Array<{ pid: number; cmd: string }> {
  const found: Array<{ pid: number; cmd: string }> = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const env = fs.readFileSync(`/proc/${entry}/environ`, 'utf8');
      const state = fs.readFileSync(`/proc/${entry}/stat`, 'utf8').slice(-200);
      if (/\) Z /.test(state)) continue; // a zombie awaiting its parent's wait(): no longer running
      if (cmd.includes(tag) || env.includes(tag)) found.push({ pid: Number(entry), cmd: cmd.replace(/\0/g, ' ').slice(0, 160) });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

export interface JobRowLite {
  id: string;
  status: string;
  step: string;
  progress: number;
  attempt: number;
  finished_at: number | null;
  output_base: string;
  outputs: string;
  spec: string;
}

/** Reads the job table from outside (read-only, WAL), as another process would. */
export function readJobs(dataDir: string): JobRowLite[] {
  const file = path.join(dataDir, 'quire.db');
  if (!fs.existsSync(file)) return [];
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(file, { readonly: true, fileMustExist: true, timeout: 10_000 });
    return db.prepare('select id, status, step, progress, attempt, finished_at, output_base, outputs, spec from jobs order by seq').all() as JobRowLite[];
  } catch (e) {
    if (/no such table|no such column/.test(String(e))) return []; // still migrating
    throw e;
  } finally {
    db?.close();
  }
}

/** Samples every job's progress while a process runs; `backwards` lists any decrease seen. */
export class ProgressWatch {
  readonly last = new Map<string, number>();
  readonly backwards: string[] = [];
  samples = 0;
  #timer: NodeJS.Timeout | undefined;
  constructor(readonly dataDir: string) {}
  sample(): void {
    let rows: JobRowLite[];
    try {
      rows = readJobs(this.dataDir);
    } catch {
      return; // the file is being created
    }
    this.samples++;
    for (const r of rows) {
      const before = this.last.get(r.id);
      if (before !== undefined && r.progress < before) this.backwards.push(`${r.id}: ${before} → ${r.progress} (${r.status}/${r.step})`);
      this.last.set(r.id, r.progress);
    }
  }
  start(intervalMs = 60): void {
    this.stop();
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** integrity_check and foreign_key_check of a closed Quire database: [] when sound. */
export function databaseProblems(dataDir: string): string[] {
  const db = new BetterSqlite3(path.join(dataDir, 'quire.db'), { readonly: true, fileMustExist: true });
  try {
    const problems: string[] = [];
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') problems.push(`integrity_check: ${String(integrity)}`);
    for (const r of db.pragma('foreign_key_check') as unknown[]) problems.push(`foreign_key_check: ${JSON.stringify(r)}`);
    return problems;
  } finally {
    db.close();
  }
}

/** Every file under `dir` (relative paths), folders walked. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.push(path.relative(dir, full));
    }
  };
  walk(dir);
  return out.sort();
}

/** Half-written outputs: Quire's temp names start with "." and end in ".quire-tmp". */
export function tempFilesUnder(dir: string): string[] {
  return filesUnder(dir).filter((f) => path.basename(f).startsWith('.') || f.includes('quire-tmp'));
}

/** `qpdf --check` of one file: null when it passes, else what qpdf said. */
export function qpdfProblem(file: string): string | null {
  const r = spawnSync('qpdf', ['--check', file], { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? null : `${path.basename(file)}: qpdf exit ${r.status}: ${(r.stdout + r.stderr).slice(0, 300)}`;
}

export function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Quire's Chromium launch folders left in a temp folder (engine/pdf/chromium-process.ts names them). */
export function chromiumFolders(tmp: string): string[] {
  return fs.existsSync(tmp) ? fs.readdirSync(tmp).filter((f) => f.startsWith('quire-chromium-')) : [];
}

/** Resolves with the exit of a child process, however it ends. */
export function exitOf(child: import('node:child_process').ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, sig) => resolve({ code, signal: sig })));
}
