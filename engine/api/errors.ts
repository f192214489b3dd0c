/**
 * Every error a user may see comes from here, with a stable code and a message that says
 * what is wrong and what to do. Pure TypeScript so it can cross any transport.
 *
 * @example
 * throw Errors.documentNotFound(id);
 * // QuireError { code: 'DOCUMENT_NOT_FOUND', message: 'Document 42 does not exist …' }
 */
import { formatBytes } from './bytes.ts';

export type ErrorCode =
  | 'DOCUMENT_NOT_FOUND'
  | 'STAGE_NOT_FOUND'
  | 'NOT_AN_EXPORT_STAGE'
  | 'JOB_NOT_FOUND'
  | 'JOB_NOT_RETRYABLE'
  | 'INVALID_INPUT'
  | 'INVALID_OPTIONS'
  | 'INVALID_STAGE_DATA'
  | 'JOB_SOURCE_MISSING'
  | 'ASSET_NOT_FOUND'
  | 'UNKNOWN_FORMAT'
  | 'FILE_NOT_FOUND'
  | 'FILE_IS_DIRECTORY'
  | 'FILE_UNREADABLE'
  | 'FILE_BINARY'
  | 'FILE_NOT_UTF8'
  | 'FILE_EMPTY'
  | 'FILE_TOO_LARGE'
  | 'UNSUPPORTED_FILE_TYPE'
  | 'OUTPUT_NOT_WRITABLE'
  | 'OUTPUT_WRITE_FAILED'
  | 'DATA_DIR_UNUSABLE'
  | 'STORE_DAMAGED'
  | 'STORE_LOST'
  | 'OUTPUT_CHANGED'
  | 'OUTPUT_MISSING'
  | 'CHROMIUM_NOT_FOUND'
  | 'CHROMIUM_FAILED'
  | 'PDF_TIMEOUT'
  | 'PDF_FAILED'
  | 'PDF_PAGE_TOO_LARGE'
  | 'DIAGRAMS_FAILED'
  | 'STEP_TIMEOUT'
  | 'CONVERSION_FAILED'
  | 'DOCUMENT_TOO_DEEP'
  | 'WORKER_CRASHED'
  | 'WORKER_OUT_OF_MEMORY'
  | 'JOB_INTERRUPTED'
  | 'JOB_CANCELLED'
  | 'PREVIEW_TIMEOUT'
  | 'PREVIEW_SUPERSEDED'
  | 'CLAIM_LOST'
  | 'INVALID_PAYLOAD'
  | 'UNAUTHORIZED_SENDER'
  | 'UNSUPPORTED_ON_HOST'
  | 'TRANSPORT_CLOSED'
  | 'INTERNAL';

export class QuireError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'QuireError';
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

export function isQuireError(e: unknown): e is QuireError {
  return e instanceof QuireError;
}

/** Why a write failed, in words, and what the user can do, by errno code. */
const WRITE_FAILURES: Record<string, [string, string]> = {
  ENOSPC: ['the disk is full', 'free some space or choose another folder'],
  EDQUOT: ['the disk quota is used up', 'free some space or choose another folder'],
  EROFS: ['the folder is on a read-only disk', 'choose another folder'],
  EACCES: ['permission denied', 'choose another folder or fix its permissions'],
  EPERM: ['permission denied', 'choose another folder or fix its permissions'],
  ENOENT: ['the output folder was removed', 'create it again or choose another folder'],
  ENOTDIR: ['the output folder is no longer a folder', 'choose another folder'],
  EEXIST: ['the output folder is no longer a folder', 'choose another folder'],
  EIO: ['the disk reported an input/output error', 'check the disk or choose another folder'],
};

/** How an OUTPUT_NOT_WRITABLE message begins: a form shows such an error at its output-folder field. */
export const OUTPUT_FOLDER_ERROR_PREFIX = 'Cannot write to the output folder ';

