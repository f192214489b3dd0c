/**
 * The engine facade every host uses (desktop main process, CLI, browser host, tests):
 * documents, stage states, export jobs and their events, over one SQLite file.
 *
 * @example
 * const engine = await createEngine({ dataDir: '/tmp/quire' });
 * const doc = await engine.createDocument({ title: 'Report', source: '# Hello', format: 'md' });
 * const { jobId } = await engine.startExport({ documentId: doc.id, stageId: 'export' });
 * const stop = engine.subscribe(jobId, (job) => console.log(job.progress, job.message));
 * await engine.waitForJobs([jobId]);
 * stop();
 * await engine.close();
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DocumentChange, PreviewDocumentRequest, PreviewDocumentResult, StartExportRequest as StartExportInput, StartExportResult } from './api/contract.ts';
import { Errors, type QuireError } from './api/errors.ts';
import type { ExportSpec, Settings } from './api/export-spec.ts';
import {
  isActiveStatus,
  type AssetFile,
  type DocumentSummary,
  type JobOutput,
  type JobSnapshot,
  type QuireDocument,
  type StageState,
  type WorkflowDefinition,
} from './api/types.ts';
import { readIntactOutput } from './jobs/output-claims.ts';
import { sourceKeyOf } from './jobs/output-keys.ts';
import { removeLeftovers, type LeftoversRemoved } from './jobs/leftovers.ts';
import { ChangeFeed } from './jobs/change-feed.ts';
import { LazyPdfRenderer } from './jobs/lazy-pdf-renderer.ts';
import { resolveJobSpec } from './jobs/job-spec.ts';
import { enqueueExport, enqueueExports, type EnqueueContext, type Enqueued } from './jobs/enqueue.ts';
import { DocumentPreviews } from './jobs/document-preview.ts';
import { runExportJob, type PipelineRunner } from './jobs/run-export-job.ts';
import { Throttle } from './jobs/progress.ts';
import { DEFAULT_LEASE_MS, Scheduler, defaultConcurrency, runnerIsGone } from './jobs/scheduler.ts';
import type { PdfRenderer } from './pdf/pdf-renderer.ts';
import type { PipelinePool } from './pipeline/pool.ts';
import { immediate, type QuireDb } from './store/db.ts';
import { StoreWatch, explainStoreFailure, openStore } from './store/store-health.ts';
import {
  DocumentStore,
  type CreateDocumentInput,
  type SaveStageStateInput,
  type UpdateDocumentInput,
} from './store/document-store.ts';
import { readDocumentFile, type ImportedFile } from './store/import-file.ts';
import { AssetStore } from './store/asset-store.ts';
import { addAssetFiles, assetHashesInUse, readFolderAssets, readStoredAsset, type AssetScan } from './store/document-assets.ts';
import { scanAssetRefs } from './pipeline/asset-refs.ts';
import { JobStore, toSnapshot, type JobPage, type JobPageOptions, type JobRow, type ListJobsOptions, type Owner } from './store/job-store.ts';
import { removeSnapshotIfUnused, removeUnusedSnapshots } from './store/source-snapshots.ts';
import { WORKFLOWS } from './store/workflows.ts';
import { defaultOutputDir } from './paths.ts';

export interface EngineOptions {
  /** Folder holding quire.db and the jobs' work files. */
  dataDir: string;
  /** Where outputs go when a job names no folder. */
  outputDir?: string;
  /** Jobs run at once by this process. */
  concurrency?: number;
  /** Worker threads for HTML/Markdown conversion. */
  maxThreads?: number;
  /** The PDF host seam; defaults to ChromiumPdfRenderer (system Chromium). */
  pdfRenderer?: PdfRenderer;
  /** Piscina worker file override (tests use a faulty one; the desktop build passes its bundled one). */
  workerFile?: string;
  /** Attempts before an interrupted job ends in error. */
  maxAttempts?: number;
  /** Run the scheduler (claim and run jobs). Off for read-only commands such as `quire jobs`. */
  runJobs?: boolean;
  leaseMs?: number;
  /** How often running jobs' leases are refreshed (default 1 s; tests slow it to let a lease run out). */
  heartbeatMs?: number;
  /** Test hook: pause at the start of each step (crash tests). */
  stepDelayMs?: number;
  /** Test hook: time limit of every worker step instead of the size-scaled default (step-limits.ts). */
  stepTimeLimitMs?: number;
  /** Heap limit of each worker thread in MB (default: pool.ts DEFAULT_WORKER_HEAP_MB). */
  workerHeapMb?: number;
  /** Minimum interval between two events of one job (default 40 ms: ≤ 25 updates/s, and a progress event never waits longer). */
  eventIntervalMs?: number;
  /** The user's settings: their layer of resolveExport, over the workflow's defaults. */
  settings?: () => Settings;
  /** A damaged quire.db is moved aside and a fresh one made (the user agreed); else STORE_DAMAGED. */
  freshStore?: boolean;
  /** How STORE_DAMAGED tells this host's user to start fresh (default: the CLI's --fresh-store). */
  freshStoreHint?: string;
  /** Told where a damaged quire.db was moved (with `freshStore`), so the host can say so. */
  onStoreSetAside?: (movedTo: string) => void;
}

