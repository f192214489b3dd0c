/**
 * The host seam for PDF: the CLI, the browser host and the tests use ChromiumPdfRenderer;
 * the desktop app plugs in an Electron one. Both take the same request.
 */
import type { PdfOptions } from '../api/types.ts';

export interface PdfRenderRequest {
  /** A complete, standalone HTML document (images inlined as data: URIs). */
  html: string;
  /** Document title, used in the header template. */
  title: string;
  options: PdfOptions;
  /** Aborting closes the page and rejects with QuireError JOB_CANCELLED. */
  signal?: AbortSignal;
  /** Overrides the size-scaled default timeout. */
  timeoutMs?: number;
  /** Told when the document is laid out and printing starts (the longest part for big documents). */
  onProgress?: (phase: 'printing') => void;
}

export interface PdfRenderResult {
  pdf: Uint8Array;
  pages: number;
}

export interface PdfRenderer {
  render(request: PdfRenderRequest): Promise<PdfRenderResult>;
  /** Closes the browser (or windows); later renders may relaunch it. */
  close(): Promise<void>;
}

/** Timeout that grows with the document: 30 s plus 15 s per MB of HTML. */
export function pdfTimeoutFor(htmlBytes: number): number {
  return 30_000 + Math.ceil((htmlBytes / (1024 * 1024)) * 15_000);
}
