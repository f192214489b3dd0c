/** Shared test helpers: fresh temp folders, paths into the shared corpus, CLI runner. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const QUIRE_BIN = path.join(ROOT, 'bin', 'quire');
/** ../shared/corpus next to the checkout (CI lays shared/ beside the clone). */
export const CORPUS = process.env.QUIRE_CORPUS ?? path.resolve(ROOT, '..', 'shared', 'corpus');

/** Every Markdown document of the shared corpus (not its own README), sorted. */
export function corpusMarkdownFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith('.md') && full !== path.join(CORPUS, 'README.md')) out.push(full);
    }
  };
  walk(CORPUS);
  return out.sort();
}

export function tempDir(prefix = 'quire-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function rmrf(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs bin/quire to completion (real child process). */
export function runQuire(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnQuire(args, opts);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`quire ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 120_000} ms\n${stderr}`));
    }, opts.timeoutMs ?? 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function spawnQuire(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): ChildProcess {
  return spawn(process.execPath, [QUIRE_BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function pdfinfo(file: string): Record<string, string> {
  const r = spawnSync('pdfinfo', [file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pdfinfo failed on ${file}: ${r.stderr}`);
  return Object.fromEntries(
    r.stdout
      .split('\n')
      .filter((l) => l.includes(':'))
      .map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()]),
  );
}

export function pdftotext(file: string): string {
  const r = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`pdftotext failed on ${file}: ${r.stderr}`);
  return r.stdout;
}

export async function waitFor<T>(fn: () => T | Promise<T>, { timeoutMs = 30_000, intervalMs = 25, what = 'condition' } = {}): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A job row as jobRows() reads it. */
export interface StoredJob {
  id: string;
  status: string;
  step: string;
  attempt: number;
  owner_pid: number | null;
}

/**
 * The jobs in a data folder, read straight from its SQLite file (read-only, no process to
 * start): lets a test catch a short-lived state that polling `quire jobs` could miss on a
 * loaded machine. [] while the file or its tables do not exist yet.
 */
export function jobRows(dataDir: string): StoredJob[] {
  const file = path.join(dataDir, 'quire.db');
  if (!fs.existsSync(file)) return [];
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return db.prepare('select id, status, step, attempt, owner_pid from jobs order by created_at').all() as StoredJob[];
  } catch {
    return [];
  } finally {
    db?.close();
  }
}
