import type { StateCreator } from 'zustand';
import type { JobSnapshot } from '../../../engine/api/types.ts';
import type { QuireState } from './store.ts';

export interface JobsSlice {
  /** Every job this window knows, by id: the latest snapshot (highest seq) seen. */
  jobs: Record<string, JobSnapshot>;
  /** The jobs panel's list was fetched at least once. */
  jobsLoaded: boolean;
  /** Where the jobs panel's next (older) page starts; null when every page is loaded. */
  jobsCursor: string | null;
  /** Applies snapshots from calls or events; any with seq <= the one held is stale and dropped. */
  applyJobs(jobs: readonly JobSnapshot[]): void;
  setJobsLoaded(): void;
  setJobsCursor(cursor: string | null): void;
  forgetJobsOf(documentId: string): void;
}

export const createJobsSlice: StateCreator<QuireState, [], [], JobsSlice> = (set) => ({
  jobs: {},
  jobsLoaded: false,
  jobsCursor: null,
  applyJobs: (incoming) =>
    set((s) => {
      let next: Record<string, JobSnapshot> | null = null;
      for (const job of incoming) {
        const held = (next ?? s.jobs)[job.id];
        if (held && job.seq <= held.seq) continue;
        next ??= { ...s.jobs };
        next[job.id] = job;
      }
      return next ? { jobs: next } : s;
    }),
  setJobsLoaded: () => set({ jobsLoaded: true }),
  setJobsCursor: (cursor) => set({ jobsCursor: cursor }),
  forgetJobsOf: (documentId) =>
    set((s) => ({ jobs: Object.fromEntries(Object.entries(s.jobs).filter(([, j]) => j.documentId !== documentId)) })),
});
