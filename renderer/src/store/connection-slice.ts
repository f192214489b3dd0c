import type { StateCreator } from 'zustand';
import type { HostInfo, Settings } from '../../../engine/api/contract.ts';
import type { WorkflowDefinition } from '../../../engine/api/types.ts';
import type { ConnectionStatus } from '../api/websocket-quire.ts';
import type { QuireState } from './store.ts';

export interface ConnectionSlice {
  /** 'open' for Electron (IPC never drops); the WebSocket client reports the rest. */
  connection: ConnectionStatus;
  /** True once the first load after start finished (the UI shows "Loading…" before). */
  ready: boolean;
  /** Set when the page cannot work at all (no token in a browser, the first load failed). */
  fatal: string | null;
  hostInfo: HostInfo | null;
  settings: Settings | null;
  workflows: WorkflowDefinition[];
  /** Token for download links (browser host only). */
  downloadToken: string | null;
  setConnection(status: ConnectionStatus): void;
  setBasics(basics: { hostInfo: HostInfo; settings: Settings; workflows: WorkflowDefinition[] }): void;
}

export const createConnectionSlice: StateCreator<QuireState, [], [], ConnectionSlice> = (set) => ({
  connection: 'open',
  ready: false,
  fatal: null,
  hostInfo: null,
  settings: null,
  workflows: [],
  downloadToken: null,
  setConnection: (connection) => set({ connection }),
  setBasics: (basics) => set({ ...basics, ready: true }),
});
