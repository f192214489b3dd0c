/** Kysely table types: what the SQLite files hold (JSON columns are TEXT). */

export interface DocumentsTable {
  id: string;
  title: string;
  source: string;
  format: 'md' | 'html';
  base_dir: string | null;
  workflow_id: string;
  revision: number;
  created_at: number;
  updated_at: number;
  /** sourceKeyOf() of the file it was imported from; one document per file (migration 0005). */
  source_path: string | null;
}

export interface StageStatesTable {
  document_id: string;
  stage_id: string;
  status: 'pending' | 'in_progress' | 'done';
  data: string;
  export_job_id: string | null;
  updated_at: number;
}

export interface JobsTable {
  id: string;
  document_id: string;
  stage_id: string;
  status: 'queued' | 'running' | 'completed' | 'error' | 'cancelled';
  progress: number;
  step: string;
  message: string;
  attempt: number;
  max_attempts: number;
  claim_token: string | null;
  owner_id: string | null;
  owner_host: string | null;
  owner_pid: number | null;
  heartbeat_at: number | null;
  cancel_requested: number;
  created_by: string;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
  error_code: string | null;
  error_message: string | null;
  /** The job's ExportSpec as JSON (migration 0006; was `options`). */
  spec: string;
  /** The source snapshot the job exports (source_snapshots.sha256); null on jobs that ended before 0006. */
  source_sha256: string | null;
  outputs: string;
  output_base: string;
  doc_revision: number;
  dedupe_key: string;
  seq: number;
  /** Grows with every write to any job, in commit order (migration 0003). */
  change_no: number;
  /** JSON array of strings (migration 0004). */
  warnings: string;
}

export interface JobCheckpointsTable {
  job_id: string;
  step: string;
  artifact_path: string;
  bytes: number;
  sha256: string;
  pages: number | null;
  attempt: number;
  created_at: number;
}

/** Every output path Quire wrote or reserved, and for which document (migration 0005). */
export interface OutputFilesTable {
  /** outputKeyOf(): the folder's real path + the name, case-folded on win32/darwin. */
  path: string;
  document_id: string;
  /** The job that last reserved or wrote it. */
  job_id: string;
  /** What Quire last wrote there (confirmed); null while only reserved. */
  sha256: string | null;
  bytes: number | null;
  /** A write in flight: recorded before the publish, moved to sha256/bytes after it. */
  pending_sha256: string | null;
  pending_bytes: number | null;
  updated_at: number;
  /** nameFamilyOf(path): its folder and name without extension and " (n)" (migration 0007). */
  name_family: string | null;
  /** The n of "name (n)"; 1 for the plain name (migration 0007). */
  name_number: number | null;
}

/** The exact source an export was started with, by content (migration 0006). */
export interface SourceSnapshotsTable {
  sha256: string;
  source: string;
  bytes: number;
  created_at: number;
}

/** The files a document references, stored by content in the data folder (migration 0006). */
export interface DocumentAssetsTable {
  document_id: string;
  /** The reference as the document writes it ("images/a.png"). */
  ref: string;
  status: 'stored' | 'missing' | 'refused';
  /** Null unless stored. */
  sha256: string | null;
  bytes: number | null;
  media_type: string | null;
  /** Why there is no stored file: null when stored. */
  problem: string | null;
  updated_at: number;
}

export interface Database {
  documents: DocumentsTable;
  source_snapshots: SourceSnapshotsTable;
  document_assets: DocumentAssetsTable;
  stage_states: StageStatesTable;
  jobs: JobsTable;
  job_checkpoints: JobCheckpointsTable;
  output_files: OutputFilesTable;
}
