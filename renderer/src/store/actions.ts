/**
 * Plain module-level actions: everything that talks to the engine and then changes the
 * store. Engine events land here too (no React hook is needed to receive them), so a job's
 * progress reaches the store whether or not a component is looking at it.
 *
 * @example
 * await boot(api);                       // subscribe to events, load the basics
 * navigate({ name: 'document', documentId, stageId: 'export' });
 * await startExport(documentId, 'export');
 */
import type { DocumentChange, QuireApi } from '../../../engine/api/contract.ts';
import {
  EXPORT_FORMATS,
  PAGE_SIZES,
  isActiveStatus,
  type ExportFormat,
  type ExportOptions,
  type JobSnapshot,
  type PdfOptions,
  type StageState,
  type StageStatus,
} from '../../../engine/api/types.ts';
import type { ConnectionAware, ConnectionStatus } from '../api/websocket-quire.ts';
import { parseHash, routeHash, sameRoute } from '../lib/route.ts';
import { useQuireStore } from './store.ts';
import type { Route } from './ui-slice.ts';
import { dropStash, pageStorage, readStashes, stashDocument, stashPlan } from './unsaved-stash.ts';

/** Typing pauses this long before a save goes out. */
export const SAVE_DELAY_MS = 400;
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
const IMPORT_EXTENSIONS = ['.md', '.markdown', '.txt', '.html', '.htm'];

let api: QuireApi | null = null;
let unsubscribers: Array<() => void> = [];
let hashRouting = false;

const store = () => useQuireStore.getState();

export function quire(): QuireApi {
  if (!api) throw new Error('Quire is not connected yet (boot() was not called).');
  return api;
}

/** A message a person can act on, for anything a call threw. */
export function errorMessage(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown } | null;
  if (err && err.code === 'TRANSPORT_CLOSED') return 'Not connected to Quire right now. Wait until it has reconnected, then try again.';
  if (err && typeof err.message === 'string') return err.message;
  return String(e);
}

// ---- start and connection ----------------------------------------------------------------

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
  api = quireApi;
  useQuireStore.setState({ downloadToken: options.downloadToken ?? null });
  unsubscribers.push(quireApi.onDidChangeJob(applyJobEvent));
  unsubscribers.push(quireApi.onDidChangeDocument(applyDocumentChange));
  if (options.connection) {
    store().setConnection(options.connection.connectionStatus);
    unsubscribers.push(options.connection.onDidChangeConnection(onConnectionChange));
  }
  hashRouting = !!options.hashRouting;
  if (hashRouting) {
    const onHash = () => routeTo(parseHash(window.location.hash));
    window.addEventListener('hashchange', onHash);
    unsubscribers.push(() => window.removeEventListener('hashchange', onHash));
  }
  if (typeof window !== 'undefined') unsubscribers.push(watchPageLifecycle());
  await loadBasics();
  if (store().ready) await recoverStashedText();
  if (hashRouting) routeTo(parseHash(window.location.hash));
}

/**
 * Nothing typed is lost when the page goes away: hidden or closing, every pending save goes
 * out at once and the unconfirmed text is kept in localStorage (a save sent while the page
 * unloads may never arrive); closing with unsaved changes asks first.
 */
function watchPageLifecycle(): () => void {
  const onHide = () => {
    stashUnsavedText();
    void flushSaves();
  };
  const onVisibility = () => {
    if (document.visibilityState === 'hidden') onHide();
  };
  const onBeforeUnload = (e: BeforeUnloadEvent) => {
    if (!hasUnsavedChanges()) return;
    onHide();
    e.preventDefault();
    e.returnValue = ''; // older Chromium (and Electron's will-prevent-unload) look at this
  };
  window.addEventListener('pagehide', onHide);
  window.addEventListener('beforeunload', onBeforeUnload);
  document.addEventListener('visibilitychange', onVisibility);
  return () => {
    window.removeEventListener('pagehide', onHide);
    window.removeEventListener('beforeunload', onBeforeUnload);
    document.removeEventListener('visibilitychange', onVisibility);
  };
}

