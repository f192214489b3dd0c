/**
 * Follows job changes written by other processes on the same data folder (a CLI export
 * while the app is open, a `quire cancel`): polls the jobs' change numbers and hands every
 * changed row to `publish`, which drops what it has already seen (by seq).
 *
 * How often: every 20 ms while jobs change (for 2 s after the last change seen), every 250 ms
 * when nothing does. Given the database file, the feed also watches its folder: a write to it
 * (the -wal file grows at every commit) polls at once and switches to the fast rate, so the
 * first change after a quiet spell is not 250 ms late either. The watch only hastens the poll:
 * SQLite makes a commit visible a moment after its last write to the file, so the fast polls
 * that follow catch it; where the folder cannot be watched, the polls alone do the work.
 *
 * @example
 * const feed = new ChangeFeed(jobs, (row) => publish(row), { dbFile });
 * await feed.init();   // start after what exists now
 * feed.start();        // polls (and watches) until stop()
 * feed.stop();
 */
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { JobRow, JobStore } from '../store/job-store.ts';

/** The poll interval while no job changes. */
export const CHANGE_FEED_INTERVAL_MS = 250;
/** The poll interval while jobs change: a progress event reaches subscribers within it. */
export const CHANGE_FEED_FAST_MS = 20;
/** How long the fast rate lasts after the last change seen (or a write to the file). */
export const CHANGE_FEED_FAST_FOR_MS = 2_000;

export interface ChangeFeedOptions {
  /** The quiet-time interval (default CHANGE_FEED_INTERVAL_MS). */
  intervalMs?: number;
  /** The SQLite file: its folder is watched for writes (see above). */
  dbFile?: string;
  /**
   * Whether the caller already has this job at this seq (its own writes, published as it made
   * them): such a change is not read again. A 10,000-job batch read every row it had just
   * written back, spec and all, to drop it in publish (issue #10, case 8).
   */
  known?: (id: string, seq: number) => boolean;
}

export class ChangeFeed {
  readonly #jobs: JobStore;
  readonly #publish: (row: JobRow) => void;
  readonly #intervalMs: number;
  readonly #dbFile: string | undefined;
  readonly #known: (id: string, seq: number) => boolean;
  #timer: NodeJS.Timeout | null = null;
  #watcher: FSWatcher | null = null;
  /** The highest job change number looked at (see JobStore.changesAfter). */
  #lastChangeNo = 0;
  #stopped = false;
  #started = false;
  #fastUntil = 0;
  #polling = false;
  #pollAgain = false;

  constructor(jobs: JobStore, publish: (row: JobRow) => void, options: ChangeFeedOptions | number = {}) {
    const o = typeof options === 'number' ? { intervalMs: options } : options;
    this.#jobs = jobs;
    this.#publish = publish;
    this.#intervalMs = o.intervalMs ?? CHANGE_FEED_INTERVAL_MS;
    this.#dbFile = o.dbFile;
    this.#known = o.known ?? (() => false);
  }

  /** Where following starts: after every change that exists now. */
  async init(): Promise<void> {
    this.#lastChangeNo = await this.#jobs.lastChangeNo();
  }

  /**
   * Polls until stop(). The timer is kept referenced: a process that only watches (quire
   * watch) lives on it.
   */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#watcher = this.#watch();
    this.#arm();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#watcher?.close();
    this.#watcher = null;
  }

  /**
   * One look. Runs also with no listener: a subscriber added meanwhile must not miss a write
   * made between its snapshot and the next poll. Our own writes come back too.
   */
  async poll(): Promise<void> {
    if (this.#stopped) return;
    const changes = await this.#jobs.changesAfter(this.#lastChangeNo);
    if (changes.length === 0) return;
    this.#fastUntil = Date.now() + CHANGE_FEED_FAST_FOR_MS;
    // A poll from outside the timer (tests, a caller in a hurry): the next one comes fast too.
    if (this.#started && !this.#polling) this.#arm();
    const unseen = [...new Set(changes.filter((c) => !this.#known(c.id, c.seq)).map((c) => c.id))];
    // As they are now: a row written again since the first read comes at its newer seq (and that
    // change again at the next poll, where publish drops it).
    const rows = await this.#jobs.rowsByIds(unseen);
    this.#lastChangeNo = Math.max(this.#lastChangeNo, changes.at(-1)!.change_no);
    for (const row of rows) this.#publish(row);
  }

  /** The next timed poll: soon while jobs change, else at the quiet interval. */
  #arm(): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    const delay = Date.now() < this.#fastUntil ? CHANGE_FEED_FAST_MS : this.#intervalMs;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#pollNow();
    }, delay);
  }

  /** Polls now; calls while one runs fold into one more poll after it. Re-arms the timer. */
  #pollNow(): void {
    if (this.#stopped) return;
    if (this.#polling) {
      this.#pollAgain = true;
      return;
    }
    this.#polling = true;
    void (async () => {
      try {
        do {
          this.#pollAgain = false;
          await this.poll();
        } while (this.#pollAgain && !this.#stopped);
      } catch {
        // A busy or closing database: the next timed poll tries again.
      } finally {
        this.#polling = false;
        this.#arm();
      }
    })();
  }

  #watch(): FSWatcher | null {
    if (!this.#dbFile) return null;
    const base = path.basename(this.#dbFile);
    try {
      // Not persistent: the poll timer is what keeps a watching process alive.
      const watcher = watch(path.dirname(this.#dbFile), { persistent: false }, (_event, name) => {
        if (name !== null && !String(name).startsWith(base)) return;
        this.#fastUntil = Date.now() + CHANGE_FEED_FAST_FOR_MS;
        this.#pollNow();
      });
      // A folder that cannot be watched (removed, a network share): the polls go on alone.
      watcher.on('error', () => {
        watcher.close();
        if (this.#watcher === watcher) this.#watcher = null;
      });
      return watcher;
    } catch {
      return null;
    }
  }
}
