/**
 * The host seam for PDF: the CLI, the browser host and the tests use ChromiumPdfRenderer;
 * the desktop app plugs in an Electron one. Both take the same request.
 */
import type { PdfOptions } from '../api/types.ts';

export interface PdfRenderRequest {
  /**
   * A complete HTML document: standalone (images inlined as data: URIs), or, for a renderer
   * that {@link PdfRenderer.servesAssets}, the print form whose images and fonts are linked at
   * https://quire.invalid/assets/<sha256> (engine/pipeline/print-assets.ts).
   */
  html: string;
  /**
   * The images and bundled fonts the print page may load, by sha256: the file and its type
   * (`bytes`, its size, only lengthens the time limit; a font/* type is served only as a font,
   * any other only as an image). Plain data, so the request can cross to a print thread. Any
   * other URL stays blocked.
   */
  assets?: Record<string, PrintAsset>;
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

/** One image a print page may load (see PdfRenderRequest.assets). */
export interface PrintAsset {
  path: string;
  mime: string;
  bytes?: number;
}

export interface PdfRenderResult {
  pdf: Uint8Array;
  pages: number;
}

export interface DiagramRenderRequest {
  /** Mermaid sources in document order; the page that draws them sees only these strings. */
  sources: string[];
  /** Diagram n's SVG gets the id `${idPrefix}-${n}` (n from 1), and its inner ids and styles are scoped by it. */
  idPrefix: string;
  /** Aborting stops the batch and rejects with QuireError JOB_CANCELLED. */
  signal?: AbortSignal;
  /** Limit per diagram (default 10 s); one that runs out fails alone. */
  diagramTimeoutMs?: number;
  /** Limit for the whole batch (default 30 s + 10 s per diagram); diagrams not reached fail. */
  timeoutMs?: number;
  /** Told before diagram `index` (0-based) of `total` is drawn. */
  onProgress?: (index: number, total: number) => void;
}

/** One diagram: its SVG (not yet sanitized), or why it could not be drawn (one line). */
export type DiagramResult = { ok: true; svg: string } | { ok: false; error: string };

export interface PdfRenderer {
  /**
   * True when render() serves `request.assets` to the page (the print form); a renderer without
   * it (the desktop app's) is given the standalone HTML, images inlined.
   */
  readonly servesAssets?: boolean;
  render(request: PdfRenderRequest): Promise<PdfRenderResult>;
  /**
   * Draws Mermaid diagrams to SVG in a page of the same browser, one result per source. A
   * renderer without it exports diagrams as code. Rejects only when no diagram can be drawn
   * at all (DIAGRAMS_FAILED), or on cancel.
   */
  renderDiagrams?(request: DiagramRenderRequest): Promise<DiagramResult[]>;
  /** Starts what the first render needs (a browser) without waiting for it; optional. */
  warmUp?(): void;
  /** Closes the browser (or windows); later renders may relaunch it. */
  close(): Promise<void>;
}

/** Timeout that grows with the document: 30 s plus 15 s per MB of HTML. */
export function pdfTimeoutFor(htmlBytes: number): number {
  return 30_000 + Math.ceil((htmlBytes / (1024 * 1024)) * 15_000);
}
