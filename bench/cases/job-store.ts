/**
 * Issue #10, case 8: the job store at 10,000 jobs, against a real SQLite file in a temp folder
 * and a real Engine that only records jobs (runJobs: false: no scheduler, no Chromium).
 *
 *   npx tsx bench/cases/job-store.ts                 # prints the rows
 *   npx tsx bench/cases/job-store.ts --json          # the whole result as JSON
 *   QUIRE_BENCH_JOBS=2000 npx tsx bench/cases/job-store.ts   # a smaller store
 *
 * What is measured:
 * - Enqueue: `documents` documents that all share one title, each exported under `jobs /
 *   documents` file names: every name has `documents` namesakes in the output folder, the case
 *   that made enqueue quadratic (each job probed "name (2)", "name (3)", … up to its own).
 *   Recorded with engine.startExports (one batch, as `quire export a.md b.md …` does); jobs/s
 *   over the whole batch. Then 200 more one call each (engine.startExport), on top of the full
 *   store: the cost of one call at that size, fsync included.
 * - Page through: listJobsPage's first page, then all jobs with listJobsPage, 100 a page,
 *   following nextCursor; per-page ms.
 * - List: the newest 200 (what the UI loaded before paging), then every job in one call
 *   (listJobs()), last: its garbage would fall on whatever is measured after it.
 * On a tree without startExports/listJobsPage (the code before) the same calls fall back to one
 * startExport per job and the paging rows are left out, so the case measures that code too.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../../engine/engine.ts';
import { printRowsCase } from './print-rows.ts';

export interface StoreRow {
  what: string;
  value: number;
  unit: string;
  target?: string;
  met?: boolean;
}

export interface StoreCase {
  id: string;
  title: string;
  rows: StoreRow[];
  notes: string[];
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;

type Start = { documentId: string; stageId: string; options: Record<string, unknown> };
/** The engine's calls this case uses; the paged and batch ones may be missing on older trees. */
interface EngineLike {
  createDocument(input: { title: string; source: string; format: 'md' }): Promise<{ id: string }>;
  startExport(input: Start): Promise<{ jobId: string; created: boolean }>;
  startExports?(inputs: Start[]): Promise<Array<{ jobId: string; created: boolean } | { error: { message: string } }>>;
  listJobs(options?: { limit?: number }): Promise<unknown[]>;
  listJobsPage?(options: { limit?: number; cursor?: string | null }): Promise<{ jobs: unknown[]; nextCursor: string | null }>;
  close(): Promise<void>;
}

