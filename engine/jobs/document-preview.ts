/**
 * The Write stage's preview, rendered by the export's own pipeline (generateExportHtml in the
 * worker pool, with the document's resolved spec: theme, table of contents, math, metadata),
 * so what the user sees is what an export writes. The differences: stored images are linked
 * at the host's address instead of embedded, nothing is written, and the page's styles come
 * apart from its markup (preview-styles.ts says why).
 *
 * - A newer preview of the same document aborts the older one (PREVIEW_SUPERSEDED): typing
 *   never queues renders of text that is already gone.
 * - A preview over its time limit is aborted (PREVIEW_TIMEOUT); the worker thread is ended.
 *   Mermaid diagrams have a budget of their own, after which they stay code (with a warning).
 *
 * @example
 * const previews = new DocumentPreviews({ resolve, pipeline: () => pool, assetPath });
 * const { html, warnings } = await previews.render({ documentId, source: unsavedText });
 */
import type { PreviewDocumentRequest, PreviewDocumentResult } from '../api/contract.ts';
import { Errors, isQuireError, toJobError } from '../api/errors.ts';
import type { ExportSpec } from '../api/export-spec.ts';
import type { QuireDocument } from '../api/types.ts';
import { DIAGRAM_MARK } from '../pipeline/diagram-slots.ts';
import type { ExportAssets } from '../pipeline/types.ts';
import type { PdfRenderer } from '../pdf/pdf-renderer.ts';
import { drawDiagrams } from './diagrams-step.ts';
import { splitStyles } from './preview-styles.ts';
import { exportStageOf } from '../store/workflows.ts';
import type { PipelineRunner } from './run-export-job.ts';

/** A preview whose text takes longer than this to render is stopped: the user is typing, an export still works. */
export const PREVIEW_TIME_LIMIT_MS = 10_000;

/**
 * The preview document's own policy, replacing the export's (whose `img-src data:` would block
 * the linked images): stored images from the app's own origin, inline styles, data: fonts.
 */
export const PREVIEW_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; form-action 'none'";

/** The diagrams' own budget, after the text is rendered. */
export const PREVIEW_DIAGRAMS_TIME_LIMIT_MS = 30_000;

const CSP_META = /<meta http-equiv="Content-Security-Policy" content="[^"]*">/i;

export interface DocumentPreviewsOptions {
  getDocument(id: string): Promise<QuireDocument>;
  /** The spec an export of the document would run now (Engine.resolveExport, a dry run). */
  resolve(documentId: string, stageId: string): Promise<ExportSpec>;
  pipeline(): Promise<PipelineRunner>;
  /** The browser that draws Mermaid diagrams (the PDF renderer's renderDiagrams); absent: diagrams stay code. */
  diagramRenderer?(): Promise<PdfRenderer | null>;
  /** Where the asset store keeps a file (the worker reads nothing in a preview, but the shape is the job's). */
  assetPath(sha256: string): string;
  timeLimitMs?: number;
  diagramTimeLimitMs?: number;
}

export class DocumentPreviews {
  readonly #options: DocumentPreviewsOptions;
  readonly #running = new Map<string, AbortController>();

  constructor(options: DocumentPreviewsOptions) {
    this.#options = options;
  }

  async render(request: PreviewDocumentRequest): Promise<PreviewDocumentResult> {
    const { documentId } = request;
    this.#running.get(documentId)?.abort('superseded');
    const controller = new AbortController();
    this.#running.set(documentId, controller);
    const limitMs = this.#options.timeLimitMs ?? PREVIEW_TIME_LIMIT_MS;
    const timer = setTimeout(() => controller.abort('timeout'), limitMs);
    try {
      const doc = await this.#options.getDocument(documentId);
      const stage = exportStageOf(doc.workflowId);
      if (!stage) throw Errors.invalidInput(`Document ${documentId} has no export stage, so it has nothing to preview.`, { documentId });
      const spec = await this.#options.resolve(documentId, stage.id);
      throwIfAborted(controller.signal, limitMs);
      const assets: ExportAssets = { files: {}, problems: {}, ...(request.imageUrl ? { imageUrl: request.imageUrl } : {}) };
      for (const a of spec.assets) assets.files[a.ref] = { path: this.#options.assetPath(a.sha256), sha256: a.sha256 };
      for (const a of spec.unavailableAssets) assets.problems[a.ref] = a.warning;
      const pipeline = await this.#options.pipeline();
      const result = await pipeline.exportHtml(
        {
          title: spec.title,
          source: request.source ?? doc.source,
          format: request.format ?? doc.format,
          baseDir: null,
          meta: spec.metadata,
          assets,
          style: spec.style,
        },
        controller.signal,
      );
      throwIfAborted(controller.signal, limitMs);
      let html = result.html;
      const warnings = [...result.warnings];
      clearTimeout(timer);
      if (spec.style.diagrams && html.includes(DIAGRAM_MARK) && this.#options.diagramRenderer) {
        const drawn = await this.#drawDiagrams(html, pipeline, controller.signal);
        html = drawn.html;
        warnings.push(...drawn.warnings);
      }
      return { ...splitStyles(withPreviewCsp(html)), warnings };
    } catch (e) {
      // The pool reports an abort as JOB_CANCELLED: say which abort it was.
      if (controller.signal.aborted && (!isQuireError(e) || e.code === 'JOB_CANCELLED')) throwIfAborted(controller.signal, limitMs);
      throw e;
    } finally {
      clearTimeout(timer);
      if (this.#running.get(documentId) === controller) this.#running.delete(documentId);
    }
  }

  /**
   * Diagrams drawn as the export's diagrams step draws them (the same browser and sanitizing),
   * on a budget of their own: the first one may start the browser. Out of time, or no browser,
   * they stay code with a warning; the text is still previewed.
   */
  async #drawDiagrams(html: string, pipeline: PipelineRunner, superseded: AbortSignal): Promise<{ html: string; warnings: string[] }> {
    const limitMs = this.#options.diagramTimeLimitMs ?? PREVIEW_DIAGRAMS_TIME_LIMIT_MS;
    const outOfTime = new AbortController();
    const timer = setTimeout(() => outOfTime.abort(), limitMs);
    try {
      const renderer = await this.#options.diagramRenderer!();
      if (!renderer) return { html, warnings: [] };
      return await drawDiagrams({ html, renderer, pipeline, idPrefix: 'qd-preview', signal: AbortSignal.any([superseded, outOfTime.signal]) });
    } catch (e) {
      if (superseded.aborted) throw e;
      const why = outOfTime.signal.aborted ? `they took longer than ${Math.round(limitMs / 100) / 10} s to draw` : toJobError(e).message;
      return { html, warnings: [`The diagrams are shown as code in this preview: ${why}. An export draws them on its own.`] };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops every preview (the engine is closing). */
  abortAll(): void {
    for (const c of this.#running.values()) c.abort('superseded');
    this.#running.clear();
  }
}

function throwIfAborted(signal: AbortSignal, limitMs: number): void {
  if (!signal.aborted) return;
  throw signal.reason === 'timeout' ? Errors.previewTimeout(Math.round(limitMs / 100) / 10) : Errors.previewSuperseded();
}

/** The export HTML with the preview's policy in place of the export's (or added, if it had none). */
export function withPreviewCsp(html: string): string {
  const meta = `<meta http-equiv="Content-Security-Policy" content="${PREVIEW_CSP}">`;
  if (CSP_META.test(html)) return html.replace(CSP_META, meta);
  return html.replace(/<head>/i, `<head>\n${meta}`);
}
