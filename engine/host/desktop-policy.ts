/**
 * The desktop shell's decisions, as plain code (main/os-integration.ts only applies them):
 * the taskbar/dock progress across all jobs, when to keep the machine awake, which job
 * endings deserve a notification, and what quitting with jobs running does.
 *
 * @example
 * const activity = new JobActivity();
 * engine.onDidChangeJob((job) => {
 *   const notice = activity.update(job);
 *   const { bar } = activity.progressBar();
 *   win.setProgressBar(bar.progress, { mode: bar.mode });
 * });
 */
import { isActiveStatus, type JobSnapshot } from '../api/types.ts';

export type ProgressBarMode = 'none' | 'normal' | 'indeterminate' | 'error';

export interface ProgressBarState {
  /** 0–1; negative removes the bar (Electron's convention). */
  progress: number;
  mode: ProgressBarMode;
}

export const CLEARED_BAR: ProgressBarState = { progress: -1, mode: 'none' };

/** How long a failure stays visible (red bar) after the last job ended. */
export const ERROR_HOLD_MS = 5_000;

export interface JobNotice {
  kind: 'completed' | 'failed';
  jobId: string;
  title: string;
  body: string;
  /** What a click opens: the main output of a completed job (PDF first). */
  openPath: string | null;
  /** Set when the "open folder when done" setting asks to reveal the output at once. */
  revealPath: string | null;
}

const FORMAT_ORDER = ['pdf', 'html', 'md'] as const;

