/**
 * Mermaid diagrams drawn to static SVG at export time, offline, in a page of their own.
 *
 * The page has JavaScript on (mermaid needs it to lay out text) but sees nothing of the
 * document except each diagram's source, passed as a string argument; every request it makes
 * is refused. Mermaid runs with securityLevel 'strict' (labels escaped, no click handlers)
 * and SVG text labels (no foreignObject), and the caller still sanitizes every SVG.
 *
 * {@link DiagramDrawer} owns the batch logic (one batch at a time, a time limit per diagram
 * and per batch, a warm page kept between jobs); a host only opens a {@link DiagramPage}:
 * {@link openChromiumDiagramPage} here (playwright-core), main/electron-diagram-page.ts there.
 *
 * @example
 * const drawer = new DiagramDrawer(() => openChromiumDiagramPage(browser));
 * const [first] = await drawer.render({ sources: ['graph TD\n A-->B'], idPrefix: 'qd-1a2b' });
 * if (first.ok) html += first.svg; // <svg id="qd-1a2b-1" …>
 * await drawer.close();
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Browser } from 'playwright-core';
import { Errors, isQuireError } from '../api/errors.ts';
import type { DiagramRenderRequest, DiagramResult } from './pdf-renderer.ts';

/** One diagram's default limit: a large flowchart lays out in well under a second. */
export const DIAGRAM_TIMEOUT_MS = 10_000;
/** Loading the 3.5 MB bundle takes ≈2 s on a busy machine; the browser may need launching too. */
const PAGE_SETUP_TIMEOUT_MS = 60_000;
/** The warm page (≈40 MB) is closed after this long without a batch. */
const IDLE_PAGE_MS = 5 * 60_000;
const PAGE_CLOSE_GRACE_MS = 5_000;
/** Roughly the text width of an A4 or Letter page with the default margins, in CSS pixels. */
export const DIAGRAM_VIEWPORT = { width: 680, height: 960 } as const;

/** The whole batch's default limit. */
export function diagramBatchTimeoutFor(count: number): number {
  return 30_000 + count * DIAGRAM_TIMEOUT_MS;
}

/**
 * Strict: labels are escaped and `click` directives do nothing. htmlLabels off: labels are
 * SVG <text>, which prints as text (pdftotext finds it) and needs no foreignObject/HTML.
 */
export const MERMAID_CONFIG = {
  startOnLoad: false,
  securityLevel: 'strict',
  htmlLabels: false,
  flowchart: { htmlLabels: false },
  theme: 'neutral',
} as const;

/** The only page the diagram page is: no network, inline script and style only. */
export const DIAGRAM_PAGE_HTML =
  '<!doctype html><html><head><meta charset="utf-8">' +
  `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:">` +
  '<title>diagrams</title></head><body></body></html>';

/**
 * Run in the page after the bundle: configures mermaid and installs the one function the
 * host calls. The page is emptied after every diagram (a failed render leaves its nodes).
 */
export const DIAGRAM_PAGE_SCRIPT = `(() => {
  mermaid.initialize(${JSON.stringify(MERMAID_CONFIG)});
  window.__quireDrawDiagram = async (id, source) => {
    try {
      const { svg } = await mermaid.render(id, source);
      return { ok: true, svg };
    } catch (e) {
      return { ok: false, error: String((e && e.message) || e) };
    } finally {
      document.body.replaceChildren();
    }
  };
})();`;

let bundle: Promise<string> | undefined;

