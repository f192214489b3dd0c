import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page, type Route } from 'playwright-core';
import { Errors, isQuireError, type QuireError } from '../api/errors.ts';
import type { PdfOptions } from '../api/types.ts';
import { chromiumTempPrefix, chromiumTempRoot, killProcessTree, lowerAutogroup, lowerPriority, pidAlive, processGroupOf, waitForExit } from './chromium-process.ts';
import { DiagramDrawer, openChromiumDiagramPage } from './diagram-renderer.ts';
import { HEADLESS_CHROMIUM_ARGS, checkChromiumPath, findChromium } from './find-chromium.ts';
import { PRINT_ASSET_BASE, changedFontProblem } from '../pipeline/print-assets.ts';
import { pageLayout, printedHtml } from './page-layout.ts';
import { PrintSlots, defaultPrintSlots } from './print-slots.ts';
import { countPdfPages } from './pdf-pages.ts';
import {
  pdfTimeoutFor,
  type DiagramRenderRequest,
  type DiagramResult,
  type PdfRenderer,
  type PdfRenderRequest,
  type PdfRenderResult,
  type PrintAsset,
} from './pdf-renderer.ts';

export interface ChromiumPdfRendererOptions {
  /** Browser to run. Defaults to {@link findChromium} (QUIRE_CHROMIUM, then the usual install paths). */
  executablePath?: string;
  /** Timeout for every render instead of the size-scaled default; a request's own `timeoutMs` still wins. */
  timeoutMs?: number;
  /** Largest page sent to Chromium (default {@link MAX_PAGE_BYTES}); tests raise it to provoke a dropped connection. */
  maxPageBytes?: number;
  /** Extra environment for Chromium, e.g. FONTCONFIG_FILE (tests print with a font set of their own). */
  env?: Record<string, string>;
  /** Documents printed at once (default {@link defaultPrintSlots}); more renders wait their turn. */
  printSlots?: number;
}

/**
 * Chromium's DevTools pipe takes messages up to 100 MB and closes the connection on a larger
 * one (the browser keeps running). The page goes over it in one message, as a JSON string
 * (quotes and control characters escaped, so it can grow), so a larger page is refused up
 * front, with its size named, instead of losing the browser.
 */
export const MAX_PAGE_BYTES = 75 * 1024 * 1024;

const SHA256 = /^[0-9a-f]{64}$/;

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
  // Processes a print never uses, each held for the whole batch: a spare renderer started ahead
  // for the next tab (17 MB), and the omnibox popups' two WebUI pages, which Chromium 156 loads
  // in renderers of their own for each headless window (about 46 MB each over a batch).
  '--disable-features=SpareRendererForSitePerProcess,WebUIOmniboxPopup,WebUIOmniboxAimPopup',
];

const LAUNCH_TIMEOUT_MS = 30_000;
/**
 * Pages kept warm for the next render: a new context and page cost ≈300 ms per document, a
 * fifth of a short document's print. At most one per print slot waits, for at most IDLE_PAGE_MS.
 */
const IDLE_PAGE_MS = 30_000;
/** A page that printed more than this is emptied (about:blank) before it waits, so it holds no big document. */
const EMPTY_AFTER_BYTES = 1024 * 1024;
const PAGE_CLOSE_GRACE_MS = 5_000;
/** How long close() lets Chromium exit by itself before its process tree is killed. */
const BROWSER_CLOSE_GRACE_MS = 5_000;

/** The document is fully self-contained, so nothing in it may run or reach the network. */
const CONTEXT_OPTIONS: BrowserContextOptions = {
  javaScriptEnabled: false,
  offline: true,
  serviceWorkers: 'block',
  acceptDownloads: false,
};

/**
 * A page kept for the next render, whose own router answers only the current render's images:
 * with JavaScript off and every other request blocked, a document can leave nothing behind for
 * the next one to see. Print pages share one context (see LaunchedBrowser.printContext).
 */
