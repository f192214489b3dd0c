/**
 * Saving as you go: edits show at once and go to the engine after a pause, one save per key
 * in flight at a time, failed ones kept for Retry; the text not yet confirmed is stashed in
 * localStorage when the page goes away and saved again at the next start.
 */
import type { StageDataOf } from '../../../engine/api/export-spec.ts';
import type { StageKind, StageStatus } from '../../../engine/api/types.ts';
import { errorMessage, quire, store } from './quire-client.ts';
import { documentSaveKey, saveKeyId, stageSaveKey, type SaveKey } from './save-key.ts';
import { dropStash, pageStorage, readStashes, stashDocument, stashPlan } from './unsaved-stash.ts';

/** Typing pauses this long before a save goes out. */
export const SAVE_DELAY_MS = 400;

type SaveRun = { key: SaveKey; run: () => Promise<void> };
// Each map is keyed by saveKeyId(key); entries carry the typed key for everything else.
const pendingSaves = new Map<string, SaveRun & { timer: ReturnType<typeof setTimeout> }>();
const inflightSaves = new Map<string, { key: SaveKey; task: Promise<void> }>();
const failedSaves = new Map<string, SaveRun & { error: string }>();
/** Per document: saves sent and not answered yet (each may still bump the engine's revision). */
const docSavesOut = new Map<string, number>();

/** Drops every pending save and forgets the failed ones (shutdown). */
export function resetSaves(): void {
  for (const p of pendingSaves.values()) clearTimeout(p.timer);
  pendingSaves.clear();
  inflightSaves.clear();
  failedSaves.clear();
  docSavesOut.clear();
}

/** Keys of every edit the engine has not confirmed yet (waiting, being sent, or failed). */
function unconfirmedKeys(): SaveKey[] {
  return [...pendingSaves.values(), ...inflightSaves.values(), ...failedSaves.values()].map((s) => s.key);
}

export function hasPendingSave(key: SaveKey): boolean {
  const id = saveKeyId(key);
  return pendingSaves.has(id) || inflightSaves.has(id) || failedSaves.has(id);
}

/** Stages with edits not yet confirmed by the engine (their local data must not be replaced). */
export function stagesWithUnsavedEdits(documentId: string): Set<string> {
  const out = new Set<string>();
  for (const key of unconfirmedKeys()) if (key.kind === 'stage' && key.documentId === documentId) out.add(key.stageId);
  return out;
}

function scheduleSave(save: SaveRun, delay = SAVE_DELAY_MS): void {
  const id = saveKeyId(save.key);
  const existing = pendingSaves.get(id);
  if (existing) clearTimeout(existing.timer);
  failedSaves.delete(id);
  store().setSaveStatus(save.key.documentId, 'pending');
  pendingSaves.set(id, { ...save, timer: setTimeout(() => void fireSave(id), delay) });
}

async function fireSave(id: string): Promise<void> {
  const save = pendingSaves.get(id);
  if (!save) return;
  clearTimeout(save.timer);
  pendingSaves.delete(id);
  const previous = inflightSaves.get(id)?.task;
  // Assigned before the body below runs past its first await (where it is read).
  let task!: Promise<void>;
  task = (async () => {
    // Saves of one key go out in order: the later one carries the newer content.
    await previous?.catch(() => undefined);
    store().setSaveStatus(save.key.documentId, 'saving');
    try {
      await save.run();
      settleSaveStatus(save.key, task);
    } catch (e) {
      if ((e as { code?: string }).code === 'DOCUMENT_NOT_FOUND') return;
      failedSaves.set(id, { ...save, error: errorMessage(e) });
      store().setSaveStatus(save.key.documentId, 'error');
      if ((e as { code?: string }).code !== 'TRANSPORT_CLOSED') store().pushNotice('error', `Could not save: ${errorMessage(e)}`);
    }
  })();
  inflightSaves.set(id, { key: save.key, task });
  try {
    await task;
  } finally {
    if (inflightSaves.get(id)?.task === task) inflightSaves.delete(id);
  }
}

/** "Saved" only once the engine has confirmed every save of the document, none pending or failed. */
function settleSaveStatus(justSaved: SaveKey, task: Promise<void>): void {
  const { documentId } = justSaved;
  const justId = saveKeyId(justSaved);
  const busy =
    [...pendingSaves, ...failedSaves].some(([id, s]) => id !== justId && s.key.documentId === documentId) ||
    [...inflightSaves.values()].some((s) => s.task !== task && s.key.documentId === documentId);
  if (busy || pendingSaves.has(justId)) return;
  store().setSaveStatus(documentId, 'saved');
  dropStash(pageStorage(), documentId);
}

/** Edits the engine has not confirmed yet (waiting, being sent, or failed), of one document or all. */
export function hasUnsavedChanges(documentId?: string): boolean {
  return unconfirmedKeys().some((k) => !documentId || k.documentId === documentId);
}

/** Why the last save of the document (or of any) failed, or null when none has. */
export function saveError(documentId?: string): string | null {
  for (const s of failedSaves.values()) if (!documentId || s.key.documentId === documentId) return s.error;
  return null;
}

