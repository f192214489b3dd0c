/**
 * Feeds ipcMain messages and window lifecycle events into the IpcHub (engine/host/ipc-hub.ts),
 * and the pages' answers to "save now" into the WindowFlusher (engine/host/window-flush.ts).
 */
import { ipcMain, type WebContents, type WebFrameMain } from 'electron';
import type { QuireApi } from '../engine/api/contract.ts';
import { SHELL_FLUSH_REPLY } from '../engine/api/shell.ts';
import { IPC_TO_MAIN, IpcHub, type IpcHubOptions, type IpcPeer, type IpcSenderFrame } from '../engine/host/ipc-hub.ts';
import { WindowFlusher } from '../engine/host/window-flush.ts';

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
    hub.receive(peerOf(event.sender), frameOf(event.senderFrame), envelope);
  });
  return hub;
}

export function peerOf(wc: WebContents): IpcPeer {
  return { id: wc.id, send: (ch, p) => wc.send(ch, p), isDestroyed: () => wc.isDestroyed() };
}

export function wireFlush(options: Pick<IpcHubOptions, 'allowedOrigins' | 'isTrustedPeer'>): WindowFlusher {
  const flusher = new WindowFlusher({ ...options, onRefused: (reason) => console.warn(`quire: refused a flush reply from ${reason}`) });
  ipcMain.on(SHELL_FLUSH_REPLY, (event, reply: unknown) => flusher.receive(event.sender.id, frameOf(event.senderFrame), reply));
  return flusher;
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
