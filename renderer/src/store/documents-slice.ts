import type { StateCreator } from 'zustand';
import type { DocumentSummary, QuireDocument, StageKind, StageState, StageStatus } from '../../../engine/api/types.ts';
import type { QuireState } from './store.ts';

export type SaveStatus = 'pending' | 'saving' | 'saved' | 'error';

/** What a local change of a stage state may set; `kind` and `data` go together (stage-data.ts types them). */
export interface StageStatePatch {
  kind?: StageKind;
  data?: StageState['data'];
  status?: StageStatus;
  exportJobId?: string | null;
  updatedAt?: number;
}

export interface DocumentsSlice {
  documents: DocumentSummary[];
  documentsLoaded: boolean;
  /** Opened documents with the user's unsaved edits applied. */
  docs: Record<string, QuireDocument>;
  /** documentId → stageId → state (with unsaved edits applied). */
  stages: Record<string, Record<string, StageState>>;
  /** Per document: the worst status of its pending saves (shown as "Saving…"/"Saved"). */
  saveStatus: Record<string, SaveStatus>;
  setDocuments(documents: DocumentSummary[]): void;
  setDocument(doc: QuireDocument): void;
  patchDocument(id: string, patch: Partial<QuireDocument>): void;
  removeDocument(id: string): void;
  /** Replaces the states from the engine, but keeps local data of stages listed in `keepLocal`. */
  setStageStates(documentId: string, states: StageState[], keepLocal?: ReadonlySet<string>): void;
  patchStageState(documentId: string, stageId: string, patch: StageStatePatch): void;
  setSaveStatus(documentId: string, status: SaveStatus): void;
}

export const createDocumentsSlice: StateCreator<QuireState, [], [], DocumentsSlice> = (set) => ({
  documents: [],
  documentsLoaded: false,
  docs: {},
  stages: {},
  saveStatus: {},
  setDocuments: (documents) => set({ documents, documentsLoaded: true }),
  setDocument: (doc) =>
    set((s) => ({
      docs: { ...s.docs, [doc.id]: doc },
      documents: s.documents.some((d) => d.id === doc.id)
        ? s.documents.map((d) => (d.id === doc.id ? summaryOf(doc) : d))
        : [summaryOf(doc), ...s.documents],
    })),
  patchDocument: (id, patch) =>
    set((s) => {
      const doc = s.docs[id];
      return {
        docs: doc ? { ...s.docs, [id]: { ...doc, ...patch } } : s.docs,
        documents: s.documents.map((d) => (d.id === id && patch.title !== undefined ? { ...d, title: patch.title } : d)),
      };
    }),
  removeDocument: (id) =>
    set((s) => {
      const { [id]: _doc, ...docs } = s.docs;
      const { [id]: _stages, ...stages } = s.stages;
      return { docs, stages, documents: s.documents.filter((d) => d.id !== id) };
    }),
  setStageStates: (documentId, states, keepLocal) =>
    set((s) => {
      const current = s.stages[documentId] ?? {};
      const next: Record<string, StageState> = {};
      for (const state of states) {
        const mine = current[state.stageId];
        // Unsaved local data wins; which job the stage follows always comes from the engine.
        next[state.stageId] = mine && keepLocal?.has(state.stageId) ? { ...mine, exportJobId: state.exportJobId } : state;
      }
      return { stages: { ...s.stages, [documentId]: next } };
    }),
  patchStageState: (documentId, stageId, patch) =>
    set((s) => {
      const doc = s.stages[documentId] ?? {};
      const current = doc[stageId];
      if (!current && !patch.kind) return {}; // a stage never loaded: nothing to patch until its state arrives
      const base: StageState = current ?? ({ documentId, stageId, kind: patch.kind, status: 'pending', data: {}, problem: null, exportJobId: null, updatedAt: Date.now() } as StageState);
      // Saving again replaces data the engine found invalid, so its problem goes with it.
      const next = { ...base, ...patch, ...(patch.data ? { problem: null } : {}) } as StageState;
      return { stages: { ...s.stages, [documentId]: { ...doc, [stageId]: next } } };
    }),
  setSaveStatus: (documentId, status) => set((s) => ({ saveStatus: { ...s.saveStatus, [documentId]: status } })),
});

function summaryOf(doc: QuireDocument): DocumentSummary {
  const { source: _source, baseDir: _baseDir, ...summary } = doc;
  return summary;
}
