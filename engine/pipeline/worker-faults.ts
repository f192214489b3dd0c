/**
 * Test hook for tests/hardening/worker-faults.test.ts: with QUIRE_WORKER_FAULT=1 set, a task
 * whose input carries `QUIRE-TEST-FAULT:<task>:<kind>` (in the source, the HTML, or the PDF
 * title) fails in that way; any other task runs normally, so the same pool then serves a
 * clean job. Tasks: any WorkerTask kind (exportHtml, markdown, markdownSource, …). Kinds: throw (an error
 * inside the step), uncaught (an exception outside the protocol), exit (process.exit), loop
 * (never returns), oom (fills the heap). Read once per worker thread; inert unless set.
 */
import type { WorkerTask } from './types.ts';

export const FAULT_MARK = 'QUIRE-TEST-FAULT';
export const FAULT_KINDS = ['throw', 'uncaught', 'exit', 'loop', 'oom'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const ENABLED = !!process.env.QUIRE_WORKER_FAULT;

/** The text of the task a mark would be in. */
function textOf(task: WorkerTask): string {
  switch (task.kind) {
    case 'exportHtml':
    case 'markdownSource':
      return task.input.source;
    case 'markdown':
    case 'inlineDiagrams':
    case 'embedImages':
      return task.html;
    case 'scanAssetRefs':
      return task.source;
    case 'pdfMetadata':
      return task.meta.title ?? '';
    default:
      return '';
  }
}

/** Fails `task` as its input's mark says (only with QUIRE_WORKER_FAULT set). */
export async function injectFault(task: WorkerTask): Promise<void> {
  if (!ENABLED || !task?.kind) return;
  const m = new RegExp(`${FAULT_MARK}:${task.kind}:(\\w+)`).exec(textOf(task));
  if (!m) return;
  switch (m[1] as FaultKind) {
    case 'throw':
      throw new Error(`injected fault in ${task.kind}\n    at fake (stack.ts:1:1)`);
    case 'uncaught':
      setImmediate(() => {
        throw new Error(`injected uncaught fault in ${task.kind}`);
      });
      await new Promise(() => undefined);
      break;
    case 'exit':
      process.exit(3);
      break;
    case 'loop':
      for (;;);
    case 'oom': {
      // 8 MB arrays of doubles: the heap fills in a few dozen steps, not after minutes of GC.
      const hoard: number[][] = [];
      for (let i = 0; ; i++) hoard.push(new Array<number>(1_000_000).fill(i + 0.5));
    }
  }
}
