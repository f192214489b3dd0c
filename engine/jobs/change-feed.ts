/**
 * Follows job changes written by other processes on the same data folder (a CLI export
 * while the app is open, a `quire cancel`): polls the jobs' change numbers and hands every
 * changed row to `publish`, which drops what it has already seen (by seq).
 *
 * @example
 * const feed = new ChangeFeed(jobs, (row) => publish(row));
 * await feed.init();   // start after what exists now
 * feed.start();        // every 250 ms
 * feed.stop();
 */
import type { JobRow, JobStore } from '../store/job-store.ts';

export const CHANGE_FEED_INTERVAL_MS = 250;

export class ChangeFeed {
  readonly #jobs: JobStore;
  readonly #publish: (row: JobRow) => void;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | null = null;
  /** The highest job change number looked at (see JobStore.changedAfter). */
  #lastChangeNo = 0;
  #stopped = false;

  constructor(jobs: JobStore, publish: (row: JobRow) => void, intervalMs = CHANGE_FEED_INTERVAL_MS) {
    this.#jobs = jobs;
    this.#publish = publish;
    this.#intervalMs = intervalMs;
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
    if (this.#timer || this.#stopped) return;
    this.#timer = setInterval(() => void this.poll().catch(() => undefined), this.#intervalMs);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /**
   * One look. Runs also with no listener: a subscriber added meanwhile must not miss a write
   * made between its snapshot and the next poll. Our own writes come back too.
   */
  async poll(): Promise<void> {
    if (this.#stopped) return;
    for (const row of await this.#jobs.changedAfter(this.#lastChangeNo)) {
      this.#lastChangeNo = Math.max(this.#lastChangeNo, row.change_no);
      this.#publish(row);
    }
  }
}
