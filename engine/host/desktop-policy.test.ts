import { describe, expect, it } from 'vitest';
import type { JobSnapshot, JobStatus } from '../api/types.ts';
import { resolveExport } from '../api/export-spec.ts';
import {
  CLEARED_BAR,
  ERROR_HOLD_MS,
  JobActivity,
  KEEP_EXPORTING,
  QUIT_ANYWAY,
  noticeFor,
  quitChoice,
  quitDialog,
  quitPlan,
  shouldAskOnWindowClose,
} from './desktop-policy.ts';

let seq = 0;
function snap(id: string, status: JobStatus, progress = 0, extra: Partial<JobSnapshot> = {}): JobSnapshot {
  return {
    id,
    documentId: 'd1',
    stageId: 'export',
    status,
    progress,
    step: 'prepare',
    message: '',
    attempt: 1,
    createdBy: 'me',
    createdAt: 1,
    updatedAt: 1_000,
    startedAt: null,
    finishedAt: null,
    error: status === 'error' ? { code: 'PDF_FAILED', message: 'The PDF could not be rendered.' } : null,
    spec: resolveExport(
      { documentId: 'd1', stageId: 'export', title: 'Report', revision: 1, format: 'md', source: { sha256: null, bytes: 0 } },
      { call: { formats: ['pdf', 'md'], outDir: '/out' }, defaultOutDir: '/out' },
    ),
    outputs:
      status === 'completed'
        ? [
            { format: 'md', path: '/out/Report.md', bytes: 1, sha256: 'x' },
            { format: 'pdf', path: '/out/Report.pdf', bytes: 1, sha256: 'y', pages: 2 },
          ]
        : [],
    warnings: [],
    seq: ++seq,
    ...extra,
  };
}

describe('JobActivity: progress bar', () => {
  it('shows the mean progress of active jobs, queued ones counting as zero', () => {
    const a = new JobActivity();
    expect(a.progressBar().bar).toEqual(CLEARED_BAR);
    a.update(snap('a', 'queued'));
    expect(a.progressBar().bar).toEqual({ progress: 0, mode: 'indeterminate' });
    a.update(snap('a', 'running', 50));
    a.update(snap('b', 'queued'));
    expect(a.progressBar().bar).toEqual({ progress: 0.25, mode: 'normal' });
    a.update(snap('b', 'running', 100));
    expect(a.progressBar().bar).toEqual({ progress: 0.75, mode: 'normal' });
  });

  it('is cleared on every way a job ends: completed, cancelled, error (after a hold), forgotten', () => {
    for (const end of ['completed', 'cancelled'] as const) {
      const a = new JobActivity();
      a.update(snap('a', 'running', 40));
      a.update(snap('a', end, 100));
      expect(a.progressBar().bar, end).toEqual(CLEARED_BAR);
      expect(a.activeCount).toBe(0);
    }
    const a = new JobActivity();
    a.update(snap('a', 'running', 40), undefined, 10_000);
    a.update(snap('a', 'error', 40), undefined, 10_000);
    expect(a.progressBar(10_000)).toEqual({ bar: { progress: 1, mode: 'error' }, recheckInMs: ERROR_HOLD_MS });
    expect(a.progressBar(10_000 + ERROR_HOLD_MS - 1).bar.mode).toBe('error');
    expect(a.progressBar(10_000 + ERROR_HOLD_MS)).toEqual({ bar: CLEARED_BAR, recheckInMs: null });

    const b = new JobActivity();
    b.update(snap('a', 'running', 40));
    b.forget('a');
    expect(b.progressBar().bar).toEqual(CLEARED_BAR);

    const c = new JobActivity();
    c.update(snap('a', 'running', 40));
    c.clear();
    expect(c.progressBar().bar).toEqual(CLEARED_BAR);
  });

  it('turns red while the batch has a failure and starts fresh with the next batch', () => {
    const a = new JobActivity();
    a.update(snap('a', 'running', 10));
    a.update(snap('b', 'running', 30));
    a.update(snap('a', 'error', 10));
    expect(a.progressBar().bar).toEqual({ progress: 0.3, mode: 'error' });
    a.update(snap('b', 'completed', 100));
    a.update(snap('c', 'running', 20), undefined, Date.now() + ERROR_HOLD_MS + 1);
    expect(a.progressBar().bar).toEqual({ progress: 0.2, mode: 'normal' });
  });

  it('ignores snapshots older than one already seen', () => {
    const a = new JobActivity();
    const first = snap('a', 'running', 10);
    const old = snap('a', 'running', 20);
    const done = snap('a', 'completed', 100);
    expect(a.update(first)).toBeNull();
    expect(a.update(done)).not.toBeNull();
    expect(a.update(old)).toBeNull();
    expect(a.update(done)).toBeNull(); // a repeat never notifies twice
    expect(a.activeCount).toBe(0);
  });
});

