/**
 * Electron main: one instance, one engine (which resumes interrupted jobs on start, like
 * `quire resume`), windows that see only QuireApi over checked IPC, OS integration, and a
 * quit that asks while exports run. The decisions live in engine/host/*; this file wires.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, nativeTheme, protocol, session, shell } from 'electron';
import type { HostInfo } from '../engine/api/contract.ts';
import { Errors, isQuireError } from '../engine/api/errors.ts';
import { createEngine, engineOptionsFromEnv, type Engine, type EngineOptions } from '../engine/engine.ts';
import { APP_ENTRY_URL, APP_ORIGIN, ASSET_PATH, originOf, unpackedPath } from '../engine/host/app-protocol.ts';
import { createQuireApi } from '../engine/host/create-api.ts';
import { quitChoice, quitDialog, quitPlan, shouldAskOnWindowClose } from '../engine/host/desktop-policy.ts';
import type { IpcHub } from '../engine/host/ipc-hub.ts';
import { UnloadGuard, WindowFlusher, settleUnload, unsavedChoice, unsavedDialog } from '../engine/host/window-flush.ts';
import { defaultSettings } from '../engine/host/settings.ts';
import { ElectronPdfRenderer } from './electron-pdf-renderer.ts';
import { peerOf, trackWindow, wireFlush, wireIpc } from './ipc.ts';
import { startOsIntegration, type OsIntegration } from './os-integration.ts';
import { APP_SCHEME_PRIVILEGES, applyDevCsp, registerAppProtocol } from './protocol.ts';
import { createSettingsStore } from './settings-store.ts';
import { createMainWindow, denyPermissions, lockDownWebContents } from './window.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const PRELOAD = path.join(here, '../preload/index.cjs');
const RENDERER_DIR = path.join(here, '../renderer');
// Worker threads load from the unpacked copy beside app.asar (electron-builder asarUnpack).
const WORKER = unpackedPath(path.join(here, 'worker.mjs'));
const DEV_URL = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;

if (process.env.QUIRE_DATA_DIR) app.setPath('userData', path.resolve(process.env.QUIRE_DATA_DIR));
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

const windows = new Set<BrowserWindow>();
let engine: Engine | null = null;
let pdf: ElectronPdfRenderer | null = null;
let hub: IpcHub | null = null;
let os: OsIntegration | null = null;
let flusher: WindowFlusher | null = null;
const unload = new UnloadGuard();
let phase: 'running' | 'asking' | 'closing' | 'closed' = 'running';
let quitAttempt = 0;

// The lock is held by the first instance; a second launch only wakes it (and never opens
// the database or starts a scheduler).
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (hub) showWindow();
  });
  app.on('window-all-closed', () => {
    // macOS: the app and its jobs stay; 'activate' reopens a window that lists them.
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', (event) => {
    if (phase === 'closed') return;
    event.preventDefault();
    void requestQuit(true);
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void requestQuit(false));
  app.whenReady().then(start, fail);
}

async function start(): Promise<void> {
  if (process.platform === 'win32') app.setAppUserModelId('app.quire.desktop');
  lockDownWebContents();
  denyPermissions(session.defaultSession);
  // Worker threads inherit the environment: tells them where themes/ is.
  process.env.QUIRE_RESOURCES_DIR ||= app.isPackaged ? process.resourcesPath : path.join(app.getAppPath(), 'resources');

  const settings = createSettingsStore(defaultSettings(path.join(app.getPath('documents'), 'Quire')));
  const initial = settings.get();
  nativeTheme.themeSource = initial.theme;
  pdf = new ElectronPdfRenderer();
  const engineOptions: EngineOptions = {
    dataDir: app.getPath('userData'),
    outputDir: initial.outputDir,
    concurrency: initial.concurrency,
    pdfRenderer: pdf,
    workerFile: WORKER,
    settings: () => settings.get(),
    freshStoreHint: 'choose "Start With an Empty Library"',
    ...engineOptionsFromEnv(),
  };
  engine = await createEngine(engineOptions).catch((e) => startFreshIfAgreed(e, engineOptions));
  engine.onError((e) => console.error('quire: background error', e));

  const info: HostInfo = {
    kind: 'electron',
    canOpenPath: true,
    canShowInFolder: true,
    downloadBase: null,
    // quire://app/document-assets/<sha256> (main/protocol.ts); the dev server's pages cannot reach it.
    assetBase: DEV_URL ? null : ASSET_PATH,
    platform: process.platform,
    version: app.getVersion(),
  };
  const api = createQuireApi(engine, {
    info,
    settings,
    openOutput: async (file) => {
      if (!fs.existsSync(file)) throw Errors.fileNotFound(file);
      const problem = await shell.openPath(file);
      if (problem) throw Errors.fileUnreadable(file, problem);
    },
    showOutputInFolder: async (file) => {
      if (!fs.existsSync(file)) throw Errors.fileNotFound(file);
      shell.showItemInFolder(file);
    },
    onSettingsChanged: (s) => {
      nativeTheme.themeSource = s.theme;
    },
  });

  const assets = engine;
  registerAppProtocol(RENDERER_DIR, (sha256) => assets.readAsset(sha256));
  if (DEV_URL) applyDevCsp(DEV_URL);
  const senders = {
    allowedOrigins: [APP_ORIGIN, ...(DEV_URL ? [originOf(DEV_URL)!] : [])],
    isTrustedPeer: (id: number) => [...windows].some((w) => !w.isDestroyed() && w.webContents.id === id),
  };
  hub = wireIpc(api, senders);
  flusher = wireFlush(senders);
  os = startOsIntegration({ engine, settings, windows: () => [...windows], showWindow });
  app.on('activate', () => showWindow());
  showWindow();
}

function showWindow(): void {
  if (phase !== 'running' || !hub) return;
  const open = [...windows].find((w) => !w.isDestroyed());
  if (open) {
    if (open.isMinimized()) open.restore();
    open.show();
    open.focus();
    return;
  }
  const win = createMainWindow({ preload: PRELOAD, url: DEV_URL ?? APP_ENTRY_URL });
  windows.add(win);
  trackWindow(hub, win.webContents);
  const wcId = win.webContents.id;
  win.on('close', (event) => {
    const others = [...windows].filter((w) => w !== win && !w.isDestroyed()).length;
    const activeJobs = os?.activity.activeCount ?? 0;
    if (shouldAskOnWindowClose({ platform: process.platform, otherWindows: others, activeJobs, quitting: phase !== 'running' })) {
      event.preventDefault();
      void requestQuit(true);
    } else {
      unload.markClosing(wcId);
    }
  });
  // The page objects to a reload or close while it has unsaved edits (engine/host/window-flush.ts).
  win.webContents.on('will-prevent-unload', (event) => {
    const plan = unload.onPreventedUnload(wcId, phase !== 'running');
    if (plan.proceed) return event.preventDefault();
    void settleUnload({
      action: plan.action,
      flush: () => (flusher && !win.isDestroyed() ? flusher.request(peerOf(win.webContents)) : Promise.resolve({ kind: 'gone' as const })),
      ask: async (d) => (await dialog.showMessageBox(win, d)).response,
      allow: () => unload.allow(wcId),
      redo: () => (win.isDestroyed() ? undefined : plan.action === 'close' ? win.close() : win.webContents.reload()),
    });
  });
  win.webContents.on('did-start-navigation', (details) => {
    if (details.isMainFrame && !details.isSameDocument) unload.forget(wcId);
  });
  win.on('closed', () => {
    windows.delete(win);
    unload.forget(wcId);
    flusher?.forget(wcId);
  });
  os?.refresh();
}

/** Asks when exports run (unless `ask` is false: a signal); confirming requeues them for the next launch. */
async function requestQuit(ask: boolean): Promise<void> {
  if (phase !== 'running' && !(phase === 'asking' && !ask)) return;
  // A later request (a signal while a dialog is open) takes over; this one then stops.
  const attempt = ++quitAttempt;
  const active = os?.activity.activeCount ?? 0;
  if (ask && quitPlan(active) === 'ask') {
    phase = 'asking';
    const parent = BrowserWindow.getFocusedWindow() ?? [...windows].find((w) => !w.isDestroyed());
    const options = quitDialog(active);
    const { response } = parent ? await dialog.showMessageBox(parent, options) : await dialog.showMessageBox(options);
    if (attempt !== quitAttempt) return; // a signal quit meanwhile
    if (quitChoice(response) === 'keep') {
      phase = 'running';
      return;
    }
  }
  // What was typed reaches the engine before it stops: each window saves, within a time limit.
  phase = 'asking';
  const open = [...windows].filter((w) => !w.isDestroyed());
  const unsaved = unsavedDialog('quit', flusher ? await flusher.requestAll(open.map((w) => peerOf(w.webContents))) : []);
  if (attempt !== quitAttempt) return;
  if (unsaved && ask) {
    const parent = BrowserWindow.getFocusedWindow() ?? open.find((w) => !w.isDestroyed());
    const { response } = parent ? await dialog.showMessageBox(parent, unsaved) : await dialog.showMessageBox(unsaved);
    if (attempt !== quitAttempt) return;
    if (unsavedChoice(response) === 'stay') {
      phase = 'running';
      return;
    }
  }
  phase = 'closing';
  try {
    hub?.close();
    os?.dispose();
    // Without drain: running jobs go back to the queue and resume at the next launch.
    await engine?.close();
    await pdf?.close();
  } catch (e) {
    console.error('quire: error while shutting down', e);
  } finally {
    phase = 'closed';
    app.quit();
  }
}

/** A damaged database: a fresh store only if the user agrees (the damaged file is moved aside, never deleted). */
async function startFreshIfAgreed(e: unknown, options: EngineOptions): Promise<Engine> {
  if (!isQuireError(e) || e.code !== 'STORE_DAMAGED') throw e;
  const { response } = await dialog.showMessageBox({
    type: 'error',
    message: "Quire's database is damaged",
    detail: e.message,
    buttons: ['Quit', 'Start With an Empty Library'],
    defaultId: 0,
    cancelId: 0,
  });
  if (response !== 1) {
    app.exit(1);
    throw e;
  }
  return createEngine({ ...options, freshStore: true });
}

function fail(e: unknown): void {
  console.error('quire: could not start', e);
  dialog.showErrorBox('Quire could not start', e instanceof Error ? e.message : String(e));
  app.exit(1);
}
