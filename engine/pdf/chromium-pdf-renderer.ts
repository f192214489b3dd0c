import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page, type Route } from 'playwright-core';
import { Errors, isQuireError, type QuireError } from '../api/errors.ts';
import type { PdfOptions } from '../api/types.ts';
import { HEADLESS_CHROMIUM_ARGS, checkChromiumPath, findChromium } from './find-chromium.ts';
import { pageLayout } from './page-layout.ts';
import { countPdfPages } from './pdf-pages.ts';
import { pdfTimeoutFor, type PdfRenderer, type PdfRenderRequest, type PdfRenderResult } from './pdf-renderer.ts';

export interface ChromiumPdfRendererOptions {
  /** Browser to run. Defaults to {@link findChromium} (QUIRE_CHROMIUM, then the usual install paths). */
  executablePath?: string;
  /** Timeout for every render instead of the size-scaled default; a request's own `timeoutMs` still wins. */
  timeoutMs?: number;
}

/** The only URL a render loads; it is answered by the router, never by a network. */
const DOCUMENT_URL = 'https://quire.invalid/document.html';

const LAUNCH_ARGS = [
  ...HEADLESS_CHROMIUM_ARGS,
  '--disable-extensions',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  // Docker and CI give /dev/shm 64 MB, which large documents exhaust.
  '--disable-dev-shm-usage',
  // Routing blocks every request, but Chromium preconnects to a navigation's target before
  // routing sees it (seen with <meta http-equiv=refresh> and <iframe>). No name (not even an
  // IP literal) resolves and every connection must go through a proxy that cannot exist.
  '--host-resolver-rules=MAP * ~NOTFOUND',
  '--proxy-server=http://quire.invalid:9',
  '--proxy-bypass-list=<-loopback>',
];

const LAUNCH_TIMEOUT_MS = 30_000;
const CONTEXT_CLOSE_GRACE_MS = 5_000;

/** The document is fully self-contained, so nothing in it may run or reach the network. */
const CONTEXT_OPTIONS: BrowserContextOptions = {
  javaScriptEnabled: false,
  offline: true,
  serviceWorkers: 'block',
  acceptDownloads: false,
};

/** Chromium draws the header and footer inside the page margins; with less they overlap the text. */

/**
 * Renders standalone HTML to PDF with the system Chromium through playwright-core. One
 * browser is launched on the first render and shared; every render gets its own context
 * with JavaScript off and every request except the document itself blocked. If the browser
 * dies, the renders in flight fail with CHROMIUM_FAILED and the next render launches a new one.
 *
 * @example
 * const renderer = new ChromiumPdfRenderer();
 * try {
 *   const { pdf, pages } = await renderer.render({
 *     html: '<!doctype html><title>Report</title><h1>Report</h1>',
 *     title: 'Report',
 *     options: DEFAULT_PDF_OPTIONS,
 *     signal: controller.signal, // aborting rejects with JOB_CANCELLED
 *   });
 *   await writeFile('report.pdf', pdf);
 * } finally {
 *   await renderer.close();
 * }
 */
export class ChromiumPdfRenderer implements PdfRenderer {
  readonly #options: ChromiumPdfRendererOptions;
  #browser: Promise<LaunchedBrowser> | undefined;

  constructor(options: ChromiumPdfRendererOptions = {}) {
    this.#options = options;
  }

