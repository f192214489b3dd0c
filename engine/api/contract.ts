/**
 * QuireApi: the one contract between the UI and the engine, whatever carries it (Electron
 * IPC, a WebSocket, an in-memory pair in tests). Calls return promises; `onDid*` members
 * subscribe to events and return an unsubscribe function.
 *
 * @example
 * const quire = connect<QuireApi>(transport);
 * const { jobId } = await quire.startExport({ documentId, stageId: 'export' });
 * const off = quire.onDidChangeJob((job) => job.id === jobId && render(job));
 */
import type { ExportCallOptions, ExportSpec, Settings } from './export-spec.ts';
import type {
  AssetFile,
  DetailsStageData,
  DocumentSummary,
  ExportStageData,
  JobSnapshot,
  QuireDocument,
  SourceFormat,
  StageState,
  StageStatus,
  WorkflowDefinition,
  WriteStageData,
} from './types.ts';

export type { Settings, Theme } from './export-spec.ts';

export type Unsubscribe = () => void;

export interface DocumentChange {
  documentId: string;
  kind: 'created' | 'updated' | 'deleted';
}

export interface HostInfo {
  kind: 'electron' | 'browser' | 'test';
  /** Open an output with the OS's default app. */
  canOpenPath: boolean;
  /** Reveal an output in the file manager. */
  canShowInFolder: boolean;
  /** Outputs can be downloaded over HTTP (browser host): GET `${downloadBase}/${jobId}/${format}`. */
  downloadBase: string | null;
  /**
   * Where the preview loads a document's stored files: GET `${assetBase}/${sha256}` (browser
   * host: HTTP with the session's credentials; desktop: the app protocol). Null: no previews of images.
   */
  assetBase: string | null;
  platform: string;
  version: string;
}

export interface CreateDocumentRequest {
  title: string;
  source: string;
  format: SourceFormat;
  workflowId?: string;
}

/** An import from the UI: the file's name and its text (read by the renderer, e.g. drag and drop). */
export interface ImportDocumentRequest {
  fileName: string;
  content: string;
  workflowId?: string;
}

export interface SaveDocumentRequest {
  title?: string;
  source?: string;
}

export interface SaveStageStateRequest {
  status?: StageStatus;
  /** Replaces the stage's data; checked against the stage kind's schema (STAGE_DATA_SCHEMAS). */
  data?: WriteStageData | DetailsStageData | ExportStageData;
}

export interface StartExportRequest {
  documentId: string;
  stageId: string;
  /** The call's layer of resolveExport: overrides everything the stage, settings and document ask for (`metadata`: over Details). */
  options?: ExportCallOptions;
}

export interface StartExportResult {
  jobId: string;
  /** False when the same export was already queued or running: that job is returned. */
  created: boolean;
  /** What the job runs (the job's own spec when it already existed). */
  spec: ExportSpec;
}

export interface PreviewDocumentRequest {
  documentId: string;
  /** The text to preview (unsaved edits); absent: the saved source. */
  source?: string;
  /** Absent: the document's own format. */
  format?: SourceFormat;
  /**
   * Where the preview loads a stored image: an address with `{sha256}` in it, e.g.
   * `/document-assets/{sha256}?token=…` (HostInfo.assetBase). Absent: images show as the
   * export's "missing image" placeholder.
   */
  imageUrl?: string;
}

export interface PreviewDocumentResult {
  /**
   * The page, rendered like the export (theme, front matter hidden, …), no scripts; its
   * `<style>` elements are in `styles` and its style attributes renamed `data-quire-style`, for
   * a frame whose CSP refuses inline styles (set them through the CSSOM).
   */
  html: string;
  /** The text of the page's `<style>` elements, in document order. */
  styles: string[];
  warnings: string[];
}

export interface ListJobsRequest {
  documentId?: string;
  limit?: number;
}

export interface ListJobsPageRequest {
  documentId?: string;
  /** Jobs per page: 1 to 1,000 (default 100). */
  limit?: number;
  /** The `nextCursor` of the page before; absent for the newest page. */
  cursor?: string;
}