export type { DocumentChange };
/** The engine takes the contract's request and answers with its result: one definition of each. */
export type { StartExportInput, StartExportResult };

export const DEFAULT_MAX_ATTEMPTS = 5;
/** Documents longer than this (characters) have their image refs read in a worker (~10 ms of lexing and up). */
const OFF_THREAD_SCAN_CHARS = 256 * 1024;
/** Events of one job at most this often: progress p95 < 50 ms (issue #10) while a UI gets ≤ 25 updates/s. */
export const DEFAULT_EVENT_INTERVAL_MS = 40;
/** Stored images younger than this are never removed: an import writes them before its rows. */
export const ASSET_GRACE_MS = 60 * 60 * 1000;

function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

export class Engine {
  readonly dataDir: string;
  readonly outputDir: string;
  readonly #docs: DocumentStore;
  /** Documents' images by content: <dataDir>/assets. */
  readonly #assets: AssetStore;
  readonly #jobs: JobStore;
  readonly #store: QuireDb;
  readonly #options: EngineOptions;
  readonly #events = new EventEmitter();
  readonly #lastSeq = new Map<string, number>();
  readonly #throttles = new Map<string, Throttle<JobSnapshot>>();
  readonly #owner: Owner;
  readonly #scheduler: Scheduler | null;
  #pipeline: (PipelineRunner & { close(): Promise<void> }) | null = null;
  #pdf: PdfRenderer | null;
  #ownsPdf: boolean;
  readonly #changeFeed: ChangeFeed;
  readonly #previews: DocumentPreviews;
  #closed = false;
  readonly #handledHere = new Set<string>();
  /** The store's file deleted or replaced, or its disk full: set once, then every wait rejects with it. */
  #storeFailure: QuireError | null = null;
  readonly #storeWatch: StoreWatch;
  readonly #storeTimer: NodeJS.Timeout;

