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
import type {
  DocumentSummary,
  ExportFormat,
  ExportOptions,
  JobSnapshot,
  PdfOptions,
  QuireDocument,
  SourceFormat,
  StageState,
  StageStatus,
  WorkflowDefinition,
} from './types.ts';

export type Unsubscribe = () => void;

export interface DocumentChange {
  documentId: string;
  kind: 'created' | 'updated' | 'deleted';
}

export type Theme = 'system' | 'light' | 'dark';

export interface Settings {
  /** Where exports go when the export stage names no folder. */
  outputDir: string;
  defaultFormats: ExportFormat[];
  pdf: PdfOptions;
  theme: Theme;
  /** Jobs run at once (takes effect at the next start). */
  concurrency: number;
  openFolderWhenDone: boolean;
  /** Exports replace files at their output path that Quire did not write (never a source file). */
  overwriteOutputs: boolean;
}

export interface HostInfo {
  kind: 'electron' | 'browser' | 'test';
  /** Open an output with the OS's default app. */
  canOpenPath: boolean;
  /** Reveal an output in the file manager. */
  canShowInFolder: boolean;
  /** Outputs can be downloaded over HTTP (browser host): GET `${downloadBase}/${jobId}/${format}`. */
  downloadBase: string | null;
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
  data?: Record<string, unknown>;
}

export interface StartExportRequest {
  documentId: string;
  stageId: string;
  options?: Partial<ExportOptions>;
}

export interface ListJobsRequest {
  documentId?: string;
  limit?: number;
}

export interface QuireApi {
  listWorkflows(): Promise<WorkflowDefinition[]>;
  listDocuments(): Promise<DocumentSummary[]>;
  getDocument(id: string): Promise<QuireDocument>;
  createDocument(input: CreateDocumentRequest): Promise<QuireDocument>;
  importDocument(input: ImportDocumentRequest): Promise<QuireDocument>;
  saveDocument(id: string, patch: SaveDocumentRequest): Promise<QuireDocument>;
  deleteDocument(id: string): Promise<void>;
  getStageStates(documentId: string): Promise<StageState[]>;
  saveStageState(documentId: string, stageId: string, input: SaveStageStateRequest): Promise<StageState>;

  startExport(input: StartExportRequest): Promise<{ jobId: string; created: boolean }>;
  cancelExport(jobId: string): Promise<JobSnapshot>;
  retryExport(jobId: string): Promise<{ jobId: string; created: boolean }>;
  listJobs(query?: ListJobsRequest): Promise<JobSnapshot[]>;
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
  'getStageStates',
  'saveStageState',
  'startExport',
  'cancelExport',
  'retryExport',
  'listJobs',
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
