import { useState } from 'react';
import { isActiveStatus, type JobSnapshot } from '../../../engine/api/types.ts';
import { jobStatusText, stepLabel } from '../lib/format.ts';
import { cancelJob, retryJob } from '../store/jobs-actions.ts';
import { useQuireStore } from '../store/store.ts';
import { JobWarnings } from './JobWarnings.tsx';
import { OutputList } from './OutputList.tsx';
import { ProgressBar } from './ProgressBar.tsx';

const ANNOUNCE: Record<JobSnapshot['status'], string> = {
  queued: 'Export queued.',
  running: 'Export running.',
  completed: 'Export completed.',
  error: 'Export failed.',
  cancelled: 'Export cancelled.',
};

/** One export job: Queued → "Processing: 42% — Rendering PDF" → Completed with its files, or Error with Retry. */
export function JobCard({ job, title = 'Export' }: { job: JobSnapshot; title?: string }) {
  const [working, setWorking] = useState(false);
  // Actions wait while the engine is out of reach (they would only fail).
  const offline = useQuireStore((s) => s.connection !== 'open');
  const busy = working || offline;
  const active = isActiveStatus(job.status);
  const text = jobStatusText(job);
  const run = async (fn: () => Promise<unknown>) => {
    setWorking(true);
    try {
      await fn();
    } finally {
      setWorking(false);
    }
  };
  return (
    <section className={`job job-${job.status}`} data-testid="job-card" data-job-id={job.id} data-status={job.status} aria-label={title}>
      <p className="job-status-line">
        <span className={`status-dot status-${job.status}`} aria-hidden="true" />
        <span data-testid="job-status">{job.status === 'error' ? 'Error' : text}</span>
      </p>
      {/* Status changes (not every percent) are announced. */}
      <p className="visually-hidden" role="status">
        {ANNOUNCE[job.status]}
      </p>
      {(active || job.status === 'completed') && (
        <ProgressBar value={job.status === 'completed' ? 100 : job.progress} label="Export progress" valueText={text} />
      )}
      {active && (
        <p className="muted small">
          Step: {stepLabel(job.step)}
          {job.attempt > 1 ? ` · attempt ${job.attempt}` : ''}
        </p>
      )}
      {active && (
        <div className="job-actions">
          <button type="button" className="danger-outline" disabled={busy} onClick={() => void run(() => cancelJob(job.id))}>
            Cancel export
          </button>
        </div>
      )}
      {job.status === 'error' && (
        <div className="job-error-box" role="alert">
          <p>
            <strong>The export failed.</strong> {job.error?.message ?? job.message}
          </p>
          {job.error?.code && <p className="muted small">Error code: {job.error.code}</p>}
        </div>
      )}
      <JobWarnings job={job} />
      {job.status === 'cancelled' && <p>The export was cancelled.{job.outputs.length ? ' The files finished before that are listed below.' : ''}</p>}
      {(job.status === 'error' || job.status === 'cancelled') && (
        <div className="job-actions">
          <button type="button" className="primary" disabled={busy} onClick={() => void run(() => retryJob(job.id))}>
            {job.status === 'error' ? 'Retry' : 'Start again'}
          </button>
        </div>
      )}
      {!active && <OutputList job={job} />}
    </section>
  );
}
