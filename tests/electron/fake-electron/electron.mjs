/**
 * A stand-in for the `electron` module, just large enough to run the BUILT main process
 * (out/main/index.js, electron-store included) under plain Node, for the main smoke test.
 * The real binary cannot run on this machine. It records what main asks of the OS (progress
 * bars, dialogs, notifications, power blockers) and plays the renderer side: a window's
 * loadURL fetches the page through main's quire: protocol handler and runs the built preload
 * the way a sandboxed renderer does (a `require` that only knows electron), so window.quire
 * talks to main over ipcMain exactly as in the app. Nothing here is Electron's behaviour
 * beyond the documented API shapes; the Playwright suite covers the real thing.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

const HOME = process.env.FAKE_ELECTRON_HOME;
if (!HOME) throw new Error('FAKE_ELECTRON_HOME is required');

export const __fake = true;

/** Everything main did that a test may check. */
export const state = {
  privileged: [],
  dialogs: [],
  dialogResponses: [],
  errors: [],
  progress: [],
  notifications: [],
  blockers: new Set(),
  blockerStarts: 0,
  opened: [],
  revealed: [],
  quitRequests: 0,
  quit: false,
  exitCode: null,
  lockHeld: process.env.FAKE_ELECTRON_LOCK !== '0',
};

const event = () => ({
  defaultPrevented: false,
  preventDefault() {
    this.defaultPrevented = true;
  },
});

class App extends EventEmitter {
  isPackaged = false;
  #paths = {
    userData: path.join(HOME, 'userData'),
    documents: path.join(HOME, 'Documents'),
    home: HOME,
    temp: path.join(HOME, 'tmp'),
  };
  #ready;
  constructor() {
    super();
    this.#ready = new Promise((resolve) => setImmediate(() => (this.emit('ready'), resolve())));
  }
  getPath(name) {
    if (!this.#paths[name]) throw new Error(`fake electron: no path ${name}`);
    return this.#paths[name];
  }
  setPath(name, value) {
    this.#paths[name] = value;
  }
  getAppPath() {
    return process.env.FAKE_ELECTRON_APP_PATH ?? process.cwd();
  }
  getVersion() {
    return '0.1.0';
  }
  getName() {
    return 'Quire';
  }
  whenReady() {
    return this.#ready;
  }
  requestSingleInstanceLock() {
    return state.lockHeld;
  }
  setAppUserModelId() {}
  quit() {
    state.quitRequests++;
    const e = event();
    this.emit('before-quit', e);
    if (e.defaultPrevented) return;
    for (const w of BrowserWindow.getAllWindows()) w.destroy();
    this.emit('will-quit', event());
    this.emit('quit');
    state.quit = true;
  }
  exit(code = 0) {
    state.exitCode = code;
    state.quit = true;
  }
}

export const app = new App();
export const ipcMain = new EventEmitter();

class Session extends EventEmitter {
  handlers = new Map();
  permissionRequest = null;
  permissionCheck = null;
  constructor(name) {
    super();
    this.name = name;
    this.protocol = { handle: (scheme, handler) => this.handlers.set(scheme, handler), unhandle: (scheme) => this.handlers.delete(scheme) };
    this.webRequest = { onBeforeRequest: (fn) => (this.beforeRequest = fn), onHeadersReceived: (fn) => (this.headersReceived = fn) };
  }
  setPermissionRequestHandler(fn) {
    this.permissionRequest = fn;
  }
  setPermissionCheckHandler(fn) {
    this.permissionCheck = fn;
  }
  setDevicePermissionHandler(fn) {
    this.devicePermission = fn;
  }
  setDisplayMediaRequestHandler(fn) {
    this.displayMedia = fn;
  }
  async setProxy() {}
  async clearCache() {}
}

const defaultSession = new Session('default');
const partitions = new Map();
/** Every session made with fromPartition (tests look at the PDF renderer's). */
export const partitionSessions = () => [...partitions.values()];

export const session = {
  defaultSession,
  fromPartition(name) {
    if (!partitions.has(name)) partitions.set(name, new Session(name));
    return partitions.get(name);
  },
};

export const protocol = {
  registerSchemesAsPrivileged(schemes) {
    state.privileged.push(...schemes);
  },
  handle: (scheme, handler) => defaultSession.protocol.handle(scheme, handler),
};

let nextId = 1;

