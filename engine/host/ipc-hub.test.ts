/**
 * The Electron IPC adapter without Electron: a fake window pair (renderer side = the real
 * preload transport and bridge; main side = the real IpcHub) with Electron's delivery
 * semantics (structured clone, asynchronous), and the sender check on its own.
 */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { API_EVENTS, API_METHODS, type QuireApi } from '../api/contract.ts';
import { connect } from '../api/rpc.ts';
import type { JobSnapshot } from '../api/types.ts';
import { createBridgeApi } from '../../preload/bridge.ts';
import * as preloadIpc from '../../preload/ipc-transport.ts';
import { APP_ORIGIN } from './app-protocol.ts';
import { IPC_TO_MAIN, IPC_TO_RENDERER, IpcHub, checkSender, type IpcSenderFrame } from './ipc-hub.ts';

/** A QuireApi double that counts live event subscriptions (the engine is covered by tests/contract). */
function fakeApi() {
  const events = new EventEmitter();
  const api = {
    listDocuments: async () => [],
    getJob: async (id: string) => ({ id }),
    getHostInfo: async () => ({ kind: 'test' }),
    slow: () => new Promise(() => undefined),
    onDidChangeJob: (l: (j: unknown) => void) => {
      events.on('job', l);
      return () => events.off('job', l);
    },
    onDidChangeDocument: (l: (c: unknown) => void) => {
      events.on('doc', l);
      return () => events.off('doc', l);
    },
  };
  // listJobs never answers: lets a test hold a call open.
  const full = new Proxy(api as Record<string, unknown>, {
    get: (t, k: string) => t[k] ?? (k === 'listJobs' ? () => new Promise(() => undefined) : async () => null),
  });
  return { api: full as unknown as QuireApi, events, subs: () => events.listenerCount('job') + events.listenerCount('doc') };
}

let nextId = 1;
const tick = () => new Promise((r) => setTimeout(r, 5));

/** One BrowserWindow: its web contents (the peer main sees) and the page's ipcRenderer. */
class FakeWindow {
  readonly id = nextId++;
  destroyed = false;
  frame: IpcSenderFrame;
  readonly #renderer = new EventEmitter();
  readonly #hub: IpcHub;
  sent: unknown[] = [];

  constructor(hub: IpcHub, url = `${APP_ORIGIN}/index.html`, isMainFrame = true) {
    this.#hub = hub;
    this.frame = { url, isMainFrame };
  }

