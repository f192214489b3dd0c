/**
 * The store's file is checked before anything writes to it, and watched while the engine runs.
 *
 * - A damaged or truncated quire.db is refused with STORE_DAMAGED naming the file: opening it
 *   for writing would let a migration, a checkpoint or an export write into it (and closing a
 *   WAL connection checkpoints into it), so the check uses a read-only connection of its own.
 *   Only when the user agrees (`freshStore`: the CLI's --fresh-store, the app's dialog) is the
 *   file moved aside, never deleted, and a fresh store made in its place.
 * - A full disk under the data folder becomes DATA_DIR_UNUSABLE saying so (SQLite says only
 *   "database or disk is full").
 * - The file deleted or replaced while the engine runs (the data folder removed) is noticed by
 *   its inode: the writes would go to a file nobody can see again.
 *
 * @example
 * const { store, setAside } = await openStore('/data/quire.db', { freshStore: true });
 * if (setAside) console.error(`the damaged database was moved to ${setAside}`);
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Errors, isQuireError, type QuireError } from '../api/errors.ts';
import { openDatabase, type OpenDatabaseOptions, type QuireDb } from './db.ts';

export interface OpenStoreOptions extends OpenDatabaseOptions {
  /** Move a damaged file aside and start an empty store (the user agreed to). */
  freshStore?: boolean;
  /** How the refusal tells this host's user to start fresh (see Errors.storeDamaged). */
  freshHint?: string;
}

/** SQLite's result codes for a file that is not (or no longer) a readable database. */
function isDamage(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(code);
}

function isDiskFull(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT' || (e instanceof Error && /\bdatabase or disk is full\b/.test(e.message));
}

/** The first line of a SQLite message, for the user (never a stack). */
function reasonOf(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}

/**
 * Stores up to this size get a full quick_check at every open (≈4 ms per MB measured on a
 * shared 2-core machine, so ≤ ≈250 ms); larger ones only the header check below, and a
 * damaged page is then caught when first read (STORE_DAMAGED from explainStoreFailure).
 */
export const QUICK_CHECK_MAX_BYTES = 64 * 1024 * 1024;

function walBytes(file: string): number {
  try {
    return fs.statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
}

/** The file's 100-byte header: not SQLite, or shorter than the pages it declares (truncated). */
function headerProblem(file: string, size: number): string | undefined {
  const head = Buffer.alloc(100);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 100, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (size < 100 || head.toString('latin1', 0, 16) !== 'SQLite format 3\0') return 'file is not a database';
  const raw = head.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  // The page count in the header is valid when "version-valid-for" equals the change counter (SQLite file format §1.3.7).
  const pages = head.readUInt32BE(28);
  // Not with a WAL beside it: a checkpoint killed midway has written page 1 (the new size)
  // before the pages past the old end; they are still in the WAL, which the open replays
  // (seen in the random crash trials, tests/hardening/crash-trials.test.ts).
  if (walBytes(file) > 0) return undefined;
  if (pages > 0 && head.readUInt32BE(92) === head.readUInt32BE(24) && size < pages * pageSize) {
    return `the file is truncated: ${size.toLocaleString('en-US')} bytes of the ${(pages * pageSize).toLocaleString('en-US')} it declares`;
  }
  return undefined;
}

/**
 * What is wrong with an existing store file, or undefined when it reads as a whole database
 * (or does not exist yet / is empty: SQLite makes a fresh one). Reads only.
 */
export function storeProblem(file: string): string | undefined {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    return undefined;
  }
  if (size === 0) return undefined;
  const header = headerProblem(file, size);
  if (header) return header;
  let sqlite: BetterSqlite3.Database | undefined;
  try {
    sqlite = new BetterSqlite3(file, { readonly: true, fileMustExist: true, timeout: 15_000 });
    // quick_check reads every page's structure (O(size)): a damaged page in the middle is found
    // here, not by the first job that writes next to it. A large store: its schema is read only.
    if (size > QUICK_CHECK_MAX_BYTES) {
      sqlite.prepare('select count(*) from sqlite_master').get();
      return undefined;
    }
    const rows = sqlite.pragma('quick_check(1)') as Array<{ quick_check: string }>;
    const first = (rows[0]?.quick_check ?? 'no answer').replace(/\*\*\* in database \w+ \*\*\*\s*/, '').replace(/\s+/g, ' ').trim();
    return first === 'ok' ? undefined : `integrity check: ${first}`;
  } catch (e) {
    if (isDamage(e)) return reasonOf(e);
    throw e;
  } finally {
    sqlite?.close();
  }
}

