/** Jobs: fetched and followed, cancelled, retried or run again, and their output files. */
import type { ExportFormat, JobSnapshot } from '../../../engine/api/types.ts';
import { stageKey, startExport } from './export-actions.ts';
import { errorMessage, quire, store } from './quire-client.ts';
import { stagesWithUnsavedEdits } from './saving.ts';

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

/** Jobs the panel fetches at a time: a store of 10,000 jobs is never read whole. */
export const JOBS_PAGE_SIZE = 100;

/** The newest page of jobs (the panel's first load and Refresh); older ones come with loadMoreJobs. */
export async function loadJobs(): Promise<void> {
  try {
    const page = await quire().listJobsPage({ limit: JOBS_PAGE_SIZE });
    store().applyJobs(page.jobs);
    store().setJobsCursor(page.nextCursor);
    store().setJobsLoaded();
  } catch (e) {
    store().pushNotice('error', `Could not load the jobs: ${errorMessage(e)}`);
  }
}

/** The next older page after what the panel holds ("Load older jobs"). */
export async function loadMoreJobs(): Promise<void> {
  const cursor = store().jobsCursor;
  if (!cursor) return;
  try {
    const page = await quire().listJobsPage({ limit: JOBS_PAGE_SIZE, cursor });
    store().applyJobs(page.jobs);
    store().setJobsCursor(page.nextCursor);
  } catch (e) {
    store().pushNotice('error', `Could not load older jobs: ${errorMessage(e)}`);
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

/**
 * The jobs panel's "Retry" and "Run again": a failed or cancelled job goes through the
 * engine's retry; a completed one (the engine does not retry those) starts its stage's
 * export again, as the stage's "Export again" does, with the options the stage shows.
 */
export async function rerunJob(job: JobSnapshot): Promise<string | null> {
  if (job.status !== 'completed') return retryJob(job.id);
  // The stage's start reads its chosen options from the store: the jobs panel may not have them.
  if (!store().docs[job.documentId] || !store().stages[job.documentId]) {
    try {
      const [doc, states] = await Promise.all([quire().getDocument(job.documentId), quire().getStageStates(job.documentId)]);
      if (!store().docs[doc.id]) store().setDocument(doc);
      store().setStageStates(doc.id, states, stagesWithUnsavedEdits(doc.id));
    } catch (e) {
      store().pushNotice('error', `Could not run the export again: ${errorMessage(e)}`);
      return null;
    }
  }
  const jobId = await startExport(job.documentId, job.stageId);
  const why = store().stageErrors[stageKey(job.documentId, job.stageId)];
  if (!jobId && why) store().pushNotice('error', `Could not run the export again: ${why}`);
  return jobId;
}

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