export const Errors = {
  documentNotFound: (id: string) =>
    new QuireError('DOCUMENT_NOT_FOUND', `Document ${id} does not exist. It may have been deleted; reload the library.`, { id }),
  stageNotFound: (documentId: string, stageId: string) =>
    new QuireError('STAGE_NOT_FOUND', `Stage "${stageId}" is not part of the workflow of document ${documentId}.`, { documentId, stageId }),
  notAnExportStage: (stageId: string) =>
    new QuireError('NOT_AN_EXPORT_STAGE', `Stage "${stageId}" is not an export stage; exports can only start from an export stage.`, { stageId }),
  jobNotFound: (id: string) => new QuireError('JOB_NOT_FOUND', `Job ${id} does not exist. Run "quire jobs" to list jobs.`, { id }),
  jobNotRetryable: (id: string, status: string) =>
    new QuireError('JOB_NOT_RETRYABLE', `Job ${id} is ${status}; only a job that failed or was cancelled can be retried.`, { id, status }),
  invalidInput: (message: string, details?: Record<string, unknown>) => new QuireError('INVALID_INPUT', message, details),
  invalidOptions: (message: string) => new QuireError('INVALID_OPTIONS', message),
  jobSourceMissing: (jobId: string) =>
    new QuireError(
      'JOB_SOURCE_MISSING',
      `The copy of the document that job ${jobId} was started with is missing from the data folder, so it cannot run. Start the export again.`,
      { jobId },
    ),
  assetNotFound: (sha256: string) =>
    new QuireError('ASSET_NOT_FOUND', `No document has a stored file with hash ${sha256}. Import the document again with its images, or add them in the Write stage.`, { sha256 }),
  invalidStageData: (stage: string, problem: string) =>
    new QuireError(
      'INVALID_STAGE_DATA',
      `The ${stage} stage's saved data is invalid: ${problem}. Correct the field in the ${stage} stage and save again.`,
      { stage },
    ),
  unknownFormat: (format: string) =>
    new QuireError('UNKNOWN_FORMAT', `Unknown export format "${format}". Use one or more of: pdf, html, md.`, { format }),
  fileNotFound: (path: string) =>
    new QuireError('FILE_NOT_FOUND', `${path}: no such file. Check the path and try again.`, { path }),
  fileIsDirectory: (path: string) =>
    new QuireError('FILE_IS_DIRECTORY', `${path}: is a folder, not a document. Pass the .md or .html files inside it.`, { path }),
  fileUnreadable: (path: string, reason: string) =>
    new QuireError('FILE_UNREADABLE', `${path}: cannot be read (${reason}). Check its permissions.`, { path }),
  fileBinary: (path: string) =>
    new QuireError('FILE_BINARY', `${path}: looks like a binary file, not a text document. Quire imports Markdown (.md) and HTML (.html).`, { path }),
  fileNotUtf8: (path: string, offset: number) =>
    new QuireError('FILE_NOT_UTF8', `${path}: is not valid UTF-8 (first bad byte at offset ${offset}). Save it as UTF-8 and try again.`, { path, offset }),
  fileEmpty: (path: string) =>
    new QuireError('FILE_EMPTY', `${path}: is empty; there is nothing to export.`, { path }),
  fileTooLarge: (path: string, bytes: number, limit: number) =>
    new QuireError('FILE_TOO_LARGE', `${path}: is ${formatBytes(bytes)}; Quire exports documents up to ${formatBytes(limit)}. Split it into smaller documents.`, { path, bytes, limit }),
  unsupportedFileType: (path: string) =>
    new QuireError('UNSUPPORTED_FILE_TYPE', `${path}: unsupported file type. Quire imports Markdown (.md, .markdown, .txt) and HTML (.html, .htm).`, { path }),
  outputNotWritable: (dir: string, reason: string, advice = 'Choose another folder (--out on the command line) or fix its permissions.') =>
    new QuireError('OUTPUT_NOT_WRITABLE', `${OUTPUT_FOLDER_ERROR_PREFIX}${dir} (${reason}). ${advice}`, { dir }),
  dataDirUnusable: (dir: string, reason: string, advice = 'Choose another folder.') =>
    new QuireError('DATA_DIR_UNUSABLE', `Cannot keep Quire's data in ${dir} (${reason}). ${advice} Set it with --data-dir or QUIRE_DATA_DIR.`, { dir }),
  /**
   * The database file cannot be read as SQLite (damaged, truncated, not a database). Nothing
   * was written to it; `fresh` says how this host starts over (a flag, a dialog's button).
   */
  storeDamaged: (file: string, reason: string, fresh = 'run the command again with --fresh-store') =>
    new QuireError(
      'STORE_DAMAGED',
      `Quire's database ${file} is damaged (${reason}) and was left untouched. Keep a copy of it, or restore it from a backup; to start over with no documents or jobs, ${fresh} (the damaged file is moved aside to ${file}.damaged-<date>, not deleted).`,
      { file, reason },
    ),
  /** The database file was deleted or replaced under a running engine: nothing more can be recorded. */
  storeLost: (dir: string, file: string) =>
    new QuireError(
      'STORE_LOST',
      `Quire's data folder ${dir} was deleted or moved while Quire was running (its database ${file} is gone), so the jobs' progress could not be recorded and Quire stopped them. Files already exported stay in their folders; run the export again (a new data folder is created).`,
      { dir, file },
    ),
  /** The disk holding the data folder is full: the output folder is not the problem. */
  dataDirFull: (dir: string) =>
    new QuireError(
      'DATA_DIR_UNUSABLE',
      `Cannot keep Quire's data in ${dir}: the disk holding it is full. Free some space on that disk, or keep Quire's data elsewhere with --data-dir or QUIRE_DATA_DIR; the output folder is not the problem.`,
      { dir, reason: 'ENOSPC' },
    ),
  /** `reason` is an errno code (ENOSPC, EROFS…) or a few words; codes are said in plain words with what to do. */
  outputWriteFailed: (path: string, reason: string) => {
    const plain = WRITE_FAILURES[reason];
    const why = plain ? `${plain[0]} (${reason})` : `(${reason})`;
    const todo = plain?.[1] ?? 'free some space or choose another folder';
    return new QuireError('OUTPUT_WRITE_FAILED', `Could not write ${path}: ${why}. Nothing was left half-written; ${todo}, then retry.`, { path, reason });
  },
  outputChanged: (path: string) =>
    new QuireError('OUTPUT_CHANGED', `${path} was changed or replaced after Quire wrote it; export again to get a fresh copy.`, { path }),
  outputMissing: (path: string) =>
    new QuireError('OUTPUT_MISSING', `${path} is gone (moved or deleted after Quire wrote it); export again to recreate it.`, { path }),
  chromiumNotFound: (tried: string[]) =>
    new QuireError(
      'CHROMIUM_NOT_FOUND',
      `No Chromium or Chrome was found for PDF export (looked in: ${tried.join(', ')}). Install it (Debian/Ubuntu: "sudo apt-get install chromium") or set QUIRE_CHROMIUM to its path.`,
      { tried },
    ),
  chromiumFailed: (reason: string) =>
    new QuireError('CHROMIUM_FAILED', `Chromium could not start or crashed while rendering the PDF (${reason}). Retry the export; if it keeps failing, reinstall Chromium.`),
  pdfTimeout: (seconds: number) =>
    new QuireError('PDF_TIMEOUT', `Rendering the PDF took longer than ${seconds} s and was stopped. The document may be too large; split it or retry.`, { seconds }),
  pdfFailed: (reason: string) => new QuireError('PDF_FAILED', `The PDF could not be rendered (${reason}). Retry the export.`),
  /** The page that draws Mermaid diagrams could not be set up (one diagram failing is a warning, not this). */
  diagramsFailed: (reason: string) =>
    new QuireError('DIAGRAMS_FAILED', `The Mermaid diagrams could not be drawn (${reason}). Retry the export, or turn diagrams off to export them as code.`),
  pdfPageTooLarge: (bytes: number, limit: number) =>
    new QuireError(
      'PDF_PAGE_TOO_LARGE',
      `The document is ${formatBytes(bytes)} as one page to print (its text, styles and any images written into it as data: URIs); Chromium can print pages up to ${formatBytes(limit)}. Export it as HTML or Markdown, or split it (or link its images as files) for PDF.`,
      { bytes, limit },
    ),
  /** A pipeline step ran past its time limit; `cause` says what in the input is likely to blame, with what to do. */
  stepTimeout: (step: string, seconds: number, cause?: string) =>
    new QuireError(
      'STEP_TIMEOUT',
      `The ${step} step took longer than ${seconds} s and was stopped. ${cause ?? 'The document may be too large or too complex for it; split it, or export without this format.'}`,
      { step, seconds },
    ),
  /** `what` says what nests and where ("block quotes nested 10,000 deep at line 3"). */
  documentTooDeep: (what: string, limit: number) =>
    new QuireError(
      'DOCUMENT_TOO_DEEP',
      `The document has ${what}; Quire converts block quotes and lists nested up to ${limit} levels. Flatten that part of the document and export again.`,
      { limit },
    ),
  paragraphTooLong: (megabytes: number, line: number) =>
    new QuireError(
      'CONVERSION_FAILED',
      `The document has a paragraph of ${megabytes.toFixed(1)} MB at line ${line}, too long for the Markdown converter. Split it into shorter paragraphs (or move a large inline image into a file next to the document) and export again.`,
      { megabytes, line },
    ),
  conversionFailed: (step: string, reason: string) =>
    new QuireError('CONVERSION_FAILED', `Converting the document failed while ${step} (${reason}).`, { step }),
  workerCrashed: (reason: string) =>
    new QuireError('WORKER_CRASHED', `The export worker stopped unexpectedly (${reason}). Retry the export.`),
  workerOutOfMemory: (step: string, limitMb: number) =>
    new QuireError(
      'WORKER_OUT_OF_MEMORY',
      `The ${step} step needed more than its ${limitMb} MB of memory and was stopped. The document may be too large or too deeply nested for it; split it, or export without this format.`,
      { step, limitMb },
    ),
  jobInterrupted: (attempts: number) =>
    new QuireError('JOB_INTERRUPTED', `The export was interrupted ${attempts} times (the app closed or crashed while it ran) and was stopped. Retry it when ready.`, { attempts }),
  jobCancelled: () => new QuireError('JOB_CANCELLED', 'The export was cancelled.'),
  previewTimeout: (seconds: number) =>
    new QuireError('PREVIEW_TIMEOUT', `The preview took longer than ${seconds} s and was stopped. The document may be too large to preview as you type; an export still works.`, { seconds }),
  /** A newer preview of the same document was asked for: the UI drops this answer. */
  previewSuperseded: () => new QuireError('PREVIEW_SUPERSEDED', 'A newer preview of this document replaced this one.'),
  claimLost: (id: string) => new QuireError('CLAIM_LOST', `Job ${id} was taken over by another runner.`, { id }),
  invalidPayload: (method: string, issues: string) =>
    new QuireError('INVALID_PAYLOAD', `Invalid arguments for ${method}: ${issues}`, { method }),
  unauthorizedSender: (who: string) => new QuireError('UNAUTHORIZED_SENDER', `Refused a request from ${who}.`),
  unsupportedOnHost: (what: string) =>
    new QuireError('UNSUPPORTED_ON_HOST', `${what} is not available in this host.`),
  transportClosed: () => new QuireError('TRANSPORT_CLOSED', 'The connection to the Quire engine was closed.'),
  internal: (message: string) => new QuireError('INTERNAL', message),
};

/** Turn anything thrown into a `{code, message}` a user may see (never a stack trace). */
export function toJobError(e: unknown): { code: ErrorCode; message: string } {
  if (isQuireError(e)) return { code: e.code, message: e.message };
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'INTERNAL', message: `Unexpected error: ${message.split('\n')[0]}` };
}
