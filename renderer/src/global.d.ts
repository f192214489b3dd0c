import type { QuireApi } from '../../engine/api/contract.ts';

declare global {
  interface Window {
    /** Exposed by the Electron preload (contextBridge); absent in a browser. */
    quire?: QuireApi;
  }
}

export {};