/** Stops listening (tests; switching engines). Pending saves are dropped. */
export function shutdown(): void {
  for (const off of unsubscribers) off();
  unsubscribers = [];
  for (const p of pendingSaves.values()) clearTimeout(p.timer);
  pendingSaves.clear();
  inflightSaves.clear();
  failedSaves.clear();
  docSavesOut.clear();
  clearTimeout(documentsTimer);
  for (const t of stageRefreshTimers.values()) clearTimeout(t);
  stageRefreshTimers.clear();
  api = null;
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
  for (const key of [...failedSaves.keys()]) scheduleSave(key, failedSaves.get(key)!, 0);
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

let documentsTimer: ReturnType<typeof setTimeout> | undefined;
const stageRefreshTimers = new Map<string, ReturnType<typeof setTimeout>>();

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

// ---- routing -----------------------------------------------------------------------------

export function navigate(route: Route): void {
  if (hashRouting) {
    const hash = routeHash(route);
    if (window.location.hash !== hash) {
      window.location.hash = hash; // hashchange → routeTo
      return;
    }
  }
  routeTo(route);
}

function routeTo(route: Route, { force = false } = {}): void {
  const before = store().route;
  if (!force && sameRoute(before, route) && routeLoaded(route)) return;
  // Leaving a document or one of its stages sends what was typed there now, not after the pause.
  if (before.name === 'document' && !sameRoute(before, route)) {
    void flushSaves(before.documentId);
  }
  store().setRoute(route);
  if (route.name === 'document' && (force || before.name !== 'document' || before.documentId !== route.documentId || !store().docs[route.documentId])) {
    void openDocument(route.documentId);
  }
  if (route.name === 'jobs') void loadJobs();
  if (route.name === 'library' && (force || before.name !== 'library')) void loadDocuments();
}

function routeLoaded(route: Route): boolean {
  return route.name !== 'document' || !!store().docs[route.documentId];
}

// ---- documents ---------------------------------------------------------------------------

export async function loadDocuments(): Promise<void> {
  try {
    store().setDocuments(await quire().listDocuments());
  } catch (e) {
    store().pushNotice('error', `Could not load the documents: ${errorMessage(e)}`);
  }
}

export async function createDocument(title: string, workflowId: string): Promise<string | null> {
  try {
    const name = title.trim() || 'Untitled';
    const doc = await quire().createDocument({ title: name, source: `# ${name}\n\n`, format: 'md', workflowId });
    store().setDocument(doc);
    navigate({ name: 'document', documentId: doc.id, stageId: null });
    return doc.id;
  } catch (e) {
    store().pushNotice('error', `Could not create the document: ${errorMessage(e)}`);
    return null;
  }
}

/** Imports files chosen or dropped by the user; each failure is reported with its file name. */
export async function importFiles(files: Iterable<File>): Promise<string[]> {
  const ids: string[] = [];
  for (const file of files) {
    const ext = file.name.slice(file.name.lastIndexOf('.')).toLowerCase();
    if (!IMPORT_EXTENSIONS.includes(ext)) {
      store().pushNotice('error', `${file.name}: unsupported file type. Quire imports Markdown (.md, .markdown, .txt) and HTML (.html, .htm).`);
      continue;
    }
    if (file.size > MAX_IMPORT_BYTES) {
      store().pushNotice('error', `${file.name}: is larger than 10 MB; split it into smaller documents.`);
      continue;
    }
    try {
      const content = await readText(file);
      const doc = await quire().importDocument({ fileName: file.name, content });
      store().setDocument(doc);
      ids.push(doc.id);
      store().pushNotice('info', `Imported ${file.name} as “${doc.title}”.`);
    } catch (e) {
      const msg = errorMessage(e);
      store().pushNotice('error', msg.includes(file.name) ? msg : `${file.name}: ${msg}`);
    }
  }
  return ids;
}

function readText(file: File): Promise<string> {
  if (typeof file.text === 'function') return file.text();
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(file);
  });
}

