/**
 * The renderer's one store, made of slices. Components read it through selectors; engine
 * events and calls change it through the plain module-level actions in actions.ts.
 *
 * @example
 * const job = useQuireStore((s) => s.jobs[jobId]);
 * const titles = useQuireStore(useShallow((s) => s.documents.map((d) => d.title)));
 */
import { create } from 'zustand';
import { createConnectionSlice, type ConnectionSlice } from './connection-slice.ts';
import { createDocumentsSlice, type DocumentsSlice } from './documents-slice.ts';
import { createJobsSlice, type JobsSlice } from './jobs-slice.ts';
import { createUiSlice, type UiSlice } from './ui-slice.ts';

export type QuireState = ConnectionSlice & DocumentsSlice & JobsSlice & UiSlice;

export const useQuireStore = create<QuireState>()((...a) => ({
  ...createConnectionSlice(...a),
  ...createDocumentsSlice(...a),
  ...createJobsSlice(...a),
  ...createUiSlice(...a),
}));

const initialState = useQuireStore.getState();

/** Back to the state at start (tests; a window that switches engines). */
export function resetStore(): void {
  useQuireStore.setState(initialState, true);
}
