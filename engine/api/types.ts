/**
 * The data shapes every host shares: the engine produces them, the contract carries
 * them, the renderer shows them. Pure TypeScript: nothing of node:, the DOM or electron.
 */

export {
  DEFAULT_PDF_OPTIONS,
  EXPORT_FORMATS,
  PAGE_SIZES,
  type AssetRef,
  type DetailsStageData,
  type DocumentMeta,
  type ExportFormat,
  type ExportOptions,
  type ExportOptionsPatch,
  type ExportSpec,
  type ExportStageData,
  type PageSize,
  type PdfOptions,
  type SourceFormat,
  type StageKind,
  type WriteStageData,
} from './export-spec.ts';
import type { DetailsStageData, ExportFormat, ExportOptionsPatch, ExportSpec, ExportStageData, SourceFormat, StageKind, WriteStageData } from './export-spec.ts';

export type JobStatus = 'queued' | 'running' | 'completed' | 'error' | 'cancelled';
export const ACTIVE_JOB_STATUSES: readonly JobStatus[] = ['queued', 'running'];

export function isActiveStatus(status: JobStatus): boolean {
  return status === 'queued' || status === 'running';
}

export { formatBytes } from './bytes.ts';

/** Steps an export job walks through, in order. `prepare` builds the export HTML; `diagrams` draws its Mermaid diagrams. */
export type JobStep = 'queued' | 'prepare' | 'diagrams' | 'html' | 'md' | 'pdf' | 'done';

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
  /**
   * The local files (images) the source refers to, each stored by content in the data folder
   * or missing; remote images (https://…) are not listed. An export uses exactly these.
   */
  assets: DocumentAsset[];
}

export type DocumentAssetStatus = 'stored' | 'missing' | 'refused';

export interface DocumentAsset {
  /** The reference as the document writes it, normalised ("images/a.png"). */
  ref: string;
  status: DocumentAssetStatus;
  sha256: string | null;
  bytes: number | null;
  /** "image/png" …, null unless stored. */
  mediaType: string | null;
  /** Why it is missing or refused, in plain words (not found next to the file; not an image; too large …). */
  problem: string | null;
}

/** A file sent with an import or added later (browser host: a dropped folder or a .zip). */
export interface AssetFile {
  /** Path relative to the document's folder, "/"-separated ("images/a.png"). */
  path: string;
  /** The file's bytes, base64. */
  data: string;
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
  /** What the job runs, resolved once when it was created (engine/api/export-spec.ts). */
  spec: ExportSpec;
  outputs: JobOutput[];
  /**
   * What the user should know about the result although the job went on: an image that was
   * not found or not embedded, and the like. Each names the thing and the problem.
   */
  warnings: string[];
  /** Increases with every change of the job; lets a subscriber drop stale updates. */
  seq: number;
}

export interface StageDefinition {
  id: string;
  kind: StageKind;
  title: string;
  /** Only for export stages: the workflow's defaults, the first layer of resolveExport. */
  exportOptions?: ExportOptionsPatch;
}

export interface WorkflowDefinition {
  id: string;
  title: string;
  stages: StageDefinition[];
}

export type StageStatus = 'pending' | 'in_progress' | 'done';

interface StageStateBase {
  documentId: string;
  stageId: string;
  status: StageStatus;
  exportJobId: string | null;
  updatedAt: number;
  /** Set when the stored data does not fit the stage's schema: which field, and what to do. */
  problem: string | null;
}

/** A stage's saved state; `kind` tells which data it holds (checked against STAGE_DATA_SCHEMAS). */
export type StageState =
  | (StageStateBase & { kind: 'write'; data: WriteStageData })
  | (StageStateBase & { kind: 'details'; data: DetailsStageData })
  | (StageStateBase & { kind: 'export'; data: ExportStageData });

/** Narrows a stage state to one kind (undefined when absent or of another kind). */
export function stageStateOf<K extends StageKind>(state: StageState | undefined, kind: K): Extract<StageState, { kind: K }> | undefined {
  return state?.kind === kind ? (state as Extract<StageState, { kind: K }>) : undefined;
}
