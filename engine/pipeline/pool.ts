/**
 * The main-side face of the pipeline: runs generateExportHtml, htmlToMarkdown and
 * writePdfMetadata in Piscina worker threads so a 10 MB document never blocks the engine's event loop.
 *
 * - Errors the step reports (CONVERSION_FAILED, …) are rebuilt as QuireError with their code
 *   (see protocol.ts).
 * - A worker that dies (throws outside the protocol, calls process.exit, runs out of memory)
 *   rejects that task with WORKER_CRASHED; Piscina starts a fresh thread for the next task.
 * - Aborting the signal rejects with JOB_CANCELLED; Piscina terminates the busy thread.
 * - A task that runs past its step's time limit (step-limits.ts: scales with the input) is
 *   aborted the same way and rejects with STEP_TIMEOUT, naming the step and the likely cause.
 *
 * The worker file: `workerFile` if given, else `worker.ts` beside this module when running
 * from sources (under tsx or vitest), else `worker.cjs`, `worker.mjs` or `worker.js` beside the
 * bundle that contains this module (bin/quire builds out/cli/worker.cjs;
 * electron.vite.config.ts emits out/main/worker.mjs), or the host
 * passes `workerFile`. A `.ts` worker file is started with `--import tsx`; a `.js`/`.mjs`
 * one with plain node.
 *
 * @example
 * const pool = createPipelinePool({ maxThreads: 2 });
 * const { html, warnings } = await pool.exportHtml(input, controller.signal);
 * const md = await pool.markdown(html);
 * await pool.close();
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { Errors, QuireError, type ErrorCode } from '../api/errors.ts';
import type { SourceFormat } from '../api/types.ts';
import type { PdfMetadata } from '../pdf/pdf-metadata.ts';
import { isWorkerReply, type PipelineWorkerData } from './protocol.ts';
import { STEP_LABEL, stepTimeLimitFor, timeoutCause, type WorkerStep } from './step-limits.ts';
import type { MarkdownExportInput, MarkdownExportResult } from './markdown-output.ts';
import type { ExportHtmlInput, ExportHtmlResult, WorkerTask } from './types.ts';

export interface PipelinePoolOptions {
  /** Most threads at once (default: cores − 1, between 1 and 4). */
  maxThreads?: number;
  /** Path or file: URL of the worker entry (default: worker.ts / worker.js beside this module). */
  workerFile?: string;
  /** Folder with themes/ (base.css and the themes), handed to every worker (default: see theme.ts). */
  resourcesDir?: string;
  /** How long an idle thread is kept for the next task, in ms (default 60 s). */
  idleTimeoutMs?: number;
  /** Time limit of every task instead of the size-scaled {@link stepTimeLimitFor} (tests). */
  stepTimeLimitMs?: number;
  /** Heap limit of each worker thread in MB (default {@link DEFAULT_WORKER_HEAP_MB}): past it the task fails, not the app. */
  maxHeapMb?: number;
}

/** What each step was doing, for "Converting the document failed while …". */
const STEP_DOING: Record<WorkerStep, string> = {
  prepare: 'building the export HTML',
  md: 'converting to Markdown',
  pdfMetadata: 'writing the PDF metadata',
  diagrams: 'inserting the drawn diagrams',
  embed: 'embedding the images into the HTML',
};

/** Enough for the largest documents Quire accepts; bounds what a runaway conversion can take. */
export const DEFAULT_WORKER_HEAP_MB = 3072;

