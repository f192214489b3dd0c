/**
 * The app window and the rules every web contents in this app lives under: no navigation,
 * no new windows, no <webview>, every permission denied; pages come from quire://app
 * (protocol.ts), never file://.
 */
import { app, BrowserWindow, nativeTheme, type Session } from 'electron';

/** Applies to every web contents ever created here, PDF windows included. */
export function lockDownWebContents(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    // Page-initiated navigation in any frame (links, location, meta refresh); our own
    // loadURL and reload() are not affected.
    contents.on('will-navigate', (e) => e.preventDefault());
    // Subframes may only hold inline documents (the sandboxed srcdoc preview).
    contents.on('will-frame-navigate', (e) => {
      if (e.isMainFrame || !/^about:(srcdoc|blank)$/.test(e.url)) e.preventDefault();
    });
    contents.on('will-attach-webview', (e) => e.preventDefault());
  });
}

export function denyPermissions(ses: Session): void {
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.setDisplayMediaRequestHandler((_request, callback) => callback({}));
  ses.on('will-download', (e) => e.preventDefault());
}

export function createMainWindow(options: { preload: string; url: string }): BrowserWindow {
  const win = new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Quire',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#1e1e1e' : '#ffffff',
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(options.url);
  return win;
}
