/**
 * A REAL engine for renderer tests: createEngine on a temp folder, createQuireApi, and the
 * contract served over the in-memory transport pair, exactly as a host would wire it.
 * Tests export html/md (no Chromium) unless PDF is the point.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { API_EVENTS, API_METHODS, type HostInfo, type QuireApi } from '../../../engine/api/contract.ts';
import { connect, createInMemoryTransportPair, serve } from '../../../engine/api/rpc.ts';
import { validateCall } from '../../../engine/api/schemas.ts';
import { createEngine, type Engine, type EngineOptions } from '../../../engine/engine.ts';
import { createQuireApi, type HostAdapter } from '../../../engine/host/create-api.ts';
import { JsonSettingsStore, defaultSettings } from '../../../engine/host/settings.ts';
import { boot, shutdown, type BootOptions } from '../store/boot.ts';
import { resetStore } from '../store/store.ts';

export interface RealQuire {
  engine: Engine;
  /** Server side of the contract (what a host serves). */
  serverApi: QuireApi;
  dir: string;
  outDir: string;
  /** A new client over a fresh in-memory transport pair (each window gets its own). */
  connectClient(): QuireApi & { dispose(): void };
  close(): Promise<void>;
}

export async function startRealQuire(
  options: {
    host?: Partial<HostInfo>;
    engine?: Partial<EngineOptions>;
    /** What the host does for "Open" / "Show in folder" (Electron: shell.openPath…). */
    adapter?: Pick<HostAdapter, 'openOutput' | 'showOutputInFolder'>;
  } = {},
): Promise<RealQuire> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-renderer-'));
  const outDir = path.join(dir, 'out');
  const settings = new JsonSettingsStore(path.join(dir, 'settings.json'), { ...defaultSettings(outDir), defaultFormats: ['html', 'md'] });
  const engine = await createEngine({
    dataDir: path.join(dir, 'data'),
    outputDir: outDir,
    maxThreads: 1,
    // The host's settings are the engine's settings layer, as in every host.
    settings: () => settings.get(),
    ...options.engine,
  });
  const info: HostInfo = {
    kind: 'test',
    canOpenPath: false,
    canShowInFolder: false,
    downloadBase: null,
    assetBase: null,
    platform: process.platform,
    version: '0.0.0-test',
    ...options.host,
  };
  const serverApi = createQuireApi(engine, { info, settings, ...options.adapter });
  const clients: Array<{ dispose(): void }> = [];
  const stops: Array<() => void> = [];
  return {
    engine,
    serverApi,
    dir,
    outDir,
    connectClient() {
      const [a, b] = createInMemoryTransportPair();
      stops.push(serve(serverApi, a, { methods: API_METHODS, events: API_EVENTS, validate: validateCall }));
      const client = connect<QuireApi>(b, { methods: API_METHODS, events: API_EVENTS });
      clients.push(client);
      return client;
    },
    async close() {
      for (const c of clients) c.dispose();
      for (const s of stops) s();
      await engine.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type WindowClient = QuireApi & { dispose(): void };

/** A window opens (or reloads): a fresh store, its own connection, booted on it. */
export async function openWindow(q: RealQuire, options?: BootOptions): Promise<WindowClient> {
  resetStore();
  const client = q.connectClient();
  await boot(client, options);
  return client;
}

/** The window goes away: the store stops following the engine and its connection ends. */
export function closeWindow(client: WindowClient | null | undefined): void {
  shutdown();
  client?.dispose();
}

/** Polls until `fn` returns something truthy (for engine-side state, not the DOM). */
export async function until<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
