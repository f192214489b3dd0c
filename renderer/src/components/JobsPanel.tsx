import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { isActiveStatus, type JobSnapshot } from '../../../engine/api/types.ts';
import { FORMAT_LABELS, formatTime, jobStatusText } from '../lib/format.ts';
import { cancelJob, loadJobs, loadMoreJobs, rerunJob } from '../store/jobs-actions.ts';
import { navigate } from '../store/routing.ts';
import { useQuireStore } from '../store/store.ts';
import { JobWarnings, warningCount } from './JobWarnings.tsx';
import { OutputList } from './OutputList.tsx';
import { ProgressBar } from './ProgressBar.tsx';
import { useFocusHeading } from './useFocusHeading.ts';

/** Every active and recent job across documents, live; history with re-run. */
export function JobsPanel() {
  const heading = useFocusHeading<HTMLHeadingElement>('jobs');
  const loaded = useQuireStore((s) => s.jobsLoaded);
  const more = useQuireStore((s) => s.jobsCursor !== null);
  const [loadingMore, setLoadingMore] = useState(false);
  const jobs = useQuireStore(useShallow((s) => Object.values(s.jobs).sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id))));
  const active = jobs.filter((j) => isActiveStatus(j.status));
  const history = jobs.filter((j) => !isActiveStatus(j.status));
  return (
    <div className="jobs-panel" data-testid="jobs-panel">
      <div className="view-head">
        <h1 ref={heading} tabIndex={-1}>
          Jobs
        </h1>
        <button type="button" onClick={() => void loadJobs()}>
          Refresh
        </button>
      </div>
      <section aria-labelledby="active-jobs-heading" className="card">
        <h2 id="active-jobs-heading">Active ({active.length})</h2>
        {active.length === 0 ? <p className="muted">No export is running.</p> : <JobList jobs={active} label="Active jobs" />}
      </section>
      <section aria-labelledby="history-heading" className="card">
        <h2 id="history-heading">History</h2>
        {!loaded ? <p className="muted">Loading…</p> : history.length === 0 && !more ? <p className="muted">No finished exports yet.</p> : <JobList jobs={history} label="Finished jobs" />}
        {loaded && more && (
          <button
            type="button"
            disabled={loadingMore}
            onClick={() => {
              setLoadingMore(true);
              void loadMoreJobs().finally(() => setLoadingMore(false));
            }}
          >
            {loadingMore ? 'Loading…' : 'Load older jobs'}
          </button>
        )}
      </section>
    </div>
  );
}

function JobList({ jobs, label }: { jobs: JobSnapshot[]; label: string }) {
  return (
    <ul className="job-list" aria-label={label}>
      {jobs.map((j) => (
        <JobRow key={j.id} job={j} />
      ))}
    </ul>
  );
}

function JobRow({ job }: { job: JobSnapshot }) {
  const title = useQuireStore((s) => s.documents.find((d) => d.id === job.documentId)?.title);
  const [busy, setBusy] = useState(false);
  const [showFiles, setShowFiles] = useState(false);
  const active = isActiveStatus(job.status);
  const name = title ?? 'Deleted document';
  const text = jobStatusText(job);
  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className={`job-row job-${job.status}`} data-testid="job-row" data-job-id={job.id} data-status={job.status}>
      <div className="job-row-main">
        <div className="grow">
          {title ? (
            <a
              href={`#/documents/${encodeURIComponent(job.documentId)}/${encodeURIComponent(job.stageId)}`}
              onClick={(e) => {
                e.preventDefault();
                navigate({ name: 'document', documentId: job.documentId, stageId: job.stageId });
              }}
            >
              {name}
            </a>
          ) : (
            <span className="muted">{name}</span>
          )}
          <span className="muted small">
            {' '}
            · {job.spec.formats.map((f) => FORMAT_LABELS[f]).join(', ')} · started {formatTime(job.createdAt)}
            {job.finishedAt ? ` · finished ${formatTime(job.finishedAt)}` : ''}
          </span>
          <p className="job-row-status">
            <span className={`status-dot status-${job.status}`} aria-hidden="true" />
            {text}
            {job.warnings.length > 0 && <span className="muted small"> · {warningCount(job)}</span>}
          </p>
        </div>
        <div className="row-actions">
          {active && (
            <button type="button" className="danger-outline" disabled={busy} onClick={() => void act(() => cancelJob(job.id))} aria-label={`Cancel export of ${name}`}>
              Cancel
            </button>
          )}
          {!active && job.outputs.length > 0 && (
            <button type="button" aria-expanded={showFiles} onClick={() => setShowFiles((v) => !v)} aria-label={`${showFiles ? 'Hide' : 'Show'} files of ${name}`}>
              {showFiles ? 'Hide files' : 'Files'}
            </button>
          )}
          {!active && title && (
            <button type="button" disabled={busy} onClick={() => void act(() => rerunJob(job))} aria-label={`${job.status === 'completed' ? 'Run again' : 'Retry'}: ${name}`}>
              {job.status === 'completed' ? 'Run again' : 'Retry'}
            </button>
          )}
        </div>
      </div>
      {active && <ProgressBar value={job.progress} label={`Progress of ${name}`} valueText={text} />}
      {showFiles && (
        <>
          <JobWarnings job={job} />
          <OutputList job={job} />
        </>
      )}
    </li>
  );
}
