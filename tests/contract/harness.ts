/**
 * The contract suite's setup: a REAL engine (temp data folder, real SQLite, real Piscina
 * workers, the default Chromium PDF renderer) behind createQuireApi, reached through one of
 * the transports a host uses:
 *
 * - 'in-memory':    serve() + connect() over createInMemoryTransportPair (tests, one-process hosts)
 * - 'electron-ipc': what the desktop app runs — the preload's transport and bridge on the
 *                   renderer side, IpcHub (sender check, per-page connections) on the main side,
 *                   joined by a fake of Electron's IPC (structured clone, asynchronous delivery).
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { API_EVENTS, API_METHODS, type HostInfo, type QuireApi } from '../../engine/api/contract.ts';
import { connect, createInMemoryTransportPair, serve, type Transport } from '../../engine/api/rpc.ts';
import { validateCall } from '../../engine/api/schemas.ts';
import { createEngine, type Engine, type EngineOptions } from '../../engine/engine.ts';
import { APP_ORIGIN } from '../../engine/host/app-protocol.ts';
import { createQuireApi, type HostAdapter } from '../../engine/host/create-api.ts';
import { IPC_TO_MAIN, IpcHub } from '../../engine/host/ipc-hub.ts';
import { JsonSettingsStore, defaultSettings } from '../../engine/host/settings.ts';
import { createBridgeApi } from '../../preload/bridge.ts';
import { createRendererTransport, type IpcRendererLike } from '../../preload/ipc-transport.ts';
import { rmrf, tempDir } from '../helpers.ts';

export type TransportKind = 'in-memory' | 'electron-ipc';

export interface Client {
  quire: QuireApi;
  /** Names of the contract members this client used (for the coverage check). */
  used: Set<string>;
  /** Ends this client's connection as a closing window or dropped socket would. */
  close(): void;
  /** Sends a raw message on the wire, bypassing connect() (protocol abuse tests). */
  raw(message: unknown): void;
}

export interface Harness {
  engine: Engine;
  dir: string;
  outDir: string;
  opened: string[];
  revealed: string[];
  /** Live event subscriptions the server side holds on the API. */
  subscriptions(): number;
  client(options?: { url?: string; isMainFrame?: boolean; trusted?: boolean }): Client;
  close(): Promise<void>;
}

/** Electron's IPC between one window's page and main, faked: clone + deliver later. */
class FakeWindow {
  static #next = 1;
  readonly id = FakeWindow.#next++;
  destroyed = false;
  readonly renderer = new EventEmitter();

  constructor(
    readonly hub: IpcHub,
    readonly frame: { url: string; isMainFrame: boolean },
  ) {}

  readonly peer = {
    id: this.id,
    isDestroyed: () => this.destroyed,
    send: (channel: string, payload: unknown) => {
      const copy = structuredClone(payload);
      setImmediate(() => this.renderer.emit(channel, {}, copy));
    },
  };

  ipcRenderer(): IpcRendererLike {
    return {
      send: (channel, payload) => {
        if (channel !== IPC_TO_MAIN) throw new Error(`unexpected channel ${channel}`);
        const copy = structuredClone(payload);
        setImmediate(() => this.hub.receive(this.peer, this.frame, copy));
      },
      on: (channel, listener) => this.renderer.on(channel, listener),
      removeListener: (channel, listener) => this.renderer.off(channel, listener),
    };
  }
}

function recording(quire: QuireApi, used: Set<string>): QuireApi {
  return new Proxy(quire, {
    get(target, key, receiver) {
      if (typeof key === 'string') used.add(key);
      return Reflect.get(target, key, receiver);
    },
  });
}

export async function createHarness(kind: TransportKind, engineOptions: Partial<EngineOptions> = {}): Promise<Harness> {
  const dir = tempDir('quire-contract-');
  const outDir = path.join(dir, 'out');
  fs.mkdirSync(outDir);
  const settings = new JsonSettingsStore(path.join(dir, 'settings.json'), defaultSettings(outDir));
  const engine = await createEngine({
    dataDir: path.join(dir, 'data'),
    outputDir: outDir,
    concurrency: 2,
    maxThreads: 1,
    settings: () => settings.get(),
    ...engineOptions,
  });
  const opened: string[] = [];
  const revealed: string[] = [];
  const info: HostInfo = { kind: 'test', canOpenPath: true, canShowInFolder: true, downloadBase: null, assetBase: null, platform: process.platform, version: '0.0.0-test' };
  const host: HostAdapter = {
    info,
    settings,
    openOutput: async (p) => void opened.push(p),
    showOutputInFolder: async (p) => void revealed.push(p),
  };
  const base = createQuireApi(engine, host);
  // Counts the subscriptions the server holds, so tests can see them dropped.
  let subs = 0;
  const counted = (sub: (l: (v: never) => void) => () => void) => (listener: (v: never) => void) => {
    subs++;
    const off = sub(listener);
    let live = true;
    return () => {
      if (live) subs--;
      live = false;
      off();
    };
  };
  const api: QuireApi = {
    ...base,
    onDidChangeJob: counted(base.onDidChangeJob as never) as QuireApi['onDidChangeJob'],
    onDidChangeDocument: counted(base.onDidChangeDocument as never) as QuireApi['onDidChangeDocument'],
  };

  const trusted = new Set<number>();
  const hub = new IpcHub(api, { allowedOrigins: [APP_ORIGIN], isTrustedPeer: (id) => trusted.has(id) });
  const clients: Client[] = [];

  const client: Harness['client'] = (o = {}) => {
    const used = new Set<string>();
    let c: Client;
    if (kind === 'in-memory') {
      const [server, wire] = createInMemoryTransportPair();
      serve(api, server, { methods: API_METHODS, events: API_EVENTS, validate: validateCall });
      const quire = connect<QuireApi>(wire, { methods: API_METHODS, events: API_EVENTS });
      c = { quire: recording(quire, used), used, close: () => wire.close(), raw: (m) => wire.send(m) };
    } else {
      const win = new FakeWindow(hub, { url: o.url ?? `${APP_ORIGIN}/index.html`, isMainFrame: o.isMainFrame ?? true });
      if (o.trusted ?? true) trusted.add(win.id);
      const wire: Transport = createRendererTransport(win.ipcRenderer());
      const quire = createBridgeApi(connect<QuireApi>(wire, { methods: API_METHODS, events: API_EVENTS }));
      c = {
        quire: recording(quire, used),
        used,
        // The window closes: main sees 'destroyed' and drops its connection.
        close: () => {
          win.destroyed = true;
          hub.disconnect(win.id);
          wire.close();
        },
        raw: (m) => win.ipcRenderer().send(IPC_TO_MAIN, { c: 'raw-page', m }),
      };
    }
    clients.push(c);
    return c;
  };

  return {
    engine,
    dir,
    outDir,
    opened,
    revealed,
    subscriptions: () => subs,
    client,
    async close() {
      for (const c of clients) c.close();
      hub.close();
      await engine.close();
      rmrf(dir);
    },
  };
}

/** Collects every event a client receives. */
export function recorder<T>(subscribe: (l: (v: T) => void) => () => void): { events: T[]; off: () => void } {
  const events: T[] = [];
  const off = subscribe((v) => events.push(v));
  return { events, off };
}

export async function until<T>(fn: () => T | undefined | null | false, what: string, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whatever a rejected call rejected with (QuireError in-memory, a plain payload through the bridge). */
export async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('expected the call to fail');
}
