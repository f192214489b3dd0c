/**
 * Issue #11, "Load": N export jobs queued at once with 3 subscribers attached over the contract
 * (real RPC over the in-memory transport, a real engine, SQLite file and worker thread; HTML
 * output, so no Chromium). Every job completes with its own output file, each subscriber sees
 * each job end exactly once, the engine's memory stays flat (sampled; the curve is printed),
 * and the jobs listing stays paged (a page is bounded and cheap while the queue is full).
 *
 * Reduced slice (npm test): 100 jobs. QUIRE_HARDENING=full (npm run test:hardening): 1,000.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isActiveStatus, type JobSnapshot } from '../../engine/api/types.ts';
import { createHarness, type Client, type Harness } from '../contract/harness.ts';

const FULL = process.env.QUIRE_HARDENING === 'full';
const JOBS = FULL ? 1_000 : 100;
/** Whole test: the reduced slice fits in 2 minutes on 2 shared cores. */
const LIMIT_MS = FULL ? 15 * 60_000 : 120_000;
const MB = 1024 * 1024;

interface Sample {
  at: number;
  ended: number;
  heapMB: number;
  rssMB: number;
}

describe(`load: ${JOBS} queued jobs, 3 subscribers on the contract`, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('in-memory');
  });
  afterAll(async () => {
    await h?.close();
  });

  it(
    'all complete, each subscriber sees every end once, memory stays flat, the listing stays paged',
    async () => {
      const t0 = Date.now();
      const subscribers: Array<{ client: Client; ends: Map<string, number>; off: () => void }> = [];
      for (let i = 0; i < 3; i++) {
        const client = h.client();
        const ends = new Map<string, number>();
        const off = client.quire.onDidChangeJob((job: JobSnapshot) => {
          if (!isActiveStatus(job.status)) ends.set(job.id, (ends.get(job.id) ?? 0) + 1);
        });
        subscribers.push({ client, ends, off });
      }
      const quire = subscribers[0]!.client.quire;

      // One title for every document: each job's file is a namesake ("Load", "Load (2)", …).
      const ids: string[] = [];
      for (let i = 0; i < JOBS; i++) {
        const doc = await quire.createDocument({ title: 'Load', source: `# Load ${i}\n\nParagraph ${i} of the load test.\n`, format: 'md' });
        const { jobId, created } = await quire.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['html'] } });
        expect(created).toBe(true);
        ids.push(jobId);
      }
      const queuedMs = Date.now() - t0;

      const samples: Sample[] = [];
      const sample = () => {
        const m = process.memoryUsage();
        samples.push({ at: Date.now() - t0, ended: subscribers[0]!.ends.size, heapMB: m.heapUsed / MB, rssMB: m.rss / MB });
      };
      sample();
      const sampler = setInterval(sample, 250);
      const pageMs: number[] = [];
      try {
        // While the queue drains: the panel's listing is one bounded page, whatever the backlog.
        while (subscribers.some((s) => s.ends.size < JOBS)) {
          if (Date.now() - t0 > LIMIT_MS - 15_000) throw new Error(`only ${subscribers.map((s) => s.ends.size).join('/')} of ${JOBS} ends seen in time`);
          const a = performance.now();
          const page = await quire.listJobsPage({ limit: 100 });
          pageMs.push(performance.now() - a);
          expect(page.jobs.length).toBeLessThanOrEqual(100);
          await new Promise((r) => setTimeout(r, 500));
        }
      } finally {
        clearInterval(sampler);
      }
      sample();

      // Every job completed, each with its own file.
      const finals = await Promise.all(ids.map((id) => quire.getJob(id)));
      expect(finals.filter((j) => j.status !== 'completed').map((j) => `${j.id}: ${j.status} ${j.error?.message ?? ''}`)).toEqual([]);
      const paths = finals.flatMap((j) => j.outputs.map((o) => o.path));
      expect(paths).toHaveLength(JOBS);
      expect(new Set(paths).size).toBe(JOBS);
      for (const p of paths) expect(fs.existsSync(p)).toBe(true);

      // Each subscriber saw each job end exactly once, and no job it was not shown.
      for (const s of subscribers) {
        expect([...s.ends.keys()].sort()).toEqual([...ids].sort());
        expect([...s.ends.values()].filter((n) => n !== 1)).toEqual([]);
        s.off();
      }

      // Paging through every job: no job twice, none missing.
      const listed: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await quire.listJobsPage({ limit: 100, ...(cursor ? { cursor } : {}) });
        listed.push(...page.jobs.map((j) => j.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(listed).toHaveLength(JOBS);
      expect(new Set(listed)).toEqual(new Set(ids));

      // Memory: the curve, then the bound. Flat = the heap at the end of the run is not far
      // above where it was when the queue was full (a leak per job would grow with the count).
      const step = Math.max(1, Math.floor(samples.length / 20));
      const curve = samples.filter((_, i) => i % step === 0 || i === samples.length - 1);
      const lines = curve.map((s) => `  ${String(Math.round(s.at / 100) / 10).padStart(6)} s  ${String(s.ended).padStart(5)} ended  heap ${s.heapMB.toFixed(1).padStart(6)} MB  rss ${s.rssMB.toFixed(1).padStart(6)} MB`);
      const sortedPages = [...pageMs].sort((a, b) => a - b);
      const quarter = Math.max(1, Math.floor(samples.length / 4));
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const heapStart = median(samples.slice(0, quarter).map((s) => s.heapMB));
      const heapEnd = median(samples.slice(-quarter).map((s) => s.heapMB));
      const rssMax = Math.max(...samples.map((s) => s.rssMB));
      console.log(
        [
          `load: ${JOBS} jobs queued over the contract in ${(queuedMs / 1000).toFixed(1)} s; all ended after ${((samples.at(-1)!.at) / 1000).toFixed(1)} s`,
          `listJobsPage({ limit: 100 }) while draining: ${pageMs.length} calls, p50 ${sortedPages[Math.floor(sortedPages.length / 2)]?.toFixed(1)} ms, max ${sortedPages.at(-1)?.toFixed(1)} ms`,
          `heap (median of first/last quarter of samples): ${heapStart.toFixed(1)} → ${heapEnd.toFixed(1)} MB; rss max ${rssMax.toFixed(1)} MB`,
          'memory curve (time since the first enqueue, jobs ended, heapUsed, RSS):',
          ...lines,
        ].join('\n'),
      );
      // Bounds with room for GC timing: growth must stay well under what keeping every job would cost.
      expect(heapEnd - heapStart).toBeLessThan(FULL ? 96 : 64);
      expect(rssMax - samples[0]!.rssMB).toBeLessThan(FULL ? 512 : 384);
      // A page stays cheap with the queue full (loaded CI machine: generous).
      expect(sortedPages.at(-1)!).toBeLessThan(1_000);
    },
    LIMIT_MS,
  );
});