function mainOutput(job: JobSnapshot): string | null {
  for (const f of FORMAT_ORDER) {
    const o = job.outputs.find((x) => x.format === f);
    if (o) return o.path;
  }
  return null;
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

/** The notice for a job that just ended, or null (cancelled, or nothing to say). */
export function noticeFor(job: JobSnapshot, options: { openFolderWhenDone: boolean }): JobNotice | null {
  const name = job.spec.title || job.spec.fileBase;
  if (job.status === 'completed') {
    const main = mainOutput(job);
    const formats = job.outputs.map((o) => o.format.toUpperCase()).join(', ');
    return {
      kind: 'completed',
      jobId: job.id,
      title: 'Export finished',
      body: main ? `${baseName(main)}${job.outputs.length > 1 ? ` (${formats})` : ''} is ready.` : `${name} is ready.`,
      openPath: main,
      revealPath: options.openFolderWhenDone ? main : null,
    };
  }
  if (job.status === 'error') {
    return {
      kind: 'failed',
      jobId: job.id,
      title: 'Export failed',
      body: `${name}: ${job.error?.message ?? 'the export stopped with an error.'}`,
      openPath: null,
      revealPath: null,
    };
  }
  return null;
}

/**
 * Follows every job the engine reports and answers the shell's questions. A job counts as
 * active while queued or running; any other status (completed, error, cancelled) or its
 * disappearance (`forget`) ends it, and the bar is recomputed on every ending.
 */
export class JobActivity {
  readonly #active = new Map<string, JobSnapshot>();
  /** The newest seq seen per job, so a late or repeated snapshot never undoes a newer one. */
  readonly #seen = new Map<string, number>();
  #failedInBatch = false;
  #lastFailureAt: number | null = null;
  #suspended = false;

  get activeCount(): number {
    return this.#active.size;
  }

  get runningCount(): number {
    let n = 0;
    for (const j of this.#active.values()) if (j.status === 'running') n++;
    return n;
  }

  /**
   * Resyncs with the engine's list of active jobs, fetched at `fetchedAt` (app start, resume
   * from sleep). No notices. A job missing from the list has ended, unless an event about it
   * arrived after the list was fetched.
   */
  reset(activeJobs: JobSnapshot[], fetchedAt = Date.now()): void {
    const listed = new Set<string>();
    for (const j of activeJobs) {
      if (!isActiveStatus(j.status)) continue;
      listed.add(j.id);
      if ((this.#seen.get(j.id) ?? -1) >= j.seq) continue;
      this.#seen.set(j.id, j.seq);
      this.#active.set(j.id, j);
    }
    for (const [id, j] of this.#active) if (!listed.has(id) && j.updatedAt < fetchedAt) this.#active.delete(id);
  }

  /** Forgets every job (shutting down). */
  clear(): void {
    this.#active.clear();
    this.#failedInBatch = false;
    this.#lastFailureAt = null;
  }

  /**
   * One job's new snapshot. Returns a notice when a job this shell saw active has just
   * completed or failed (not for jobs that were already over when first seen).
   */
  update(job: JobSnapshot, options: { openFolderWhenDone: boolean } = { openFolderWhenDone: false }, now = Date.now()): JobNotice | null {
    if ((this.#seen.get(job.id) ?? -1) >= job.seq) return null;
    this.#seen.set(job.id, job.seq);
    const prev = this.#active.get(job.id);
    if (isActiveStatus(job.status)) {
      if (this.#active.size === 0) this.#failedInBatch = false;
      this.#active.set(job.id, job);
      return null;
    }
    if (!prev) return null;
    this.#active.delete(job.id);
    if (job.status === 'error') {
      this.#failedInBatch = true;
      this.#lastFailureAt = now;
    }
    return noticeFor(job, options);
  }

  /** A job that vanished (its document was deleted). */
  forget(jobId: string): void {
    this.#active.delete(jobId);
  }

  /**
   * The bar for every window: the mean progress of active jobs (queued ones count as 0).
   * Red while a job of the current batch has failed; after the last job ends, a failure
   * stays red for ERROR_HOLD_MS (`recheckInMs` says when to ask again), else the bar is removed.
   */
  progressBar(now = Date.now()): { bar: ProgressBarState; recheckInMs: number | null } {
    if (this.#active.size > 0) {
      let sum = 0;
      for (const j of this.#active.values()) sum += Math.min(100, Math.max(0, j.progress));
      const progress = sum / this.#active.size / 100;
      const mode: ProgressBarMode = this.#failedInBatch ? 'error' : this.runningCount === 0 ? 'indeterminate' : 'normal';
      return { bar: { progress, mode }, recheckInMs: null };
    }
    if (this.#failedInBatch && this.#lastFailureAt !== null) {
      const left = this.#lastFailureAt + ERROR_HOLD_MS - now;
      if (left > 0) return { bar: { progress: 1, mode: 'error' }, recheckInMs: left };
    }
    return { bar: CLEARED_BAR, recheckInMs: null };
  }

  /** Keep the machine from idling to sleep while exports run (not while it is suspending). */
  shouldBlockSleep(): boolean {
    return !this.#suspended && this.#active.size > 0;
  }

  /** powerMonitor 'suspend': release the blocker; the scheduler's timers simply pause. */
  suspend(): void {
    this.#suspended = true;
  }

  /** powerMonitor 'resume': the caller resyncs with `reset(await engine.listJobs())`. */
  resume(): void {
    this.#suspended = false;
  }
}

// ---- quitting ------------------------------------------------------------------------------

/** A two-button message box as main shows it (dialog.showMessageBox options). */
export interface TwoButtonDialog<Type extends 'question' | 'warning'> {
  type: Type;
  buttons: [string, string];
  defaultId: number;
  cancelId: number;
  title: string;
  message: string;
  detail: string;
}

export type QuitDialog = TwoButtonDialog<'question'>;

export const KEEP_EXPORTING = 0;
export const QUIT_ANYWAY = 1;

/** Quit at once when nothing runs; otherwise ask. */
export function quitPlan(activeJobs: number): 'quit' | 'ask' {
  return activeJobs > 0 ? 'ask' : 'quit';
}

export function quitDialog(activeJobs: number): QuitDialog {
  const n = activeJobs === 1 ? 'An export is' : `${activeJobs} exports are`;
  return {
    type: 'question',
    buttons: ['Keep Exporting', 'Quit'],
    defaultId: KEEP_EXPORTING,
    cancelId: KEEP_EXPORTING,
    title: 'Quit Quire?',
    message: `${n} still running.`,
    detail: 'If you quit now, unfinished exports stop and resume the next time you open Quire.',
  };
}

/** The dialog's answer: anything but "Quit" (Esc, closing the dialog) keeps exporting. */
export function quitChoice(response: number): 'keep' | 'quit' {
  return response === QUIT_ANYWAY ? 'quit' : 'keep';
}

/**
 * Closing a window: on macOS the app (and its jobs) stays without windows, so never ask.
 * Elsewhere closing the last window quits, so ask first when jobs run.
 */
export function shouldAskOnWindowClose(o: { platform: string; otherWindows: number; activeJobs: number; quitting: boolean }): boolean {
  return !o.quitting && o.platform !== 'darwin' && o.otherWindows === 0 && o.activeJobs > 0;
}
