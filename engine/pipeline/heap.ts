/**
 * Gives a worker thread's garbage back after a large document. A thread that has just turned a
 * big document into HTML (or sent it to Chromium) holds its heap full of dead strings, and V8
 * only collects when it allocates again: the pipeline worker waits for its next task and the
 * print thread only awaits Chromium, so all of it stayed held through the whole print, beside
 * Chromium at its largest. For the system-design-primer README ×16 (1,185 pages) Quire's Node
 * process held 430–440 MB through the print; with this (and marked letting go of the last
 * document, markdown-render.ts) 280–360 MB (issue #10's memory target; 2026-12-04). A full
 * collection of a mostly dead heap took 20–50 ms there, against a print of 25 s; below the
 * threshold (every ordinary document) nothing happens at all.
 *
 * Only for worker threads: a collection pauses the thread that runs it, and the engine's main
 * thread must answer at once.
 *
 * @example
 * const html = generateExportHtml(input);
 * releaseGarbage(); // true if this thread's heap held more than 64 MB and was collected
 */
import v8 from 'node:v8';
import vm from 'node:vm';

/** Above this much live-or-dead heap a thread collects; a worker's own working set is 30–60 MB. */
export const RELEASE_ABOVE_BYTES = 64 * 1024 * 1024;

let collect: (() => void) | null | undefined;

/**
 * V8's gc(), made available without starting Node with --expose-gc (which a worker's execArgv
 * cannot pass): the flag only adds gc() to contexts made after it is set. Null where V8
 * refuses, and then nothing is collected early.
 */
function gcFunction(): (() => void) | null {
  if (collect === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      const gc: unknown = vm.runInNewContext('gc');
      // Only this context needed it; contexts made later (other threads' too) stay as they were.
      v8.setFlagsFromString('--no-expose-gc');
      collect = typeof gc === 'function' ? (gc as () => void) : null;
    } catch {
      collect = null;
    }
  }
  return collect;
}

/** Collects this thread's heap if it holds more than `aboveBytes`; whether it did. */
export function releaseGarbage(aboveBytes = RELEASE_ABOVE_BYTES): boolean {
  if (v8.getHeapStatistics().used_heap_size < aboveBytes) return false;
  const gc = gcFunction();
  if (!gc) return false;
  gc();
  return true;
}
