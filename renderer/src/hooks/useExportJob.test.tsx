// @vitest-environment jsdom
/** useExportJob against a REAL engine: snapshot, live changes in order, never a start. */
import { act, renderHook, waitFor } from '@testing-library/react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuireApi } from '../../../engine/api/contract.ts';
import type { JobSnapshot } from '../../../engine/api/types.ts';
import { useQuireStore } from '../store/store.ts';
import { closeWindow, openWindow, startRealQuire, type RealQuire } from '../test-support/real-quire.ts';
import { useExportJob } from './useExportJob.ts';

let q: RealQuire;
let client: QuireApi & { dispose(): void };

beforeAll(async () => {
  q = await startRealQuire({ engine: { stepDelayMs: 200 } });
  client = await openWindow(q);
});

afterAll(async () => {
  closeWindow(client);
  await q.close();
});

describe('useExportJob', () => {
  it('fetches the snapshot of a job started elsewhere and follows it live to the end', async () => {
    const doc = await q.engine.createDocument({ title: 'Hook', source: '# Hook\n\ntext', format: 'md' });
    const { jobId } = await q.engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['html', 'md'] } });
    const seen: JobSnapshot[] = [];
    const { result } = renderHook(() => {
      const job = useExportJob(doc.id, jobId);
      if (job && seen.at(-1) !== job) seen.push(job);
      return job;
    });
    await waitFor(() => expect(result.current?.status).toBe('completed'), { timeout: 30_000 });
    expect(seen.length).toBeGreaterThan(2);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.seq).toBeGreaterThan(seen[i - 1]!.seq);
      expect(seen[i]!.progress).toBeGreaterThanOrEqual(seen[i - 1]!.progress);
    }
    expect(result.current!.outputs).toHaveLength(2);
    // Following a job never starts one.
    expect(await q.engine.listJobs({ documentId: doc.id })).toHaveLength(1);
  });

  it('ignores an event older than the snapshot it holds', async () => {
    const doc = await q.engine.createDocument({ title: 'Hook stale', source: '# s', format: 'md' });
    const { jobId } = await q.engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['md'] } });
    const { result } = renderHook(() => useExportJob(doc.id, jobId));
    await waitFor(() => expect(result.current?.status).toBe('completed'), { timeout: 30_000 });
    const final = result.current!;
    act(() => useQuireStore.getState().applyJobs([{ ...final, seq: final.seq - 2, status: 'running', progress: 5 }]));
    expect(result.current).toBe(final);
  });

  it('returns nothing for a job of another document, and nothing without a job id', async () => {
    const a = await q.engine.createDocument({ title: 'A', source: '# a', format: 'md' });
    const b = await q.engine.createDocument({ title: 'B', source: '# b', format: 'md' });
    const { jobId } = await q.engine.startExport({ documentId: a.id, stageId: 'export', options: { formats: ['md'] } });
    await waitFor(() => expect(useQuireStore.getState().jobs[jobId]).toBeTruthy());
    const { result } = renderHook(() => [useExportJob(b.id, jobId), useExportJob(a.id, null)]);
    expect(result.current).toEqual([undefined, undefined]);
  });
});