export interface PipelinePool {
  exportHtml(input: ExportHtmlInput, signal?: AbortSignal): Promise<ExportHtmlResult>;
  markdown(html: string, signal?: AbortSignal): Promise<string>;
  /** A Markdown source's own export (markdown-output.ts's markdownExport), in a worker: it lexes the whole document. */
  markdownSource(input: MarkdownExportInput, signal?: AbortSignal): Promise<MarkdownExportResult>;
  /** asset-refs.ts's scanAssetRefs in a worker, for documents large enough to stall the main thread. */
  scanAssetRefs(source: string, format: SourceFormat, signal?: AbortSignal): Promise<string[]>;
  /** `html` with its diagram figures' code replaced by `svgs` (sanitized there; null keeps the code); see diagrams.ts. */
  inlineDiagrams(html: string, svgs: Array<string | null>, signal?: AbortSignal): Promise<string>;
  /** The standalone HTML of a print form, its images inlined from `files` (sha256 → stored file); see embed-images.ts. */
  embedImages(html: string, files: Record<string, string>, signal?: AbortSignal): Promise<string>;
  /**
   * The PDF with its Info, XMP and /Lang written (engine/pdf/pdf-metadata.ts). `pdf` is moved to
   * the worker, not copied, when it owns its whole buffer: it is empty afterwards.
   */
  /** `htmlPath`: the printed export HTML, whose headings mend outline titles Chromium doubled. */
  pdfMetadata(pdf: Uint8Array, meta: PdfMetadata, signal?: AbortSignal, htmlPath?: string): Promise<Uint8Array>;
  /** Rejects queued tasks, waits for running ones, stops the threads. */
  close(): Promise<void>;
}

/**
 * The worker entry beside this module, matching how this module itself is being run:
 * worker.ts from sources, else worker.mjs (what electron.vite.config.ts emits) or worker.js.
 */
export function defaultWorkerFile(): string {
  const here = import.meta.url;
  if (/\.[cm]?ts$/.test(new URL(here).pathname)) return fileURLToPath(new URL('./worker.ts', here));
  // bin/quire builds worker.cjs (see there why CommonJS); electron-vite emits worker.mjs.
  for (const name of ['./worker.cjs', './worker.mjs']) {
    const file = fileURLToPath(new URL(name, here));
    if (existsSync(file)) return file;
  }
  return fileURLToPath(new URL('./worker.js', here));
}

function tsxLoader(): string {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  } catch {
    return 'tsx';
  }
}

function firstLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const line = message.split('\n')[0].trim() || 'no reason given';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/** The buffer to move with a task: only one the array fills alone (a pooled Buffer shares its with others). */
function transferable(bytes: Uint8Array): ArrayBuffer[] {
  const { buffer } = bytes;
  return buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength ? [buffer] : [];
}

