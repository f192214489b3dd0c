import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { QuireError } from '../api/errors.ts';
import { DEFAULT_PDF_OPTIONS, type PdfOptions } from '../api/types.ts';
import { ChromiumPdfRenderer } from './chromium-pdf-renderer.ts';
import { CHROMIUM_NICENESS, chromiumTempRoot, chromiumTempRoots, lowerAutogroup, processGroupOf } from './chromium-process.ts';
import { countPdfPages } from './pdf-pages.ts';
import type { PdfRenderRequest } from './pdf-renderer.ts';
import { chromiumChildren, pdfInfo, pdfPagesByPdfinfo, pdfText, pdfWords, processesUsing, qpdfJson, qpdfRewrite, sampleHtml } from './test-support.ts';

const PLAIN: PdfOptions = { ...DEFAULT_PDF_OPTIONS, headerFooter: false, outline: false, tagged: false };

function request(html: string, options: Partial<PdfOptions> = {}, extra: Partial<PdfRenderRequest> = {}): PdfRenderRequest {
  return { html, title: 'Test document', options: { ...DEFAULT_PDF_OPTIONS, ...options }, ...extra };
}

async function rejection(promise: Promise<unknown>): Promise<QuireError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(QuireError);
    return e as QuireError;
  }
  throw new Error('expected the render to fail');
}

/** "595.92 x 842.88 pts (A4)" → [595.92, 842.88] */
function pageSize(pdf: Uint8Array): [number, number] {
  const m = pdfInfo(pdf)['Page size'].match(/^([\d.]+) x ([\d.]+) pts/);
  return [Number(m![1]), Number(m![2])];
}

/** The footer "page / total"; pdftotext may drop the narrow spaces of the small footer font. */
function pageOf(page: number, total: number): RegExp {
  return new RegExp(`(^|\\s)${page}\\s*/\\s*${total}(\\s|$)`, 'm');
}

const renderer = new ChromiumPdfRenderer();
afterAll(() => renderer.close());