export async function renameDocument(id: string, title: string): Promise<boolean> {
  const name = title.trim();
  if (!name) {
    store().pushNotice('error', 'A document needs a title.');
    return false;
  }
  try {
    const doc = await quire().saveDocument(id, { title: name });
    const open = store().docs[id];
    if (open) store().patchDocument(id, { title: doc.title, revision: doc.revision });
    else store().setDocument(doc);
    return true;
  } catch (e) {
    store().pushNotice('error', `Could not rename: ${errorMessage(e)}`);
    return false;
  }
}

export async function deleteDocument(id: string): Promise<boolean> {
  try {
    dropSavesOf(id);
    await quire().deleteDocument(id);
    store().removeDocument(id);
    store().forgetJobsOf(id);
    return true;
  } catch (e) {
    store().pushNotice('error', `Could not delete: ${errorMessage(e)}`);
    return false;
  }
}

/** Loads a document and its stages, and re-attaches each stage to its job. Never starts one. */
export async function openDocument(id: string): Promise<void> {
  try {
    const [doc, states] = await Promise.all([quire().getDocument(id), quire().getStageStates(id)]);
    if (!hasPendingSave(docSaveKey(id))) store().setDocument(doc);
    store().setStageStates(id, states, localStages(id));
    await Promise.all(states.filter((s) => s.exportJobId).map((s) => fetchJob(s.exportJobId!)));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'DOCUMENT_NOT_FOUND') {
      store().pushNotice('error', errorMessage(e));
      navigate({ name: 'library' });
    } else {
      store().pushNotice('error', `Could not open the document: ${errorMessage(e)}`);
    }
  }
}

export async function refreshStageStates(documentId: string): Promise<void> {
  try {
    const states = await quire().getStageStates(documentId);
    store().setStageStates(documentId, states, localStages(documentId));
    await Promise.all(states.filter((s) => s.exportJobId && !store().jobs[s.exportJobId]).map((s) => fetchJob(s.exportJobId!)));
  } catch (e) {
    if ((e as { code?: string }).code !== 'DOCUMENT_NOT_FOUND') store().pushNotice('error', errorMessage(e));
  }
}

/** Stages with edits not yet confirmed by the engine (their local data must not be replaced). */
function localStages(documentId: string): Set<string> {
  const out = new Set<string>();
  for (const key of [...pendingSaves.keys(), ...inflightSaves.keys(), ...failedSaves.keys()]) {
    const [kind, doc, stage] = key.split('|');
    if (kind === 'stage' && doc === documentId && stage) out.add(stage);
  }
  return out;
}

// ---- saving as you go --------------------------------------------------------------------

type SaveRun = { documentId: string; run: () => Promise<void> };
/** Keys of pending saves: `doc|<id>` and `stage|<id>|<stageId>` (split on "|" below). */
const docSaveKey = (documentId: string) => `doc|${documentId}`;
const stageSaveKey = (documentId: string, stageId: string) => `stage|${documentId}|${stageId}`;
const pendingSaves = new Map<string, SaveRun & { timer: ReturnType<typeof setTimeout> }>();
const inflightSaves = new Map<string, Promise<void>>();
const failedSaves = new Map<string, SaveRun & { error: string }>();
/** Per document: saves sent and not answered yet (each may still bump the engine's revision). */
const docSavesOut = new Map<string, number>();

function hasPendingSave(key: string): boolean {
  return pendingSaves.has(key) || inflightSaves.has(key) || failedSaves.has(key);
}

function scheduleSave(key: string, save: SaveRun, delay = SAVE_DELAY_MS): void {
  const existing = pendingSaves.get(key);
  if (existing) clearTimeout(existing.timer);
  failedSaves.delete(key);
  store().setSaveStatus(save.documentId, 'pending');
  pendingSaves.set(key, { ...save, timer: setTimeout(() => void fireSave(key), delay) });
}