/** After a reconnect: every failed save goes out again now. */
export function retryFailedSaves(): void {
  for (const save of [...failedSaves.values()]) scheduleSave(save, 0);
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

/**
 * Nothing typed is lost when the page goes away: hidden or closing, every pending save goes
 * out at once and the unconfirmed text is kept in localStorage (a save sent while the page
 * unloads may never arrive); closing with unsaved changes asks first.
 */
export function watchPageLifecycle(): () => void {
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

/** Synchronous (pagehide may be the last chance): the unconfirmed text of each open document. */
function stashUnsavedText(): void {
  const storage = pageStorage();
  const documentIds = new Set(unconfirmedKeys().filter((k) => k.kind === 'document').map((k) => k.documentId));
  for (const id of documentIds) {
    const doc = store().docs[id];
    if (!doc) continue;
    // Saves already sent may land after the page is gone: the engine may then be that far ahead.
    const baseRevision = doc.revision + (docSavesOut.get(doc.id) ?? 0);
    stashDocument(storage, { documentId: doc.id, baseRevision, title: doc.title.trim() || 'Untitled', source: doc.source });
  }
}

/** At start: text kept by a page that went away before the engine confirmed it is saved now. */
export async function recoverStashedText(): Promise<void> {
  const storage = pageStorage();
  for (const stash of readStashes(storage)) {
    try {
      const doc = await quire().getDocument(stash.documentId);
      const plan = stashPlan(stash, doc);
      if (plan === 'restore') {
        store().setDocument({ ...doc, title: stash.title, source: stash.source });
        scheduleSave(docSave(doc.id), 0);
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

export function dropSavesOf(documentId: string): void {
  for (const [id, save] of pendingSaves) {
    if (save.key.documentId !== documentId) continue;
    clearTimeout(save.timer);
    pendingSaves.delete(id);
  }
  for (const [id, save] of failedSaves) if (save.key.documentId === documentId) failedSaves.delete(id);
}

/**
 * Sends every pending save now (of one document, or all), failed ones again, and waits for
 * them. True when the engine confirmed them all (none failed).
 */
export async function flushSaves(documentId?: string): Promise<boolean> {
  const mine = (s: SaveRun) => !documentId || s.key.documentId === documentId;
  for (const [id, save] of [...failedSaves]) if (mine(save) && !pendingSaves.has(id)) scheduleSave(save, 0);
  const ids = [...pendingSaves.entries()].filter(([, s]) => mine(s)).map(([id]) => id);
  await Promise.all(ids.map((id) => fireSave(id)));
  await Promise.all([...inflightSaves.values()].map((s) => s.task.catch(() => undefined)));
  return ![...failedSaves.values()].some(mine);
}

/** Title or source typed in the editor: shown at once, saved after a pause. */
export function editDocument(id: string, patch: { title?: string; source?: string }): void {
  store().patchDocument(id, patch);
  scheduleSave(docSave(id));
}

function docSave(id: string): SaveRun {
  return {
    key: documentSaveKey(id),
    run: async () => {
      const doc = store().docs[id];
      if (!doc) return;
      docSavesOut.set(id, (docSavesOut.get(id) ?? 0) + 1);
      try {
        const saved = await quire().saveDocument(id, { title: doc.title.trim() || 'Untitled', source: doc.source });
        // Only the bookkeeping, and the images the saved text refers to (the missing list):
        // the text in the store may already be newer than what was saved.
        store().patchDocument(id, { revision: saved.revision, updatedAt: saved.updatedAt, assets: saved.assets });
      } finally {
        docSavesOut.set(id, (docSavesOut.get(id) ?? 1) - 1);
      }
    },
  };
}

function stageSave(documentId: string, stageId: string): SaveRun {
  return {
    key: stageSaveKey(documentId, stageId),
    run: async () => {
      const state = store().stages[documentId]?.[stageId];
      if (!state) return;
      const saved = await quire().saveStageState(documentId, stageId, { status: state.status, data: state.data });
      store().patchStageState(documentId, stageId, { updatedAt: saved.updatedAt, exportJobId: saved.exportJobId });
    },
  };
}

/**
 * Changes fields of a stage's data, typed by the stage's kind (engine/api/export-spec.ts
 * STAGE_DATA_SCHEMAS); the engine checks the same schema when the save arrives.
 */
export function editStageData<K extends StageKind>(documentId: string, stageId: string, kind: K, patch: Partial<StageDataOf<K>>): void {
  const state = store().stages[documentId]?.[stageId];
  if (state && state.kind !== kind) throw new Error(`Stage "${stageId}" holds ${state.kind} data, not ${kind} data.`);
  const status: StageStatus = state && state.status !== 'pending' ? state.status : 'in_progress';
  const data = { ...(state?.data ?? {}), ...patch } as StageDataOf<K>;
  store().patchStageState(documentId, stageId, { kind, data, status });
  scheduleSave(stageSave(documentId, stageId));
}

export function setStageStatus(documentId: string, stageId: string, status: StageStatus): void {
  const state = store().stages[documentId]?.[stageId];
  if (state?.status === status) return;
  store().patchStageState(documentId, stageId, { status });
  scheduleSave(stageSave(documentId, stageId), 0);
}
