/**
 * The data shapes every host shares: the engine produces them, the contract carries
 * them, the renderer shows them. Pure TypeScript: nothing of node:, the DOM or electron.
 */

export type SourceFormat = 'md' | 'html';
export type ExportFormat = 'pdf' | 'html' | 'md';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['pdf', 'html', 'md'];

export type JobStatus = 'queued' | 'running' | 'completed' | 'error' | 'cancelled';
export const ACTIVE_JOB_STATUSES: readonly JobStatus[] = ['queued', 'running'];

export function isActiveStatus(status: JobStatus): boolean {
  return status === 'queued' || status === 'running';
}

/** A file size as users read it, the same in the CLI and the app: "512 B", "34.6 KB", "9.2 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Steps an export job walks through, in order. `prepare` builds the export HTML. */
export type JobStep = 'queued' | 'prepare' | 'html' | 'md' | 'pdf' | 'done';

export interface DocumentSummary {
  id: string;
  title: string;
  format: SourceFormat;
  workflowId: string;
  revision: number;
  createdAt: number;
  updatedAt: number;
}

export interface QuireDocument extends DocumentSummary {
  source: string;
  /** Folder relative images and links resolve against (the imported file's folder), if any. */
  baseDir: string | null;
}

export type PageSize = 'A3' | 'A4' | 'A5' | 'Letter' | 'Legal' | 'Tabloid';
export const PAGE_SIZES: readonly PageSize[] = ['A3', 'A4', 'A5', 'Letter', 'Legal', 'Tabloid'];

export interface PdfOptions {
  pageSize: PageSize;
  /** Margins in millimetres. */
  margins: { top: number; right: number; bottom: number; left: number };
  landscape: boolean;
  printBackground: boolean;
  /** Header with the title, footer with "page / total". */
  headerFooter: boolean;
  /** PDF bookmarks built from the headings. */
  outline: boolean;
  /** Tagged (accessible) PDF. */
  tagged: boolean;
}

export const DEFAULT_PDF_OPTIONS: PdfOptions = {
  pageSize: 'A4',
  margins: { top: 18, right: 16, bottom: 18, left: 16 },
  landscape: false,
  printBackground: true,
  headerFooter: true,
  outline: true,
  tagged: true,
};

export interface DocumentMeta {
  author?: string;
  date?: string;
  subtitle?: string;
}

/** What an export stage asks for. Stored on the stage definition and copied onto each job. */
export interface ExportOptions {
  formats: ExportFormat[];
  /** Folder the outputs go to; null means the engine's default output folder. */
  outDir: string | null;
  /** Base name of the output files without extension; defaults to one made from the title. */
  fileName?: string;
  /**
   * Replace a file already at the output path although Quire did not write it for this
   * document (default false: the new output gets a free name such as "notes (2).pdf").
   * Never replaces a document's source file.
   */
  overwrite?: boolean;
  pdf: PdfOptions;
}

export interface JobOutput {
  format: ExportFormat;
  path: string;
  bytes: number;
  sha256: string;
  pages?: number;
}

export interface JobError {
  code: string;
  message: string;
}

export interface JobSnapshot {
  id: string;
  documentId: string;
  stageId: string;
  status: JobStatus;
  /** 0–100, never goes backwards within a job. */
  progress: number;
  step: JobStep;
  message: string;
  attempt: number;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  error: JobError | null;
  options: ExportOptions;
  outputs: JobOutput[];
  /**
   * What the user should know about the result although the job went on: an image that was
   * not found or not embedded, and the like. Each names the thing and the problem.
   */
  warnings: string[];
  /** Increases with every change of the job; lets a subscriber drop stale updates. */
  seq: number;
}

export type StageKind = 'write' | 'details' | 'export';

export interface StageDefinition {
  id: string;
  kind: StageKind;
  title: string;
  /** Only for export stages. */
  exportOptions?: ExportOptions;
}

export interface WorkflowDefinition {
  id: string;
  title: string;
  stages: StageDefinition[];
}

export type StageStatus = 'pending' | 'in_progress' | 'done';

export interface StageState {
  documentId: string;
  stageId: string;
  status: StageStatus;
  data: Record<string, unknown>;
  exportJobId: string | null;
  updatedAt: number;
}
