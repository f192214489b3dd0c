/**
 * A stage's export job: the latest snapshot and every live change after it. The snapshot is
 * fetched if this window does not hold it yet; changes arrive through the store (the
 * module-level event listener applies them, dropping any with seq <= the one held), so the
 * hook re-renders on progress without subscribing itself. It never starts a job.
 *
 * @example
 * const job = useExportJob(documentId, stage.exportJobId);
 * job && <progress value={job.progress} max={100} />
 */
import { useEffect } from 'react';
import type { JobSnapshot } from '../../../engine/api/types.ts';
import { ensureJob } from '../store/jobs-actions.ts';
import { useQuireStore } from '../store/store.ts';

export function useExportJob(documentId: string, jobId: string | null | undefined): JobSnapshot | undefined {
  const job = useQuireStore((s) => (jobId ? s.jobs[jobId] : undefined));
  useEffect(() => {
    if (jobId) void ensureJob(jobId);
  }, [jobId]);
  // A stage only ever follows a job of its own document.
  return job && job.documentId === documentId ? job : undefined;
}