let printer = null;
async function chromiumForPrinting() {
  if (!printer) {
    const { chromium } = await import('playwright-core');
    printer = chromium.launch({ executablePath: process.env.QUIRE_CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  }
  return printer;
}
export async function closePrinter() {
  const p = printer;
  printer = null;
  await (await p)?.close();
}

/** One page load in a window: the renderer's ipcRenderer and its main world. */
class Page {
  constructor(webContents, url) {
    this.webContents = webContents;
    this.url = url;
    this.events = new EventEmitter();
    this.window = {};
    this.frame = { url, parent: null, detached: false };
  }
  ipcRenderer() {
    return {
      send: (channel, payload) => {
        const copy = structuredClone(payload);
        setImmediate(() => {
          if (this.webContents.isDestroyed() || this.frame.detached) return;
          ipcMain.emit(channel, { sender: this.webContents, senderFrame: this.frame }, copy);
        });
      },
      on: (channel, listener) => this.events.on(channel, listener),
      removeListener: (channel, listener) => this.events.off(channel, listener),
    };
  }
}

class WebContents extends EventEmitter {
  id = nextId++;
  #destroyed = false;
  page = null;
  windowOpenHandler = null;
  constructor(win, preferences) {
    super();
    this.window = win;
    this.preferences = preferences;
    this.session = preferences.session ?? defaultSession;
  }
  isDestroyed() {
    return this.#destroyed;
  }
  destroy() {
    if (this.#destroyed) return;
    if (this.page) this.page.frame.detached = true;
    this.#destroyed = true;
    this.emit('destroyed');
  }
  getURL() {
    return this.page?.url ?? '';
  }
  setWindowOpenHandler(fn) {
    this.windowOpenHandler = fn;
  }
  send(channel, payload) {
    if (this.#destroyed) throw new Error('Object has been destroyed');
    const page = this.page;
    const copy = structuredClone(payload);
    setImmediate(() => page?.events.emit(channel, { sender: 'IpcRendererEvent' }, copy));
  }
  reload() {
    return this.load(this.getURL());
  }
  /** Prints with real Chromium (Playwright) from the options Electron would get. */
  async printToPDF(o) {
    if (this.#destroyed) throw new Error('Object has been destroyed');
    const browser = await chromiumForPrinting();
    const tab = await browser.newPage({ javaScriptEnabled: this.preferences.javascript !== false });
    try {
      await tab.setContent(this.page.body);
      const inch = (v) => `${v}in`;
      const pdf = await tab.pdf({
        format: o.pageSize,
        landscape: o.landscape,
        printBackground: o.printBackground,
        margin: { top: inch(o.margins.top), right: inch(o.margins.right), bottom: inch(o.margins.bottom), left: inch(o.margins.left) },
        displayHeaderFooter: o.displayHeaderFooter,
        headerTemplate: o.headerTemplate,
        footerTemplate: o.footerTemplate,
        outline: o.generateDocumentOutline,
        tagged: o.generateTaggedPDF,
        preferCSSPageSize: o.preferCSSPageSize,
      });
      if (this.#destroyed) throw new Error('Object has been destroyed');
      return pdf;
    } finally {
      await tab.close();
    }
  }
  /** A navigation: the old page goes away, the new one runs the preload. */
  async load(url) {
    const nav = { url, isMainFrame: true, isSameDocument: false };
    this.emit('did-start-navigation', nav);
    if (this.page) this.page.frame.detached = true;
    const handler = this.session.handlers.get(url.split(':')[0]);
    const response = handler ? await handler(new Request(url)) : new Response(null, { status: 404 });
    const page = new Page(this, url);
    page.status = response.status;
    page.headers = Object.fromEntries(response.headers);
    page.body = await response.text();
    this.page = page;
    if (page.status !== 200 && this.preferences.javascript === false) throw new Error(`ERR_FAILED (${page.status}) loading '${url}'`);
    // Test hooks for the PDF renderer: a page that never finishes loading, or whose renderer dies.
    if (page.body.includes('FAKE_HANG')) {
      await new Promise((_, reject) => this.once('destroyed', () => reject(new Error(`ERR_ABORTED (-3) loading '${url}'`))));
    }
    if (page.body.includes('FAKE_CRASH')) setImmediate(() => this.emit('render-process-gone', event(), { reason: 'crashed', exitCode: 139 }));
    const preload = this.preferences.preload;
    if (preload) {
      // A sandboxed preload: CommonJS, and require() knows only electron.
      const fakeRequire = (id) => {
        if (id !== 'electron') throw new Error(`sandboxed preload cannot require ${id}`);
        return {
          contextBridge: { exposeInMainWorld: (key, api) => (page.window[key] = api) },
          ipcRenderer: page.ipcRenderer(),
        };
      };
      const module = { exports: {} };
      const code = fs.readFileSync(preload, 'utf8');
      vm.runInThisContext(`(function (exports, require, module, __filename, __dirname) {${code}\n})`, { filename: preload })(
        module.exports,
        fakeRequire,
        module,
        preload,
        path.dirname(preload),
      );
    }
    this.emit('did-finish-load');
  }
}

/** Another frame of `webContents` (a subframe, or a document of another origin): its ipcRenderer. */
export function foreignFrame(webContents, url, { subframe = false } = {}) {
  const page = new Page(webContents, url);
  if (subframe) page.frame = { url, parent: webContents.page?.frame ?? {}, detached: false };
  return page.ipcRenderer();
}

export class BrowserWindow extends EventEmitter {
  static #all = new Set();
  static #focused = null;
  static getAllWindows() {
    return [...BrowserWindow.#all];
  }
  static getFocusedWindow() {
    return BrowserWindow.#focused;
  }
  #destroyed = false;
  visible = false;
  constructor(options = {}) {
    super();
    this.options = options;
    this.webContents = new WebContents(this, options.webPreferences ?? {});
    BrowserWindow.#all.add(this);
    app.emit('web-contents-created', event(), this.webContents);
  }
  async loadURL(url) {
    await this.webContents.load(url);
    setImmediate(() => this.emit('ready-to-show'));
  }
  show() {
    this.visible = true;
    BrowserWindow.#focused = this;
  }
  focus() {
    BrowserWindow.#focused = this;
  }
  isMinimized() {
    return false;
  }
  restore() {}
  isVisible() {
    return this.visible;
  }
  isDestroyed() {
    return this.#destroyed;
  }
  setProgressBar(progress, options = {}) {
    state.progress.push({ window: this.webContents.id, progress, mode: options.mode ?? 'normal' });
  }
  /** The user closes the window (cancellable, like Electron's 'close'). */
  close() {
    const e = event();
    this.emit('close', e);
    if (e.defaultPrevented) return false;
    this.destroy();
    if (BrowserWindow.#all.size === 0 && !state.quit) app.emit('window-all-closed');
    return true;
  }
  destroy() {
    if (this.#destroyed) return;
    this.#destroyed = true;
    BrowserWindow.#all.delete(this);
    if (BrowserWindow.#focused === this) BrowserWindow.#focused = null;
    this.webContents.destroy();
    this.emit('closed');
  }
}

export const dialog = {
  async showMessageBox(...args) {
    state.dialogs.push(args.at(-1));
    return { response: state.dialogResponses.shift() ?? 0, checkboxChecked: false };
  },
  showErrorBox(title, message) {
    state.errors.push({ title, message });
  },
};

export const nativeTheme = { themeSource: 'system', shouldUseDarkColors: false };

export const shell = {
  async openPath(p) {
    state.opened.push(p);
    return '';
  },
  showItemInFolder(p) {
    state.revealed.push(p);
  },
};

export class Notification extends EventEmitter {
  static isSupported() {
    return true;
  }
  constructor(options) {
    super();
    this.options = options;
  }
  show() {
    state.notifications.push({ ...this.options, click: () => this.emit('click') });
  }
}

let nextBlocker = 1;
export const powerSaveBlocker = {
  start(type) {
    if (type !== 'prevent-app-suspension' && type !== 'prevent-display-sleep') throw new Error(`bad blocker type ${type}`);
    const id = nextBlocker++;
    state.blockers.add(id);
    state.blockerStarts++;
    return id;
  },
  stop(id) {
    state.blockers.delete(id);
  },
  isStarted: (id) => state.blockers.has(id),
};

export const powerMonitor = new EventEmitter();

export default {
  __fake,
  app,
  ipcMain,
  session,
  protocol,
  BrowserWindow,
  dialog,
  nativeTheme,
  shell,
  Notification,
  powerSaveBlocker,
  powerMonitor,
};