async function fireSave(key: string): Promise<void> {
  const save = pendingSaves.get(key);
  if (!save) return;
  clearTimeout(save.timer);
  pendingSaves.delete(key);
  const previous = inflightSaves.get(key);
  // Assigned before the body below runs past its first await (where it is read).
  let task!: Promise<void>;
  task = (async () => {
    // Saves of one key go out in order: the later one carries the newer content.
    await previous?.catch(() => undefined);
    store().setSaveStatus(save.documentId, 'saving');
    try {
      await save.run();
      settleSaveStatus(save.documentId, key, task);
    } catch (e) {
      if ((e as { code?: string }).code === 'DOCUMENT_NOT_FOUND') return;
      failedSaves.set(key, { ...save, error: errorMessage(e) });
      store().setSaveStatus(save.documentId, 'error');
      if ((e as { code?: string }).code !== 'TRANSPORT_CLOSED') store().pushNotice('error', `Could not save: ${errorMessage(e)}`);
    }
  })();
  inflightSaves.set(key, task);
  try {
    await task;
  } finally {
    if (inflightSaves.get(key) === task) inflightSaves.delete(key);
  }
}

/** "Saved" only once the engine has confirmed every save of the document, none pending or failed. */
function settleSaveStatus(documentId: string, justSaved: string, task: Promise<void>): void {
  const ofDoc = (k: string) => k.split('|')[1] === documentId;
  const busy =
    [...pendingSaves.keys(), ...failedSaves.keys()].some((k) => k !== justSaved && ofDoc(k)) ||
    [...inflightSaves].some(([k, p]) => p !== task && ofDoc(k));
  if (busy || pendingSaves.has(justSaved)) return;
  store().setSaveStatus(documentId, 'saved');
  dropStash(pageStorage(), documentId);
}

/** Edits the engine has not confirmed yet (waiting, being sent, or failed), of one document or all. */
export function hasUnsavedChanges(documentId?: string): boolean {
  return [...pendingSaves.keys(), ...inflightSaves.keys(), ...failedSaves.keys()].some((k) => !documentId || k.split('|')[1] === documentId);
}

/** Why the last save of the document (or of any) failed, or null when none has. */
export function saveError(documentId?: string): string | null {
  for (const s of failedSaves.values()) if (!documentId || s.documentId === documentId) return s.error;
  return null;
}

/**
 * The desktop app's "save now" before a reload, close or quit (window.quireShell): every
 * pending save goes out, the text is kept in case it does not arrive, and the answer says
 * whether the engine confirmed it all.
 */
export async function flushBeforeLeaving(): Promise<{ saved: boolean; message?: string }> {
  stashUnsavedText();
  const saved = await flushSaves();
  const message = saveError();
  return saved ? { saved } : { saved, ...(message ? { message } : {}) };
}

/** The status line's Retry: sends the document's failed (and waiting) saves again now. */
export function retrySaves(documentId: string): Promise<boolean> {
  return flushSaves(documentId);
}

/** Synchronous (pagehide may be the last chance): the unconfirmed text of each open document. */
function stashUnsavedText(): void {
  const storage = pageStorage();
  for (const key of new Set([...pendingSaves.keys(), ...inflightSaves.keys(), ...failedSaves.keys()])) {
    const [kind, id] = key.split('|');
    const doc = kind === 'doc' && id ? store().docs[id] : undefined;
    if (!doc) continue;
    // Saves already sent may land after the page is gone: the engine may then be that far ahead.
    const baseRevision = doc.revision + (docSavesOut.get(doc.id) ?? 0);
    stashDocument(storage, { documentId: doc.id, baseRevision, title: doc.title.trim() || 'Untitled', source: doc.source });
  }
}