export async function caseJobStore(options: { jobs?: number; documents?: number; pageSize?: number } = {}): Promise<StoreCase> {
  const total = options.jobs ?? Number(process.env.QUIRE_BENCH_JOBS ?? 10_000);
  const documents = Math.min(total, options.documents ?? Math.max(1, Math.round(total / 10)));
  const perDocument = Math.ceil(total / documents);
  const pageSize = options.pageSize ?? 100;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-bench-store-'));
  const out = path.join(root, 'out');
  fs.mkdirSync(out);
  const engine = (await createEngine({ dataDir: path.join(root, 'data'), outputDir: out, runJobs: false })) as unknown as EngineLike;
  const rows: StoreRow[] = [];
  const notes: string[] = [];
  try {
    let t = performance.now();
    const docs: string[] = [];
    for (let i = 0; i < documents; i++) docs.push((await engine.createDocument({ title: 'Chapter', source: `# Chapter ${i}\n\nText of chapter ${i}.\n`, format: 'md' })).id);
    const docMs = performance.now() - t;

    const inputs: Start[] = [];
    for (let k = 0; k < perDocument && inputs.length < total; k++) {
      for (const id of docs) if (inputs.length < total) inputs.push({ documentId: id, stageId: 'export', options: { formats: ['html'], fileName: `part ${k}` } });
    }
    t = performance.now();
    let refused = 0;
    if (engine.startExports) {
      refused = (await engine.startExports(inputs)).filter((r) => 'error' in r).length;
    } else {
      for (const input of inputs) await engine.startExport(input);
    }
    const enqueueMs = performance.now() - t;
    if (refused) notes.push(`${refused} of the batch were refused (a bug: every input is valid).`);
    const rate = total / (enqueueMs / 1000);
    rows.push({ what: `enqueue ${total} jobs (${engine.startExports ? 'one startExports batch' : 'one startExport each'}; ${documents} namesakes per file name)`, value: round(rate, 0), unit: 'jobs/s', target: '≥ 5000 jobs/s', met: rate >= 5000 });
    rows.push({ what: `enqueue ${total} jobs, total`, value: round(enqueueMs, 0), unit: 'ms' });

    // One call at a time on top of the full store: the per-call cost at this size.
    const single: number[] = [];
    for (let i = 0; i < 200; i++) {
      const a = performance.now();
      await engine.startExport({ documentId: docs[i % docs.length]!, stageId: 'export', options: { formats: ['html'], fileName: `single ${Math.floor(i / docs.length)}` } });
      single.push(performance.now() - a);
    }
    single.sort((a, b) => a - b);
    rows.push({ what: `startExport, one call, with ${total} jobs stored (p50)`, value: round(pct(single, 0.5), 2), unit: 'ms' });
    rows.push({ what: `startExport, one call, with ${total} jobs stored (max)`, value: round(single.at(-1)!, 2), unit: 'ms' });
    const stored = total + 200;

    // Paged before listing all, as the UI and `quire jobs` read the store: listing all 10,000 at
    // once leaves ~50 MB of garbage, whose collection (scavenges of 15-30 ms) fell on the pages
    // read next in a fresh process.
    if (engine.listJobsPage) {
      t = performance.now();
      await engine.listJobsPage({ limit: pageSize });
      const first = performance.now() - t;
      rows.push({ what: `listJobsPage first page of ${pageSize}`, value: round(first, 2), unit: 'ms', target: '< 20 ms', met: first < 20 });
      const perPage: number[] = [];
      let cursor: string | null = null;
      let seen = 0;
      t = performance.now();
      do {
        const a = performance.now();
        const page: { jobs: unknown[]; nextCursor: string | null } = await engine.listJobsPage({ limit: pageSize, cursor });
        perPage.push(performance.now() - a);
        seen += page.jobs.length;
        cursor = page.nextCursor;
      } while (cursor);
      const throughMs = performance.now() - t;
      perPage.sort((a, b) => a - b);
      if (seen !== stored) notes.push(`Paging saw ${seen} jobs of ${stored} (a bug).`);
      rows.push({ what: `page through all ${seen} jobs, ${pageSize} a page (${perPage.length} pages): per page p50`, value: round(pct(perPage, 0.5), 2), unit: 'ms', target: '< 20 ms', met: pct(perPage, 0.5) < 20 });
      rows.push({ what: `page through all ${seen} jobs: per page max`, value: round(perPage.at(-1)!, 2), unit: 'ms', target: '< 20 ms', met: perPage.at(-1)! < 20 });
      rows.push({ what: `page through all ${seen} jobs: total`, value: round(throughMs, 0), unit: 'ms' });
    } else {
      notes.push('This tree has no listJobsPage: the paging rows are left out.');
    }
    t = performance.now();
    await engine.listJobs({ limit: 200 });
    rows.push({ what: `list the newest 200 (listJobs({ limit: 200 }), the UI's first load before paging)`, value: round(performance.now() - t), unit: 'ms' });
    t = performance.now();
    const all = await engine.listJobs();
    rows.push({ what: `list all ${all.length} jobs in one call (listJobs())`, value: round(performance.now() - t), unit: 'ms' });

    notes.push(`Setup (not timed in the rows): ${documents} documents created one call each in ${round(docMs / 1000, 1)} s.`);
    notes.push(`SQLite in WAL mode with synchronous=FULL (every commit fsynced) on ${root}'s file system.`);
    notes.push(`Machine: ${os.availableParallelism?.() ?? os.cpus().length} cores, shared with other work while measured (load average ${os.loadavg()[0]!.toFixed(1)} at the end); compare ratios taken in one run.`);
  } finally {
    await engine.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
  return { id: 'store', title: `Job store: enqueue ${total} jobs, list them, page through them`, rows, notes };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  printRowsCase(await caseJobStore());
}
