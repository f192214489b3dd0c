/**
 * Claims queued jobs from SQLite and runs up to `concurrency` at once. SQLite is the queue;
 * this class only keeps leases fresh (heartbeat), notices cancels requested from any
 * process, and requeues jobs whose runner is gone (recovery).
 *
 * @example
 * const scheduler = new Scheduler({ jobs, owner, concurrency: 2, run });
 * scheduler.start();
 * await scheduler.stop();
 */
import { pidAlive } from '../pdf/chromium-process.ts';
import { defaultPrintSlots } from '../pdf/print-slots.ts';
import type { JobRow, JobStore, Owner } from '../store/job-store.ts';

export interface SchedulerOptions {
  jobs: JobStore;
  owner: Owner;
  concurrency: number;
  run: (row: JobRow, token: string, signal: AbortSignal) => Promise<void>;
  publish: (row: JobRow) => void;
  /** How often to look for queued jobs written by other processes. */
  pollMs?: number;
  heartbeatMs?: number;
  /** A running job whose heartbeat is older than this is taken to be abandoned. */
  leaseMs?: number;
  onError?: (e: unknown) => void;
  /** Told of each job this scheduler's recovery changed (requeued, or ended after its attempts). */
  onRecovered?: (row: JobRow) => void;
}

/** Abort reason used when the host shuts down (as opposed to a user's cancel): the runner hands its job back. */
export const SHUTDOWN = 'quire:shutdown';

/** A running job whose runner has not written a heartbeat for this long is taken over. */
export const DEFAULT_LEASE_MS = 20_000;

export function defaultConcurrency(): number {
  // One job more than Chromium prints at once (print-slots.ts): with only as many jobs as print
  // slots, a slot stood empty while its next job was claimed and prepared; the extra job is
  // prepared while the others print, then waits for a slot. 100 chapters, 5 interleaved pairs on
  // 2 cores: machine idle 1.5–2.1 s against 2.5–3.0 s, wall median 21.9 s against 22.6 s.
  return defaultPrintSlots() + 1;
}

/**
 * Whether the process that claimed a running job is gone: on this host, its pid no longer
 * exists; anywhere, its lease ran out (no heartbeat for leaseMs).
 */
export function runnerIsGone(row: Pick<JobRow, 'heartbeat_at' | 'owner_host' | 'owner_pid'>, host: string, leaseMs: number, now = Date.now()): boolean {
  const stale = row.heartbeat_at === null || now - row.heartbeat_at > leaseMs;
  if (row.owner_host === host && row.owner_pid !== null) return !pidAlive(row.owner_pid) || stale;
  return stale;
}

export class Scheduler {
  readonly #o: Required<Omit<SchedulerOptions, 'onError' | 'onRecovered'>> & Pick<SchedulerOptions, 'onError' | 'onRecovered'>;
  readonly #active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  #timers: NodeJS.Timeout[] = [];
  #pumping: Promise<void> | null = null;
  #pumpAgain = false;
  #stopped = true;
  #idleWaiters: Array<() => void> = [];

  constructor(options: SchedulerOptions) {
    // `??`, not a spread of defaults: an option passed as undefined must not erase its default
    // (an undefined lease once made recovery run every millisecond: setInterval(NaN)).
    this.#o = {
      ...options,
      pollMs: options.pollMs ?? 500,
      heartbeatMs: options.heartbeatMs ?? 1_000,
      leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
    };
  }

  get activeJobIds(): string[] {
    return [...this.#active.keys()];
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const every = (ms: number, fn: () => Promise<unknown>) => {
      const t = setInterval(() => void fn().catch((e) => this.#o.onError?.(e)), ms);
      this.#timers.push(t);
    };
    every(this.#o.heartbeatMs, () => this.#heartbeat());
    every(Math.max(this.#o.leaseMs / 4, 1_000), () => this.recover());
    every(this.#o.pollMs, () => this.pump());
    void this.recover()
      .then(() => this.pump())
      .catch((e) => this.#o.onError?.(e));
  }

  /** Requeues jobs whose runner is gone. Returns how many rows it changed. */
  async recover(): Promise<number> {
    const me = this.#o.owner;
    const changed = await this.#o.jobs.recoverStale((row) => {
      // Ours: this process is alive and its runners always write a final state.
      if (row.owner_id === me.id) return false;
      return runnerIsGone(row, me.host, this.#o.leaseMs);
    });
    for (const row of changed) {
      this.#o.publish(row);
      this.#o.onRecovered?.(row);
    }
    if (changed.length) void this.pump();
    return changed.length;
  }

  /** Claims and starts queued jobs while there is room. Safe to call often. */
  pump(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#pumping) {
      this.#pumpAgain = true;
      return this.#pumping;
    }
    this.#pumping = (async () => {
      // Yield first: were the body to finish synchronously, `finally` would clear #pumping
      // before the assignment below stored the promise, and no pump would ever run again.
      await null;
      try {
        do {
          this.#pumpAgain = false;
          while (!this.#stopped && this.#active.size < this.#o.concurrency) {
            const claim = await this.#o.jobs.claimNext(this.#o.owner);
            if (!claim) break;
            this.#o.publish(claim.row);
            this.#launch(claim.row, claim.token);
          }
        } while (this.#pumpAgain && !this.#stopped);
      } finally {
        this.#pumping = null;
        this.#checkIdle();
      }
    })();
    return this.#pumping;
  }

  /** Aborts a job this process is running (its runner writes the cancelled state). */
  abortLocal(jobId: string): boolean {
    const active = this.#active.get(jobId);
    if (!active) return false;
    active.controller.abort();
    return true;
  }

  /** Resolves when no job runs here and a claim attempt found nothing queued. */
  async whenIdle(): Promise<void> {
    await this.pump();
    if (this.#active.size === 0) return;
    await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    return this.whenIdle();
  }

  /**
   * Stops claiming. Running jobs are handed back to the queue (resumed at the next start)
   * unless `drain` is set, in which case they are awaited.
   */
  async stop({ drain = false }: { drain?: boolean } = {}): Promise<void> {
    this.#stopped = true;
    this.#timers.forEach(clearInterval);
    this.#timers = [];
    if (this.#pumping) await this.#pumping.catch(() => undefined);
    if (!drain) for (const a of this.#active.values()) a.controller.abort(SHUTDOWN);
    await Promise.all([...this.#active.values()].map((a) => a.done));
  }

  #launch(row: JobRow, token: string): void {
    const controller = new AbortController();
    const done = this.#o
      .run(row, token, controller.signal)
      .catch((e) => this.#o.onError?.(e))
      .finally(() => {
        this.#active.delete(row.id);
        this.#checkIdle();
        void this.pump();
      });
    this.#active.set(row.id, { controller, done });
  }

  async #heartbeat(): Promise<void> {
    if (this.#active.size === 0) return;
    const cancelled = await this.#o.jobs.heartbeat(this.#o.owner.id);
    for (const id of cancelled) this.abortLocal(id);
  }

  #checkIdle(): void {
    if (this.#active.size > 0 || this.#pumping) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    waiters.forEach((w) => w());
  }
}