interface WarmPage {
  launched: LaunchedBrowser;
  page: Page;
  /** The images this render's page may load (PdfRenderRequest.assets); null between renders. */
  assets: Record<string, PrintAsset> | null;
  /** Why an image of the page could not be served: the render fails with it rather than print a hole. */
  assetError: QuireError | null;
  /**
   * A font was asked for at PRINT_ASSET_BASE and refused (not in the map). Chromium remembers a
   * failed face by its URL for the page's next documents (seen in print-assets.integration.test),
   * so such a page is closed after its render, not kept.
   */
  refusedFont: boolean;
  /**
   * The Content-Security-Policy lines of the document written into the page (cspLinesOf), or
   * null while it holds a new, empty one. Writing a document keeps the Document object, and a
   * CSP once given stays on it: a next document with other lines gets a fresh Document first.
   */
  policy: string | null;
}

/**
 * Renders standalone HTML to PDF with the system Chromium through playwright-core. One
 * browser is launched on the first render and shared; a render prints in a page of its own
 * (kept warm for the next one), with JavaScript off, the document written into the page and
 * every request except the render's own images blocked. If the browser dies or its
 * connection drops, its process tree is killed, its folder removed, and each render in flight
 * is tried once more on a fresh browser before it fails with CHROMIUM_FAILED.
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
  /** The print form's images are served to the page from `request.assets` (see serveAsset). */
  readonly servesAssets = true;
  readonly #options: ChromiumPdfRendererOptions;
  #browser: Promise<LaunchedBrowser> | undefined;
  /** Every browser launched and not yet disposed, including ones whose connection dropped. */
  readonly #live = new Set<LaunchedBrowser>();
  readonly #idle: WarmPage[] = [];
  /** The page warmUp() is opening, until a render takes it or it joins #idle. */
  #warming: { launched: LaunchedBrowser; page: Promise<WarmPage | undefined> } | undefined;
  readonly #slots: PrintSlots;
  #idleTimer: NodeJS.Timeout | undefined;
  /** Mermaid's page, in its own context of the same browser (see diagram-renderer.ts). */
  readonly #diagrams = new DiagramDrawer(async () => openChromiumDiagramPage((await this.#getBrowser()).browser));

  constructor(options: ChromiumPdfRendererOptions = {}) {
    this.#options = options;
    this.#slots = new PrintSlots(options.printSlots ?? defaultPrintSlots());
  }

  /** How many print pages wait for the next document (at most the print slots). */
  get idlePages(): number {
    return this.#idle.length;
  }

  /** Mermaid sources to SVG, one result per source (see DiagramDrawer). */
  renderDiagrams(request: DiagramRenderRequest): Promise<DiagramResult[]> {
    return this.#diagrams.render(request);
  }

  /**
   * Launches the browser now (if it is not running) and opens a print page in it, so a job's
   * first print does not wait for them: the runner calls this as a PDF job starts, while its
   * document is still being prepared. Opening the first page (its renderer process) took
   * 0.4–1.5 s here, as long as the launch itself; a single-document export waited for both.
   */
  warmUp(): void {
    this.#getBrowser().then(
      (launched) => {
        if (this.#warming?.launched === launched || this.#idle.some((warm) => warm.launched === launched)) return;
        const warming = {
          launched,
          // A page that cannot open: the first render opens its own and reports why it cannot.
          page: this.#openPage(launched).catch(() => undefined),
        };
        this.#warming = warming;
        void warming.page.then((warm) => {
          // Not taken by a render meanwhile: it waits like any idle page (or is closed).
          if (this.#warming !== warming) return;
          this.#warming = undefined;
          if (warm) void this.#keepIdle(warm, 0);
        });
      },
      () => {
        // The first render launches again and reports why it cannot.
      },
    );
  }

  async render(request: PdfRenderRequest): Promise<PdfRenderResult> {
    const { signal } = request;
    if (signal?.aborted) throw Errors.jobCancelled();
    const bytes = Buffer.byteLength(request.html);
    const maxBytes = this.#options.maxPageBytes ?? MAX_PAGE_BYTES;
    if (bytes > maxBytes) throw Errors.pdfPageTooLarge(bytes, maxBytes);
    // Linked images still take Chromium time to decode and lay out: the limit counts them as if
    // inlined (each use, base64), so a document gets the time it got before they were linked.
    const imageBytes = assetBytesAsUsed(request);
    const timeoutMs = request.timeoutMs ?? this.#options.timeoutMs ?? pdfTimeoutFor(bytes + Math.ceil((imageBytes * 4) / 3));
    // The time limit runs from the slot on: a wait behind other documents is not this one's time.
    const release = await this.#slots.acquire(signal);
    try {
      return await this.#renderWithRetry(request, timeoutMs);
    } finally {
      release();
    }
  }

  async #renderWithRetry(request: PdfRenderRequest, timeoutMs: number): Promise<PdfRenderResult> {
    const { signal } = request;
    const deadline = Date.now() + timeoutMs;
    try {
      return await this.#renderOnce(request, timeoutMs, timeoutMs);
    } catch (error) {
      if (!browserLost.has(error as object)) throw error;
      // Whatever happens next, the lost browser's processes and folder are gone first.
      await this.#disposeLost();
      // A lost browser is often a one-off (killed, out of memory): once more on a fresh one,
      // within the same time limit. A timeout or a cancel is final.
      const left = deadline - Date.now();
      if (signal?.aborted || left <= 0) throw error;
      try {
        return await this.#renderOnce(request, left, timeoutMs);
      } finally {
        await this.#disposeLost();
      }
    }
  }

  /** Waits until every browser whose connection is gone is killed and its folder removed. */
  async #disposeLost(): Promise<void> {
    await Promise.all([...this.#live].filter((launched) => !launched.browser.isConnected()).map((launched) => launched.dispose()));
  }

  async #renderOnce(request: PdfRenderRequest, timeoutMs: number, limitMs: number): Promise<PdfRenderResult> {
    const { signal } = request;
    const run = new RenderRun();
    const timer = setTimeout(() => run.stop(Errors.pdfTimeout(toSeconds(limitMs))), timeoutMs);
    const onAbort = () => run.stop(Errors.jobCancelled());
    signal?.addEventListener('abort', onAbort, { once: true });
    const work = this.#renderIn(request, run);
    // A stopped render keeps unwinding in the background; its rejection is expected.
    work.catch(() => {});
    try {
      return await Promise.race([work, run.stopped]);
    } catch (error) {
      if (!run.reason) throw error;
      // Nothing of this render outlives the call: its page is closed (or never opened).
      await run.closed;
      throw run.reason;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Closes the browser (killing its process tree if it does not exit in time, or if its
   * connection dropped) and deletes its temporary folder. Safe to call twice.
   */
  async close(): Promise<void> {
    const launching = this.#browser;
    this.#browser = undefined;
    this.#warming = undefined; // its page goes with its browser
    await this.#diagrams.close();
    await this.#closeIdle();
    await launching?.catch(() => undefined);
    await Promise.all([...this.#live].map((launched) => launched.close()));
  }

  async #renderIn(request: PdfRenderRequest, run: RenderRun): Promise<PdfRenderResult> {
    const launched = await this.#getBrowser();
    const { browser } = launched;
    // Playwright may never settle a call (seen: newPage) whose browser dies, so a crash
    // stops the run itself instead of waiting for the call to fail.
    const onDisconnected = () => run.stop(lost('the browser exited or its connection dropped during the render'));
    browser.on('disconnected', onDisconnected);
    try {
      if (!browser.isConnected()) onDisconnected();
      run.throwIfStopped();
      let warm = this.#takeIdle(launched) ?? (await this.#takeWarming(launched, run));
      if (!warm) {
        const opening = this.#openPage(launched);
        // A render stopped while its page opens closes the page once it exists.
        opening.then((w) => void (run.reason && w.page.close().catch(() => {})), () => {});
        try {
          warm = await opening;
        } catch (error) {
          throw run.reason ?? failure(error, browser);
        }
      }
      // A stop from here on is seen by the print's first step, whose finally closes the page.
      run.page = warm.page;
      // Chromium raises some of its threads again when it may (run as root); a few syscalls.
      launched.lowerPriority(false);
      const onCrash = () => run.stop(lost('the page crashed'));
      warm.page.on('crash', onCrash);
      let printed = false;
      try {
        run.throwIfStopped();
        warm.assets = request.assets ?? null;
        warm.assetError = null;
        // Written into the page's document (document.open/write), not navigated to: a navigation
        // costs Chromium a new document, which took ~30 % more of its CPU per print than this.
        // The content is replaced whole, but the Document object stays, and with it any CSP a
        // document gave: one with other policy lines than the last starts from a new, empty one.
        const policy = cspLinesOf(request.html);
        if (warm.policy !== null && warm.policy !== policy) await warm.page.goto('about:blank');
        warm.policy = policy;
        // 'load' waits for every image too.
        await warm.page.setContent(printedHtml(request), { waitUntil: 'load' });
        if (warm.assetError) throw warm.assetError;
        request.onProgress?.('printing');
        const pdf = await warm.page.pdf(pdfOptions(request.options, request.title));
        printed = true;
        return { pdf, pages: countPdfPages(pdf) };
      } catch (error) {
        throw await settledFailure(error, browser, run);
      } finally {
        warm.page.off('crash', onCrash);
        warm.assets = null;
        // Only a page that printed cleanly waits for the next document; any other is closed.
        // One that loaded images is emptied too (they stay decoded in it otherwise); the bundled
        // fonts, a few hundred KB that the next document most likely uses again, do not count.
        const held = Buffer.byteLength(request.html) + (Object.values(request.assets ?? {}).some((a) => !isFont(a)) ? EMPTY_AFTER_BYTES : 0);
        if (printed && !run.reason && !warm.refusedFont && browser.isConnected()) await this.#keepIdle(warm, held);
        else await warm.page.close().catch(() => {});
      }
    } finally {
      browser.off('disconnected', onDisconnected);
    }
  }

  /**
   * A print page of `launched`, in the shared print context, with its own router, below the
   * engine's priority, and no Playwright time limit (each render has its own). Closed again if
   * it cannot be set up.
   */
  async #openPage(launched: LaunchedBrowser): Promise<WarmPage> {
    const page = await (await launched.printContext()).newPage();
    try {
      const fresh: PendingPage & Pick<WarmPage, 'policy'> = { assets: null, assetError: null, refusedFont: false, policy: null };
      // The page's own router: the context is shared by every print page.
      await page.route('**/*', (route) => serveOnlyAssets(route, fresh));
      // Its renderer may be new: below the engine too.
      launched.lowerPriority(true);
      // Our own timer bounds the render; Playwright's 30 s default would cut large documents short.
      page.setDefaultTimeout(0);
      page.setDefaultNavigationTimeout(0);
      return Object.assign(fresh, { launched, page });
    } catch (error) {
      await page.close().catch(() => {});
      throw error;
    }
  }

  /**
   * The page warmUp() is opening, once open, if it is this browser's; the render's own stop
   * (time limit, cancel, lost browser) ends the wait: a newPage of a dying browser may never
   * settle.
   */
  async #takeWarming(launched: LaunchedBrowser, run: RenderRun): Promise<WarmPage | undefined> {
    const warming = this.#warming;
    // One of a browser since lost may never open: left to its fate, not waited for.
    if (warming?.launched !== launched) return undefined;
    this.#warming = undefined;
    let warm: WarmPage | undefined;
    try {
      warm = await Promise.race([warming.page, run.stopped]);
    } catch (error) {
      void warming.page.then((w) => w?.page.close().catch(() => {}));
      throw error;
    }
    return warm?.page.isClosed() ? undefined : warm;
  }

  /** A warm page of this browser, if one waits (pages of a lost browser are dropped). */
  #takeIdle(launched: LaunchedBrowser): WarmPage | undefined {
    for (;;) {
      const warm = this.#idle.pop();
      if (!warm) return undefined;
      if (warm.launched === launched && launched.browser.isConnected() && !warm.page.isClosed()) return warm;
      void warm.page.close().catch(() => {});
    }
  }

  async #keepIdle(warm: WarmPage, bytes: number): Promise<void> {
    try {
      if (bytes > EMPTY_AFTER_BYTES) {
        await warm.page.goto('about:blank');
        warm.policy = null;
      }
    } catch {
      await warm.page.close().catch(() => {});
      return;
    }
    if (this.#idle.length >= this.#slots.size || this.#browser === undefined) {
      await warm.page.close().catch(() => {});
      return;
    }
    this.#idle.push(warm);
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => void this.#closeIdle(), IDLE_PAGE_MS);
    this.#idleTimer.unref();
  }

  async #closeIdle(): Promise<void> {
    clearTimeout(this.#idleTimer);
    const idle = this.#idle.splice(0);
    await Promise.all(idle.map((warm) => warm.page.close().catch(() => {})));
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
    // Everything of this launch (profile, Playwright's artifacts, Chromium's own temp files)
    // lives in one folder named after this process: if we are killed, the next start sees
    // that the pid is gone and removes it (engine/jobs/leftovers.ts).
    const tempDir = await mkdtemp(path.join(chromiumTempRoot(), chromiumTempPrefix()));
    const profileDir = path.join(tempDir, 'profile');
    let launched: LaunchedBrowser | undefined;
    try {
      // A persistent context is the public way to put the profile in a folder of ours; the
      // renders print in a context of their own (LaunchedBrowser.printContext).
      const defaultContext = await chromium.launchPersistentContext(profileDir, {
        executablePath,
        headless: true,
        args: LAUNCH_ARGS,
        artifactsDir: path.join(tempDir, 'artifacts'),
        env: { ...process.env, ...this.#options.env, TMPDIR: tempDir, TMP: tempDir, TEMP: tempDir },
        timeout: LAUNCH_TIMEOUT_MS,
        // The host (CLI, Electron main) owns signals and calls close(); Playwright's SIGINT
        // handler would exit the process before a job could be marked cancelled.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
      const browser = defaultContext.browser();
      if (!browser) throw new Error('Playwright gave no browser for the launched Chromium');
      const own: LaunchedBrowser = new LaunchedBrowser(browser, tempDir, () => this.#live.delete(own));
      launched = own;
      this.#live.add(own);
      // The pid lets us kill a browser whose connection dropped while it kept running.
      own.pid = await browserPid(browser, profileDir);
      own.lowerPriority(true);
      // After a crash or a dropped connection nobody may call close(): clean up now.
      browser.on('disconnected', () => void own.dispose());
      if (!browser.isConnected()) void own.dispose();
      return own;
    } catch (error) {
      if (launched) await launched.close();
      else await rm(tempDir, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
      // Retried once like a crash: the browser may have died while starting (killed, no memory).
      throw lost(`${executablePath}: ${firstLine(error)}`);
    }
  }
}

/** One launched Chromium: its connection, its process and its folder. */
class LaunchedBrowser {
  pid: number | undefined;
  /** The browser's process group, as last looked up (see lowerPriority). */
  #group: number[] = [];
  /** Lowering the browser's autogroup, once started (see lowerPriority). */
  #autogroup: Promise<unknown> | undefined;
  #closing = false;
  #disposed: Promise<void> | undefined;

  constructor(
    readonly browser: Browser,
    readonly tempDir: string,
    readonly onDisposed: () => void,
  ) {}

  #printContext: Promise<BrowserContext> | undefined;

  /**
   * The context every print page opens in. One, not one per page: pages of one context share a
   * renderer process and its caches (fonts decoded once), and two contexts printing side by
   * side took 10–20 % more of Chromium's CPU. Nothing a page holds reaches another: JavaScript
   * is off, each page routes its own requests, and images are served uncached (no-store).
   */
  printContext(): Promise<BrowserContext> {
    if (!this.#printContext) {
      const opening = this.browser.newContext(CONTEXT_OPTIONS);
      this.#printContext = opening;
      // A context that could not open is asked for again by the next render.
      opening.catch(() => {
        if (this.#printContext === opening) this.#printContext = undefined;
      });
    }
    return this.#printContext;
  }

  /**
   * Puts the browser's processes below the engine's thread (CHROMIUM_NICENESS): printing uses
   * every core in a batch, and the engine must still answer at once. Each thread is lowered,
   * and on Linux the browser's autogroup too (its session's, see lowerAutogroup). `lookUp`
   * finds the group's processes again (at launch, and when a page may have started a renderer).
   */
  lowerPriority(lookUp: boolean): void {
    if (this.pid === undefined) return;
    if (lookUp || this.#group.length === 0) {
      this.#group = processGroupOf(this.pid);
      // Once per browser (its session's group does not change), in the background: the kernel
      // may make it wait its turn (see lowerAutogroup); never rejects. Refused: the next look-up tries again.
      this.#autogroup ??= lowerAutogroup(this.pid).then((result) => {
        if (result === 'refused') this.#autogroup = undefined;
        return result;
      });
    }
    lowerPriority(this.#group);
  }

  /**
   * Ends the browser and disposes of it. Its profile, pages and caches are thrown away with its
   * folder, so there is nothing for a graceful exit to save: a browser whose pid is known is
   * killed at once (Browser.close took 350–480 ms here, on every CLI run and app quit). Without
   * a pid, Chromium is asked to exit and given a little time, then what is left is killed.
   */
  async close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      if (this.pid === undefined && this.browser.isConnected()) await Promise.race([this.browser.close().catch(() => {}), delay(BROWSER_CLOSE_GRACE_MS)]);
    }
    await this.#dispose();
  }

  /**
   * Makes sure the process tree is gone (a browser whose connection dropped keeps running,
   * and its open pipes keep our process alive), then removes the folder. Runs once.
   */
  dispose(): Promise<void> {
    // A graceful close in progress ends the process itself; close() disposes afterwards.
    return this.#closing && !this.#disposed ? Promise.resolve() : this.#dispose();
  }

  #dispose(): Promise<void> {
    this.#disposed ??= (async () => {
      if (this.pid !== undefined && pidAlive(this.pid)) {
        killProcessTree(this.pid);
        await waitForExit(this.pid, 5_000);
      }
      await rm(this.tempDir, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
      this.onDisposed();
    })();
    return this.#disposed;
  }
}