function isAbortError(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

export function createPipelinePool(options: PipelinePoolOptions = {}): PipelinePool {
  const workerFile = options.workerFile?.startsWith('file:')
    ? fileURLToPath(options.workerFile)
    : (options.workerFile ?? defaultWorkerFile());
  const maxThreads = Math.max(1, options.maxThreads ?? Math.min(4, Math.max(1, availableParallelism() - 1)));
  const workerData: PipelineWorkerData = options.resourcesDir ? { resourcesDir: options.resourcesDir } : {};
  const maxHeapMb = options.maxHeapMb ?? DEFAULT_WORKER_HEAP_MB;
  const piscina = new Piscina({
    filename: workerFile,
    minThreads: 1,
    maxThreads,
    idleTimeout: options.idleTimeoutMs ?? 60_000,
    workerData,
    resourceLimits: { maxOldGenerationSizeMb: maxHeapMb },
    // Idle workers wait on their event loop, not blocked in Atomics.wait: the collection each
    // schedules after a large task (worker.ts, heap.ts) runs once its reply is posted.
    atomics: 'disabled',
    // Plain node cannot load a .ts worker (ERR_UNKNOWN_FILE_EXTENSION); tsx can.
    ...(/\.[cm]?ts$/.test(workerFile) ? { execArgv: ['--import', tsxLoader()] } : {}),
  });
  // A worker's 'error' is also delivered as the rejection of its task; without a listener
  // Piscina's emitter would throw it in the main thread.
  piscina.on('error', () => {});
  let closed = false;

  async function run<T>(task: WorkerTask, signal?: AbortSignal): Promise<T> {
    if (closed) throw Errors.internal('The pipeline worker pool is closed.');
    if (signal?.aborted) throw Errors.jobCancelled();
    const step: WorkerStep =
      task.kind === 'markdown' || task.kind === 'markdownSource' ? 'md' : task.kind === 'scanAssetRefs' ? 'prepare' : task.kind === 'pdfMetadata' ? 'pdfMetadata' : task.kind === 'inlineDiagrams' ? 'diagrams' : task.kind === 'embedImages' ? 'embed' : 'prepare';
    // A PDF is only measured: it is transferred to the worker, which empties it here.
    const input = task.kind === 'markdown' || task.kind === 'inlineDiagrams' || task.kind === 'embedImages' ? task.html : task.kind === 'markdownSource' ? task.input.source : task.kind === 'scanAssetRefs' ? task.source : task.kind === 'exportHtml' ? task.input : { pdfBytes: task.pdf.byteLength };
    const inputBytes = typeof input === 'string' ? Buffer.byteLength(input) : 'pdfBytes' in input ? input.pdfBytes : Buffer.byteLength(input.source);
    const limitMs = options.stepTimeLimitMs ?? stepTimeLimitFor(step, inputBytes);
    // Aborting ends the busy thread (even in a synchronous loop); the next task gets a new one.
    const timeLimit = new AbortController();
    const timer = setTimeout(() => timeLimit.abort(), limitMs);
    let reply: unknown;
    try {
      reply = await piscina.run(task, {
        signal: signal ? AbortSignal.any([signal, timeLimit.signal]) : timeLimit.signal,
        ...(task.kind === 'pdfMetadata' ? { transferList: transferable(task.pdf) } : {}),
      });
    } catch (e) {
      if (signal?.aborted) throw Errors.jobCancelled();
      if (timeLimit.signal.aborted) throw Errors.stepTimeout(STEP_LABEL[step], Math.max(0.1, Math.round(limitMs / 100) / 10), timeoutCause(step, input));
      if (isAbortError(e)) throw Errors.jobCancelled();
      if ((e as NodeJS.ErrnoException)?.code === 'ERR_WORKER_OUT_OF_MEMORY') throw Errors.workerOutOfMemory(STEP_LABEL[step], maxHeapMb);
      throw Errors.workerCrashed(firstLine(e));
    } finally {
      clearTimeout(timer);
    }
    if (!isWorkerReply(reply)) throw Errors.workerCrashed('the worker sent back an unreadable reply');
    // A step that threw something unforeseen (a converter bug): say which step, not "Unexpected error".
    if (!reply.ok && reply.error.code === 'INTERNAL') {
      throw Errors.conversionFailed(STEP_DOING[step], `${reply.error.message.replace(/^Unexpected error: /, '')}; please report this with the document`);
    }
    if (!reply.ok) throw new QuireError(reply.error.code as ErrorCode, reply.error.message, reply.error.details);
    return reply.value as T;
  }

  return {
    exportHtml: (input, signal) => run<ExportHtmlResult>({ kind: 'exportHtml', input }, signal),
    markdown: (html, signal) => run<string>({ kind: 'markdown', html }, signal),
    markdownSource: (input, signal) => run<MarkdownExportResult>({ kind: 'markdownSource', input }, signal),
    scanAssetRefs: (source, format, signal) => run<string[]>({ kind: 'scanAssetRefs', source, format }, signal),
    inlineDiagrams: (html, svgs, signal) => run<string>({ kind: 'inlineDiagrams', html, svgs }, signal),
    embedImages: (html, files, signal) => run<string>({ kind: 'embedImages', html, files }, signal),
    pdfMetadata: (pdf, meta, signal, htmlPath) => run<Uint8Array>({ kind: 'pdfMetadata', pdf, meta, ...(htmlPath ? { htmlPath } : {}) }, signal),
    async close() {
      if (closed) return;
      closed = true;
      await piscina.close({ force: true });
    },
  };
}