  /** main → renderer, like webContents.send (throws once destroyed, as Electron does). */
  readonly peer = {
    id: this.id,
    isDestroyed: () => this.destroyed,
    send: (channel: string, payload: unknown) => {
      if (this.destroyed) throw new Error('Object has been destroyed');
      this.sent.push(payload);
      const copy = structuredClone(payload);
      setImmediate(() => this.#renderer.emit(channel, { sender: 'IpcRendererEvent' }, copy));
    },
  };

  /** The page's ipcRenderer (a new page load gets a new one via `page()`). */
  ipcRenderer(): preloadIpc.IpcRendererLike {
    return {
      send: (channel, ...args) => {
        expect(channel).toBe(IPC_TO_MAIN);
        const copy = structuredClone(args[0]);
        setImmediate(() => this.#hub.receive(this.peer, this.frame, copy));
      },
      on: (channel, listener) => this.#renderer.on(channel, listener),
      removeListener: (channel, listener) => this.#renderer.off(channel, listener),
    };
  }

  /** What the page sees: window.quire over a fresh connection. */
  page(): QuireApi {
    const client = connect<QuireApi>(preloadIpc.createRendererTransport(this.ipcRenderer()), { methods: API_METHODS, events: API_EVENTS });
    return createBridgeApi(client);
  }
}

function setup() {
  const fake = fakeApi();
  const trusted = new Set<number>();
  const refused: string[] = [];
  const hub = new IpcHub(fake.api, { allowedOrigins: [APP_ORIGIN], isTrustedPeer: (id) => trusted.has(id), onRefused: (r) => refused.push(r) });
  const window = (url?: string, isMainFrame?: boolean, trust = true) => {
    const w = new FakeWindow(hub, url, isMainFrame);
    if (trust) trusted.add(w.id);
    return w;
  };
  return { ...fake, hub, window, refused };
}

const job = (id: string, seq: number) => ({ id, seq }) as unknown as JobSnapshot;

let hubs: IpcHub[] = [];
afterEach(() => {
  hubs.forEach((h) => h.close());
  hubs = [];
});

describe('checkSender', () => {
  const options = { allowedOrigins: [APP_ORIGIN, 'http://localhost:5173'], isTrustedPeer: (id: number) => id === 1 };
  const top = (url: string): IpcSenderFrame => ({ url, isMainFrame: true });

  it('accepts the top frame of our window on our origin', () => {
    expect(checkSender(1, top('quire://app/index.html'), options)).toEqual({ ok: true });
    expect(checkSender(1, top('quire://app/documents/7'), options)).toEqual({ ok: true });
    expect(checkSender(1, top('http://localhost:5173/'), options)).toEqual({ ok: true });
  });

  it('refuses other windows, subframes, gone frames and other origins', () => {
    const refused = (peer: number, frame: IpcSenderFrame | null) => checkSender(peer, frame, options).ok;
    expect(refused(2, top('quire://app/index.html'))).toBe(false);
    expect(refused(1, null)).toBe(false);
    expect(refused(1, { url: 'quire://app/index.html', isMainFrame: true, detached: true })).toBe(false);
    expect(refused(1, { url: 'quire://app/index.html', isMainFrame: false })).toBe(false);
    for (const url of [
      'https://evil.example/',
      'file:///home/u/evil.html',
      'quire://pdf/0b7f2c1e-9a7d-4a51',
      'quire://app.evil/index.html',
      'http://localhost:5174/',
      'data:text/html,<script>',
      'about:blank',
      '',
    ]) {
      expect(refused(1, top(url)), url).toBe(false);
    }
    expect(checkSender(1, top('https://evil.example/x'), options)).toEqual({ ok: false, reason: 'origin https://evil.example' });
  });
});

describe('IpcHub with the preload transport', () => {
  it('uses the same channel names as the preload', () => {
    expect(preloadIpc.IPC_TO_MAIN).toBe(IPC_TO_MAIN);
    expect(preloadIpc.IPC_TO_RENDERER).toBe(IPC_TO_RENDERER);
  });

  it('carries calls, typed errors and events (values only) for a trusted window', async () => {
    const t = setup();
    hubs.push(t.hub);
    const quire = t.window().page();
    await expect(quire.listDocuments()).resolves.toEqual([]);
    await expect(quire.getJob('j1')).resolves.toEqual({ id: 'j1' });
    // Validated on the main side: a bad payload is a typed error, and the hub keeps serving.
    const bad = await quire.getJob(42 as unknown as string).catch((e: unknown) => e);
    expect(bad).toMatchObject({ name: 'QuireError', code: 'INVALID_PAYLOAD' });
    expect(bad).not.toBeInstanceOf(Error); // a plain object survives contextBridge with its code
    await expect(quire.listDocuments()).resolves.toEqual([]);

    const calls: unknown[][] = [];
    const off = quire.onDidChangeJob((...args: unknown[]) => calls.push(args));
    await tick();
    expect(t.subs()).toBe(1);
    t.events.emit('job', job('j1', 1));
    await tick();
    expect(calls).toEqual([[job('j1', 1)]]);
    off();
    await tick();
    expect(t.subs()).toBe(0);
  });

  it('refuses untrusted senders: calls get UNAUTHORIZED_SENDER, subscriptions nothing', async () => {
    const t = setup();
    hubs.push(t.hub);
    for (const w of [t.window('https://evil.example/'), t.window(undefined, false), t.window(undefined, true, false), t.window('file:///tmp/x.html')]) {
      const quire = w.page();
      await expect(quire.listDocuments()).rejects.toMatchObject({ code: 'UNAUTHORIZED_SENDER' });
      quire.onDidChangeJob(() => undefined);
    }
    await tick();
    expect(t.subs()).toBe(0);
    expect(t.hub.connectionCount).toBe(0);
    expect(t.refused).toHaveLength(8);
  });

  it('drops a page’s subscriptions when it reloads, so events reach only the new page', async () => {
    const t = setup();
    hubs.push(t.hub);
    const w = t.window();
    const before: unknown[] = [];
    const after: unknown[] = [];
    w.page().onDidChangeJob((j) => before.push(j));
    await tick();
    expect(t.subs()).toBe(1);

    // A reload without a navigation event first (the new page's connection id replaces the old one)…
    w.page().onDidChangeJob((j) => after.push(j));
    await tick();
    expect(t.subs()).toBe(1);
    t.events.emit('job', job('j1', 1));
    await tick();
    expect(before).toEqual([]);
    expect(after).toEqual([job('j1', 1)]);

    // …and with one (did-start-navigation → disconnect), as main/ipc.ts wires it.
    t.hub.disconnect(w.id);
    expect(t.subs()).toBe(0);
    const third: unknown[] = [];
    w.page().onDidChangeJob((j) => third.push(j));
    await tick();
    t.events.emit('job', job('j2', 1));
    await tick();
    expect(t.subs()).toBe(1);
    expect(third).toEqual([job('j2', 1)]);
    expect(after).toEqual([job('j1', 1)]);
  });

  it('ignores late messages of a page that is gone', async () => {
    const t = setup();
    hubs.push(t.hub);
    const w = t.window();
    const ipc = w.ipcRenderer();
    ipc.send(IPC_TO_MAIN, { c: 'old-page', m: { t: 'sub', event: 'onDidChangeJob' } });
    await tick();
    expect(t.subs()).toBe(1);
    t.hub.disconnect(w.id);
    ipc.send(IPC_TO_MAIN, { c: 'old-page', m: { t: 'sub', event: 'onDidChangeJob' } });
    await tick();
    expect(t.subs()).toBe(0);
    expect(t.hub.connectionCount).toBe(0);
  });

  it('never sends to a destroyed window and forgets it', async () => {
    const t = setup();
    hubs.push(t.hub);
    const w = t.window();
    w.page().onDidChangeJob(() => undefined);
    await tick();
    w.destroyed = true;
    const sentBefore = w.sent.length;
    expect(() => t.events.emit('job', job('j1', 1))).not.toThrow();
    expect(w.sent.length).toBe(sentBefore);
    t.hub.disconnect(w.id); // 'destroyed'
    expect(t.subs()).toBe(0);
  });

  it('survives malformed envelopes and messages', async () => {
    const t = setup();
    hubs.push(t.hub);
    const w = t.window();
    for (const junk of [null, undefined, 'x', 42, [], {}, { c: 5 }, { c: '' }, { c: 'x'.repeat(200) }, { c: 'ok', m: 'junk' }, { c: 'ok', m: { t: 'call', id: 'x' } }, { c: 'ok', m: { t: 'sub', event: 'constructor' } }]) {
      expect(() => t.hub.receive(w.peer, w.frame, junk)).not.toThrow();
    }
    await tick();
    expect(t.subs()).toBe(0);
    const quire = w.page();
    await expect(quire.listDocuments()).resolves.toEqual([]);
  });

  it('closing the hub fails pending calls with TRANSPORT_CLOSED and drops every subscription', async () => {
    const t = setup();
    const w = t.window();
    const quire = w.page();
    quire.onDidChangeDocument(() => undefined);
    const pending = quire.listJobs();
    await tick();
    expect(t.subs()).toBe(1);
    t.hub.close();
    await expect(pending).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
    expect(t.subs()).toBe(0);
    await expect(quire.listDocuments()).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
  });
});

describe('preload bridge', () => {
  it('is a frozen plain object of exactly the contract’s functions', () => {
    const t = setup();
    const quire = t.window().page();
    expect(Object.isFrozen(quire)).toBe(true);
    expect(Object.getPrototypeOf(quire)).toBe(Object.prototype);
    expect(Object.keys(quire).sort()).toEqual([...API_METHODS, ...API_EVENTS].sort());
    for (const v of Object.values(quire)) expect(typeof v).toBe('function');
    t.hub.close();
  });
});
