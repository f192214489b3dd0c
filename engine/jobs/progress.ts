/**
 * Progress is weighted across the steps a job actually runs (PDF dominates), so a job
 * exporting only Markdown still goes 0 → 100 smoothly.
 */
import type { ExportFormat, JobStep } from '../api/types.ts';

export type RunStep = Exclude<JobStep, 'queued' | 'done'>;

const WEIGHTS: Record<RunStep, number> = { prepare: 20, diagrams: 10, html: 5, md: 15, pdf: 60 };

/**
 * Steps in run order for the requested formats; `prepare` (the export HTML) always comes first.
 * `diagrams` follows when diagrams are on and an output shows them (HTML or PDF); it is
 * skipped at run time when the document has none.
 */
export function stepsFor(formats: readonly ExportFormat[], options: { diagrams?: boolean } = {}): RunStep[] {
  const steps: RunStep[] = ['prepare'];
  if (options.diagrams && (formats.includes('html') || formats.includes('pdf'))) steps.push('diagrams');
  for (const s of ['html', 'md', 'pdf'] as const) if (formats.includes(s)) steps.push(s);
  return steps;
}

/** Overall percentage when `done` steps are finished and `current` is `fraction` (0–1) through. */
export function progressOf(steps: readonly RunStep[], done: ReadonlySet<string>, current?: RunStep, fraction = 0): number {
  const total = steps.reduce((n, s) => n + WEIGHTS[s], 0);
  let sum = 0;
  for (const s of steps) if (done.has(s)) sum += WEIGHTS[s];
  if (current && !done.has(current)) sum += WEIGHTS[current] * Math.max(0, Math.min(1, fraction));
  // 100 is reserved for "completed": the last write happens after the final step.
  return Math.min(99, Math.floor((sum / total) * 100));
}

/**
 * Limits how often a job's changes reach subscribers: the first change passes, later ones
 * within `intervalMs` collapse into one trailing emit of the latest value; `flush` emits now.
 */
export class Throttle<T> {
  readonly #intervalMs: number;
  readonly #emit: (value: T) => void;
  #last = 0;
  #pending: T | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(intervalMs: number, emit: (value: T) => void) {
    this.#intervalMs = intervalMs;
    this.#emit = emit;
  }

  push(value: T): void {
    const now = Date.now();
    if (!this.#timer && now - this.#last >= this.#intervalMs) {
      this.#last = now;
      this.#emit(value);
      return;
    }
    this.#pending = value;
    if (!this.#timer) {
      this.#timer = setTimeout(() => this.#fire(), this.#intervalMs - (now - this.#last));
      this.#timer.unref?.();
    }
  }

  flush(value: T): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = undefined;
    this.#last = Date.now();
    this.#emit(value);
  }

  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = undefined;
  }

  #fire(): void {
    this.#timer = undefined;
    if (this.#pending === undefined) return;
    const v = this.#pending;
    this.#pending = undefined;
    this.#last = Date.now();
    this.#emit(v);
  }
}
