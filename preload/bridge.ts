/**
 * What preload hands to contextBridge: a plain object of functions (contextBridge copies
 * objects and proxies functions, it cannot carry connect()'s client as is). No electron
 * import, so it is tested under Node.
 *
 * contextBridge drops custom properties of Error objects, so a failed call rejects with a
 * plain `{ name: 'QuireError', code, message }` instead: `err.code` and `err.message` work
 * in the renderer; `instanceof Error` does not.
 */
import type { ApiMethod, QuireApi } from '../engine/api/contract.ts';

export interface QuireErrorPayload {
  name: 'QuireError';
  code: string;
  message: string;
}

export function toErrorPayload(e: unknown): QuireErrorPayload {
  const o = (typeof e === 'object' && e !== null ? e : {}) as { code?: unknown; message?: unknown };
  return {
    name: 'QuireError',
    code: typeof o.code === 'string' ? o.code : 'INTERNAL',
    message: typeof o.message === 'string' ? o.message : String(e),
  };
}

export function createBridgeApi(client: QuireApi): QuireApi {
  const call = <M extends ApiMethod>(method: M): QuireApi[M] =>
    ((...args: unknown[]) =>
      (client[method] as (...a: unknown[]) => Promise<unknown>)(...args).catch((e: unknown) =>
        Promise.reject(toErrorPayload(e)),
      )) as QuireApi[M];
  const api: QuireApi = {
    listWorkflows: call('listWorkflows'),
    listDocuments: call('listDocuments'),
    getDocument: call('getDocument'),
    createDocument: call('createDocument'),
    importDocument: call('importDocument'),
    saveDocument: call('saveDocument'),
    deleteDocument: call('deleteDocument'),
    addDocumentAssets: call('addDocumentAssets'),
    getStageStates: call('getStageStates'),
    saveStageState: call('saveStageState'),
    resolveExport: call('resolveExport'),
    startExport: call('startExport'),
    previewDocument: call('previewDocument'),
    cancelExport: call('cancelExport'),
    retryExport: call('retryExport'),
    listJobs: call('listJobs'),
    listJobsPage: call('listJobsPage'),
    getJob: call('getJob'),
    getSettings: call('getSettings'),
    updateSettings: call('updateSettings'),
    getHostInfo: call('getHostInfo'),
    openOutput: call('openOutput'),
    showOutputInFolder: call('showOutputInFolder'),
    // Listeners get the value only; the returned function is the only way to unsubscribe.
    onDidChangeJob: (listener) => client.onDidChangeJob((job) => listener(job)),
    onDidChangeDocument: (listener) => client.onDidChangeDocument((change) => listener(change)),
  } satisfies QuireApi;
  return Object.freeze(api);
}
