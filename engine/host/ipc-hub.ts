/**
 * The main-process side of the Electron IPC transport, written against structural types
 * (no electron import): main/ipc.ts feeds it `ipcMain` messages and window lifecycle
 * events; tests feed it fakes.
 *
 * - Every message is checked: the sender must be one of our windows (`isTrustedPeer`), the
 *   frame must be that window's top frame, and its origin one of `allowedOrigins`. A
 *   refused call gets UNAUTHORIZED_SENDER back (so nothing hangs); anything else refused
 *   is dropped. Refusals are reported through `onRefused`.
 * - One connection per page load (the envelope's `c`): a new id from the same window (a
 *   reload) closes the old connection, which drops its event subscriptions; so do
 *   `disconnect(peerId)` (window closed, crashed, navigating) and `close()`.
 * - Calls are served by rpc `serve()` with zod validation (validateCall), so a bad payload
 *   gets INVALID_PAYLOAD, never a crash.
 *
 * @example
 * const hub = new IpcHub(api, { allowedOrigins: [APP_ORIGIN], isTrustedPeer: (id) => windows.has(id) });
 * ipcMain.on(IPC_TO_MAIN, (e, env) => hub.receive(peerOf(e.sender), frameOf(e.senderFrame), env));
 */
import { API_EVENTS, API_METHODS, type QuireApi } from '../api/contract.ts';
import { Errors } from '../api/errors.ts';
import { serve, type Transport } from '../api/rpc.ts';
import { validateCall } from '../api/schemas.ts';
import { originOf } from './app-protocol.ts';

/** Must match preload/ipc-transport.ts. */
export const IPC_TO_MAIN = 'quire:rpc:to-main';
export const IPC_TO_RENDERER = 'quire:rpc:to-renderer';

/** A window's web contents, as far as the hub needs it. */
export interface IpcPeer {
  readonly id: number;
  send(channel: string, payload: unknown): void;
  isDestroyed(): boolean;
}

/** The frame a message came from (Electron: `event.senderFrame`). */
export interface IpcSenderFrame {
  readonly url: string;
  /** True for the window's top-level frame (Electron: `frame.parent === null`). */
  readonly isMainFrame: boolean;
  /** A frame that navigated away or was removed. */
  readonly detached?: boolean;
}

export interface IpcHubOptions {
  allowedOrigins: readonly string[];
  /** Is this web contents one of our own windows? */
  isTrustedPeer(peerId: number): boolean;
  onRefused?(reason: string): void;
  /** Unexpected errors inside a handler (the client only sees INTERNAL). */
  onError?(e: unknown): void;
}

export type SenderCheck = { ok: true } | { ok: false; reason: string };

/** Pure sender check: trusted window, top frame, allowed origin. */
export function checkSender(
  peerId: number,
  frame: IpcSenderFrame | null,
  options: Pick<IpcHubOptions, 'allowedOrigins' | 'isTrustedPeer'>,
): SenderCheck {
  if (!options.isTrustedPeer(peerId)) return { ok: false, reason: `web contents ${peerId} is not a Quire window` };
  if (!frame || frame.detached) return { ok: false, reason: 'the sending frame is gone' };
  if (!frame.isMainFrame) return { ok: false, reason: `a subframe (${describe(frame.url)})` };
  const origin = originOf(frame.url);
  if (!origin || !options.allowedOrigins.map((o) => o.toLowerCase()).includes(origin)) {
    return { ok: false, reason: `origin ${origin ?? describe(frame.url)}` };
  }
  return { ok: true };
}

function describe(url: string): string {
  return url.length > 100 ? `${url.slice(0, 97)}...` : url || '(no url)';
}

interface Envelope {
  c: string;
  m?: unknown;
  close?: boolean;
}

function readEnvelope(raw: unknown): Envelope | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const e = raw as Record<string, unknown>;
  if (typeof e.c !== 'string' || e.c.length === 0 || e.c.length > 100) return null;
  return { c: e.c, m: e.m, close: e.close === true };
}

interface Connection {
  peer: IpcPeer;
  id: string;
  handlers: Set<(m: unknown) => void>;
  closeHandlers: Set<() => void>;
  closed: boolean;
  stop: () => void;
}