/** At start: text kept by a page that went away before the engine confirmed it is saved now. */
async function recoverStashedText(): Promise<void> {
  const storage = pageStorage();
  for (const stash of readStashes(storage)) {
    try {
      const doc = await quire().getDocument(stash.documentId);
      const plan = stashPlan(stash, doc);
      if (plan === 'restore') {
        store().setDocument({ ...doc, title: stash.title, source: stash.source });
        scheduleSave(docSaveKey(doc.id), docSave(doc.id), 0);
        continue;
      }
      dropStash(storage, stash.documentId);
      if (plan === 'conflict') {
        store().pushNotice('info', `Text typed in “${doc.title}” just before the page closed was not put back: the document was changed elsewhere since.`);
      }
    } catch (e) {
      // Kept for the next start unless the document is gone.
      if ((e as { code?: string }).code === 'DOCUMENT_NOT_FOUND') dropStash(storage, stash.documentId);
    }
  }
}

function dropSavesOf(documentId: string): void {
  for (const [key, save] of pendingSaves) {
    if (save.documentId !== documentId) continue;
    clearTimeout(save.timer);
    pendingSaves.delete(key);
  }
  for (const [key, save] of failedSaves) if (save.documentId === documentId) failedSaves.delete(key);
}

/**
 * Sends every pending save now (of one document, or all), failed ones again, and waits for
 * them. True when the engine confirmed them all (none failed).
 */
export async function flushSaves(documentId?: string): Promise<boolean> {
  const mine = (s: SaveRun) => !documentId || s.documentId === documentId;
  for (const [key, save] of [...failedSaves]) if (mine(save) && !pendingSaves.has(key)) scheduleSave(key, save, 0);
  const keys = [...pendingSaves.entries()].filter(([, s]) => mine(s)).map(([k]) => k);
  await Promise.all(keys.map((k) => fireSave(k)));
  await Promise.all([...inflightSaves.values()].map((p) => p.catch(() => undefined)));
  return ![...failedSaves.values()].some(mine);
}

/** Title or source typed in the editor: shown at once, saved after a pause. */
export function editDocument(id: string, patch: { title?: string; source?: string }): void {
  store().patchDocument(id, patch);
  scheduleSave(docSaveKey(id), docSave(id));
}

function docSave(id: string): SaveRun {
  return {
    documentId: id,
    run: async () => {
      const doc = store().docs[id];
      if (!doc) return;
      docSavesOut.set(id, (docSavesOut.get(id) ?? 0) + 1);
      try {
        const saved = await quire().saveDocument(id, { title: doc.title.trim() || 'Untitled', source: doc.source });
        // Only the bookkeeping: the text in the store may already be newer than what was saved.
        store().patchDocument(id, { revision: saved.revision, updatedAt: saved.updatedAt });
      } finally {
        docSavesOut.set(id, (docSavesOut.get(id) ?? 1) - 1);
      }
    },
  };
}

function stageSave(documentId: string, stageId: string): SaveRun {
  return {
    documentId,
    run: async () => {
      const state = store().stages[documentId]?.[stageId];
      if (!state) return;
      const saved = await quire().saveStageState(documentId, stageId, { status: state.status, data: state.data });
      store().patchStageState(documentId, stageId, { updatedAt: saved.updatedAt, exportJobId: saved.exportJobId });
    },
  };
}

export function editStageData(documentId: string, stageId: string, patch: Record<string, unknown>): void {
  const state = store().stages[documentId]?.[stageId];
  const status: StageStatus = state && state.status !== 'pending' ? state.status : 'in_progress';
  store().patchStageState(documentId, stageId, { data: { ...(state?.data ?? {}), ...patch }, status });
  scheduleSave(stageSaveKey(documentId, stageId), stageSave(documentId, stageId));
}

export function setStageStatus(documentId: string, stageId: string, status: StageStatus): void {
  const state = store().stages[documentId]?.[stageId];
  if (state?.status === status) return;
  store().patchStageState(documentId, stageId, { status });
  scheduleSave(stageSaveKey(documentId, stageId), stageSave(documentId, stageId), 0);
}

// ---- export options (kept in the export stage's data, where the engine reads them) ---------

