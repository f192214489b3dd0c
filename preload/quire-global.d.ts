/**
 * `window.quire` as the Electron preload exposes it. The renderer references this file
 * (tsconfig "include", or `/// <reference path="../../preload/quire-global.d.ts" />`).
 * Absent in a browser: the renderer then talks to the web host over a WebSocket.
 *
 * A failed call rejects with a plain `{ name: 'QuireError', code, message }` object
 * (contextBridge strips custom properties from Error objects): read `.code`/`.message`.
 */
import type { QuireApi } from '../engine/api/contract.ts';
import type { QuireShell } from '../engine/api/shell.ts';

declare global {
  interface Window {
    quire?: QuireApi;
    quireShell?: QuireShell;
  }
}

export {};