describe('ChromiumPdfRenderer output', () => {
  it('renders a document with headings: page count matches pdfinfo, text has the headings', async () => {
    const { pdf, pages } = await renderer.render(request(sampleHtml('Quarterly Report', 3), PLAIN));
    expect(Buffer.from(pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    expect(pages).toBeGreaterThan(0);
    expect(pages).toBe(pdfPagesByPdfinfo(pdf));
    const text = pdfText(pdf);
    for (const heading of ['Quarterly Report', 'Section 1', 'Section 2', 'Section 3']) expect(text).toContain(heading);
  });

  it('countPdfPages agrees with pdfinfo on one page, many pages, landscape and qpdf rewrites', async () => {
    const cases = [
      await renderer.render(request(sampleHtml('One', 1), PLAIN)),
      await renderer.render(request(sampleHtml('Many', 120))),
      await renderer.render(request(sampleHtml('Wide', 40), { landscape: true, pageSize: 'A3' })),
    ];
    expect(cases.map((c) => c.pages)).toEqual(cases.map((c) => pdfPagesByPdfinfo(c.pdf)));
    expect(cases[0].pages).toBe(1);
    expect(cases[1].pages).toBeGreaterThan(20);
    for (const { pdf, pages } of cases) {
      expect(countPdfPages(pdf)).toBe(pages);
      expect(countPdfPages(qpdfRewrite(pdf, ['--object-streams=generate']))).toBe(pages);
      expect(countPdfPages(qpdfRewrite(pdf, ['--linearize']))).toBe(pages);
    }
  });

  it('uses the page size and orientation asked for', async () => {
    const a4 = (await renderer.render(request(sampleHtml('A4', 1), { ...PLAIN, pageSize: 'A4' }))).pdf;
    const letter = (await renderer.render(request(sampleHtml('Letter', 1), { ...PLAIN, pageSize: 'Letter' }))).pdf;
    const landscape = (await renderer.render(request(sampleHtml('Landscape', 1), { ...PLAIN, pageSize: 'A4', landscape: true }))).pdf;
    expect(pageSize(a4).map(Math.round)).toEqual([596, 843]);
    expect(pdfInfo(a4)['Page size']).toContain('(A4)');
    expect(pageSize(letter).map(Math.round)).toEqual([612, 792]);
    expect(pageSize(landscape).map(Math.round)).toEqual([843, 596]);
  });

  it('adds bookmarks from the headings only when outline is on', async () => {
    const html = sampleHtml('Handbook', 2);
    // tagged is off: the renderer must still get Chromium to build the outline.
    const withOutline = (await renderer.render(request(html, { ...PLAIN, outline: true, tagged: false }))).pdf;
    const without = (await renderer.render(request(html, { ...PLAIN, outline: false }))).pdf;
    const outlines = qpdfJson(withOutline).outlines;
    expect(outlines.map((o) => o.title)).toEqual(['Handbook']);
    expect(outlines[0].kids.map((k) => (k as { title: string }).title)).toEqual(['Section 1', 'Section 2']);
    expect(qpdfJson(without).outlines).toEqual([]);
  });

  it('writes a tagged PDF when tagged is on (or an outline needs the tags), untagged otherwise', async () => {
    const html = sampleHtml('Accessible', 1);
    expect(pdfInfo((await renderer.render(request(html, { ...PLAIN, tagged: true }))).pdf).Tagged).toBe('yes');
    expect(pdfInfo((await renderer.render(request(html, { ...PLAIN, outline: true }))).pdf).Tagged).toBe('yes');
    expect(pdfInfo((await renderer.render(request(html, { ...PLAIN, tagged: false }))).pdf).Tagged).toBe('no');
  });

  it('prints the escaped title in the header and "page / total" in the footer', async () => {
    const title = 'Q3 <b>Plan</b> & "Budget"';
    const { pdf, pages } = await renderer.render({ ...request(sampleHtml('Body', 30), { ...PLAIN, headerFooter: true }), title });
    expect(pages).toBeGreaterThan(1);
    const text = pdfText(pdf);
    expect(text).toContain(title);
    expect(text).toMatch(pageOf(1, pages));
    expect(text).toMatch(pageOf(pages, pages));
    const plain = pdfText((await renderer.render(request(sampleHtml('Body', 30), PLAIN))).pdf);
    expect(plain).not.toMatch(pageOf(1, pages));
  });

  it('keeps the header clear of the text when the margins are zero', async () => {
    const zero = { top: 0, right: 0, bottom: 0, left: 0 };
    const { pdf } = await renderer.render({
      ...request(sampleHtml('Tight', 1), { ...PLAIN, headerFooter: true, margins: zero }),
      title: 'Header-Title',
    });
    expect(pdfText(pdf)).toMatch(pageOf(1, 1));
    const words = pdfWords(pdf);
    const header = words.find((w) => w.text === 'Header-Title')!;
    const heading = words.find((w) => w.text === 'Tight')!;
    expect(header.yMax).toBeLessThan(heading.yMin);
    expect(heading.yMin).toBeGreaterThanOrEqual(28); // the body starts at least 10 mm down
  });
});

describe('ChromiumPdfRenderer isolation', () => {
  let server: Server;
  let requests: string[] = [];
  let connections = 0;
  let base = '';
  let secretDir = '';
  let secretFile = '';

  beforeAll(async () => {
    secretDir = mkdtempSync(path.join(tmpdir(), 'quire-secret-'));
    secretFile = path.join(secretDir, 'secret.txt');
    writeFileSync(secretFile, 'TOP-SECRET-FILE-CONTENT');
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.end('body { color: red }');
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    rmSync(secretDir, { recursive: true, force: true });
    await new Promise((resolve) => server.close(resolve));
  });

  it('the test server does count requests (control)', async () => {
    requests = [];
    await fetch(`${base}/control`);
    expect(requests).toEqual(['/control']);
  });

  it('never lets the document reach the network', async () => {
    requests = [];
    connections = 0;
    const head = [
      `<link rel="stylesheet" href="${base}/style.css">`,
      `<link rel="preconnect" href="${base}">`,
      `<link rel="prefetch" href="${base}/prefetch">`,
      `<link rel="preload" as="image" href="${base}/preload.png">`,
      `<link rel="icon" href="${base}/favicon.ico">`,
      `<meta http-equiv="refresh" content="0; url=${base}/refresh">`,
      `<style>@import url("${base}/import.css"); @font-face { font-family: F; src: url("${base}/font.woff2"); }
        body { background-image: url("${base}/bg.png"); font-family: F, sans-serif; }</style>`,
    ].join('\n');
    const body = [
      `<img src="${base}/x.png" srcset="${base}/x2.png 2x">`,
      `<iframe src="${base}/frame.html"></iframe>`,
      `<object data="${base}/object"></object><embed src="${base}/embed">`,
      `<video poster="${base}/poster.png" src="${base}/video.mp4"></video><audio src="${base}/audio.mp3"></audio>`,
      `<svg width="10" height="10"><image href="${base}/svg.png" width="10" height="10"/></svg>`,
      `<p>STILL-THE-DOCUMENT</p>`,
    ].join('\n');
    const { pdf } = await renderer.render(request(sampleHtml('Offline', 1, head, body), PLAIN));
    // Give stray requests (meta refresh, preconnects) time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(requests).toEqual([]);
    expect(connections).toBe(0);
    // Neither the page nor the iframe shows Chromium's "blocked" error page instead.
    const text = pdfText(pdf);
    expect(text).toContain('STILL-THE-DOCUMENT');
    expect(text).not.toMatch(/ERR_|blocked/i);
  });

  it('stays on the document when it asks to navigate away (meta refresh)', async () => {
    requests = [];
    // An aborted navigation swaps in an error page, which makes printing fail ("Printing
    // failed") or print the error page. It races the print, so try a few times.
    const refresh = `<meta http-equiv="refresh" content="0; url=${base}/elsewhere">`;
    for (let i = 0; i < 3; i++) {
      const { pdf, pages } = await renderer.render(request(sampleHtml('Refresh', 600, refresh, '<p>STILL-THE-DOCUMENT</p>'), PLAIN));
      expect(pages).toBeGreaterThan(50);
      expect(pdfText(pdf)).toContain('STILL-THE-DOCUMENT');
    }
    expect(requests).toEqual([]);
  });

  it('a warm page reused for the next document shows only that document, even after one that asked to reload itself', async () => {
    requests = [];
    // The first asks to load the document address again a little later; between renders the
    // warm page answers nothing, and the next document replaces it before the timer fires.
    const reload = `<meta http-equiv="refresh" content="0.3; url=https://quire.invalid/document.html">`;
    const markers = ['FIRST-DOC', 'SECOND-DOC', 'THIRD-DOC', 'FOURTH-DOC'];
    for (const [i, marker] of markers.entries()) {
      const { pdf } = await renderer.render(request(sampleHtml(marker, 1 + i, i === 0 ? reload : '', `<p>${marker}-BODY</p>`), PLAIN));
      const text = pdfText(pdf);
      expect(text).toContain(`${marker}-BODY`);
      for (const other of markers.filter((m) => m !== marker)) expect(text).not.toContain(other);
      if (i === 0) await new Promise((resolve) => setTimeout(resolve, 600)); // the refresh would have fired by now
    }
    expect(requests).toEqual([]);
  });

  it('runs no script of the document', async () => {
    const body = [
      `<script>document.write('SCRIPT-RAN')</script>`,
      `<img src="data:," onerror="document.body.append('ONERROR-RAN')">`,
      `<svg onload="document.body.append('SVG-ONLOAD-RAN')"></svg>`,
      `<iframe srcdoc="<script>document.write('FRAME-SCRIPT-RAN')</script>"></iframe>`,
      `<noscript>NOSCRIPT-SHOWN</noscript>`,
    ].join('\n');
    const text = pdfText((await renderer.render(request(sampleHtml('Scripts', 1, '', body), PLAIN))).pdf);
    expect(text).toContain('NOSCRIPT-SHOWN');
    expect(text).not.toMatch(/SCRIPT-RAN|ONERROR-RAN|SVG-ONLOAD-RAN/);
  });

  it('cannot read local files', async () => {
    const url = `file://${secretFile}`;
    const body = `<iframe src="${url}"></iframe><object data="${url}" type="text/plain"></object><img src="${url}">`;
    const text = pdfText((await renderer.render(request(sampleHtml('Files', 1, '', body), PLAIN))).pdf);
    expect(text).toContain('Files');
    expect(text).not.toContain('TOP-SECRET-FILE-CONTENT');
  });
});

describe('ChromiumPdfRenderer timeouts, cancel and concurrency', () => {
  const large = sampleHtml('Large', 3000); // ~2 MB of HTML, a few hundred pages

  it('stops a render that exceeds timeoutMs with PDF_TIMEOUT, then renders again', async () => {
    await renderer.render(request(sampleHtml('Warm', 1), PLAIN));
    const started = Date.now();
    const error = await rejection(renderer.render(request(large, PLAIN, { timeoutMs: 150 })));
    expect(error.code).toBe('PDF_TIMEOUT');
    expect(error.details).toEqual({ seconds: 0.2 });
    expect(Date.now() - started).toBeLessThan(5_000);
    const after = await renderer.render(request(sampleHtml('After timeout', 2), PLAIN));
    expect(pdfText(after.pdf)).toContain('After timeout');
  });

  it('times out while the browser is still launching and leaves a working renderer', async () => {
    const cold = new ChromiumPdfRenderer({ timeoutMs: 5 });
    try {
      expect((await rejection(cold.render(request(sampleHtml('Cold', 1), PLAIN)))).code).toBe('PDF_TIMEOUT');
      const ok = await cold.render(request(sampleHtml('Cold retry', 1), PLAIN, { timeoutMs: 30_000 }));
      expect(ok.pages).toBe(1);
    } finally {
      await cold.close();
    }
  });

  it('cancels a render in flight with JOB_CANCELLED, then renders again', async () => {
    await renderer.render(request(sampleHtml('Warm', 1), PLAIN));
    const controller = new AbortController();
    const rendering = renderer.render(request(large, PLAIN, { signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const abortedAt = Date.now();
    controller.abort();
    expect((await rejection(rendering)).code).toBe('JOB_CANCELLED');
    expect(Date.now() - abortedAt).toBeLessThan(3_000);
    const after = await renderer.render(request(sampleHtml('After cancel', 2), PLAIN));
    expect(pdfText(after.pdf)).toContain('After cancel');
  });

  it('rejects an already aborted signal without touching the browser', async () => {
    // A missing browser would fail with CHROMIUM_FAILED if the render tried to launch it.
    const nowhere = new ChromiumPdfRenderer({ executablePath: '/nonexistent/chromium' });
    try {
      const error = await rejection(nowhere.render(request('<p>x</p>', PLAIN, { signal: AbortSignal.abort() })));
      expect(error.code).toBe('JOB_CANCELLED');
    } finally {
      await nowhere.close();
    }
  });

  it('renders three documents at once, each with its own content', async () => {
    const names = ['Alpha-Doc', 'Bravo-Doc', 'Charlie-Doc'];
    const results = await Promise.all(names.map((name, i) => renderer.render(request(sampleHtml(name, 10 + i * 10), PLAIN))));
    results.forEach(({ pdf, pages }, i) => {
      expect(pages).toBe(pdfPagesByPdfinfo(pdf));
      const text = pdfText(pdf);
      expect(text).toContain(names[i]);
      for (const other of names.filter((_, j) => j !== i)) expect(text).not.toContain(other);
    });
  });
});

/**
 * Whether this kernel lets this process lower an autogroup at all (some kernels have none, and a
 * sandbox may refuse): tried on a child in a session of its own.
 */
async function autogroupsChangeable(): Promise<boolean> {
  if (!existsSync('/proc/self/autogroup')) return false;
  const probe = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
  try {
    const result = await lowerAutogroup(probe.pid!, 1);
    if (result === 'refused') console.warn('autogroups: this kernel refuses to change them here; only per-thread niceness is checked');
    return result === 'lowered';
  } finally {
    probe.kill('SIGKILL');
  }
}

describe('ChromiumPdfRenderer browser lifecycle', () => {
  // A private temp folder, so leftovers of these renderers can be seen (and nobody else's).
  let privateTmp = '';
  let savedTmp: string | undefined;
  beforeAll(() => {
    savedTmp = process.env.TMPDIR;
    privateTmp = mkdtempSync(path.join(tmpdir(), 'quire-lifecycle-'));
    process.env.TMPDIR = privateTmp; // os.tmpdir() reads it on every call
  });
  afterAll(() => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    rmSync(privateTmp, { recursive: true, force: true });
  });
  const expectNothingLeft = () => vi.waitFor(() => expect(readdirSync(privateTmp)).toEqual([]), { timeout: 5_000 });

  it.skipIf(process.platform !== 'linux')('prints below the engine: every process of its browser runs at a lower CPU priority', async () => {
    const own = new ChromiumPdfRenderer({ executablePath: '/usr/bin/chromium' });
    try {
      const others = new Set(chromiumChildren().map((b) => b.pid));
      await own.render(request(sampleHtml('Priority', 2), PLAIN));
      const [browser] = chromiumChildren().filter((b) => !others.has(b.pid));
      const group = processGroupOf(browser!.pid);
      // The browser, its zygotes, the renderer that printed, the GPU and network helpers.
      expect(group.length).toBeGreaterThanOrEqual(4);
      for (const pid of group) expect(os.getPriority(pid), `process ${pid}`).toBeGreaterThanOrEqual(CHROMIUM_NICENESS);
      expect(os.getPriority(process.pid)).toBeLessThan(CHROMIUM_NICENESS);
      // Its session's autogroup too: nice inside a group does not weigh it against the engine's.
      const autogroup = (pid: number | 'self') => readFileSync(`/proc/${pid}/autogroup`, 'utf8').trim().split(' nice ');
      if (await autogroupsChangeable()) {
        expect(autogroup(browser!.pid)[0]).not.toBe(autogroup('self')[0]);
        // Lowered in the background: the kernel may make it wait for its 100 ms turn.
        await vi.waitFor(() => expect(Number(autogroup(browser!.pid)[1])).toBeGreaterThanOrEqual(CHROMIUM_NICENESS), { timeout: 5_000 });
      }
    } finally {
      await own.close();
    }
  });

  it.skipIf(process.platform !== 'linux')('runs no renderer a print does not use: no WebUI page of the headless window, no spare', async () => {
    const own = new ChromiumPdfRenderer({ executablePath: '/usr/bin/chromium', printSlots: 1 });
    try {
      const others = new Set(chromiumChildren().map((b) => b.pid));
      await own.render(request(sampleHtml('Renderers', 1), PLAIN));
      await own.render(request(sampleHtml('Renderers again', 1), PLAIN));
      const [browser] = chromiumChildren().filter((b) => !others.has(b.pid));
      const renderers = () =>
        processGroupOf(browser!.pid)
          .map((pid) => {
            try {
              return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
            } catch {
              return '';
            }
          })
          .filter((cmd) => cmd.includes('--type=renderer'));
      // Chromium 156 loaded the omnibox popups' WebUI (two renderers, 46 MB each in a batch) and
      // kept a spare renderer; a print page needs one renderer. Counted once the spare would be up.
      await new Promise((r) => setTimeout(r, 1_000));
      const found = renderers();
      expect(found.filter((cmd) => cmd.includes('top-chrome-webui'))).toEqual([]);
      expect(found.length).toBeLessThanOrEqual(2);
    } finally {
      await own.close();
    }
  });

  it('warmUp opens the first print page ahead, and the first render prints in it rather than in a page of its own', async () => {
    const own = new ChromiumPdfRenderer({ executablePath: '/usr/bin/chromium', printSlots: 2 });
    try {
      own.warmUp();
      own.warmUp(); // once is enough: no second page
      await vi.waitFor(() => expect(own.idlePages).toBe(1), { timeout: 30_000 });
      const pdf = await own.render(request(sampleHtml('Warm', 1), PLAIN));
      expect(pdfText(pdf.pdf)).toContain('Warm');
      // The warm page went back to wait; a page of its own would have made two.
      expect(own.idlePages).toBe(1);
      // A render that starts while the page is still opening waits for it instead.
      await own.close();
      own.warmUp();
      const second = await own.render(request(sampleHtml('Racing', 1), PLAIN));
      expect(pdfText(second.pdf)).toContain('Racing');
      expect(own.idlePages).toBe(1);
    } finally {
      await own.close();
    }
    expect(own.idlePages).toBe(0);
  });

  it('launches with fresh temporary folders, removed by close(); close is idempotent; render after close relaunches', async () => {
    const own = new ChromiumPdfRenderer({ executablePath: '/usr/bin/chromium' });
    try {
      const before = new Set(chromiumChildren().map((b) => b.pid));
      await own.render(request(sampleHtml('Profile', 1), PLAIN));
      const launched = chromiumChildren().filter((b) => !before.has(b.pid));
      expect(launched).toHaveLength(1);
      const { pid, userDataDir, tempDir } = launched[0];
      // One folder per launch, named after this process, holds the profile and Chromium's temp files.
      expect(path.dirname(tempDir)).toBe(privateTmp);
      expect(path.basename(tempDir)).toMatch(new RegExp(`^quire-chromium-${process.pid}-\\w{6}$`));
      expect(userDataDir).toBe(path.join(tempDir, 'profile'));
      expect(readdirSync(privateTmp)).toEqual([path.basename(tempDir)]);
      expect(existsSync(userDataDir)).toBe(true);

      await own.close();
      expect(chromiumChildren().some((b) => b.pid === pid)).toBe(false);
      await expectNothingLeft();
      await own.close();

      await own.render(request(sampleHtml('Again', 1), PLAIN));
      const relaunched = chromiumChildren().filter((b) => !before.has(b.pid));
      expect(relaunched).toHaveLength(1);
      expect(relaunched[0].userDataDir).not.toBe(userDataDir);
    } finally {
      await own.close();
    }
    await expectNothingLeft();
  });

  it('retries a render whose browser dies on a fresh browser, at any moment, and leaves nothing of the dead one', async () => {
    const own = new ChromiumPdfRenderer({ executablePath: '/usr/bin/chromium' });
    try {
      const before = new Set(chromiumChildren().map((b) => b.pid));
      const current = () => chromiumChildren().filter((b) => !before.has(b.pid));
      // Kill at different moments: opening the context and page, loading, printing.
      for (const killAfterMs of [0, 40, 250]) {
        await own.render(request(sampleHtml('Before crash', 1), PLAIN));
        const [browser] = current();
        const inFlight = own.render(request(sampleHtml('Survivor', 400), PLAIN, { timeoutMs: 60_000 }));
        await new Promise((resolve) => setTimeout(resolve, killAfterMs));
        process.kill(browser.pid, 'SIGKILL');
        const { pdf } = await inFlight;
        expect(pdfText(pdf)).toContain('Survivor');
        // Printed by a fresh browser (a kill after the print would leave none running yet).
        const after = current();
        expect(after).toHaveLength(1);
        expect(after[0].pid).not.toBe(browser.pid);
        // Killed, Chromium cannot clean up; the renderer removes its folder.
        await vi.waitFor(() => expect(existsSync(browser.tempDir)).toBe(false), { timeout: 5_000 });
        expect(current().map((b) => b.pid)).not.toContain(browser.pid);
      }
      expect(current()).toHaveLength(1);
    } finally {
      await own.close();
    }
    await expectNothingLeft();
  });

  it('fails with CHROMIUM_FAILED when the fresh browser dies too, and relaunches for the next render', async () => {
    const own = new ChromiumPdfRenderer({ executablePath: '/usr/bin/chromium' });
    try {
      // Other renderers of this file have browsers too: never theirs.
      const killed: number[] = chromiumChildren().map((b) => b.pid);
      await own.render(request(sampleHtml('Before crash', 1), PLAIN));
      const inFlight = own.render(request(sampleHtml('Doomed', 3000), PLAIN, { timeoutMs: 60_000 }));
      // Kill the browser, then the one the retry launches.
      for (let i = 0; i < 2; i++) {
        const browser = await vi.waitFor(() => {
          const b = chromiumChildren().find((x) => !killed.includes(x.pid));
          if (!b) throw new Error('no browser yet');
          return b;
        }, { timeout: 20_000, interval: 20 });
        await new Promise((resolve) => setTimeout(resolve, 300));
        process.kill(browser.pid, 'SIGKILL');
        killed.push(browser.pid);
      }
      const killedAt = Date.now();
      const error = await rejection(inFlight);
      expect(error.code).toBe('CHROMIUM_FAILED');
      expect(Date.now() - killedAt).toBeLessThan(10_000);
      await expectNothingLeft();
      const after = await own.render(request(sampleHtml('After crash', 1), PLAIN));
      expect(pdfText(after.pdf)).toContain('After crash');
    } finally {
      await own.close();
    }
    await expectNothingLeft();
  });

  it('kills a browser whose connection dropped while it kept running (a page over the pipe limit), and leaves nothing', async () => {
    // Chromium's DevTools pipe closes on a message over 100 MB, and the browser lives on: the
    // case that left the CLI hanging with Chromium orphaned. The page goes as a JSON string.
    const own = new ChromiumPdfRenderer({ executablePath: '/usr/bin/chromium', maxPageBytes: Number.MAX_SAFE_INTEGER });
    const huge = `<!doctype html><title>Huge</title><img src="data:image/png;base64,${'A'.repeat(110 * 1024 * 1024)}">`;
    try {
      const others = new Set(chromiumChildren().map((b) => b.pid)); // other renderers of this file
      const ours = () => chromiumChildren().filter((b) => !others.has(b.pid));
      await own.render(request(sampleHtml('Warm', 1), PLAIN));
      const [browser] = ours();
      const started = Date.now();
      const error = await rejection(own.render(request(huge, PLAIN, { timeoutMs: 120_000 })));
      expect(error.code).toBe('CHROMIUM_FAILED');
      expect(error.message).toMatch(/connection dropped/);
      expect(Date.now() - started).toBeLessThan(60_000);
      // Both the first browser and the retry's are gone, processes and folders.
      expect(ours()).toEqual([]);
      expect(processesUsing(browser.tempDir)).toEqual([]);
      await expectNothingLeft();
    } finally {
      await own.close();
    }
  }, 120_000);

  it('refuses a page over the pipe limit up front, naming its size, without launching a browser', async () => {
    const own = new ChromiumPdfRenderer({ executablePath: '/nonexistent/chromium', maxPageBytes: 1024 });
    try {
      const error = await rejection(own.render(request(`<p>${'x'.repeat(2048)}</p>`, PLAIN)));
      expect(error.code).toBe('PDF_PAGE_TOO_LARGE');
      expect(error.message).toMatch(/^The document is 2\.\d KB as one page to print \(its text, styles and any images written into it as data: URIs\); Chromium can print pages up to 1\.0 KB\. Export it as HTML or Markdown/);
    } finally {
      await own.close();
    }
    await expectNothingLeft();
  });

  it('starts under a long temp folder (the socket path limit of Chromium) and leaves nothing there', async () => {
    // 70 bytes: with Chromium's TMPDIR inside our folder, its singleton socket path would be
    // over the 107-byte limit and Chromium would not start (seen with a 50-byte TMPDIR).
    const longTmp = mkdtempSync(path.join(tmpdir(), `long-${'t'.repeat(70 - tmpdir().length - 12)}-`));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = longTmp;
    const local = new ChromiumPdfRenderer();
    try {
      expect(tmpdir()).toBe(longTmp);
      const { pages } = await local.render(request(sampleHtml('Long temp', 1), PLAIN));
      expect(pages).toBe(1);
    } finally {
      await local.close();
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    expect(readdirSync(longTmp)).toEqual([]);
    rmSync(longTmp, { recursive: true, force: true });
    expect(chromiumTempRoot(longTmp)).toBe('/tmp');
    expect(chromiumTempRoot('/tmp')).toBe('/tmp');
    expect(chromiumTempRoots(longTmp)).toEqual([longTmp, '/tmp']);
  });

  it('reports a missing executable as CHROMIUM_NOT_FOUND naming the path, leaving nothing behind', async () => {
    const missing = new ChromiumPdfRenderer({ executablePath: '/nonexistent/chromium' });
    try {
      const error = await rejection(missing.render(request('<p>x</p>', PLAIN)));
      expect(error.code).toBe('CHROMIUM_NOT_FOUND');
      expect(error.message).toContain('"/nonexistent/chromium"');
    } finally {
      await missing.close();
    }
    await expectNothingLeft();
  });

  it('reports a browser that cannot start as CHROMIUM_FAILED naming the path, leaving nothing behind', async () => {
    const fake = path.join(mkdtempSync(path.join(tmpdir(), 'fake-')), 'not-chromium');
    writeFileSync(fake, '#!/bin/sh\necho "not a browser" >&2\nexit 3\n', { mode: 0o755 });
    const broken = new ChromiumPdfRenderer({ executablePath: fake });
    try {
      const error = await rejection(broken.render(request('<p>x</p>', PLAIN)));
      expect(error.code).toBe('CHROMIUM_FAILED');
      expect(error.message).toContain(fake);
    } finally {
      await broken.close();
      rmSync(path.dirname(fake), { recursive: true, force: true });
    }
    await expectNothingLeft();
  });
});