export interface ExportOptionsPatch {
  formats?: ExportFormat[];
  outDir?: string;
  pdf?: Partial<Omit<PdfOptions, 'margins'>> & { margins?: Partial<PdfOptions['margins']> };
}

export function exportOptionsOf(state: StageState | undefined): ExportOptionsPatch {
  const raw = (state?.data.exportOptions ?? {}) as ExportOptionsPatch;
  return raw && typeof raw === 'object' ? raw : {};
}

export function editExportOptions(documentId: string, stageId: string, patch: ExportOptionsPatch): void {
  const current = exportOptionsOf(store().stages[documentId]?.[stageId]);
  const next: ExportOptionsPatch = {
    ...current,
    ...patch,
    pdf: patch.pdf
      ? { ...current.pdf, ...patch.pdf, margins: patch.pdf.margins ? { ...current.pdf?.margins, ...patch.pdf.margins } : current.pdf?.margins }
      : current.pdf,
  };
  if (!next.pdf?.margins) delete next.pdf?.margins;
  if (!next.pdf) delete next.pdf;
  // An empty folder means "the default"; stored as '' the engine would take it as a path.
  if (typeof next.outDir === 'string' && !next.outDir.trim()) delete next.outDir;
  editStageData(documentId, stageId, { exportOptions: next });
}

/** The options a start sends: only fields the contract knows, with the values checked. */
export function startOptions(patch: ExportOptionsPatch): Partial<ExportOptions> {
  const out: Partial<ExportOptions> = {};
  if (Array.isArray(patch.formats)) out.formats = EXPORT_FORMATS.filter((f) => patch.formats!.includes(f));
  if (typeof patch.outDir === 'string' && patch.outDir.trim()) out.outDir = patch.outDir.trim();
  if (patch.pdf) {
    const p = patch.pdf;
    const pdf: Record<string, unknown> = {};
    if (p.pageSize && PAGE_SIZES.includes(p.pageSize)) pdf.pageSize = p.pageSize;
    for (const k of ['landscape', 'printBackground', 'headerFooter', 'outline', 'tagged'] as const) if (typeof p[k] === 'boolean') pdf[k] = p[k];
    if (p.margins) {
      const m: Record<string, number> = {};
      for (const side of ['top', 'right', 'bottom', 'left'] as const) {
        const v = p.margins[side];
        if (typeof v === 'number' && Number.isFinite(v)) m[side] = Math.max(0, Math.min(100, v));
      }
      if (Object.keys(m).length) pdf.margins = m;
    }
    if (Object.keys(pdf).length) out.pdf = pdf as unknown as PdfOptions;
  }
  return out;
}

// ---- jobs --------------------------------------------------------------------------------

const stageKey = (documentId: string, stageId: string) => `${documentId}:${stageId}`;

function stageDefinition(documentId: string, stageId: string) {
  const doc = store().docs[documentId];
  return store().workflows.find((w) => w.id === doc?.workflowId)?.stages.find((st) => st.id === stageId);
}

/**
 * Starts the stage's export with what the user chose (saves first). The engine returns the
 * running job instead of a new one when the same export is already active.
 */
export async function startExport(documentId: string, stageId: string): Promise<string | null> {
  const key = stageKey(documentId, stageId);
  if (store().starting[key]) return null;
  store().setStarting(key, true);
  store().setStageError(key, undefined);
  try {
    // The export reads the engine's copy: it starts only once what was typed is there.
    if (!(await flushSaves(documentId))) {
      throw new Error(
        `The export did not start: your latest changes are not saved, and it would have used the older text. ${saveError(documentId) ?? ''} Press Retry beside “Not saved”, then start the export again.`.replace(/\s+/g, ' '),
      );
    }
    const options = startOptions(exportOptionsOf(store().stages[documentId]?.[stageId]));
    // What the stage shows as chosen is what runs, even where the host's defaults differ.
    options.formats ??= [...(stageDefinition(documentId, stageId)?.exportOptions?.formats ?? EXPORT_FORMATS)];
    if (options.formats && options.formats.length === 0) throw new Error('Choose at least one format to export.');
    const { jobId } = await quire().startExport({ documentId, stageId, options });
    store().patchStageState(documentId, stageId, { exportJobId: jobId, status: 'in_progress' });
    await fetchJob(jobId);
    return jobId;
  } catch (e) {
    store().setStageError(key, errorMessage(e));
    return null;
  } finally {
    store().setStarting(key, false);
  }
}

