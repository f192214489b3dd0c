// @vitest-environment jsdom
/**
 * The jobs panel reads the jobs a page at a time (issue #11 "Load": the panel stays responsive
 * with 1,000 jobs), against a real engine over the in-memory transport. The engine only
 * records jobs here (runJobs: false), so the queue holds still while pages are read.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeWindow, openWindow, startRealQuire, type RealQuire, type WindowClient } from '../test-support/real-quire.ts';
import { JOBS_PAGE_SIZE, loadJobs, loadMoreJobs } from './jobs-actions.ts';
import { useQuireStore } from './store.ts';

let q: RealQuire;
let client: WindowClient;
const S = () => useQuireStore.getState();
const TOTAL = JOBS_PAGE_SIZE + 30;

beforeAll(async () => {
  q = await startRealQuire({ engine: { runJobs: false } });
  const docs = [];
  for (let i = 0; i < TOTAL; i++) docs.push(await q.engine.createDocument({ title: `Paged ${i}`, source: `# ${i}`, format: 'md' }));
  const results = await q.engine.startExports(docs.map((d) => ({ documentId: d.id, stageId: 'export', options: { formats: ['html'] } })));
  expect(results.filter((r) => 'error' in r)).toEqual([]);
});

afterAll(async () => {
  await q.close();
});

beforeEach(async () => {
  client = await openWindow(q);
});

afterEach(() => {
  closeWindow(client);
});

describe('jobs panel paging', () => {
  it('loads the newest page, then older ones on request, until there are no more', async () => {
    await loadJobs();
    expect(S().jobsLoaded).toBe(true);
    expect(Object.keys(S().jobs)).toHaveLength(JOBS_PAGE_SIZE);
    expect(S().jobsCursor).not.toBeNull();
    await loadMoreJobs();
    expect(Object.keys(S().jobs)).toHaveLength(TOTAL);
    expect(S().jobsCursor).toBeNull();
    // Every job the engine holds, once each.
    const all = await q.engine.listJobs();
    expect(new Set(Object.keys(S().jobs))).toEqual(new Set(all.map((j) => j.id)));
    // Refresh starts from the newest page again; what was loaded stays.
    await loadJobs();
    expect(S().jobsCursor).not.toBeNull();
    expect(Object.keys(S().jobs)).toHaveLength(TOTAL);
  });
});
