/**
 * The renderer side of the Electron IPC transport, written against the few members of
 * `ipcRenderer` it uses (no electron import, so it is tested under Node with a fake).
 *
 * Every message travels in an envelope `{ c, m }` where `c` is this page load's connection
 * id: after a reload the main process sees a new id and drops the old page's subscriptions.
 * Main ends a connection with `{ c, close: true }`; pending calls then reject with
 * TRANSPORT_CLOSED. The channel names must match engine/host/ipc-hub.ts (a test checks).
 */
import type { Transport } from '../engine/api/rpc.ts';

export const IPC_TO_MAIN = 'quire:rpc:to-main';
export const IPC_TO_RENDERER = 'quire:rpc:to-renderer';

export interface IpcRendererLike {
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function newConnectionId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}

export function createRendererTransport(ipc: IpcRendererLike, connectionId: string = newConnectionId()): Transport {
  const handlers = new Set<(message: unknown) => void>();
  const closeHandlers = new Set<() => void>();
  let closed = false;

  const finish = () => {
    if (closed) return;
    closed = true;
    ipc.removeListener(IPC_TO_RENDERER, listener);
    for (const h of [...closeHandlers]) h();
  };

  // The Electron event object stays here: listeners only ever see the message.
  const listener = (_event: unknown, envelope: unknown) => {
    if (closed || typeof envelope !== 'object' || envelope === null) return;
    const env = envelope as { c?: unknown; m?: unknown; close?: unknown };
    if (env.c !== connectionId) return;
    if (env.close === true) return finish();
    for (const h of [...handlers]) h(env.m);
  };
  ipc.on(IPC_TO_RENDERER, listener);

  return {
    send(message) {
      if (!closed) ipc.send(IPC_TO_MAIN, { c: connectionId, m: message });
    },
    onMessage(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    onClose(handler) {
      closeHandlers.add(handler);
      return () => closeHandlers.delete(handler);
    },
    close() {
      if (closed) return;
      ipc.send(IPC_TO_MAIN, { c: connectionId, close: true });
      finish();
    },
  };
}
