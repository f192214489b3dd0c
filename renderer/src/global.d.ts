import type { QuireApi } from '../../engine/api/contract.ts';
import type { QuireShell } from '../../engine/api/shell.ts';

declare global {
  interface Window {
    /** Exposed by the Electron preload (contextBridge); absent in a browser. */
    quire?: QuireApi;
    /** Electron only: main asks the page to save before a reload, close or quit. */
    quireShell?: QuireShell;
  }
}

export {};
