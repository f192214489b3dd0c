/** Feeds ipcMain messages and window lifecycle events into the IpcHub (engine/host/ipc-hub.ts). */
import { ipcMain, type WebContents, type WebFrameMain } from 'electron';
import type { QuireApi } from '../engine/api/contract.ts';
import { IPC_TO_MAIN, IpcHub, type IpcHubOptions, type IpcSenderFrame } from '../engine/host/ipc-hub.ts';

function frameOf(frame: WebFrameMain | null): IpcSenderFrame | null {
  try {
    return frame ? { url: frame.url, isMainFrame: frame.parent === null, detached: frame.detached } : null;
  } catch {
    return null; // a frame destroyed mid-message
  }
}

export function wireIpc(api: QuireApi, options: Pick<IpcHubOptions, 'allowedOrigins' | 'isTrustedPeer'>): IpcHub {
  const hub = new IpcHub(api, {
    ...options,
    onRefused: (reason) => console.warn(`quire: refused an IPC message from ${reason}`),
    onError: (e) => console.error('quire: IPC handler failed', e),
  });
  ipcMain.on(IPC_TO_MAIN, (event, envelope: unknown) => {
    const wc = event.sender;
    hub.receive({ id: wc.id, send: (ch, p) => wc.send(ch, p), isDestroyed: () => wc.isDestroyed() }, frameOf(event.senderFrame), envelope);
  });
  return hub;
}

/** A window that reloads, navigates, crashes or closes loses its subscriptions. */
export function trackWindow(hub: IpcHub, wc: WebContents): void {
  const id = wc.id;
  wc.on('did-start-navigation', (details) => {
    if (details.isMainFrame && !details.isSameDocument) hub.disconnect(id);
  });
  wc.on('render-process-gone', () => hub.disconnect(id));
  wc.on('destroyed', () => hub.disconnect(id));
}
