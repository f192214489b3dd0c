/**
 * Issue 11, "Worker faults": each Piscina task of a real engine (exportHtml, markdown,
 * markdownSource, inlineDiagrams, pdfMetadata) made to throw, throw outside the protocol, call process.exit,
 * loop forever and run out of memory (engine/pipeline/worker-faults.ts injects them into the
 * real worker). Each time: the job ends in error with a one-line message that says what
 * happened and what to do (no stack trace), nothing half-written is left, and the same engine
 * then exports a clean document. Every wait is bounded: no promise hangs.
 *
 * Chromium killed mid-print (the job retries on a fresh browser) is covered by
 * engine/pdf/chromium-pdf-renderer.integration.test.ts and tests/lifecycle-cli.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../engine/engine.ts';
import { FAULT_KINDS, FAULT_MARK, type FaultKind } from '../../engine/pipeline/worker-faults.ts';
import { rmrf, tempDir, waitFor } from '../helpers.ts';
import { FULL, filesUnder, tempFilesUnder } from './crash-support.ts';

const TASKS = ['exportHtml', 'markdown', 'markdownSource', 'inlineDiagrams', 'pdfMetadata'] as const;
type Task = (typeof TASKS)[number];
/** What the user is told, by fault. */
const EXPECTED: Record<FaultKind, { code: RegExp; message: RegExp }> = {
  throw: { code: /^CONVERSION_FAILED$/, message: /^Converting the document failed while [\w ]+ \(injected fault in \w+; please report this with the document\)\.$/ },
  uncaught: { code: /^WORKER_CRASHED$/, message: /^The export worker stopped unexpectedly \(.*injected uncaught fault.*\)\. Retry the export\.$/ },
  exit: { code: /^WORKER_CRASHED$/, message: /^The export worker stopped unexpectedly \(.+\)\. Retry the export\.$/ },
  loop: { code: /^STEP_TIMEOUT$/, message: /step took longer than \d+(\.\d)? s and was stopped\./ },
  oom: { code: /^WORKER_OUT_OF_MEMORY$/, message: /step needed more than its 192 MB of memory and was stopped\./ },
};
/** Counts a fresh thread's start too (tsx, seconds on a loaded machine): not too tight. */
const STEP_LIMIT_MS = 15_000;

let dir: string;
let engine: Engine;
let out: string;

beforeAll(async () => {
  dir = tempDir('qwf-');
  out = path.join(dir, 'out');
  fs.mkdirSync(out);
  // Read by each worker thread as it starts: the engine's threads all have it.
  process.env.QUIRE_WORKER_FAULT = '1';
  const { createEngine } = await import('../../engine/engine.ts');
  engine = await createEngine({ dataDir: path.join(dir, 'data'), outputDir: out, maxThreads: 1, concurrency: 1, stepTimeLimitMs: STEP_LIMIT_MS, workerHeapMb: 192 });
}, 60_000);

afterAll(async () => {
  delete process.env.QUIRE_WORKER_FAULT;
  // close() itself must not hang on a pool that lost threads.
  await Promise.race([engine?.close(), new Promise((_, reject) => setTimeout(() => reject(new Error('engine.close() hung')), 30_000))]);
  rmrf(dir);
}, 60_000);

/** A document that reaches `task` with the fault mark in what that task reads. */
function faultyDocument(task: Task, kind: FaultKind | null): { file: string; formats: Array<'pdf' | 'html' | 'md'> } {
  const mark = kind ? `${FAULT_MARK}:${task}:${kind}` : 'clean';
  const name = `${task}-${kind ?? 'clean'}`;
  const write = (ext: string, text: string) => {
    const file = path.join(dir, `${name}.${ext}`);
    fs.writeFileSync(file, text);
    return file;
  };
  switch (task) {
    case 'exportHtml':
      return { file: write('md', `# Doc\n\n${mark}\n`), formats: ['html'] };
    case 'markdown':
      // An HTML source: its Markdown is converted from the HTML in the worker.
      return { file: write('html', `<!doctype html><title>Doc</title><h1>Doc</h1><p>${mark}</p>`), formats: ['md'] };
    case 'markdownSource':
      // A Markdown source: its own Markdown export (front matter, image refs) runs in the worker.
      return { file: write('md', `# Doc\n\n${mark}\n`), formats: ['md'] };
    case 'inlineDiagrams':
      return { file: write('md', `# Doc\n\n${mark}\n\n\`\`\`mermaid\ngraph TD\n  A --> B\n\`\`\`\n`), formats: ['html'] };
    case 'pdfMetadata':
      return { file: write('md', `---\ntitle: "Doc ${mark}"\n---\n\n# Doc\n\ntext\n`), formats: ['pdf'] };
  }
}

async function exportAndWait(task: Task, kind: FaultKind | null) {
  const { file, formats } = faultyDocument(task, kind);
  const doc = await engine.importFile(file);
  const { jobId } = await engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats, fileName: doc.fileBaseName } });
  // Bounded: a fault that made a promise hang fails here instead of stalling the suite.
  return waitFor(
    async () => {
      const j = await engine.getJob(jobId);
      return ['completed', 'error', 'cancelled'].includes(j.status) ? j : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 50, what: `${task}/${kind} job to end` },
  );
}

/** The reduced run tries half the pairs: every task with 2-3 kinds, every kind in 2 tasks; the full run all, twice. */
const ROUNDS = FULL ? 2 : 1;
const chosen = (t: number, k: number) => FULL || (t + k) % 2 === 0;
const messages: string[] = [];
afterAll(() => console.log(`worker faults: what the user was told\n${messages.join('\n')}`));

describe('worker faults in each task: the job fails clearly, the pool keeps serving', () => {
  for (const [t, task] of TASKS.entries()) {
    for (const [k, kind] of FAULT_KINDS.entries()) {
      if (!chosen(t, k)) continue;
      it(`${task}: ${kind}`, async () => {
        for (let round = 0; round < ROUNDS; round++) {
          const started = Date.now();
          const job = await exportAndWait(task, kind);
          expect(job.status, JSON.stringify(job.error)).toBe('error');
          expect(job.error?.code).toMatch(EXPECTED[kind].code);
          expect(job.error?.message).toMatch(EXPECTED[kind].message);
          // One line a user can read: no stack frames, no file:line positions.
          expect(job.error?.message).not.toMatch(/\n|\bat \S+ \(|\.ts:\d+/);
          expect(job.message).toBe(job.error?.message);
          // Bounded by the step limit (plus a fresh thread and a PDF render on this loaded machine).
          expect(Date.now() - started).toBeLessThan(STEP_LIMIT_MS + 40_000);
          expect(tempFilesUnder(out)).toEqual([]);
          expect(filesUnder(path.join(dir, 'data', 'work'))).toEqual([]);
          messages.push(`${task}/${kind}: ${job.error?.code}: ${job.error?.message}`);

          // The same engine and pool export the next (clean) document.
          const next = await exportAndWait(task, null);
          expect(next.status, JSON.stringify(next.error)).toBe('completed');
          for (const o of next.outputs) expect(fs.statSync(o.path).size).toBe(o.bytes);
        }
      }, 240_000);
    }
  }
});
