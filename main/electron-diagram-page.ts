/**
 * The Mermaid diagram page on Electron's own Chromium, the counterpart of
 * engine/pdf/diagram-renderer.ts's openChromiumDiagramPage: a hidden offscreen window with
 * JavaScript on, in a private in-memory session that cancels every request but its own page,
 * the bundle run with executeJavaScript. DiagramDrawer (shared) does batching and time limits.
 * Not covered by the test suite: there is no Electron binary where it runs.
 */
import { randomUUID } from 'node:crypto';
import { BrowserWindow, session } from 'electron';
import { DIAGRAM_PAGE_HTML, DIAGRAM_PAGE_SCRIPT, DIAGRAM_VIEWPORT, mermaidBundle, type DiagramPage } from '../engine/pdf/diagram-renderer.ts';
import type { DiagramResult } from '../engine/pdf/pdf-renderer.ts';

const PAGE_URL = `data:text/html;charset=utf-8,${encodeURIComponent(DIAGRAM_PAGE_HTML)}`;

export async function openElectronDiagramPage(): Promise<DiagramPage> {
  const code = await mermaidBundle();
  // No "persist:" prefix: the partition lives in memory only.
  const ses = session.fromPartition(`quire-diagrams-${randomUUID()}`, { cache: false });
  ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: details.url !== PAGE_URL }));
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.on('will-download', (event) => event.preventDefault());
  await ses.setProxy({ proxyRules: 'http://quire.invalid:9' }).catch(() => undefined);
  const win = new BrowserWindow({
    show: false,
    ...DIAGRAM_VIEWPORT,
    webPreferences: {
      session: ses,
      javascript: true,
      offscreen: true,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
      webgl: false,
      spellcheck: false,
      backgroundThrottling: false,
    },
  });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  const close = async () => {
    if (!win.isDestroyed()) win.destroy();
    await ses.clearStorageData().catch(() => undefined);
  };
  try {
    await win.loadURL(PAGE_URL);
    await win.webContents.executeJavaScript(code);
    await win.webContents.executeJavaScript(DIAGRAM_PAGE_SCRIPT);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    // JSON string literals are JavaScript string literals: the source stays data.
    draw: (id, source) =>
      win.webContents.executeJavaScript(`window.__quireDrawDiagram(${JSON.stringify(id)}, ${JSON.stringify(source)})`) as Promise<DiagramResult>,
    close,
  };
}
