/**
 * What a pipeline worker sends back over the thread boundary.
 *
 * Errors do not cross a worker boundary intact (structured clone keeps message and name,
 * drops a QuireError's class and code), so the worker never throws for an expected
 * failure: it replies `{ ok: false, error: { code, message } }` and the main side rebuilds
 * the QuireError from it. Anything else reaching the main side — a rejection from Piscina
 * because the worker threw outside this protocol, called process.exit or died, or a reply
 * that is not a WorkerReply — is turned into WORKER_CRASHED by pool.ts.
 *
 * @example
 * // worker:  return { ok: true, value: result };
 * //          return { ok: false, error: { code: 'CONVERSION_FAILED', message: '…' } };
 * // main:    if (!reply.ok) throw new QuireError(reply.error.code, reply.error.message);
 */
import type { ErrorCode } from '../api/errors.ts';

export interface WorkerErrorData {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export type WorkerReply<T> = { ok: true; value: T } | { ok: false; error: WorkerErrorData };

/** Whether `x` has the shape of a WorkerReply (the value itself is not checked). */
export function isWorkerReply(x: unknown): x is WorkerReply<unknown> {
  if (typeof x !== 'object' || x === null || !('ok' in x)) return false;
  const r = x as { ok: unknown; error?: unknown };
  if (r.ok === true) return 'value' in r;
  if (r.ok !== false || typeof r.error !== 'object' || r.error === null) return false;
  const e = r.error as { code?: unknown; message?: unknown };
  return typeof e.code === 'string' && typeof e.message === 'string';
}

/** What every worker of a pool receives as workerData. */
export interface PipelineWorkerData {
  /** Folder with themes/ (base.css and the themes; see theme.ts). */
  resourcesDir?: string;
}