/** mermaid.min.js (the IIFE build that defines globalThis.mermaid), read once. */
export function mermaidBundle(): Promise<string> {
  bundle ??= readFile(createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js'), 'utf8');
  bundle.catch(() => (bundle = undefined));
  return bundle;
}

/** A warm page that draws diagrams; `draw` rejects only when the page itself is lost. */
export interface DiagramPage {
  draw(id: string, source: string): Promise<DiagramResult>;
  close(): Promise<void>;
}

/**
 * Draws batches of diagrams on one warm page, one batch at a time. A diagram that fails or
 * runs out of time fails alone (the page is replaced after a timeout or a crash); only a
 * page that cannot be opened at all rejects the batch (DIAGRAMS_FAILED).
 */
export class DiagramDrawer {
  readonly #open: () => Promise<DiagramPage>;
  #page: Promise<DiagramPage> | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(open: () => Promise<DiagramPage>) {
    this.#open = open;
  }

  render(request: DiagramRenderRequest): Promise<DiagramResult[]> {
    const turn = this.#queue.then(() => this.#renderBatch(request));
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  async close(): Promise<void> {
    clearTimeout(this.#idleTimer);
    await this.#discard();
  }

  async #renderBatch(request: DiagramRenderRequest): Promise<DiagramResult[]> {
    const { sources, signal } = request;
    if (signal?.aborted) throw Errors.jobCancelled();
    clearTimeout(this.#idleTimer);
    const perDiagramMs = request.diagramTimeoutMs ?? DIAGRAM_TIMEOUT_MS;
    const batchMs = request.timeoutMs ?? diagramBatchTimeoutFor(sources.length);
    const deadline = Date.now() + batchMs;
    const results: DiagramResult[] = [];
    try {
      for (let i = 0; i < sources.length; i++) {
        if (signal?.aborted) throw Errors.jobCancelled();
        const left = deadline - Date.now();
        if (left <= 0) {
          results.push({ ok: false, error: `not drawn: the diagrams together took longer than ${seconds(batchMs)} s` });
          continue;
        }
        request.onProgress?.(i, sources.length);
        results.push(await this.#drawOne(`${request.idPrefix}-${i + 1}`, sources[i], Math.min(perDiagramMs, left), perDiagramMs, signal));
      }
      return results;
    } finally {
      this.#idleTimer = setTimeout(() => void this.#discard(), IDLE_PAGE_MS);
      this.#idleTimer.unref();
    }
  }

  async #drawOne(id: string, source: string, timeoutMs: number, limitMs: number, signal: AbortSignal | undefined): Promise<DiagramResult> {
    if (signal?.aborted) throw Errors.jobCancelled();
    const page = await this.#warmPage(signal);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<'timeout' | 'cancelled'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      onAbort = () => resolve('cancelled');
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    const drawing = page.draw(id, source).then(
      (result) => result,
      (error: unknown) => ({ lost: firstLine(error) }),
    );
    try {
      const outcome = await Promise.race([drawing, stop]);
      if (outcome === 'cancelled' || outcome === 'timeout') {
        // The page may be stuck in mermaid's layout: only closing it stops that.
        await this.#discard();
        if (outcome === 'cancelled') throw Errors.jobCancelled();
        return { ok: false, error: `took longer than ${seconds(limitMs)} s to draw` };
      }
      if ('lost' in outcome) {
        await this.#discard();
        return { ok: false, error: `the page drawing it stopped (${outcome.lost})` };
      }
      return outcome.ok ? { ok: true, svg: scopeSvgIds(tidySvg(outcome.svg), id) } : { ok: false, error: mermaidMessage(outcome.error) };
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The warm page, opened (within its own time limit) if there is none. */
  async #warmPage(signal: AbortSignal | undefined): Promise<DiagramPage> {
    if (!this.#page) {
      const opening = this.#open();
      this.#page = opening;
      opening.catch(() => {
        if (this.#page === opening) this.#page = undefined;
      });
    }
    const opening = this.#page;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Errors.diagramsFailed(`the diagram page took longer than ${seconds(PAGE_SETUP_TIMEOUT_MS)} s to open`)), PAGE_SETUP_TIMEOUT_MS);
      onAbort = () => reject(Errors.jobCancelled());
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([opening, stop]);
    } catch (error) {
      // A page still opening after a timeout or cancel is closed once it is open.
      if (this.#page === opening) this.#page = undefined;
      void opening.then((page) => page.close(), () => undefined);
      if (isQuireError(error) && (error.code === 'JOB_CANCELLED' || error.code === 'DIAGRAMS_FAILED')) throw error;
      throw Errors.diagramsFailed(firstLine(error));
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  async #discard(): Promise<void> {
    const page = this.#page;
    this.#page = undefined;
    if (!page) return;
    await Promise.race([page.then((p) => p.close(), () => undefined), delay(PAGE_CLOSE_GRACE_MS)]);
  }
}

/**
 * A diagram page in its own context of `browser`: JavaScript on, offline, every request
 * refused, nothing loaded but the inline page, the bundle and {@link DIAGRAM_PAGE_SCRIPT}.
 */
export async function openChromiumDiagramPage(browser: Browser): Promise<DiagramPage> {
  const code = await mermaidBundle();
  const context = await browser.newContext({
    javaScriptEnabled: true,
    offline: true,
    serviceWorkers: 'block',
    acceptDownloads: false,
    // Diagrams that fill their container (gantt) are laid out for about an A4 text column.
    viewport: DIAGRAM_VIEWPORT,
  });
  try {
    await context.route('**/*', (route) => route.abort('blockedbyclient').catch(() => {}));
    const page = await context.newPage();
    // The drawer's timers bound every call; Playwright's 30 s default is not ours to hit.
    page.setDefaultTimeout(0);
    await page.setContent(DIAGRAM_PAGE_HTML);
    await page.addScriptTag({ content: code });
    await page.addScriptTag({ content: DIAGRAM_PAGE_SCRIPT });
    // Playwright may never settle a call whose browser died: a crash or a lost browser ends the draw itself.
    let markLost!: (error: Error) => void;
    const lost = new Promise<never>((_, reject) => (markLost = reject));
    lost.catch(() => {});
    const onDisconnected = () => markLost(new Error('the browser exited'));
    browser.on('disconnected', onDisconnected);
    page.on('crash', () => markLost(new Error('the page crashed')));
    if (!browser.isConnected()) onDisconnected();
    return {
      draw: (id, source) =>
        Promise.race([
          page.evaluate(
            ([i, s]) => (globalThis as unknown as { __quireDrawDiagram(id: string, source: string): Promise<DiagramResult> }).__quireDrawDiagram(i, s),
            [id, source] as const,
          ),
          lost,
        ]),
      close: async () => {
        browser.off('disconnected', onDisconnected);
        if (browser.isConnected()) await context.close().catch(() => {});
      },
    };
  } catch (error) {
    await context.close().catch(() => {});
    throw error;
  }
}

/** Attributes mermaid writes that SVG does not have (the Nu HTML Checker rejects them): dropped. */
const NOT_SVG: Record<string, readonly string[]> = { '*': ['name'], path: ['viewBox'], circle: ['width', 'height', 'overflow'] };

/**
 * Mermaid's SVG made valid where it is not (seen with 11.17: sequence, journey, mindmap):
 * attributes SVG does not have or with an empty value are dropped, and a repeated id gets a
 * suffix. Text and <style> are untouched (they hold no raw "<" followed by a letter).
 */
export function tidySvg(svg: string): string {
  const seen = new Set<string>();
  return svg.replace(/<([A-Za-z][\w:-]*)(\s[^<>]*?)(\/?)>/g, (_tag, name: string, attrs: string, slash: string) => {
    const drop = new Set([...NOT_SVG['*']!, ...(NOT_SVG[name] ?? [])]);
    const kept = attrs.replace(/\s([\w:-]+)="([^"]*)"/g, (attr, attrName: string, value: string) => {
      if (drop.has(attrName) || value === '') return '';
      if (attrName !== 'id') return attr;
      let unique = value;
      for (let n = 2; seen.has(unique); n++) unique = `${value}-${n}`;
      seen.add(unique);
      return ` id="${unique}"`;
    });
    return `<${name}${kept}${slash}>`;
  });
}

/**
 * Mermaid gives most ids inside an SVG the diagram's id as prefix (markers, nodes, its
 * <style> is scoped by it), but not all (a sequence diagram's `actor0`, `root-0`): those get
 * it here, with every reference to them, so two diagrams in one document never share an id.
 */
export function scopeSvgIds(svg: string, id: string): string {
  const foreign = new Set<string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) {
    const v = m[1];
    if (v !== id && !v.startsWith(`${id}-`) && !v.startsWith(`${id}_`)) foreign.add(v);
  }
  if (foreign.size === 0) return svg;
  return svg.replace(/(\s(?:id|aria-labelledby|aria-describedby)="|\s(?:xlink:)?href="#|url\(#)([^"()\s]+)/g, (all, lead: string, name: string) =>
    foreign.has(name) ? `${lead}${id}-${name}` : all,
  );
}

/**
 * Mermaid's message on one line: a parse error's caret drawing is dropped, leaving
 * "Parse error on line 3: Expecting 'NODE_STRING', …, got 'LINK'".
 */
export function mermaidMessage(message: string): string {
  const lines = message.split('\n').map((l) => l.trim()).filter(Boolean);
  const kept = /^Parse error on line \d+:?$/.test(lines[0] ?? '') ? [lines[0], lines.at(-1)!] : lines.slice(0, 1);
  const text = kept.join(' ').replace(/\s+/g, ' ').trim() || 'mermaid gave no reason';
  return text.length > 240 ? `${text.slice(0, 237)}...` : text;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] || 'no reason given';
}

function seconds(ms: number): number {
  return Math.max(0.1, Math.round(ms / 100) / 10);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
