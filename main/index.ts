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
import { Errors } from '../engine/api/errors.ts';
import { createEngine, engineOptionsFromEnv, type Engine } from '../engine/engine.ts';
import { APP_ENTRY_URL, APP_ORIGIN, originOf, unpackedPath } from '../engine/host/app-protocol.ts';
import { createQuireApi } from '../engine/host/create-api.ts';
import { quitChoice, quitDialog, quitPlan, shouldAskOnWindowClose } from '../engine/host/desktop-policy.ts';
import type { IpcHub } from '../engine/host/ipc-hub.ts';
import { defaultSettings } from '../engine/host/settings.ts';
import { ElectronPdfRenderer } from './electron-pdf-renderer.ts';
import { trackWindow, wireIpc } from './ipc.ts';
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
let phase: 'running' | 'asking' | 'closing' | 'closed' = 'running';

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
  // Worker threads inherit the environment: tells them where themes/default.css is.
  process.env.QUIRE_RESOURCES_DIR ||= app.isPackaged ? process.resourcesPath : path.join(app.getAppPath(), 'resources');

  const settings = createSettingsStore(defaultSettings(path.join(app.getPath('documents'), 'Quire')));
  const initial = settings.get();
  nativeTheme.themeSource = initial.theme;
  pdf = new ElectronPdfRenderer();
  engine = await createEngine({
    dataDir: app.getPath('userData'),
    outputDir: initial.outputDir,
    concurrency: initial.concurrency,
    pdfRenderer: pdf,
    workerFile: WORKER,
    exportDefaults: () => {
      const s = settings.get();
      return { formats: s.defaultFormats, outDir: s.outputDir, pdf: s.pdf };
    },
    ...engineOptionsFromEnv(),
  });
  engine.onError((e) => console.error('quire: background error', e));

  const info: HostInfo = {
    kind: 'electron',
    canOpenPath: true,
    canShowInFolder: true,
    downloadBase: null,
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

  registerAppProtocol(RENDERER_DIR);
  if (DEV_URL) applyDevCsp(DEV_URL);
  hub = wireIpc(api, {
    allowedOrigins: [APP_ORIGIN, ...(DEV_URL ? [originOf(DEV_URL)!] : [])],
    isTrustedPeer: (id) => [...windows].some((w) => !w.isDestroyed() && w.webContents.id === id),
  });
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
  win.on('close', (event) => {
    const others = [...windows].filter((w) => w !== win && !w.isDestroyed()).length;
    const activeJobs = os?.activity.activeCount ?? 0;
    if (shouldAskOnWindowClose({ platform: process.platform, otherWindows: others, activeJobs, quitting: phase !== 'running' })) {
      event.preventDefault();
      void requestQuit(true);
    }
  });
  win.on('closed', () => windows.delete(win));
  os?.refresh();
}

/** Asks when exports run (unless `ask` is false: a signal); confirming requeues them for the next launch. */
async function requestQuit(ask: boolean): Promise<void> {
  if (phase !== 'running' && !(phase === 'asking' && !ask)) return;
  const active = os?.activity.activeCount ?? 0;
  if (ask && quitPlan(active) === 'ask') {
    phase = 'asking';
    const parent = BrowserWindow.getFocusedWindow() ?? [...windows].find((w) => !w.isDestroyed());
    const options = quitDialog(active);
    const { response } = parent ? await dialog.showMessageBox(parent, options) : await dialog.showMessageBox(options);
    if (phase !== 'asking') return; // a signal quit meanwhile
    if (quitChoice(response) === 'keep') {
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

function fail(e: unknown): void {
  console.error('quire: could not start', e);
  dialog.showErrorBox('Quire could not start', e instanceof Error ? e.message : String(e));
  app.exit(1);
}