  constructor(store: QuireDb, options: EngineOptions) {
    this.#store = store;
    this.#options = options;
    this.dataDir = options.dataDir;
    this.outputDir = options.outputDir ?? defaultOutputDir();
    this.#docs = new DocumentStore(store.db);
    this.#assets = new AssetStore(path.join(options.dataDir, 'assets'));
    this.#jobs = new JobStore(store.db);
    this.#events.setMaxListeners(0);
    this.#pdf = options.pdfRenderer ?? null;
    this.#ownsPdf = !options.pdfRenderer;
    this.#owner = { id: randomUUID(), host: os.hostname(), pid: process.pid };
    this.#scheduler =
      options.runJobs === false
        ? null
        : new Scheduler({
            jobs: this.#jobs,
            owner: this.#owner,
            concurrency: options.concurrency ?? defaultConcurrency(),
            leaseMs: options.leaseMs,
            heartbeatMs: options.heartbeatMs,
            publish: (row) => this.#publish(row),
            run: (row, token, signal) => this.#run(row, token, signal),
            onError: (e) => {
              // A full disk under the data folder, or a damaged store, stops every job: none can record its end.
              const full = explainStoreFailure(e, this.#store.path);
              if ((full?.code === 'DATA_DIR_UNUSABLE' && full.details?.reason === 'ENOSPC') || full?.code === 'STORE_DAMAGED') this.#failStore(full);
              this.#events.emit('error', e);
            },
            onRecovered: (row) => {
              this.#handledHere.add(row.id);
              // Ended after its attempts (JOB_INTERRUPTED): its work folder is of no more use.
              if (!isActiveStatus(row.status)) void fsp.rm(path.join(this.dataDir, 'work', row.id), { recursive: true, force: true }).catch(() => undefined);
            },
          });
    // An 'error' event with no listener would throw; background failures are reported, not fatal.
    this.#events.on('error', () => undefined);
    // The data folder deleted under us: SQLite would go on writing to a file no one can open again.
    this.#storeWatch = new StoreWatch(store.path);
    this.#storeTimer = setInterval(() => this.#checkStore(), 1_000);
    this.#storeTimer.unref();
    this.#changeFeed = new ChangeFeed(this.#jobs, (row) => this.#publish(row), { dbFile: store.path, known: (id, seq) => (this.#lastSeq.get(id) ?? 0) >= seq });
    this.#previews = new DocumentPreviews({
      getDocument: (id) => this.#docs.get(id),
      resolve: (documentId, stageId) => this.resolveExport({ documentId, stageId }),
      pipeline: () => this.#pipelinePool(),
      diagramRenderer: async () => {
        await this.ensurePdfRenderer();
        return this.#pdf;
      },
      assetPath: (sha256) => this.#assets.pathOf(sha256),
    });
  }

  get dbPath(): string {
    return this.#store.path;
  }

  /** Starts claiming and running jobs; first requeues jobs whose runner died. */
  startJobs(): void {
    this.#scheduler?.start();
  }

  // ---- documents -------------------------------------------------------------------------

  listWorkflows(): WorkflowDefinition[] {
    return structuredClone([...WORKFLOWS]);
  }

  listDocuments(): Promise<DocumentSummary[]> {
    return this.#docs.list();
  }

  getDocument(id: string): Promise<QuireDocument> {
    return this.#docs.get(id);
  }

  /**
   * A document from text. Its local images are read from `baseDir` when given (as importFile
   * does); without one (an import from the UI) they are listed as missing until added.
   */
  async createDocument(input: CreateDocumentInput): Promise<QuireDocument> {
    const doc = await this.#docs.create({ ...input, assets: await this.#scanAssets(input.source, input.format, input.baseDir ?? null) });
    this.#events.emit('document', { documentId: doc.id, kind: 'created' } satisfies DocumentChange);
    return doc;
  }

  /**
   * Reads and validates a file (see readDocumentFile for the errors), then creates its
   * document, or updates the one already imported from that file: the same file is the same
   * document, so exporting it again replaces its own earlier outputs.
   */
  async importFile(file: string | ImportedFile, workflowId?: string): Promise<QuireDocument & { fileBaseName: string }> {
    const f = typeof file === 'string' ? readDocumentFile(file) : file;
    // Its images are read next to it and stored by content, so exports never depend on the folder again.
    const assets = await this.#scanAssets(f.source, f.format, f.baseDir);
    const { doc, created } = await this.#docs
      .upsertBySourcePath(sourceKeyOf(f.path), { title: f.title, source: f.source, format: f.format, baseDir: f.baseDir, workflowId, assets })
      .catch((e) => {
        throw explainStoreFailure(e, this.#store.path) ?? e;
      });
    this.#events.emit('document', { documentId: doc.id, kind: created ? 'created' : 'updated' } satisfies DocumentChange);
    return { ...doc, fileBaseName: f.baseName };
  }

  /** Saves an edit; new image refs are read from the document's folder if it has one, else listed as missing. */
  async updateDocument(id: string, patch: UpdateDocumentInput): Promise<QuireDocument> {
    let assets: AssetScan | undefined;
    if (patch.source !== undefined || patch.format !== undefined) {
      const current = await this.#docs.get(id);
      const stored = new Set(current.assets.filter((a) => a.status === 'stored').map((a) => a.ref));
      assets = await this.#scanAssets(patch.source ?? current.source, patch.format ?? current.format, current.baseDir, stored);
    }
    const doc = await this.#docs.update(id, { ...patch, assets });
    this.#events.emit('document', { documentId: id, kind: 'updated' } satisfies DocumentChange);
    return doc;
  }

  /** The source's local image refs, and those of them (not in `skip`) read from `baseDir` and stored. */
  async #scanAssets(source: string, format: QuireDocument['format'], baseDir: string | null, skip = new Set<string>()): Promise<AssetScan> {
    // A large document is lexed in a worker: on the main thread it would stall every job's events.
    const pool = source.length > OFF_THREAD_SCAN_CHARS ? ((await this.#pipelinePool()) as Partial<Pick<PipelinePool, 'scanAssetRefs'>>) : null;
    const refs = pool?.scanAssetRefs ? await pool.scanAssetRefs(source, format) : scanAssetRefs(source, format);
    if (!baseDir) return { refs };
    return { refs, found: await readFolderAssets(this.#assets, baseDir, refs.filter((r) => !skip.has(r))) };
  }

  /**
   * Stores files for the document's image refs (a browser import's images, or ones the user
   * adds for missing refs): each file's path is matched against the refs as normalised, checked
   * as an image (type by its bytes, size) and stored, or marked refused with the reason. Files
   * no ref names are ignored.
   *
   * @example
   * await engine.addDocumentAssets(doc.id, [{ path: 'images/a.png', data: pngBase64 }]);
   */
  async addDocumentAssets(documentId: string, files: AssetFile[]): Promise<QuireDocument> {
    const doc = await this.#docs.get(documentId);
    if ((await addAssetFiles(this.#store.db, this.#assets, doc, files)) === 0) return doc;
    this.#events.emit('document', { documentId, kind: 'updated' } satisfies DocumentChange);
    return this.#docs.get(documentId);
  }

  /**
   * A stored image's bytes and type, for hosts that serve them to the preview (GET
   * `${assetBase}/${sha256}`). Only files some document refers to; else ASSET_NOT_FOUND.
   */
  readAsset(sha256: string): Promise<{ data: Buffer; mediaType: string }> {
    return readStoredAsset(this.#store.db, this.#assets, sha256);
  }

  /** Cancels the document's active jobs, then deletes it with its stage states and jobs. */
  async deleteDocument(id: string): Promise<void> {
    await this.#docs.get(id);
    for (const job of await this.#jobs.list({ documentId: id, statuses: ['queued', 'running'] })) {
      await this.cancelExport(job.id);
    }
    await this.#waitUntil(async () => (await this.#jobs.list({ documentId: id, statuses: ['running'] })).length === 0, 30_000);
    await this.#docs.delete(id);
    this.#events.emit('document', { documentId: id, kind: 'deleted' } satisfies DocumentChange);
  }

  getStageStates(documentId: string): Promise<StageState[]> {
    return this.#docs.getStageStates(documentId);
  }

  async saveStageState(documentId: string, stageId: string, input: SaveStageStateInput): Promise<StageState> {
    const state = await this.#docs.saveStageState(documentId, stageId, input);
    this.#events.emit('document', { documentId, kind: 'updated' } satisfies DocumentChange);
    return state;
  }

  // ---- jobs ------------------------------------------------------------------------------

  /**
   * What `startExport(input)` would run now, resolved from every layer (see export-spec.ts),
   * without recording a job. The forms show this, so what the screen says is what runs.
   */
  async resolveExport(input: StartExportInput): Promise<ExportSpec> {
    return resolveJobSpec(this.#store.db, input, { snapshot: false, settings: this.#options.settings?.(), defaultOutDir: this.outputDir });
  }

  /**
   * Records an export job (queued) with its resolved spec and a snapshot of the document's
   * source, and the stage state's exportJobId, in one transaction; returns at once. The same
   * export (same spec) already queued or running returns that job instead.
   */
  async startExport(input: StartExportInput): Promise<StartExportResult> {
    this.#checkStore();
    if (this.#storeFailure) throw this.#storeFailure;
    const result = await enqueueExport(this.#store.db, input, this.#enqueueContext()).catch((e) => {
      throw explainStoreFailure(e, this.#store.path) ?? e;
    });
    const spec = result.spec ?? (JSON.parse(result.row.spec) as ExportSpec);
    this.#publish(result.row, spec);
    if (result.created) {
      this.#events.emit('document', { documentId: input.documentId, kind: 'updated' } satisfies DocumentChange);
      void this.#scheduler?.pump();
    }
    return { jobId: result.row.id, created: result.created, spec };
  }

  /**
   * Several exports (a batch of files) recorded in as few transactions as keep the main thread
   * free (jobs/enqueue.ts: one fsync per ~25 ms of work instead of one per job). Each input's
   * result in order: as startExport's, or `{ error }` for an input refused with a QuireError
   * (that one records nothing; the others go on). Store failures are thrown.
   *
   * @example
   * const results = await engine.startExports(docs.map((d) => ({ documentId: d.id, stageId: 'export' })));
   * const failed = results.filter((r) => 'error' in r);
   */
  async startExports(inputs: readonly StartExportInput[]): Promise<Array<StartExportResult | { error: QuireError }>> {
    this.#checkStore();
    if (this.#storeFailure) throw this.#storeFailure;
    const changed = new Set<string>();
    // Each transaction's jobs reach subscribers (and the runners) once committed, not when the
    // whole batch is in; the change feed then finds them published and does not read them back.
    const committed = (results: ReadonlyArray<Enqueued | { error: QuireError }>) => {
      for (const r of results) {
        if ('error' in r) continue;
        this.#publish(r.row, r.spec);
        if (r.created) changed.add(r.row.document_id);
      }
      if (results.some((r) => 'row' in r && r.created)) void this.#scheduler?.pump();
    };
    const results = await enqueueExports(this.#store.db, inputs, this.#enqueueContext(), {}, committed).catch((e) => {
      throw explainStoreFailure(e, this.#store.path) ?? e;
    });
    for (const documentId of changed) this.#events.emit('document', { documentId, kind: 'updated' } satisfies DocumentChange);
    return results.map((r) => ('error' in r ? r : { jobId: r.row.id, created: r.created, spec: r.spec ?? (JSON.parse(r.row.spec) as ExportSpec) }));
  }

  #enqueueContext(): EnqueueContext {
    return { sqlite: this.#store.sqlite, settings: this.#options.settings?.(), defaultOutDir: this.outputDir, createdBy: osUser(), maxAttempts: this.#options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS };
  }

  /**
   * The Write stage's preview: the document (or unsaved `source`) through the export's own
   * pipeline and resolved spec, stored images linked at `imageUrl` (see jobs/document-preview.ts).
   */
  previewDocument(input: PreviewDocumentRequest): Promise<PreviewDocumentResult> {
    if (this.#closed) return Promise.reject(Errors.internal('The engine is closed.'));
    return this.#previews.render(input);
  }

  /** Cancels a queued job at once; a running one is aborted by whichever process runs it. */
  async cancelExport(jobId: string): Promise<JobSnapshot> {
    const { row } = await this.#jobs.requestCancel(jobId);
    this.#publish(row);
    if (row.status === 'cancelled') await removeSnapshotIfUnused(this.#store.db, row.source_sha256).catch(() => false);
    if (row.status === 'running') this.#scheduler?.abortLocal(jobId);
    return toSnapshot(row);
  }

  /**
   * Starts a new job for a job that failed or was cancelled: the document as it is now (the
   * user may have fixed what failed), with the options the failed job ran with.
   */
  async retryExport(jobId: string): Promise<StartExportResult> {
    const job = await this.#jobs.get(jobId);
    if (isActiveStatus(job.status) || job.status === 'completed') throw Errors.jobNotRetryable(jobId, job.status);
    const { formats, outDir, fileBase, overwrite, pdf, style } = job.spec;
    const { theme, toc, math, diagrams, highlight } = style;
    // A CSS file the front matter named is named again by it (its path is relative to the document).
    const css = style.css && style.css.from !== 'frontMatter' ? { css: style.css.path } : {};
    return this.startExport({
      documentId: job.documentId,
      stageId: job.stageId,
      options: { formats, outDir, fileName: fileBase, overwrite, pdf, theme, toc, math, diagrams, highlight, ...css },
    });
  }

  getJob(jobId: string): Promise<JobSnapshot> {
    return this.#jobs.get(jobId);
  }

  /**
   * The bytes a job wrote for one format, only while the file still holds exactly them:
   * Download and Open use this. Throws OUTPUT_MISSING or OUTPUT_CHANGED with a plain message.
   */
  async readJobOutput(jobId: string, format: string): Promise<{ output: JobOutput; data: Buffer }> {
    const job = await this.#jobs.get(jobId);
    const output = job.outputs.find((o) => o.format === format);
    if (!output) throw Errors.invalidInput(`Job ${jobId} has no ${format} output.`, { jobId, format });
    return { output, data: await readIntactOutput(output) };
  }

  /**
   * Who runs a running job, and whether that runner is gone (its process ended or its lease
   * ran out); null when the job is not running. `quire watch` says so instead of waiting forever.
   */
  async runnerOf(jobId: string, leaseMs = this.#options.leaseMs ?? DEFAULT_LEASE_MS): Promise<{ gone: boolean; pid: number | null; host: string | null } | null> {
    const row = await this.#jobs.getRow(jobId);
    if (row.status !== 'running') return null;
    return { gone: runnerIsGone(row, os.hostname(), leaseMs), pid: row.owner_pid, host: row.owner_host };
  }

  listJobs(options?: ListJobsOptions): Promise<JobSnapshot[]> {
    return this.#jobs.list(options);
  }

  /**
   * Jobs a page at a time, newest first (keyset on an index: any page of 10,000 jobs costs the
   * same). Pass the page's `nextCursor` for the next one; null means no more.
   *
   * @example
   * const first = await engine.listJobsPage({ limit: 100 });
   * const second = first.nextCursor ? await engine.listJobsPage({ limit: 100, cursor: first.nextCursor }) : null;
   */
  listJobsPage(options?: JobPageOptions): Promise<JobPage> {
    return this.#jobs.listPage(options);
  }

  /** Every change of every job (at most ~25 per second per job). */
  onDidChangeJob(listener: (job: JobSnapshot) => void): () => void {
    this.#events.on('job', listener);
    return () => this.#events.off('job', listener);
  }

  onDidChangeDocument(listener: (change: DocumentChange) => void): () => void {
    this.#events.on('document', listener);
    return () => this.#events.off('document', listener);
  }

  /** Background errors (a failed heartbeat, a runner bug); never thrown at the caller. */
  onError(listener: (e: unknown) => void): () => void {
    this.#events.on('error', listener);
    return () => this.#events.off('error', listener);
  }

  /**
   * The current snapshot first, then every later change of this job (the seed's onSnapshot).
   * Changes older than what the listener already saw are dropped.
   */
  subscribe(jobId: string, listener: (job: JobSnapshot) => void, onError?: (e: unknown) => void): () => void {
    let seen = 0;
    let active = true;
    const deliver = (job: JobSnapshot) => {
      if (!active || job.id !== jobId || job.seq <= seen) return;
      seen = job.seq;
      listener(job);
    };
    this.#events.on('job', deliver);
    this.#jobs.get(jobId).then(deliver, (e) => {
      if (active) onError?.(e);
    });
    return () => {
      active = false;
      this.#events.off('job', deliver);
    };
  }

  /** Resolves with the final snapshots once every job has ended (completed, error or cancelled). */
  async waitForJobs(jobIds: string[]): Promise<JobSnapshot[]> {
    const pending = new Set(jobIds);
    const finals = new Map<string, JobSnapshot>();
    await new Promise<void>((resolve, reject) => {
      const check = (job: JobSnapshot) => {
        if (!pending.has(job.id) || isActiveStatus(job.status)) return;
        pending.delete(job.id);
        finals.set(job.id, job);
        if (pending.size === 0) {
          off();
          resolve();
        }
      };
      const offJobs = this.onDidChangeJob(check);
      const failed = (e: QuireError) => {
        off();
        reject(e);
      };
      this.#events.on('storeFailed', failed);
      const off = () => {
        offJobs();
        this.#events.off('storeFailed', failed);
      };
      if (this.#storeFailure) return failed(this.#storeFailure);
      Promise.all(jobIds.map((id) => this.#jobs.get(id))).then((jobs) => jobs.forEach(check), (e) => {
        off();
        reject(e);
      });
    });
    // A final state read from a file that was deleted meanwhile was never really recorded.
    this.#checkStore();
    if (this.#storeFailure) throw this.#storeFailure;
    return Promise.all(jobIds.map((id) => this.#jobs.get(id)));
  }

  /** Runs queued and interrupted jobs until none is left that this process can claim. */
  async runUntilIdle(): Promise<void> {
    if (!this.#scheduler) throw Errors.internal('This engine was opened without a job runner.');
    this.#scheduler.start();
    await this.#scheduler.recover();
    await this.#scheduler.whenIdle();
  }

  /**
   * Stops the scheduler (running jobs go back to the queue unless `drain`), the worker pool
   * and the browser, then the database.
   */
  async close({ drain = false }: { drain?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#storeTimer);
    this.#changeFeed.stop();
    this.#previews.abortAll();
    await this.#scheduler?.stop({ drain });
    for (const t of this.#throttles.values()) t.dispose();
    await this.#pipeline?.close();
    if (this.#ownsPdf) await this.#pdf?.close();
    await this.#store.close();
  }

  // ---- internals -------------------------------------------------------------------------

  /** Notices the store's file gone or replaced (see StoreWatch); true while it is still ours. */
  #checkStore(): boolean {
    if (this.#storeFailure) return false;
    const lost = this.#storeWatch.lost();
    if (lost) this.#failStore(lost);
    return !lost;
  }

  /** Nothing more can be recorded: stop the jobs (their temp files go) and tell every waiter. */
  #failStore(e: QuireError): void {
    if (this.#storeFailure) return;
    this.#storeFailure = e;
    clearInterval(this.#storeTimer);
    void this.#scheduler?.stop().catch(() => undefined);
    this.#events.emit('storeFailed', e);
    this.#events.emit('error', e);
  }

  /** What the last removeLeftovers() freed (createEngine runs it before starting jobs). */
  leftoversRemoved: LeftoversRemoved = { folders: 0, bytes: 0 };
  /** The stored images the last removeLeftovers() removed. */
  assetsRemoved = { files: 0, bytes: 0 };

  /**
   * Removes what dead runs left: work folders of jobs no longer queued or running, and the
   * Chromium folders of processes that are gone (see jobs/leftovers.ts). Never throws.
   */
  async removeLeftovers(): Promise<LeftoversRemoved> {
    this.leftoversRemoved = await removeLeftovers({ jobs: this.#jobs, workDir: path.join(this.dataDir, 'work') }).catch(() => ({ folders: 0, bytes: 0 }));
    await removeUnusedSnapshots(this.#store.db).catch(() => 0);
    // Images no document and no queued or running job refers to; young ones may belong to an import in progress.
    this.assetsRemoved = await assetHashesInUse(this.#store.db)
      .then((keep) => this.#assets.removeUnused(keep, ASSET_GRACE_MS))
      .catch(() => ({ files: 0, bytes: 0 }));
    return this.leftoversRemoved;
  }

  /** Jobs this process ran or recovered (requeued or ended), for reports such as `quire resume`. */
  get jobsHandledHere(): string[] {
    return [...this.#handledHere];
  }

  async #run(row: JobRow, token: string, signal: AbortSignal): Promise<void> {
    this.#handledHere.add(row.id);
    await runExportJob(
      {
        jobs: this.#jobs,
        db: this.#store.db,
        pipeline: await this.#pipelinePool(),
        pdf: () => this.#pdfRenderer(),
        workDir: path.join(this.dataDir, 'work'),
        assets: this.#assets,
        publish: (r) => this.#publish(r),
        stepDelayMs: this.#options.stepDelayMs,
      },
      row,
      token,
      signal,
    );
    // The source snapshot goes once no queued or running job needs it.
    await removeSnapshotIfUnused(this.#store.db, row.source_sha256).catch(() => false);
  }

  async #pipelinePool(): Promise<PipelineRunner> {
    if (!this.#pipeline) {
      const { createPipelinePool } = await import('./pipeline/pool.ts');
      this.#pipeline = createPipelinePool({
        maxThreads: this.#options.maxThreads,
        workerFile: this.#options.workerFile,
        stepTimeLimitMs: this.#options.stepTimeLimitMs,
        maxHeapMb: this.#options.workerHeapMb,
      });
    }
    return this.#pipeline!;
  }

  #pdfRenderer(): PdfRenderer {
    if (!this.#pdf) {
      // Imported lazily so hosts that bring their own renderer never load playwright-core.
      throw Errors.internal('PDF renderer not loaded');
    }
    return this.#pdf;
  }

  /**
   * Starts the PDF renderer's browser and a print page now, without waiting: a host that knows
   * PDF jobs are coming (the CLI's export) gets them ready while it imports the files and queues
   * the jobs, instead of once the first job starts (a one-chapter `quire export`: 2.25 → 2.08 s,
   * medians of 8 interleaved runs).
   */
  warmUpPdf(): void {
    this.#pdf?.warmUp?.();
  }

  /** Loads the default renderer before a job needs it (kept out of the constructor: it is async). */
  async ensurePdfRenderer(): Promise<void> {
    if (this.#pdf) return;
    // Loaded by the first job that prints or draws: playwright-core costs ~1 s of main-thread CPU.
    // In a thread of its own when its entry is there (sources, the CLI bundle): Playwright's
    // share of printing then never stalls the engine's event loop.
    this.#pdf = new LazyPdfRenderer(
      async () => {
        const { ThreadedPdfRenderer, printThreadAvailable } = await import('./pdf/print-thread.ts');
        if (printThreadAvailable()) return new ThreadedPdfRenderer();
        return new (await import('./pdf/chromium-pdf-renderer.ts')).ChromiumPdfRenderer();
      },
      // Both serve the print form's images (request.assets).
      { servesAssets: true },
    );
    this.#ownsPdf = true;
  }

  /** Hands a job's row to subscribers, once per seq; `spec` is row.spec parsed, when the caller has it. */
  #publish(row: JobRow, spec?: ExportSpec): void {
    if ((this.#lastSeq.get(row.id) ?? 0) >= row.seq) return;
    this.#lastSeq.set(row.id, row.seq);
    const snapshot = toSnapshot(row, spec);
    let throttle = this.#throttles.get(row.id);
    if (!throttle) {
      throttle = new Throttle<JobSnapshot>(this.#options.eventIntervalMs ?? DEFAULT_EVENT_INTERVAL_MS, (s) => this.#events.emit('job', s));
      this.#throttles.set(row.id, throttle);
    }
    if (isActiveStatus(snapshot.status)) {
      throttle.push(snapshot);
    } else {
      // A final state always reaches subscribers at once.
      throttle.flush(snapshot);
      throttle.dispose();
      this.#throttles.delete(row.id);
    }
  }

  /** Follows other processes' job changes from now on; called once before the engine is handed out. */
  async initChangeFeed(): Promise<void> {
    await this.#changeFeed.init();
    this.#changeFeed.start();
  }

  async #waitUntil(cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(await cond())) {
      if (Date.now() > end) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * The engine options every host takes from the environment (test hooks): a pause after each
 * job step (QUIRE_TEST_STEP_DELAY_MS) and the runner lease (QUIRE_LEASE_MS).
 */
export function engineOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): Pick<EngineOptions, 'stepDelayMs' | 'leaseMs'> {
  const stepDelayMs = Number(env.QUIRE_TEST_STEP_DELAY_MS ?? 0);
  return {
    ...(stepDelayMs > 0 ? { stepDelayMs } : {}),
    ...(env.QUIRE_LEASE_MS ? { leaseMs: Number(env.QUIRE_LEASE_MS) } : {}),
  };
}

export async function createEngine(options: EngineOptions): Promise<Engine> {
  const { store, setAside } = await openStore(path.join(options.dataDir, 'quire.db'), { freshStore: options.freshStore, freshHint: options.freshStoreHint });
  if (setAside) options.onStoreSetAside?.(setAside);
  const engine = new Engine(store, options);
  await engine.initChangeFeed();
  if (options.runJobs !== false) {
    if (!options.pdfRenderer) await engine.ensurePdfRenderer();
    // Jobs first (an interrupted one runs again sooner): the clean-up keeps whatever a queued
    // or running job uses, so it can run alongside.
    engine.startJobs();
    await engine.removeLeftovers();
  }
  return engine;
}