export async function fetchJob(jobId: string): Promise<void> {
  try {
    store().applyJobs([await quire().getJob(jobId)]);
  } catch (e) {
    const code = (e as { code?: string }).code;
    // A job deleted with its document, or a drop (refreshAfterReconnect fetches it again).
    if (code !== 'JOB_NOT_FOUND' && code !== 'TRANSPORT_CLOSED') store().pushNotice('error', errorMessage(e));
  }
}

export function ensureJob(jobId: string): Promise<void> {
  return store().jobs[jobId] ? Promise.resolve() : fetchJob(jobId);
}

export async function loadJobs(): Promise<void> {
  try {
    store().applyJobs(await quire().listJobs({ limit: 200 }));
    store().setJobsLoaded();
  } catch (e) {
    store().pushNotice('error', `Could not load the jobs: ${errorMessage(e)}`);
  }
}

export async function cancelJob(jobId: string): Promise<void> {
  try {
    store().applyJobs([await quire().cancelExport(jobId)]);
  } catch (e) {
    store().pushNotice('error', `Could not cancel: ${errorMessage(e)}`);
  }
}

function followNewJob(job: Pick<JobSnapshot, 'documentId' | 'stageId'>, newJobId: string): void {
  if (store().stages[job.documentId]) store().patchStageState(job.documentId, job.stageId, { exportJobId: newJobId, status: 'in_progress' });
}

/** A failed or cancelled job again (a new job with the same options). */
export async function retryJob(jobId: string): Promise<string | null> {
  const old = store().jobs[jobId];
  try {
    const { jobId: newId } = await quire().retryExport(jobId);
    if (old) followNewJob(old, newId);
    await fetchJob(newId);
    return newId;
  } catch (e) {
    if (old) store().setStageError(stageKey(old.documentId, old.stageId), errorMessage(e));
    store().pushNotice('error', `Could not retry: ${errorMessage(e)}`);
    return null;
  }
}

/** The jobs panel's "Run again": retry a failed or cancelled job, repeat a completed one. */
export async function rerunJob(job: JobSnapshot): Promise<string | null> {
  if (job.status !== 'completed') return retryJob(job.id);
  try {
    const { formats, outDir, fileName, pdf } = job.options;
    const { jobId } = await quire().startExport({
      documentId: job.documentId,
      stageId: job.stageId,
      options: { formats, pdf, ...(outDir ? { outDir } : {}), ...(fileName ? { fileName } : {}) },
    });
    followNewJob(job, jobId);
    await fetchJob(jobId);
    return jobId;
  } catch (e) {
    store().pushNotice('error', `Could not run the export again: ${errorMessage(e)}`);
    return null;
  }
}

// ---- outputs -----------------------------------------------------------------------------

export async function openOutput(path: string): Promise<void> {
  try {
    await quire().openOutput(path);
  } catch (e) {
    store().pushNotice('error', errorMessage(e));
  }
}

export async function showOutputInFolder(path: string): Promise<void> {
  try {
    await quire().showOutputInFolder(path);
  } catch (e) {
    store().pushNotice('error', errorMessage(e));
  }
}

/** The browser host's download address for one output, or null where there is none. */
export function downloadUrl(jobId: string, format: ExportFormat): string | null {
  const { hostInfo, downloadToken } = store();
  if (!hostInfo?.downloadBase) return null;
  const query = downloadToken ? `?token=${encodeURIComponent(downloadToken)}` : '';
  return `${hostInfo.downloadBase}/${encodeURIComponent(jobId)}/${format}${query}`;
}