describe('JobActivity: sleep, suspend and resync', () => {
  it('blocks sleep exactly while jobs are active and not while suspending', () => {
    const a = new JobActivity();
    expect(a.shouldBlockSleep()).toBe(false);
    a.update(snap('a', 'queued'));
    expect(a.shouldBlockSleep()).toBe(true);
    a.suspend();
    expect(a.shouldBlockSleep()).toBe(false);
    a.resume();
    expect(a.shouldBlockSleep()).toBe(true);
    a.update(snap('a', 'cancelled'));
    expect(a.shouldBlockSleep()).toBe(false);
  });

  it('resyncs from the engine without undoing newer events or notifying', () => {
    const a = new JobActivity();
    const listed = snap('a', 'running', 10, { updatedAt: 500 });
    const gone = snap('g', 'running', 10, { updatedAt: 500 });
    a.update(gone);
    const fresh = snap('n', 'queued', 0, { updatedAt: 2_000 }); // started after the list was fetched
    a.update(fresh);
    a.update(snap('a', 'completed', 100)); // ended while the list was in flight
    a.reset([listed], 1_000);
    expect(a.activeCount).toBe(1); // 'a' stays ended, 'g' (not listed, older) dropped, 'n' kept
    expect(a.progressBar().bar.progress).toBe(0);
    const b = new JobActivity();
    b.reset([snap('x', 'running', 60), snap('y', 'completed', 100)]);
    expect(b.activeCount).toBe(1);
    expect(b.update(snap('x', 'completed', 100))?.kind).toBe('completed');
  });
});

describe('notices', () => {
  it('announces a completed job with its main output (PDF first), and reveals it when asked', () => {
    const a = new JobActivity();
    a.update(snap('a', 'running', 50));
    const n = a.update(snap('a', 'completed', 100), { openFolderWhenDone: true });
    expect(n).toEqual({
      kind: 'completed',
      jobId: 'a',
      title: 'Export finished',
      body: 'Report.pdf (MD, PDF) is ready.',
      openPath: '/out/Report.pdf',
      revealPath: '/out/Report.pdf',
    });
    expect(noticeFor(snap('b', 'completed', 100), { openFolderWhenDone: false })?.revealPath).toBeNull();
  });

  it('announces a failure with its message, and nothing for cancels or jobs never seen running', () => {
    const a = new JobActivity();
    a.update(snap('a', 'running', 50));
    expect(a.update(snap('a', 'error', 50))).toMatchObject({ kind: 'failed', title: 'Export failed', body: 'Report: The PDF could not be rendered.', openPath: null });
    a.update(snap('b', 'running', 50));
    expect(a.update(snap('b', 'cancelled', 50))).toBeNull();
    expect(a.update(snap('old', 'completed', 100))).toBeNull();
  });
});

describe('quitting', () => {
  it('quits at once when idle and asks when jobs run', () => {
    expect(quitPlan(0)).toBe('quit');
    expect(quitPlan(1)).toBe('ask');
    expect(quitPlan(3)).toBe('ask');
  });

  it('asks with "Keep Exporting" as the safe default and says what quitting does', () => {
    const d = quitDialog(2);
    expect(d.buttons[d.defaultId]).toBe('Keep Exporting');
    expect(d.cancelId).toBe(KEEP_EXPORTING);
    expect(d.buttons[QUIT_ANYWAY]).toBe('Quit');
    expect(d.message).toBe('2 exports are still running.');
    expect(d.detail).toMatch(/resume the next time/);
    expect(quitDialog(1).message).toBe('An export is still running.');
  });

  it('only an explicit "Quit" quits; declining or dismissing keeps exporting', () => {
    expect(quitChoice(QUIT_ANYWAY)).toBe('quit');
    expect(quitChoice(KEEP_EXPORTING)).toBe('keep');
    expect(quitChoice(-1)).toBe('keep');
    expect(quitChoice(7)).toBe('keep');
  });

  it('asks before closing the last window only where that quits the app', () => {
    const base = { platform: 'linux', otherWindows: 0, activeJobs: 1, quitting: false };
    expect(shouldAskOnWindowClose(base)).toBe(true);
    expect(shouldAskOnWindowClose({ ...base, platform: 'win32' })).toBe(true);
    expect(shouldAskOnWindowClose({ ...base, platform: 'darwin' })).toBe(false);
    expect(shouldAskOnWindowClose({ ...base, otherWindows: 1 })).toBe(false);
    expect(shouldAskOnWindowClose({ ...base, activeJobs: 0 })).toBe(false);
    expect(shouldAskOnWindowClose({ ...base, quitting: true })).toBe(false);
  });
});
