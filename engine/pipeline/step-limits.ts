/**
 * Time limits of the worker steps, and what to tell the user when one runs out. A step that
 * runs past its limit is stopped (pool.ts aborts its task, which ends the thread) and the job
 * ends in error: the same input would run out again, so it is not retried.
 *
 * @example
 * stepTimeLimitFor('md', 120_000);      // 60 s + 30 s per MB of input
 * timeoutCause('md', html);             // 'The document has a table with 5,000 columns, …'
 */
import { formatBytes } from '../api/types.ts';
import type { ExportHtmlInput } from './types.ts';

export type WorkerStep = 'prepare' | 'md' | 'pdfMetadata' | 'diagrams' | 'embed';

const MB = 1024 * 1024;

/** Per step: a generous floor (slow or busy machines) plus time per MB of input. */
const LIMITS: Record<WorkerStep, { baseMs: number; perMbMs: number }> = {
  // marked + sanitizer + image embedding: ~0.3 s per MB here.
  prepare: { baseMs: 60_000, perMbMs: 30_000 },
  // turndown: ~0.5 s per MB of ordinary HTML here, but quadratic in a table's width.
  md: { baseMs: 60_000, perMbMs: 30_000 },
  // An incremental update: milliseconds; a full pdf-lib rewrite (a PDF not laid out as Chromium writes it): ~0.4 s per MB.
  pdfMetadata: { baseMs: 60_000, perMbMs: 5_000 },
  // Sanitizing the drawn SVGs and copying the document once: far below prepare's cost.
  diagrams: { baseMs: 60_000, perMbMs: 30_000 },
  // Reading the images again and base64: a copy of the document and its images (input: the print form).
  embed: { baseMs: 60_000, perMbMs: 30_000 },
};

export function stepTimeLimitFor(step: WorkerStep, inputBytes: number): number {
  const { baseMs, perMbMs } = LIMITS[step];
  return baseMs + Math.ceil((Math.max(0, inputBytes) / MB) * perMbMs);
}

/** What the user reads as the step's name: "The Markdown step took longer than …". */
export const STEP_LABEL: Record<WorkerStep, string> = {
  prepare: 'prepare (building the export HTML)',
  md: 'Markdown',
  pdfMetadata: 'PDF metadata',
  diagrams: 'diagrams (inserting the drawn diagrams)',
  embed: 'HTML (embedding the images)',
};

/** Tables this wide are what makes the Markdown converter slow (2,000 columns: ~30 s). */
const WIDE_TABLE_COLUMNS = 500;

/** The likely cause of a timeout in `step` for this input, with what to do about it. */
export function timeoutCause(step: WorkerStep, input: string | ExportHtmlInput | { pdfBytes: number }): string {
  if (typeof input === 'object' && 'pdfBytes' in input) {
    return `The PDF (${formatBytes(input.pdfBytes)}) took too long to write its metadata into. Split the document, or retry when the computer is less busy.`;
  }
  const text = typeof input === 'string' ? input : input.source;
  if (step === 'embed') {
    return `The document (${formatBytes(Buffer.byteLength(text))} of HTML) and its images took too long to put into one file. Split it, or retry when the computer is less busy.`;
  }
  if (step === 'diagrams') {
    return `The document (${formatBytes(Buffer.byteLength(text))} of HTML) is too large to insert its diagrams into. Split it, or turn diagrams off to export them as code.`;
  }
  const isHtml = typeof input === 'string' || input.format === 'html';
  const columns = isHtml ? widestHtmlTable(text) : widestMarkdownTable(text);
  const size = formatBytes(Buffer.byteLength(text));
  if (columns >= WIDE_TABLE_COLUMNS) {
    const table = `The document has a table with ${columns.toLocaleString('en-US')} columns`;
    return step === 'md'
      ? `${table}, which the Markdown converter handles slowly. Split the table, or export PDF and HTML only.`
      : `${table}, which takes long to lay out. Split the table into narrower ones.`;
  }
  return step === 'md'
    ? `The document (${size} of HTML) is too large or too complex for the Markdown converter. Split it, or export PDF and HTML only.`
    : `The document (${size}) is too large or too complex to prepare. Split it into smaller documents.`;
}

/** Most cells in one row of any HTML table. */
export function widestHtmlTable(html: string): number {
  let widest = 0;
  for (const row of html.split(/<tr[\s>]/i).slice(1)) {
    const end = row.search(/<\/tr\s*>/i);
    const cells = (end < 0 ? row : row.slice(0, end)).match(/<t[dh][\s>]/gi)?.length ?? 0;
    widest = Math.max(widest, cells);
  }
  return widest;
}

/** Most columns in the delimiter row (`| --- | :-: |`) of any GFM table. */
export function widestMarkdownTable(markdown: string): number {
  let widest = 0;
  for (const line of markdown.split('\n')) {
    if (!/^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/.test(line) || !line.includes('|')) continue;
    widest = Math.max(widest, line.split('|').filter((cell) => /-/.test(cell)).length);
  }
  return widest;
}
