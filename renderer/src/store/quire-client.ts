/**
 * The engine this window talks to, held once for every action module (boot sets it). Kept
 * apart from boot.ts so the action modules can reach the engine without importing boot.
 */
import type { QuireApi } from '../../../engine/api/contract.ts';
import { useQuireStore } from './store.ts';

let api: QuireApi | null = null;

export const store = () => useQuireStore.getState();

export function quire(): QuireApi {
  if (!api) throw new Error('Quire is not connected yet (boot() was not called).');
  return api;
}

/** Called by boot and shutdown only. */
export function setQuire(next: QuireApi | null): void {
  api = next;
}

/** A message a person can act on, for anything a call threw. */
export function errorMessage(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown } | null;
  if (err && err.code === 'TRANSPORT_CLOSED') return 'Not connected to Quire right now. Wait until it has reconnected, then try again.';
  if (err && typeof err.message === 'string') return err.message;
  return String(e);
}
