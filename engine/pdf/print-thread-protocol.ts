/**
 * Messages between ThreadedPdfRenderer (the engine's thread) and the print thread, which owns
 * the ChromiumPdfRenderer. Everything here is plain data (structured clone); a QuireError
 * crosses as {code, message, details} and is rebuilt on the other side.
 */
import type { PdfOptions } from '../api/types.ts';
import type { WorkerErrorData } from '../pipeline/protocol.ts';
import type { ChromiumPdfRendererOptions } from './chromium-pdf-renderer.ts';
import type { DiagramResult, PdfRenderRequest } from './pdf-renderer.ts';

export interface PrintThreadData {
  renderer: ChromiumPdfRendererOptions;
}

export type ToPrintThread =
  | {
      type: 'render';
      id: number;
      html: string;
      title: string;
      options: PdfOptions;
      timeoutMs?: number;
      /** The images the print page may load, by sha256 (see PdfRenderRequest). */
      assets?: PdfRenderRequest['assets'];
    }
  | { type: 'diagrams'; id: number; sources: string[]; idPrefix: string; diagramTimeoutMs?: number; timeoutMs?: number }
  | { type: 'abort'; id: number }
  | { type: 'warmUp' }
  | { type: 'close'; id: number };

export type FromPrintThread =
  | { type: 'printing'; id: number }
  | { type: 'diagramProgress'; id: number; index: number; total: number }
  | { type: 'rendered'; id: number; pdf: Uint8Array; pages: number }
  | { type: 'drawn'; id: number; results: DiagramResult[] }
  | { type: 'failed'; id: number; error: WorkerErrorData }
  | { type: 'closed'; id: number };
