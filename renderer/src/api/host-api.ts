/**
 * Picks the contract's carrier: `window.quire` from the Electron preload when present,
 * else a WebSocket to the browser host that served this page (token from `?token=`).
 */
import type { QuireApi } from '../../../engine/api/contract.ts';
import { createWebSocketQuire, type ConnectionAware } from './websocket-quire.ts';

export type HostApi =
  | { ok: true; api: QuireApi; connection: ConnectionAware | null; token: string | null }
  | { ok: false; problem: string };

export function createHostApi(win: Window = window): HostApi {
  if (win.quire) return { ok: true, api: win.quire, connection: null, token: null };
  const token = new URLSearchParams(win.location.search).get('token');
  if (!token) {
    return {
      ok: false,
      problem: 'This page needs its access token. Open the full address that "quire serve" printed (it ends with ?token=…).',
    };
  }
  const scheme = win.location.protocol === 'https:' ? 'wss' : 'ws';
  const api = createWebSocketQuire(`${scheme}://${win.location.host}/rpc?token=${encodeURIComponent(token)}`);
  return { ok: true, api, connection: api, token };
}
