/**
 * Start and connection: boot() subscribes to the engine's events and loads the basics;
 * events land here (no React hook is needed to receive them), so a job's progress reaches the
 * store whether or not a component is looking at it; after a drop, what is shown is fetched again.
 *
 * @example
 * await boot(api);                       // subscribe to events, load the basics
 * navigate({ name: 'document', documentId, stageId: 'export' });
 * await startExport(documentId, 'export');
 */
import type { DocumentChange, QuireApi } from '../../../engine/api/contract.ts';
import { isActiveStatus, type JobSnapshot } from '../../../engine/api/types.ts';
import type { ConnectionAware, ConnectionStatus } from '../api/websocket-quire.ts';
import { loadDocuments, refreshStageStates } from './documents-actions.ts';
import { fetchJob, loadJobs } from './jobs-actions.ts';
import { errorMessage, quire, setQuire, store } from './quire-client.ts';
import { followHash, navigate, routeFromHash, routeTo } from './routing.ts';
import { dropSavesOf, recoverStashedText, resetSaves, retryFailedSaves, watchPageLifecycle } from './saving.ts';
import { useQuireStore } from './store.ts';

let unsubscribers: Array<() => void> = [];
// Document events come in bursts: the list and a document's stages are fetched once per burst.
let documentsTimer: ReturnType<typeof setTimeout> | undefined;
const stageRefreshTimers = new Map<string, ReturnType<typeof setTimeout>>();

export interface BootOptions {
  /** The WebSocket client's connection events (browser host); null for Electron IPC. */
  connection?: ConnectionAware | null;
  /** Token for download links (browser host). */
  downloadToken?: string | null;
  /** Keep the route in location.hash (the app; tests may leave it off). */
  hashRouting?: boolean;
}

export async function boot(quireApi: QuireApi, options: BootOptions = {}): Promise<void> {
  shutdown();
  setQuire(quireApi);
  useQuireStore.setState({ downloadToken: options.downloadToken ?? null });
  unsubscribers.push(quireApi.onDidChangeJob(applyJobEvent));
  unsubscribers.push(quireApi.onDidChangeDocument(applyDocumentChange));
  if (options.connection) {
    store().setConnection(options.connection.connectionStatus);
    unsubscribers.push(options.connection.onDidChangeConnection(onConnectionChange));
  }
  unsubscribers.push(followHash(!!options.hashRouting));
  if (typeof window !== 'undefined') unsubscribers.push(watchPageLifecycle());
  await loadBasics();
  if (store().ready) await recoverStashedText();
  routeFromHash();
}

/** Stops listening (tests; switching engines). Pending saves are dropped. */
export function shutdown(): void {
  for (const off of unsubscribers) off();
  unsubscribers = [];
  resetSaves();
  clearTimeout(documentsTimer);
  for (const t of stageRefreshTimers.values()) clearTimeout(t);
  stageRefreshTimers.clear();
  setQuire(null);
}

async function loadBasics(): Promise<void> {
  try {
    const q = quire();
    const [hostInfo, settings, workflows] = await Promise.all([q.getHostInfo(), q.getSettings(), q.listWorkflows()]);
    store().setBasics({ hostInfo, settings, workflows });
    useQuireStore.setState({ fatal: null });
    await loadDocuments();
  } catch (e) {
    if (!store().ready) useQuireStore.setState({ fatal: `Could not reach the Quire engine: ${errorMessage(e)}` });
    else store().pushNotice('error', errorMessage(e));
  }
}

function onConnectionChange(status: ConnectionStatus): void {
  const before = store().connection;
  store().setConnection(status);
  // The first 'open' is awaited by boot itself; later ones (or one after a failed start) catch up.
  if (status === 'open' && (before === 'reconnecting' || store().fatal)) void refreshAfterReconnect();
}

/**
 * Back after a drop: events sent meanwhile are lost, so fetch again what is on screen — the
 * documents, the open document's stages, and every job shown — and retry failed saves.
 */
export async function refreshAfterReconnect(): Promise<void> {
  if (!store().ready) return loadBasics().then(() => routeTo(store().route, { force: true }));
  retryFailedSaves();
  const route = store().route;
  const tasks: Array<Promise<unknown>> = [loadDocuments()];
  if (route.name === 'document') tasks.push(refreshStageStates(route.documentId));
  if (route.name === 'jobs') tasks.push(loadJobs());
  const shown = new Set<string>();
  for (const job of Object.values(store().jobs)) if (isActiveStatus(job.status)) shown.add(job.id);
  if (route.name === 'document') {
    for (const s of Object.values(store().stages[route.documentId] ?? {})) if (s.exportJobId) shown.add(s.exportJobId);
  }
  tasks.push(...[...shown].map((id) => fetchJob(id)));
  await Promise.all(tasks);
}

// ---- events ------------------------------------------------------------------------------

/** Every job change from the engine; stale ones (seq <= held) are dropped by the store. */
export function applyJobEvent(job: JobSnapshot): void {
  store().applyJobs([job]);
}

export function applyDocumentChange(change: DocumentChange): void {
  clearTimeout(documentsTimer);
  documentsTimer = setTimeout(() => void loadDocuments(), 100);
  if (change.kind === 'deleted') {
    dropSavesOf(change.documentId);
    store().removeDocument(change.documentId);
    store().forgetJobsOf(change.documentId);
    const route = store().route;
    if (route.name === 'document' && route.documentId === change.documentId) {
      store().pushNotice('info', 'The document you had open was deleted.');
      navigate({ name: 'library' });
    }
    return;
  }
  if (change.kind === 'updated' && store().stages[change.documentId]) {
    // Another window (or the engine, starting a job) changed its stages: follow the same job.
    clearTimeout(stageRefreshTimers.get(change.documentId));
    stageRefreshTimers.set(
      change.documentId,
      setTimeout(() => {
        stageRefreshTimers.delete(change.documentId);
        void refreshStageStates(change.documentId);
      }, 100),
    );
  }
}
