/**
 * PdfRenderer on Electron's own Chromium: each render gets a hidden, sandboxed window with
 * JavaScript off in a private in-memory session that serves only that document (from
 * memory, over quire://pdf/<token>) and cancels every other request except data:. A
 * timeout or a cancel destroys the window.
 */
import { randomUUID } from 'node:crypto';
import { BrowserWindow, session, type Session } from 'electron';
import { Errors, isQuireError, type QuireError } from '../engine/api/errors.ts';
import { APP_SCHEME, PDF_CSP, isAllowedPdfRequest, pdfDocumentUrl, pdfTokenOf } from '../engine/host/app-protocol.ts';
import { printToPdfOptions } from '../engine/host/electron-print-options.ts';
import { DiagramDrawer } from '../engine/pdf/diagram-renderer.ts';
import { printedHtml } from '../engine/pdf/page-layout.ts';
import { countPdfPages } from '../engine/pdf/pdf-pages.ts';
import {
  pdfTimeoutFor,
  type DiagramRenderRequest,
  type DiagramResult,
  type PdfRenderer,
  type PdfRenderRequest,
  type PdfRenderResult,
} from '../engine/pdf/pdf-renderer.ts';
import { openElectronDiagramPage } from './electron-diagram-page.ts';

export class ElectronPdfRenderer implements PdfRenderer {
  readonly #docs = new Map<string, string>();
  readonly #windows = new Set<BrowserWindow>();
  #session: Session | null = null;
  /** Mermaid's page: a window of its own with JavaScript on (electron-diagram-page.ts). */
  readonly #diagrams = new DiagramDrawer(openElectronDiagramPage);

  renderDiagrams(request: DiagramRenderRequest): Promise<DiagramResult[]> {
    return this.#diagrams.render(request);
  }

  async render(request: PdfRenderRequest): Promise<PdfRenderResult> {
    if (request.signal?.aborted) throw Errors.jobCancelled();
    const timeoutMs = request.timeoutMs ?? pdfTimeoutFor(Buffer.byteLength(request.html));
    const win = new BrowserWindow({
      show: false,
      width: 1280,
      height: 900,
      webPreferences: {
        session: this.#pdfSession(),
        javascript: false,
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        webSecurity: true,
        webgl: false,
        spellcheck: false,
        backgroundThrottling: false,
      },
    });
    const token = randomUUID();
    this.#windows.add(win);
    this.#docs.set(token, printedHtml(request));
    let stopped: QuireError | undefined;
    let rejectStop!: (e: QuireError) => void;
    const stop = new Promise<never>((_, reject) => (rejectStop = reject));
    stop.catch(() => undefined);
    const halt = (reason: QuireError) => {
      if (stopped) return;
      stopped = reason;
      rejectStop(reason);
      if (!win.isDestroyed()) win.destroy();
    };
    const timer = setTimeout(() => halt(Errors.pdfTimeout(Math.round(timeoutMs / 100) / 10)), timeoutMs);
    const onAbort = () => halt(Errors.jobCancelled());
    request.signal?.addEventListener('abort', onAbort, { once: true });
    win.webContents.on('render-process-gone', (_e, d) => halt(Errors.chromiumFailed(`the page stopped: ${d.reason}`)));
    try {
      const work = (async () => {
        await win.loadURL(pdfDocumentUrl(token));
        request.onProgress?.('printing');
        const pdf = new Uint8Array(await win.webContents.printToPDF(printToPdfOptions(request.options, request.title)));
        return { pdf, pages: countPdfPages(pdf) };
      })();
      work.catch(() => undefined);
      return await Promise.race([work, stop]);
    } catch (e) {
      if (stopped) throw stopped;
      throw isQuireError(e) ? e : Errors.pdfFailed((e instanceof Error ? e.message : String(e)).split('\n')[0]!);
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      this.#docs.delete(token);
      this.#windows.delete(win);
      if (!win.isDestroyed()) win.destroy();
    }
  }

  async close(): Promise<void> {
    await this.#diagrams.close();
    for (const win of this.#windows) if (!win.isDestroyed()) win.destroy();
    this.#windows.clear();
    this.#docs.clear();
    await this.#session?.clearCache().catch(() => undefined);
  }

  #pdfSession(): Session {
    if (this.#session) return this.#session;
    // No "persist:" prefix: the partition lives in memory only and is never written to disk.
    const ses = session.fromPartition(`quire-pdf-${randomUUID()}`, { cache: false });
    ses.protocol.handle(APP_SCHEME, (req) => {
      const token = pdfTokenOf(req.url);
      const html = token ? this.#docs.get(token) : undefined;
      if (html === undefined) return new Response('Not found', { status: 404 });
      return new Response(html, {
        headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': PDF_CSP },
      });
    });
    ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedPdfRequest(details.url) }));
    ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    ses.setPermissionCheckHandler(() => false);
    ses.on('will-download', (event) => event.preventDefault());
    // Even a preconnect must not reach the network (the Chromium renderer does the same).
    void ses.setProxy({ proxyRules: 'http://quire.invalid:9' }).catch(() => undefined);
    this.#session = ses;
    return ses;
  }
}
