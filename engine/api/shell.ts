/**
 * QuireShell: what the desktop shell (Electron main) asks of a window — the one call that
 * goes the other way from QuireApi. Before a reload, a window close or quitting, main asks
 * the page to send its pending saves now and waits for the answer (with a time limit).
 * The preload exposes it as `window.quireShell`; absent in a browser, where the page saves
 * on pagehide/visibilitychange by itself.
 *
 * Wire format (preload/shell-bridge.ts ↔ engine/host/window-flush.ts): main sends
 * `{ id }` on SHELL_FLUSH_REQUEST; the page answers `{ id, saved, message? }` on SHELL_FLUSH_REPLY.
 *
 * @example
 * window.quireShell?.onFlushRequest(async () => ({ saved: await flushSaves() }));
 */
import type { Unsubscribe } from './contract.ts';

export const SHELL_FLUSH_REQUEST = 'quire:shell:flush';
export const SHELL_FLUSH_REPLY = 'quire:shell:flushed';

/** The page's answer: saved (the engine confirmed every edit), or why not. */
export interface FlushReport {
  saved: boolean;
  /** Why the last save failed, in words a person can act on. */
  message?: string;
}

export interface QuireShell {
  /** The page's flush; one at a time (a later registration replaces the earlier one). */
  onFlushRequest(handler: () => Promise<FlushReport>): Unsubscribe;
}

/** Reads a page's reply; null when it is not one. */
export function readFlushReply(raw: unknown): ({ id: number } & FlushReport) | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (typeof r.id !== 'number' || !Number.isInteger(r.id) || typeof r.saved !== 'boolean') return null;
  const message = typeof r.message === 'string' ? r.message.slice(0, 500) : undefined;
  return { id: r.id, saved: r.saved, ...(message ? { message } : {}) };
}