/**
 * The browser's process id, from Chromium itself (SystemInfo.getProcessInfo, public CDP), else
 * from the profile's SingletonLock ("host-pid"); undefined if neither tells.
 */
async function browserPid(browser: Browser, profileDir: string): Promise<number | undefined> {
  try {
    const session = await browser.newBrowserCDPSession();
    try {
      const { processInfo } = (await session.send('SystemInfo.getProcessInfo')) as { processInfo: Array<{ type: string; id: number }> };
      const pid = processInfo.find((p) => p.type === 'browser')?.id;
      if (pid) return pid;
    } finally {
      await session.detach().catch(() => {});
    }
  } catch {
    // Fall through to the lock file.
  }
  try {
    const m = /-(\d+)$/.exec(await readlink(path.join(profileDir, 'SingletonLock')));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Errors that mean the browser (or the page) was lost, not that the render itself failed. */
const browserLost = new WeakSet<object>();

function lost(reason: string): QuireError {
  const error = Errors.chromiumFailed(reason);
  browserLost.add(error);
  return error;
}

/** Why a render stopped early (timeout, cancel, crash), and the page to close when it does. */
class RenderRun {
  reason: QuireError | undefined;
  page: Page | undefined;
  /** Settles once the stopped render's page is closed, or after a grace period. */
  closed: Promise<void> = Promise.resolve();
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
    if (!this.page) return; // none open yet: #renderIn closes it as it opens
    // Closing the page interrupts whatever Chromium is doing for this render. We wait for the
    // close, not for the render's promise: Playwright may never settle a call that raced the
    // close (seen with 1.65). A wedged browser must not hold up the rejection.
    const closing = this.page.close().catch(() => {});
    this.closed = Promise.race([closing, delay(PAGE_CLOSE_GRACE_MS)]);
  }

  throwIfStopped(): void {
    if (this.reason) throw this.reason;
  }
}

/** What a page's router answers: the images of the render in progress, and nothing else. */
type PendingPage = Pick<WarmPage, 'assets' | 'assetError' | 'refusedFont'>;

function serveOnlyAssets(route: Route, pending: PendingPage): Promise<void> {
  const request = route.request();
  const navigation = request.isNavigationRequest();
  // An image only as an image (an <img>, a CSS background), a font only as a font: never a
  // frame, an object or a stylesheet.
  const found = navigation ? undefined : printAssetOf(request.url(), request.method(), pending.assets);
  const asset = found && request.resourceType() === (isFont(found) ? 'font' : 'image') ? found : undefined;
  if (!asset && request.resourceType() === 'font' && request.url().startsWith(PRINT_ASSET_BASE)) pending.refusedFont = true;
  const handled = asset
    ? serveAsset(route, asset, pending)
    : navigation
      ? // 204 keeps the current page: an aborted navigation (meta refresh, a link's target)
        // would replace the document with Chromium's error page before it is printed.
        route.fulfill({ status: 204 })
      : route.abort('blockedbyclient');
  // The route may outlive a context closed by a timeout or cancel; nothing to report then.
  return handled.catch(() => {});
}

const CSP_META = /<meta\b[^>]*http-equiv\s*=\s*["']?content-security-policy["']?[^>]*>/gi;

/**
 * The document's CSP <meta> tags, as written, in order: those before <body> (a CSP given in
 * the body is ignored by Chromium). Documents with the same lines give the page the same policy.
 */
export function cspLinesOf(html: string): string {
  const body = html.search(/<body[\s>]/i);
  return [...(body < 0 ? html : html.slice(0, body)).matchAll(CSP_META)].map((m) => m[0]).join('\n');
}

/** The render's image a sub-resource request names: a GET of PRINT_ASSET_BASE + a sha256 in the page's map, nothing else. */
function printAssetOf(url: string, method: string, assets: Record<string, PrintAsset> | null): PrintAsset | undefined {
  if (!assets || method !== 'GET' || !url.startsWith(PRINT_ASSET_BASE)) return undefined;
  const sha = url.slice(PRINT_ASSET_BASE.length);
  return SHA256.test(sha) && Object.hasOwn(assets, sha) ? assets[sha] : undefined;
}

/**
 * Answers with the stored file, read asynchronously and checked against its hash (what is
 * printed is what prepare validated). One that cannot be read fails the render, naming it.
 */
async function serveAsset(route: Route, asset: PrintAsset, pending: PendingPage): Promise<void> {
  const sha = route.request().url().slice(PRINT_ASSET_BASE.length);
  let body: Buffer | null = null;
  try {
    body = await readFile(asset.path);
  } catch {
    body = null;
  }
  if (body === null || createHash('sha256').update(body).digest('hex') !== sha) {
    pending.assetError ??= Errors.pdfFailed(
      isFont(asset)
        ? changedFontProblem(asset.path)
        : `the stored image ${asset.path} is missing or was changed since the export started; export the document again`,
    );
    return route.abort('failed');
  }
  // no-store: a later document in this page must not get this image from a cache without asking.
  return route.fulfill({ status: 200, contentType: asset.mime, body, headers: { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } });
}

function isFont(asset: PrintAsset): boolean {
  return asset.mime.startsWith('font/');
}

/** The bytes of the images the page links, once per link (a few ms of indexOf for a 10 MB page). */
function assetBytesAsUsed(request: PdfRenderRequest): number {
  const { html, assets } = request;
  if (!assets) return 0;
  let total = 0;
  for (let at = html.indexOf(PRINT_ASSET_BASE); at >= 0; at = html.indexOf(PRINT_ASSET_BASE, at + PRINT_ASSET_BASE.length)) {
    const sha = html.slice(at + PRINT_ASSET_BASE.length, at + PRINT_ASSET_BASE.length + 64);
    if (Object.hasOwn(assets, sha)) total += assets[sha]!.bytes ?? 0;
  }
  return total;
}

/** The page.pdf() options of a render (exported for bench/floor-html.mjs, which prints with exactly these). */
export function pdfOptions(options: PdfOptions, title: string): Parameters<Page['pdf']>[0] {
  const { marginsMm: m, tagged } = pageLayout(options, title);
  return {
    format: options.pageSize,
    landscape: options.landscape,
    printBackground: options.printBackground,
    margin: { top: `${m.top}mm`, right: `${m.right}mm`, bottom: `${m.bottom}mm`, left: `${m.left}mm` },
    // The header and footer are the document's own page-margin boxes (printedHtml).
    displayHeaderFooter: false,
    outline: options.outline,
    tagged,
  };
}

function failure(error: unknown, browser: Browser): QuireError {
  if (isQuireError(error)) return error;
  // The call failed because the browser went away before its 'disconnected' event arrived.
  return browser.isConnected() ? Errors.pdfFailed(firstLine(error)) : lost('the browser exited or its connection dropped during the render');
}

/** What Playwright says of a call whose page, context or browser went away under it. */
const TARGET_GONE = /has been closed|Target closed|has disconnected/i;

/**
 * Why the render failed. A call can fail for a dropped connection (a page over the pipe's
 * limit) before the browser's 'disconnected' event is seen: such an error waits up to a second
 * for it, so the render is retried on a fresh browser instead of failing with PDF_FAILED.
 */
async function settledFailure(error: unknown, browser: Browser, run: RenderRun): Promise<QuireError> {
  if (!run.reason && browser.isConnected() && TARGET_GONE.test(firstLine(error))) {
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        browser.off('disconnected', done);
        resolve();
      };
      const timer = setTimeout(done, 1_000);
      browser.on('disconnected', done);
    });
  }
  return run.reason ?? failure(error, browser);
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

