/** Small display helpers. */
import type { ExportFormat, JobSnapshot } from '../../../engine/api/types.ts';

export const FORMAT_LABELS: Record<ExportFormat, string> = { pdf: 'PDF', html: 'HTML', md: 'Markdown' };

const STEP_LABELS: Record<string, string> = {
  queued: 'Waiting',
  prepare: 'Preparing',
  diagrams: 'Diagrams',
  html: 'HTML',
  md: 'Markdown',
  pdf: 'PDF',
  done: 'Done',
};

export function stepLabel(step: string): string {
  return STEP_LABELS[step] ?? step;
}

/** "Queued", "Processing: 42% — Rendering PDF", "Completed", "Error: …", "Cancelled". */
export function jobStatusText(job: JobSnapshot): string {
  switch (job.status) {
    case 'queued':
      return 'Queued';
    case 'running':
      return `Processing: ${job.progress}%${job.message ? ` — ${job.message}` : ''}`;
    case 'completed':
      return 'Completed';
    case 'error':
      return `Error: ${job.error?.message ?? job.message}`;
    case 'cancelled':
      return 'Cancelled';
  }
}

export function fileName(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

export function formatTime(ms: number | null, now = Date.now()): string {
  if (!ms) return '—';
  const d = new Date(ms);
  const sameDay = new Date(now).toDateString() === d.toDateString();
  return sameDay ? d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : d.toLocaleString();
}
