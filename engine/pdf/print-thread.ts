/**
 * A PdfRenderer whose ChromiumPdfRenderer lives in a thread of its own (print-thread-worker.ts).
 * Printing is mostly Chromium's work, but Playwright's share of it ran on the engine's event
 * loop: loading playwright-core (~1 s of CPU), sending each page, reading each PDF back,
 * answering each request of the page. Measured in a 100-chapter batch, those were the
 * main thread's stalls of 60 ms to 1.2 s; here they stall only the print thread.
 *
 * - Cancelling a request aborts it in the thread (the page is closed there, JOB_CANCELLED).
 * - Errors come back with their code (CHROMIUM_FAILED, PDF_TIMEOUT, …).
 * - If the thread itself dies, every request in flight fails with CHROMIUM_FAILED and the next
 *   request starts a fresh thread.
 *
 * @example
 * const pdf = new ThreadedPdfRenderer();
 * const { pdf: bytes, pages } = await pdf.render({ html, title: 'Report', options, signal });
 * await pdf.close();
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Errors, QuireError, type ErrorCode } from '../api/errors.ts';
import type { ChromiumPdfRendererOptions } from './chromium-pdf-renderer.ts';
import type { DiagramRenderRequest, DiagramResult, PdfRenderer, PdfRenderRequest, PdfRenderResult } from './pdf-renderer.ts';
import type { FromPrintThread, PrintThreadData, ToPrintThread } from './print-thread-protocol.ts';

export interface ThreadedPdfRendererOptions extends ChromiumPdfRendererOptions {
  /** The thread's entry (default: print-thread-worker.ts from sources, print-worker.cjs beside a bundle). */
  workerFile?: string;
}

/** How long close() waits for the thread to close Chromium before it terminates the thread. */
const CLOSE_GRACE_MS = 15_000;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  onMessage?: (message: FromPrintThread) => void;
}

/** The thread's entry beside this module, matching how this module itself is being run. */
export function defaultPrintWorkerFile(): string {
  const here = import.meta.url;
  if (/\.[cm]?ts$/.test(new URL(here).pathname)) return fileURLToPath(new URL('./print-thread-worker.ts', here));
  return fileURLToPath(new URL('./print-worker.cjs', here));
}

/** Whether a print thread can be started here (its entry exists): else the engine prints in-process. */
export function printThreadAvailable(workerFile = defaultPrintWorkerFile()): boolean {
  return existsSync(workerFile);
}

export class ThreadedPdfRenderer implements PdfRenderer {
  /** The thread's ChromiumPdfRenderer serves the print form's images (request.assets crosses as plain data). */
  readonly servesAssets = true;
  readonly #options: ThreadedPdfRendererOptions;
  #worker: Worker | null = null;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  constructor(options: ThreadedPdfRendererOptions = {}) {
    this.#options = options;
  }

  render(request: PdfRenderRequest): Promise<PdfRenderResult> {
    const { html, title, options, timeoutMs, assets } = request;
    return this.#call<PdfRenderResult>(
      { type: 'render', html, title, options, ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(assets ? { assets } : {}) },
      request.signal,
      (message) => {
        if (message.type === 'printing') request.onProgress?.('printing');
      },
    );
  }

  renderDiagrams(request: DiagramRenderRequest): Promise<DiagramResult[]> {
    const { sources, idPrefix, diagramTimeoutMs, timeoutMs } = request;
    return this.#call<DiagramResult[]>({ type: 'diagrams', sources, idPrefix, diagramTimeoutMs, timeoutMs }, request.signal, (message) => {
      if (message.type === 'diagramProgress') request.onProgress?.(message.index, message.total);
    });
  }

  /** Starts the thread and the browser now, so the first job's print does not wait for them. */
  warmUp(): void {
    try {
      this.#thread().postMessage({ type: 'warmUp' } satisfies ToPrintThread);
    } catch {
      // The first render reports why the thread cannot start.
    }
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    const id = this.#nextId++;
    const closed = new Promise<unknown>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    worker.postMessage({ type: 'close', id } satisfies ToPrintThread);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)))]);
    clearTimeout(timer);
    this.#worker = null;
    await worker.terminate();
  }

  #call<T>(message: DistributiveOmit<ToPrintThread, 'id'>, signal: AbortSignal | undefined, onMessage?: (m: FromPrintThread) => void): Promise<T> {
    if (signal?.aborted) return Promise.reject(Errors.jobCancelled());
    let worker: Worker;
    try {
      worker = this.#thread();
    } catch (e) {
      return Promise.reject(Errors.chromiumFailed(`the print thread could not start: ${firstLine(e)}`));
    }
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => worker.postMessage({ type: 'abort', id } satisfies ToPrintThread);
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => {
        signal?.removeEventListener('abort', onAbort);
        // Held (ref) only while a request is in flight, so an idle CLI can still exit.
        if (this.#pending.size === 0) worker.unref();
      };
      worker.ref();
      this.#pending.set(id, {
        resolve: (value) => (settle(), resolve(value as T)),
        reject: (error) => (settle(), reject(error)),
        onMessage,
      });
      worker.postMessage({ ...message, id } as ToPrintThread);
    });
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker;
    const file = this.#options.workerFile ?? defaultPrintWorkerFile();
    const { workerFile: _, ...renderer } = this.#options;
    const workerData: PrintThreadData = { renderer };
    // Plain node cannot load a .ts entry (sources, under vitest or tsx). `--import tsx` in
    // execArgv did not reach a worker's own entry on Node 20, so a bootstrap registers tsx's
    // ESM hooks in the thread, then imports the entry.
    const worker = /\.[cm]?ts$/.test(file)
      ? new Worker(
          `import(${JSON.stringify(tsxEsmApi())}).then(({ register }) => { register(); return import(${JSON.stringify(pathToFileURL(file).href)}); });`,
          { eval: true, workerData },
        )
      : new Worker(file, { workerData });
    // Chromium's pipes keep the thread alive; the engine's close() ends it, and an idle CLI must still exit.
    worker.unref();
    worker.on('message', (message: FromPrintThread) => this.#onMessage(message));
    const lost = (reason: string) => {
      if (this.#worker !== worker) return;
      this.#worker = null;
      const pending = [...this.#pending.values()];
      this.#pending.clear();
      for (const p of pending) p.reject(Errors.chromiumFailed(`the print thread stopped (${reason})`));
    };
    worker.on('error', (e) => lost(firstLine(e)));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    this.#worker = worker;
    return worker;
  }

  #onMessage(message: FromPrintThread): void {
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    switch (message.type) {
      case 'printing':
      case 'diagramProgress':
        pending.onMessage?.(message);
        return;
      case 'rendered':
        this.#pending.delete(message.id);
        pending.resolve({ pdf: message.pdf, pages: message.pages } satisfies PdfRenderResult);
        return;
      case 'drawn':
        this.#pending.delete(message.id);
        pending.resolve(message.results);
        return;
      case 'failed':
        this.#pending.delete(message.id);
        pending.reject(new QuireError(message.error.code as ErrorCode, message.error.message, message.error.details));
        return;
      case 'closed':
        this.#pending.delete(message.id);
        pending.resolve(undefined);
        return;
    }
  }
}

/** tsx's ESM API module (its `register()` adds the TypeScript hooks to the calling thread). */
function tsxEsmApi(): string {
  const dir = path.dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  return pathToFileURL(path.join(dir, 'dist', 'esm', 'api', 'index.mjs')).href;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}