const MAX_RETIRED = 64;

export class IpcHub {
  readonly #api: QuireApi;
  readonly #options: IpcHubOptions;
  readonly #connections = new Map<number, Connection>();
  /** Connection ids of page loads that are gone: their late messages are dropped. */
  readonly #retired = new Set<string>();
  #closed = false;

  constructor(api: QuireApi, options: IpcHubOptions) {
    this.#api = api;
    this.#options = options;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** One message from a renderer. Never throws. */
  receive(peer: IpcPeer, frame: IpcSenderFrame | null, raw: unknown): void {
    if (this.#closed) return;
    const check = checkSender(peer.id, frame, this.#options);
    const env = readEnvelope(raw);
    if (!check.ok) {
      this.#options.onRefused?.(check.reason);
      this.#refuse(peer, env, check.reason);
      return;
    }
    if (!env || this.#retired.has(env.c)) return;
    let conn = this.#connections.get(peer.id);
    if (conn && (conn.id !== env.c || env.close)) {
      this.#end(conn, false);
      conn = undefined;
    }
    if (env.close) {
      this.#retire(env.c);
      return;
    }
    conn ??= this.#open(peer, env.c);
    for (const h of [...conn.handlers]) h(env.m);
  }

  /** The window closed, crashed or is loading another page: drop its subscriptions. */
  disconnect(peerId: number): void {
    const conn = this.#connections.get(peerId);
    if (conn) this.#end(conn, false);
  }

  /** Stops serving every window (app quitting); their pending calls fail with TRANSPORT_CLOSED. */
  close(): void {
    if (this.#closed) return;
    for (const conn of [...this.#connections.values()]) this.#end(conn, true);
    this.#closed = true;
  }

  #refuse(peer: IpcPeer, env: Envelope | null, reason: string): void {
    const m = env?.m as { t?: unknown; id?: unknown } | undefined;
    if (!env || m?.t !== 'call' || typeof m.id !== 'number' || peer.isDestroyed()) return;
    const { code, message } = Errors.unauthorizedSender(reason);
    try {
      peer.send(IPC_TO_RENDERER, { c: env.c, m: { t: 'result', id: m.id, ok: false, error: { code, message } } });
    } catch {
      // The frame is going away; nothing to tell.
    }
  }

  #open(peer: IpcPeer, id: string): Connection {
    const conn: Connection = { peer, id, handlers: new Set(), closeHandlers: new Set(), closed: false, stop: () => undefined };
    const post = (payload: Envelope) => {
      if (conn.closed || peer.isDestroyed()) return;
      try {
        peer.send(IPC_TO_RENDERER, payload);
      } catch (e) {
        // Destroyed between the check and the send (window closing).
        this.#options.onError?.(e);
      }
    };
    const transport: Transport = {
      send: (message) => post({ c: id, m: message }),
      onMessage: (handler) => {
        conn.handlers.add(handler);
        return () => conn.handlers.delete(handler);
      },
      onClose: (handler) => {
        conn.closeHandlers.add(handler);
        return () => conn.closeHandlers.delete(handler);
      },
      close: () => this.#end(conn, true),
    };
    this.#connections.set(peer.id, conn);
    conn.stop = serve(this.#api, transport, {
      methods: API_METHODS,
      events: API_EVENTS,
      validate: validateCall,
      onError: (e) => this.#options.onError?.(e),
    });
    return conn;
  }

  #end(conn: Connection, tellRenderer: boolean): void {
    if (conn.closed) return;
    if (tellRenderer && !conn.peer.isDestroyed()) {
      try {
        conn.peer.send(IPC_TO_RENDERER, { c: conn.id, close: true });
      } catch {
        // already gone
      }
    }
    conn.closed = true;
    if (this.#connections.get(conn.peer.id) === conn) this.#connections.delete(conn.peer.id);
    this.#retire(conn.id);
    for (const h of [...conn.closeHandlers]) h();
    conn.stop();
  }

  #retire(id: string): void {
    this.#retired.add(id);
    if (this.#retired.size > MAX_RETIRED) this.#retired.delete(this.#retired.values().next().value!);
  }
}