/**
 * Moves a damaged store (and its -wal and -shm) to `<file>.damaged-<UTC date>`; returns that
 * path. The main file goes last: were we killed midway, it is found damaged again next time.
 */
export function setAsideDamagedStore(file: string, now = new Date()): string {
  const aside = `${file}.damaged-${now.toISOString().replace(/[:.]/g, '-')}`;
  for (const suffix of ['-wal', '-shm', '']) {
    if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, aside + suffix);
  }
  return aside;
}

/** A SQLite failure in words: a full disk or a damaged file named, else undefined. */
export function explainStoreFailure(e: unknown, file: string): QuireError | undefined {
  if (isQuireError(e) && (e.code === 'STORE_DAMAGED' || e.code === 'STORE_LOST' || e.code === 'DATA_DIR_UNUSABLE')) return e;
  if (isDiskFull(e) || (isQuireError(e) && e.code === 'OUTPUT_WRITE_FAILED' && isDiskFull({ code: e.details?.reason }) && isInside(String(e.details?.path), path.dirname(file)))) {
    return Errors.dataDirFull(path.dirname(file));
  }
  if (isDamage(e)) return Errors.storeDamaged(file, reasonOf(e));
  if (e instanceof Error && /^Could not upgrade the Quire database/.test(e.message) && /malformed|not a database/.test(e.message)) {
    return Errors.storeDamaged(file, e.message.replace(/^.*: /, ''));
  }
  return undefined;
}

function isInside(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * openDatabase after the check above: refuses a damaged file (STORE_DAMAGED) unless
 * `freshStore`, and says "the disk is full" for the data folder. `setAside` is where a damaged
 * file was moved.
 */
export async function openStore(file: string, options: OpenStoreOptions = {}): Promise<{ store: QuireDb; setAside?: string }> {
  const { freshStore, freshHint, ...dbOptions } = options;
  let setAside: string | undefined;
  const problem = storeProblem(file);
  if (problem !== undefined) {
    if (!freshStore) throw Errors.storeDamaged(file, problem, freshHint);
    setAside = setAsideDamagedStore(file);
  }
  try {
    return { store: await openDatabase(file, dbOptions), ...(setAside ? { setAside } : {}) };
  } catch (e) {
    throw explainStoreFailure(e, file) ?? e;
  }
}

/** The file's identity now: a different one (or none) means it was deleted or replaced. */
export function fileIdentity(file: string): string | undefined {
  try {
    const st = fs.statSync(file);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * Watches the store's file: `check()` throws STORE_LOST once it is gone or replaced.
 *
 * @example
 * const watch = new StoreWatch(store.path);
 * watch.check(); // before telling anyone a job's final state
 */
export class StoreWatch {
  readonly #file: string;
  readonly #identity: string | undefined;

  constructor(file: string) {
    this.#file = file;
    this.#identity = fileIdentity(file);
  }

  /** The reason the store is lost, or undefined while it is still the file we opened. */
  lost(): QuireError | undefined {
    if (this.#identity === undefined) return undefined; // in-memory or not yet made: nothing to compare
    return fileIdentity(this.#file) === this.#identity ? undefined : Errors.storeLost(path.dirname(this.#file), this.#file);
  }

  check(): void {
    const e = this.lost();
    if (e) throw e;
  }
}
