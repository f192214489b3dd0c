/**
 * A contract over any message transport: `serve(api, transport)` on the engine side,
 * `connect<T>(transport)` on the UI side. Calls become request/response messages; `onDid*`
 * members become subscriptions whose events are pushed. Errors cross as `{code, message}`
 * and come back as QuireError. Pure TypeScript: no node:, no DOM, no electron.
 *
 * @example
 * const [a, b] = createInMemoryTransportPair();
 * serve(engineApi, a, { validate: validateCall });
 * const quire = connect<QuireApi>(b);
 * await quire.listDocuments();
 */
import { Errors, QuireError, type ErrorCode } from './errors.ts';
// The message shapes are defined once, with their wire codec, in transport-messages.ts.
import type { CallMessage, EventMessage, ResultMessage, RpcMessage, SubMessage } from './transport-messages.ts';

export interface Transport {
  send(message: unknown): void;
  /** Registers the message handler; returns a function that removes it. */
  onMessage(handler: (message: unknown) => void): () => void;
  /** Called once when the other side is gone (window closed or reloaded, socket dropped). */
  onClose(handler: () => void): () => void;
  close(): void;
}


export interface ServeOptions {
  /** Checks (and may normalise) a call's arguments; throws QuireError INVALID_PAYLOAD when they are wrong. */
  validate?: (method: string, args: unknown[]) => unknown[];
  methods: readonly string[];
  events: readonly string[];
  /** Reports unexpected errors (the message to the client never carries a stack). */
  onError?: (e: unknown) => void;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function errorPayload(e: unknown): { code: ErrorCode; message: string } {
  if (e instanceof QuireError) return { code: e.code, message: e.message };
  if (isObject(e) && typeof e.code === 'string' && typeof e.message === 'string' && /^[A-Z_]+$/.test(e.code)) {
    return { code: e.code as ErrorCode, message: e.message };
  }
  return { code: 'INTERNAL', message: 'Something went wrong inside Quire. Please retry; if it keeps happening, restart the app.' };
}

/**
 * Serves `api` to one client on `transport`. Subscriptions are dropped when the transport
 * closes (a window reloading gets a fresh set). Returns a function that stops serving.
 */
export function serve<T extends object>(api: T, transport: Transport, options: ServeOptions): () => void {
  const subs = new Map<string, () => void>();
  const methods = new Set(options.methods);
  const events = new Set(options.events);
  let open = true;

  const reply = (m: ResultMessage) => {
    if (open) transport.send(m);
  };

  const offMessage = transport.onMessage((raw) => {
    if (!isObject(raw) || typeof raw.t !== 'string') return;
    const msg = raw as RpcMessage;
    if (msg.t === 'call') {
      const id = typeof msg.id === 'number' ? msg.id : -1;
      void (async () => {
        try {
          if (typeof msg.method !== 'string' || !methods.has(msg.method)) {
            // The name comes off the wire: echo a bounded part of it, never megabytes.
            throw Errors.invalidPayload(String(msg.method).slice(0, 100), 'unknown method');
          }
          const args = Array.isArray(msg.args) ? msg.args : [];
          const checked = options.validate ? options.validate(msg.method, args) : args;
          const fn = (api as Record<string, (...a: unknown[]) => Promise<unknown>>)[msg.method]!;
          const value = await fn.apply(api, checked);
          reply({ t: 'result', id, ok: true, value: value === undefined ? null : value });
        } catch (e) {
          if (!(e instanceof QuireError)) options.onError?.(e);
          reply({ t: 'result', id, ok: false, error: errorPayload(e) });
        }
      })();
    } else if (msg.t === 'sub' && typeof msg.event === 'string' && events.has(msg.event) && !subs.has(msg.event)) {
      const subscribe = (api as Record<string, (l: (p: unknown) => void) => () => void>)[msg.event]!;
      const event = msg.event;
      subs.set(
        event,
        subscribe.call(api, (payload: unknown) => {
          if (open) transport.send({ t: 'event', event, payload } satisfies EventMessage);
        }),
      );
    } else if (msg.t === 'unsub' && typeof msg.event === 'string') {
      subs.get(msg.event)?.();
      subs.delete(msg.event);
    }
  });

  const stop = () => {
    if (!open) return;
    open = false;
    offMessage();
    offClose();
    for (const off of subs.values()) off();
    subs.clear();
  };
  const offClose = transport.onClose(stop);
  return stop;
}

export interface ConnectOptions {
  methods: readonly string[];
  events: readonly string[];
}

/**
 * A client for the contract: every method is a call, every `onDid*` an event subscription
 * (one subscription on the wire per event, shared by all local listeners).
 */
export function connect<T extends object>(transport: Transport, options: ConnectOptions): T & { dispose(): void } {
  let nextId = 1;
  let closed = false;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();

  const offMessage = transport.onMessage((raw) => {
    if (!isObject(raw)) return;
    const msg = raw as RpcMessage;
    if (msg.t === 'result') {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.value);
      else p.reject(new QuireError(msg.error.code, msg.error.message));
    } else if (msg.t === 'event') {
      for (const l of listeners.get(msg.event) ?? []) l(msg.payload);
    }
  });

  const failAll = () => {
    closed = true;
    for (const p of pending.values()) p.reject(Errors.transportClosed());
    pending.clear();
  };
  const offClose = transport.onClose(failAll);

  const client: Record<string, unknown> = {
    dispose() {
      failAll();
      offMessage();
      offClose();
      listeners.clear();
    },
  };
  for (const method of options.methods) {
    client[method] = (...args: unknown[]) =>
      new Promise((resolve, reject) => {
        if (closed) return reject(Errors.transportClosed());
        const id = nextId++;
        pending.set(id, { resolve, reject });
        transport.send({ t: 'call', id, method, args } satisfies CallMessage);
      });
  }
  for (const event of options.events) {
    client[event] = (listener: (payload: unknown) => void) => {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
        transport.send({ t: 'sub', event } satisfies SubMessage);
      }
      set.add(listener);
      return () => {
        const s = listeners.get(event);
        if (!s?.delete(listener) || s.size > 0) return;
        listeners.delete(event);
        if (!closed) transport.send({ t: 'unsub', event } satisfies SubMessage);
      };
    };
  }
  return client as T & { dispose(): void };
}

/**
 * Two connected in-memory transports (tests, and hosts in one process). Messages are
 * structured-cloned and delivered asynchronously, as a real channel would.
 */
export function createInMemoryTransportPair(): [Transport, Transport] {
  const make = () => ({
    handlers: new Set<(m: unknown) => void>(),
    closeHandlers: new Set<() => void>(),
    closed: false,
  });
  const sides = [make(), make()];
  const closeBoth = () => {
    for (const s of sides) {
      if (s.closed) continue;
      s.closed = true;
      for (const h of s.closeHandlers) h();
    }
  };
  const transport = (me: number): Transport => {
    const self = sides[me]!;
    const other = sides[1 - me]!;
    return {
      send(message) {
        if (self.closed) return;
        const copy = structuredClone(message);
        queueMicrotask(() => {
          if (!other.closed) for (const h of other.handlers) h(copy);
        });
      },
      onMessage(handler) {
        self.handlers.add(handler);
        return () => self.handlers.delete(handler);
      },
      onClose(handler) {
        self.closeHandlers.add(handler);
        return () => self.closeHandlers.delete(handler);
      },
      close: closeBoth,
    };
  };
  return [transport(0), transport(1)];
}