export interface JobsPage {
  jobs: JobSnapshot[];
  /** Pass it back for the next (older) page; null when there is none. */
  nextCursor: string | null;
}

export interface QuireApi {
  listWorkflows(): Promise<WorkflowDefinition[]>;
  listDocuments(): Promise<DocumentSummary[]>;
  getDocument(id: string): Promise<QuireDocument>;
  createDocument(input: CreateDocumentRequest): Promise<QuireDocument>;
  importDocument(input: ImportDocumentRequest): Promise<QuireDocument>;
  saveDocument(id: string, patch: SaveDocumentRequest): Promise<QuireDocument>;
  deleteDocument(id: string): Promise<void>;
  /**
   * Stores files the document refers to (images a browser import brought, or ones the user
   * adds for missing references); files it does not refer to are ignored. Returns the document
   * with its updated asset list.
   */
  addDocumentAssets(documentId: string, files: AssetFile[]): Promise<QuireDocument>;
  getStageStates(documentId: string): Promise<StageState[]>;
  saveStageState(documentId: string, stageId: string, input: SaveStageStateRequest): Promise<StageState>;

  /** What startExport would run now, without starting it: the forms show these values. */
  resolveExport(input: StartExportRequest): Promise<ExportSpec>;
  startExport(input: StartExportRequest): Promise<StartExportResult>;
  /**
   * The document rendered by the export's own pipeline, for the Write stage's preview. A newer
   * call for the same document ends an older one (PREVIEW_SUPERSEDED); a slow one PREVIEW_TIMEOUT.
   */
  previewDocument(input: PreviewDocumentRequest): Promise<PreviewDocumentResult>;
  cancelExport(jobId: string): Promise<JobSnapshot>;
  retryExport(jobId: string): Promise<StartExportResult>;
  /** The newest jobs (at most `limit`, default 200): one page. Lists that go further use listJobsPage. */
  listJobs(query?: ListJobsRequest): Promise<JobSnapshot[]>;
  /**
   * Jobs newest first, a page at a time, by keyset (any page costs the same, and jobs started
   * meanwhile never shift the pages after the first).
   *
   * @example
   * let page = await quire.listJobsPage({ limit: 100 });
   * while (page.nextCursor) page = await quire.listJobsPage({ limit: 100, cursor: page.nextCursor });
   */
  listJobsPage(query?: ListJobsPageRequest): Promise<JobsPage>;
  getJob(jobId: string): Promise<JobSnapshot>;

  getSettings(): Promise<Settings>;
  updateSettings(patch: Partial<Settings>): Promise<Settings>;

  getHostInfo(): Promise<HostInfo>;
  /** Throws UNSUPPORTED_ON_HOST where the host cannot (browser): offer the download instead. */
  openOutput(path: string): Promise<void>;
  showOutputInFolder(path: string): Promise<void>;

  onDidChangeJob(listener: (job: JobSnapshot) => void): Unsubscribe;
  onDidChangeDocument(listener: (change: DocumentChange) => void): Unsubscribe;
}

/** The names of QuireApi's calls and events, for hosts that build proxies and validators. */
export const API_METHODS = [
  'listWorkflows',
  'listDocuments',
  'getDocument',
  'createDocument',
  'importDocument',
  'saveDocument',
  'deleteDocument',
  'addDocumentAssets',
  'getStageStates',
  'saveStageState',
  'resolveExport',
  'startExport',
  'previewDocument',
  'cancelExport',
  'retryExport',
  'listJobs',
  'listJobsPage',
  'getJob',
  'getSettings',
  'updateSettings',
  'getHostInfo',
  'openOutput',
  'showOutputInFolder',
] as const satisfies ReadonlyArray<keyof QuireApi>;

export const API_EVENTS = ['onDidChangeJob', 'onDidChangeDocument'] as const satisfies ReadonlyArray<keyof QuireApi>;

export type ApiMethod = (typeof API_METHODS)[number];
export type ApiEvent = (typeof API_EVENTS)[number];

// Compile-time check that the two lists cover QuireApi exactly.
type _Covers = Exclude<keyof QuireApi, ApiMethod | ApiEvent> extends never ? true : never;
const _covers: _Covers = true;
void _covers;
