/**
 * Preload (sandboxed, context-isolated): exposes exactly `window.quire`, a plain object of
 * functions that satisfies QuireApi, and `window.quireShell` (main asking the page to save).
 * ipcRenderer itself never reaches the page; listeners get values, never Electron events.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { API_EVENTS, API_METHODS, type QuireApi } from '../engine/api/contract.ts';
import { connect } from '../engine/api/rpc.ts';
import { createBridgeApi } from './bridge.ts';
import { createRendererTransport } from './ipc-transport.ts';
import { createShellBridge } from './shell-bridge.ts';

const client = connect<QuireApi>(createRendererTransport(ipcRenderer), { methods: API_METHODS, events: API_EVENTS });
contextBridge.exposeInMainWorld('quire', createBridgeApi(client));
// Main's "save now" before a reload, a close or quitting (engine/api/shell.ts).
contextBridge.exposeInMainWorld('quireShell', createShellBridge(ipcRenderer));
