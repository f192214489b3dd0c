/**
 * APP_CSP in real Chromium, with what the renderer does: a module script and stylesheet
 * from its own origin, styles set through the CSSOM (React `style` props), and the live
 * preview (an iframe sandboxed without scripts, `srcdoc`, its styles set through the CSSOM). Inline
 * script, eval, inline style attributes and anything remote must be refused.
 *
 * Plain Chromium cannot register quire:, so https://app.quire.test stands in for
 * quire://app; the headers are the ones the protocol handler sends.
 */
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findChromium } from '../pdf/find-chromium.ts';
import { appResponseHeaders } from './app-protocol.ts';

const ORIGIN = 'https://app.quire.test';

const FILES: Record<string, [string, string]> = {
  '/index.html': [
    'text/html; charset=utf-8',
    `<!doctype html><html><head><link rel="stylesheet" href="./app.css"><script type="module" src="./app.js"></script></head>
     <body><div id="root">app</div><p id="styled" style="color: rgb(255, 0, 0)">x</p><img id="remote" src="https://evil.example/x.png">
     <script>document.title = 'inline ran'</script></body></html>`,
  ],
  '/app.js': [
    'text/javascript; charset=utf-8',
    `const out = (window.results = { violations: [] });
     document.addEventListener('securitypolicyviolation', (e) => out.violations.push(e.violatedDirective));
     try { eval('1'); out.eval = 'ran'; } catch { out.eval = 'blocked'; }
     try { new Function('return 1')(); out.fn = 'ran'; } catch { out.fn = 'blocked'; }
     const root = document.getElementById('root');
     root.style.color = 'rgb(0, 128, 0)';
     out.cssom = getComputedStyle(root).color;
     out.sheet = getComputedStyle(document.body).marginTop;
     out.inlineStyle = getComputedStyle(document.getElementById('styled')).color;
     out.fetchRemote = await fetch('https://evil.example/data').then(() => 'ran', () => 'blocked');
     out.fetchSelf = await fetch('./app.css').then((r) => r.status, () => 'blocked');
     const frame = document.createElement('iframe');
     frame.setAttribute('sandbox', 'allow-same-origin');
     frame.srcdoc = '<!doctype html><html><head><style>h2 { color: rgb(9, 9, 9) }</style></head><body><h1 id="h">Hi</h1><h2 id="h2">Inline</h2><p id="p" data-quire-style="color: rgb(4, 5, 6)">p</p><script>parent.results.previewScript = "ran"</script></body></html>';
     // What renderer/src/lib/preview-frame.ts does: the page's styles put back through the CSSOM.
     frame.onload = () => {
       const d = frame.contentDocument, w = frame.contentWindow;
       const sheet = new w.CSSStyleSheet();
       sheet.replaceSync('h1 { color: rgb(1, 2, 3) }');
       d.adoptedStyleSheets = [sheet];
       const p = d.getElementById('p');
       p.style.cssText = p.getAttribute('data-quire-style');
       out.preview = getComputedStyle(d.getElementById('h')).color;
       out.previewStyleElement = getComputedStyle(d.getElementById('h2')).color;
       out.previewStyleAttr = getComputedStyle(p).color;
       out.done = true;
     };
     document.body.append(frame);`,
  ],
  '/app.css': ['text/css; charset=utf-8', 'body { margin-top: 7px }'],
};

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: findChromium(), args: ['--no-sandbox', '--disable-gpu'] });
});
afterAll(async () => {
  await browser?.close();
});

it('lets the renderer’s own files, CSSOM styles and the sandboxed preview work, and blocks the rest', async () => {
  const page = await browser.newPage();
  const remote: string[] = [];
  await page.route(`${ORIGIN}/**`, (route) => {
    const file = FILES[new URL(route.request().url()).pathname];
    if (!file) return route.fulfill({ status: 404 });
    return route.fulfill({ status: 200, headers: appResponseHeaders(file[0]), body: file[1] });
  });
  await page.route('https://evil.example/**', (route) => {
    remote.push(route.request().url());
    return route.fulfill({ status: 200, body: '' });
  });
  await page.goto(`${ORIGIN}/index.html`);
  // Poll from here: waitForFunction would evaluate its predicate inside the page, where this very CSP forbids eval.
  const end = Date.now() + 20_000;
  while (!(await page.evaluate('Boolean(window.results && window.results.done)'))) {
    if (Date.now() > end) throw new Error('the page never finished its checks');
    await new Promise((r) => setTimeout(r, 25));
  }
  const results = (await page.evaluate('window.results')) as Record<string, unknown>;
  expect(results).toMatchObject({
    eval: 'blocked',
    fn: 'blocked',
    cssom: 'rgb(0, 128, 0)',
    sheet: '7px',
    inlineStyle: 'rgb(0, 0, 0)',
    fetchRemote: 'blocked',
    fetchSelf: 200,
    preview: 'rgb(1, 2, 3)',
    previewStyleAttr: 'rgb(4, 5, 6)',
    // The srcdoc inherits the page's CSP: its own <style> is refused, hence the CSSOM above.
    previewStyleElement: 'rgb(0, 0, 0)',
  });
  expect(results.previewScript).toBeUndefined();
  expect(await page.title()).not.toBe('inline ran');
  expect(remote).toEqual([]);
  await page.close();
});
