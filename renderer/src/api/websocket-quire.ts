/**
 * QuireApi over a WebSocket to the browser host, that survives the host restarting:
 *
 * - After the socket drops it reconnects with exponential backoff (with jitter) and
 *   subscribes again to every event that has local listeners.
 * - A call in flight when the socket drops rejects with TRANSPORT_CLOSED, except idempotent
 *   reads, which are sent once more after reconnecting. A write made while disconnected
 *   rejects at once; a read waits up to `readWaitMs` for the connection. Nothing hangs.
 * - `onDidChangeConnection` tells the UI to show "Reconnecting…" and, once back, to fetch
 *   again what it shows (events sent while it was away are lost).
 *
 * @example
 * const quire = createWebSocketQuire(`ws://127.0.0.1:7420/rpc?token=${token}`);
 * quire.onDidChangeConnection((s) => console.log(s)); // 'open', 'reconnecting', …
 * await quire.listDocuments();
 */
import { API_EVENTS, API_METHODS, type QuireApi, type Unsubscribe } from '../../../engine/api/contract.ts';
import { Errors, isQuireError } from '../../../engine/api/errors.ts';
import { connect } from '../../../engine/api/rpc.ts';
import { socketTransport, type SocketLike } from './socket-transport.ts';

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Reads that change nothing: safe to send again after a reconnect. */
const IDEMPOTENT_READS: ReadonlySet<string> = new Set([
  'listWorkflows',
  'listDocuments',
  'getDocument',
  'getStageStates',
  'listJobs',
  'listJobsPage',
  'getJob',
  'getSettings',
  'getHostInfo',
]);

export interface WebSocketQuireOptions {
  /** The WebSocket class (default: the browser's); tests pass another. */
  WebSocket?: new (url: string) => SocketLike;
  /** Delay before reconnect attempt `n` (0-based). Default: 250 ms doubling to 5 s, ±20 %. */
  backoffMs?: (attempt: number) => number;
  /** How long a read waits for the connection before it fails with TRANSPORT_CLOSED. */
  readWaitMs?: number;
}

export interface ConnectionAware {
  readonly connectionStatus: ConnectionStatus;
  /** Fires on every change; 'open' after 'reconnecting' means: fetch again what is on screen. */
  onDidChangeConnection(listener: (status: ConnectionStatus) => void): Unsubscribe;
  dispose(): void;
}

export type WebSocketQuire = QuireApi & ConnectionAware;

function defaultBackoff(attempt: number): number {
  const base = Math.min(5_000, 250 * 2 ** attempt);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export function createWebSocketQuire(url: string, options: WebSocketQuireOptions = {}): WebSocketQuire {
  const WS = options.WebSocket ?? (globalThis.WebSocket as unknown as new (url: string) => SocketLike);
  const backoff = options.backoffMs ?? defaultBackoff;
  const readWaitMs = options.readWaitMs ?? 15_000;

  let status: ConnectionStatus = 'connecting';
  let client: (QuireApi & { dispose(): void }) | null = null;
  let socket: SocketLike | null = null;
  let attempt = 0;
  let everOpened = false;
  let disposed = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  const statusListeners = new Set<(s: ConnectionStatus) => void>();
  const eventListeners = new Map<string, Set<(payload: unknown) => void>>();
  const innerSubs = new Map<string, Unsubscribe>();
  let openWaiters = new Set<() => void>();

  const setStatus = (next: ConnectionStatus) => {
    if (next === status) return;
    status = next;
    for (const l of [...statusListeners]) l(next);
  };

  const subscribeInner = (event: string) => {
    if (!client || innerSubs.has(event)) return;
    const subscribe = (client as unknown as Record<string, (l: (p: unknown) => void) => Unsubscribe>)[event]!;
    innerSubs.set(
      event,
      subscribe((payload) => {
        for (const l of [...(eventListeners.get(event) ?? [])]) l(payload);
      }),
    );
  };

  const open = () => {
    if (disposed) return;
    let ws: SocketLike;
    try {
      ws = new WS(url);
    } catch {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.addEventListener('open', () => {
      if (disposed || socket !== ws) return ws.close();
      attempt = 0;
      everOpened = true;
      client = connect<QuireApi>(socketTransport(ws), { methods: API_METHODS, events: API_EVENTS });
      innerSubs.clear();
      for (const [event, set] of eventListeners) if (set.size > 0) subscribeInner(event);
      setStatus('open');
      const waiters = openWaiters;
      openWaiters = new Set();
      for (const w of waiters) w();
    });
    // An 'error' is always followed by 'close'; reconnecting happens there.
    ws.addEventListener('error', () => undefined);
    ws.addEventListener('close', () => {
      if (socket !== ws) return;
      socket = null;
      // The rpc client rejects its pending calls itself (its transport saw the close too).
      client = null;
      innerSubs.clear();
      if (disposed) return setStatus('closed');
      setStatus(everOpened ? 'reconnecting' : 'connecting');
      scheduleReconnect();
    });
  };

  const scheduleReconnect = () => {
    if (disposed) return;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(open, backoff(attempt++));
  };

  const waitForOpen = (ms: number) =>
    new Promise<boolean>((resolve) => {
      if (client) return resolve(true);
      if (disposed) return resolve(false);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        openWaiters.delete(onOpen);
        resolve(ok);
      };
      const onOpen = () => done(true);
      const timer = setTimeout(() => done(false), ms);
      openWaiters.add(onOpen);
    });

  const call = async (method: string, args: unknown[]): Promise<unknown> => {
    const read = IDEMPOTENT_READS.has(method);
    for (let tries = 0; ; tries++) {
      if (!client) {
        if (!read || disposed || !(await waitForOpen(readWaitMs)) || !client) throw Errors.transportClosed();
      }
      const target = client as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
      try {
        return await target[method]!(...args);
      } catch (e) {
        const dropped = isQuireError(e) && e.code === 'TRANSPORT_CLOSED';
        if (dropped && read && tries === 0 && !disposed) continue;
        throw e;
      }
    }
  };

  const api: Record<string, unknown> = {
    get connectionStatus() {
      return status;
    },
    onDidChangeConnection(listener: (s: ConnectionStatus) => void): Unsubscribe {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      clearTimeout(retryTimer);
      const waiters = openWaiters;
      openWaiters = new Set();
      for (const w of waiters) w();
      const s = socket;
      socket = null;
      client?.dispose();
      client = null;
      s?.close();
      setStatus('closed');
    },
  };
  for (const method of API_METHODS) api[method] = (...args: unknown[]) => call(method, args);
  for (const event of API_EVENTS) {
    api[event] = (listener: (payload: unknown) => void): Unsubscribe => {
      let set = eventListeners.get(event);
      if (!set) eventListeners.set(event, (set = new Set()));
      set.add(listener);
      subscribeInner(event);
      return () => {
        set.delete(listener);
        if (set.size === 0) {
          innerSubs.get(event)?.();
          innerSubs.delete(event);
        }
      };
    };
  }

  open();
  return api as unknown as WebSocketQuire;
}
