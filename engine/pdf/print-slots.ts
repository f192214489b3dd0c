/**
 * How many documents Chromium prints at once. Jobs may run more than that (the next one is
 * prepared while two print), but a print beyond the slots waits here, first come first served,
 * before its time limit starts: more pages than cores only share the CPU and the memory.
 *
 * @example
 * const slots = new PrintSlots(2);
 * const release = await slots.acquire(signal); // rejects with JOB_CANCELLED if aborted while waiting
 * try { await print(); } finally { release(); }
 */
import os from 'node:os';
import { Errors } from '../api/errors.ts';

/** Pages printing side by side: two even on 2 cores (measured faster than one after the other), at most 4. */
export function defaultPrintSlots(): number {
  return Math.max(2, Math.min(4, os.availableParallelism?.() ?? os.cpus().length));
}

export class PrintSlots {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`print slots must be a whole number ≥ 1, not ${size}`);
    this.#free = size;
  }

  /** Prints waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Resolves with the slot's release (call it once, in a finally). */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(Errors.jobCancelled());
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(this.#releaser());
      };
      const onAbort = () => {
        const at = this.#waiting.indexOf(grant);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(Errors.jobCancelled());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(grant);
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Handed straight to the next waiter: the slot is never free while someone waits.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }
}
