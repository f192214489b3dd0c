/**
 * The default PDF renderer, loaded when a job first prints or draws a diagram: loading
 * playwright-core costs about a second of main-thread CPU, which starting the engine, queueing
 * the first job and every HTML- or Markdown-only export should not pay.
 *
 * @example
 * const pdf = new LazyPdfRenderer(async () => new (await import('../pdf/chromium-pdf-renderer.ts')).ChromiumPdfRenderer());
 * await pdf.render(request); // loads it now
 * await pdf.close();         // closes it only if it was loaded
 */
import type { DiagramRenderRequest, DiagramResult, PdfRenderRequest, PdfRenderResult, PdfRenderer } from '../pdf/pdf-renderer.ts';

export class LazyPdfRenderer implements PdfRenderer {
  readonly #load: () => Promise<PdfRenderer>;
  #loading: Promise<PdfRenderer> | null = null;
  /** Known before loading: whether what `load` gives serves the print form's images (PdfRenderer.servesAssets). */
  readonly servesAssets: boolean;

  constructor(load: () => Promise<PdfRenderer>, options: { servesAssets?: boolean } = {}) {
    this.#load = load;
    this.servesAssets = options.servesAssets ?? false;
  }

  /** Whether the real renderer has been asked for (and so may hold a browser). */
  get loaded(): boolean {
    return this.#loading !== null;
  }

  #renderer(): Promise<PdfRenderer> {
    // A failed load is not remembered: the next job tries again (and reports its own error).
    this.#loading ??= this.#load().catch((e) => {
      this.#loading = null;
      throw e;
    });
    return this.#loading;
  }

  async render(request: PdfRenderRequest): Promise<PdfRenderResult> {
    return (await this.#renderer()).render(request);
  }

  async renderDiagrams(request: DiagramRenderRequest): Promise<DiagramResult[]> {
    const renderer = await this.#renderer();
    if (!renderer.renderDiagrams) return request.sources.map(() => ({ ok: false, error: 'this version of Quire cannot draw diagrams here.' }));
    return renderer.renderDiagrams(request);
  }

  /** Loads the renderer and starts its browser, without waiting (a PDF job calls it as it starts). */
  warmUp(): void {
    this.#renderer().then(
      (r) => r.warmUp?.(),
      () => undefined, // the first render loads again and reports why it cannot
    );
  }

  async close(): Promise<void> {
    const loading = this.#loading;
    if (!loading) return;
    const renderer = await loading.catch(() => null);
    await renderer?.close();
  }
}