  async render(request: PdfRenderRequest): Promise<PdfRenderResult> {
    const { signal } = request;
    if (signal?.aborted) throw Errors.jobCancelled();
    const timeoutMs = request.timeoutMs ?? this.#options.timeoutMs ?? pdfTimeoutFor(Buffer.byteLength(request.html));

    const run = new RenderRun();
    const timer = setTimeout(() => run.stop(Errors.pdfTimeout(toSeconds(timeoutMs))), timeoutMs);
    const onAbort = () => run.stop(Errors.jobCancelled());
    signal?.addEventListener('abort', onAbort, { once: true });
    const work = this.#renderIn(request, run);
    // A stopped render keeps unwinding in the background; its rejection is expected.
    work.catch(() => {});
    try {
      return await Promise.race([work, run.stopped]);
    } catch (error) {
      if (!run.reason) throw error;
      // Nothing of this render outlives the call: its context is closed (or never opened).
      await run.contextClosed;
      throw run.reason;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Closes the browser and deletes its temporary folders. Safe to call twice. */
  async close(): Promise<void> {
    const launching = this.#browser;
    this.#browser = undefined;
    const launched = await launching?.catch(() => undefined);
    if (!launched) return;
    await launched.browser.close().catch(() => {});
    await launched.removeTempDir();
  }

  async #renderIn(request: PdfRenderRequest, run: RenderRun): Promise<PdfRenderResult> {
    const { browser } = await this.#getBrowser();
    // Playwright may never settle a call (seen: newPage) whose browser dies, so a crash
    // stops the run itself instead of waiting for the call to fail.
    const onDisconnected = () => run.stop(Errors.chromiumFailed('the browser exited during the render'));
    browser.on('disconnected', onDisconnected);
    try {
      if (!browser.isConnected()) onDisconnected();
      run.throwIfStopped();
      let context: BrowserContext;
      try {
        context = await browser.newContext(CONTEXT_OPTIONS);
      } catch (error) {
        throw run.reason ?? failure(error);
      }
      run.context = context;
      try {
        run.throwIfStopped();
        await context.route('**/*', (route) => serveOnlyDocument(route, request.html));
        const page = await context.newPage();
        page.on('crash', () => run.stop(Errors.chromiumFailed('the page crashed')));
        // Our own timer bounds the render; Playwright's 30 s default would cut large documents short.
        page.setDefaultTimeout(0);
        page.setDefaultNavigationTimeout(0);
        await page.goto(DOCUMENT_URL, { waitUntil: 'load' });
        request.onProgress?.('printing');
        const pdf = await page.pdf(pdfOptions(request.options, request.title));
        return { pdf, pages: countPdfPages(pdf) };
      } catch (error) {
        throw run.reason ?? failure(error);
      } finally {
        await context.close().catch(() => {});
      }
    } finally {
      browser.off('disconnected', onDisconnected);
    }
  }

  #getBrowser(): Promise<LaunchedBrowser> {
    if (!this.#browser) {
      const launching = this.#launch();
      this.#browser = launching;
      const forget = () => {
        if (this.#browser === launching) this.#browser = undefined;
      };
      launching.then(({ browser }) => (browser.isConnected() ? browser.on('disconnected', forget) : forget()), forget);
    }
    return this.#browser;
  }

  async #launch(): Promise<LaunchedBrowser> {
    // Checked first: Playwright leaks its temp folders when the executable is missing.
    const executablePath = this.#options.executablePath
      ? checkChromiumPath(this.#options.executablePath, 'The Chromium path')
      : findChromium();
    // Chromium's own temp files go to a folder of ours: killed, it leaves them behind.
    const tempDir = await mkdtemp(path.join(tmpdir(), 'quire-chromium-'));
    const removeTempDir = () => rm(tempDir, { recursive: true, force: true }).catch(() => {});
    try {
      // Playwright gives each launch a fresh temporary profile (--user-data-dir) and deletes
      // it when the browser exits; it refuses a --user-data-dir of ours in `args`.
      const browser = await chromium.launch({
        executablePath,
        headless: true,
        args: LAUNCH_ARGS,
        env: { ...process.env, TMPDIR: tempDir, TMP: tempDir, TEMP: tempDir },
        timeout: LAUNCH_TIMEOUT_MS,
        // The host (CLI, Electron main) owns signals and calls close(); Playwright's SIGINT
        // handler would exit the process before a job could be marked cancelled.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
      // After a crash nobody may call close(); the folder goes when the browser does.
      browser.on('disconnected', () => void removeTempDir());
      return { browser, removeTempDir };
    } catch (error) {
      await removeTempDir();
      throw Errors.chromiumFailed(`${executablePath}: ${firstLine(error)}`);
    }
  }
}

interface LaunchedBrowser {
  browser: Browser;
  removeTempDir: () => Promise<void>;
}

/** Why a render stopped early (timeout, cancel, crash), and the context to close when it does. */
class RenderRun {
  reason: QuireError | undefined;
  context: BrowserContext | undefined;
  /** Settles once the stopped render's context is closed, or after a grace period. */
  contextClosed: Promise<void> = Promise.resolve();
  readonly stopped: Promise<never>;
  #reject!: (error: QuireError) => void;

  constructor() {
    this.stopped = new Promise<never>((_, reject) => (this.#reject = reject));
    this.stopped.catch(() => {});
  }

  stop(reason: QuireError): void {
    if (this.reason) return;
    this.reason = reason;
    this.#reject(reason);
    if (!this.context) return; // none open yet: #renderIn will not open one now
    // Closing the context interrupts whatever Chromium is doing for this render. We wait for
    // the close, not for the render's promise: Playwright may never settle a newPage() that
    // raced the close (seen with 1.65). A wedged browser must not hold up the rejection.
    const closing = this.context.close().catch(() => {});
    this.contextClosed = Promise.race([closing, delay(CONTEXT_CLOSE_GRACE_MS)]);
  }

  throwIfStopped(): void {
    if (this.reason) throw this.reason;
  }
}

function serveOnlyDocument(route: Route, html: string): Promise<void> {
  const request = route.request();
  const navigation = request.isNavigationRequest();
  const isDocument = navigation && request.url() === DOCUMENT_URL && request.frame().parentFrame() === null;
  const handled = isDocument
    ? route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html })
    : navigation
      ? // 204 keeps the current page: an aborted navigation (meta refresh, a link's target)
        // would replace the document with Chromium's error page before it is printed.
        route.fulfill({ status: 204 })
      : route.abort('blockedbyclient');
  // The route may outlive a context closed by a timeout or cancel; nothing to report then.
  return handled.catch(() => {});
}

function pdfOptions(options: PdfOptions, title: string): Parameters<Page['pdf']>[0] {
  const { marginsMm: m, headerTemplate, footerTemplate, tagged } = pageLayout(options, title);
  return {
    format: options.pageSize,
    landscape: options.landscape,
    printBackground: options.printBackground,
    margin: { top: `${m.top}mm`, right: `${m.right}mm`, bottom: `${m.bottom}mm`, left: `${m.left}mm` },
    displayHeaderFooter: options.headerFooter,
    headerTemplate,
    footerTemplate,
    outline: options.outline,
    tagged,
  };
}

function failure(error: unknown): QuireError {
  return isQuireError(error) ? error : Errors.pdfFailed(firstLine(error));
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function toSeconds(ms: number): number {
  return Math.max(0.1, Math.round(ms / 100) / 10);
}

