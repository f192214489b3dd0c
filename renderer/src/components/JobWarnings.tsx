import type { JobSnapshot } from '../../../engine/api/types.ts';

/** What an export went on without (an image not found, …); nothing when there is nothing. */
export function JobWarnings({ job }: { job: JobSnapshot }) {
  if (job.warnings.length === 0) return null;
  return (
    <div className="job-warnings" data-testid="job-warnings">
      <p>
        <strong>{warningCount(job)}</strong> — the export went on without:
      </p>
      <ul>
        {job.warnings.map((w) => (
          <li key={w}>{w}</li>
        ))}
      </ul>
    </div>
  );
}

export function warningCount(job: JobSnapshot): string {
  return job.warnings.length === 1 ? '1 warning' : `${job.warnings.length} warnings`;
}
