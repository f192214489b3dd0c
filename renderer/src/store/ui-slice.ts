import type { StateCreator } from 'zustand';
import type { QuireState } from './store.ts';

export type Route =
  | { name: 'library' }
  | { name: 'jobs' }
  | { name: 'document'; documentId: string; stageId: string | null };

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

export interface UiSlice {
  route: Route;
  notices: Notice[];
  /** Per `${documentId}:${stageId}`: an export is being started (the button waits). */
  starting: Record<string, boolean>;
  /** Per `${documentId}:${stageId}`: why the last start failed (shown in the stage). */
  stageErrors: Record<string, string | undefined>;
  setRoute(route: Route): void;
  pushNotice(kind: Notice['kind'], text: string): void;
  dismissNotice(id: number): void;
  setStarting(key: string, value: boolean): void;
  setStageError(key: string, message: string | undefined): void;
}

let nextNoticeId = 1;

export const createUiSlice: StateCreator<QuireState, [], [], UiSlice> = (set) => ({
  route: { name: 'library' },
  notices: [],
  starting: {},
  stageErrors: {},
  setRoute: (route) => set({ route }),
  pushNotice: (kind, text) =>
    set((s) => ({
      // The same message twice in a row (a burst of failures) shows once.
      notices: s.notices.some((n) => n.text === text) ? s.notices : [...s.notices.slice(-4), { id: nextNoticeId++, kind, text }],
    })),
  dismissNotice: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
  setStarting: (key, value) => set((s) => ({ starting: { ...s.starting, [key]: value } })),
  setStageError: (key, message) => set((s) => ({ stageErrors: { ...s.stageErrors, [key]: message } })),
});
