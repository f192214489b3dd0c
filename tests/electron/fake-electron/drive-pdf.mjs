/**
 * Runs main/electron-pdf-renderer.ts (source, via tsx) against the fake electron module,
 * whose printToPDF prints with real Chromium from the options Electron would receive.
 * Prints what it observed as JSON for tests/electron/main-smoke.test.ts.
 *
 *   node --import tsx --import ./register.mjs drive-pdf.mjs <pdf-out-file>
 */
import fs from 'node:fs';

const electron = await import('electron');
if (!electron.__fake) throw new Error('the real electron module was loaded');
const { app, BrowserWindow } = electron;
const { ElectronPdfRenderer } = await import('../../../main/electron-pdf-renderer.ts');
const { DEFAULT_PDF_OPTIONS } = await import('../../../engine/api/types.ts');

const seen = { windows: [] };
app.on('web-contents-created', (_e, wc) => {
  const p = wc.preferences;
  const entry = { javascript: p.javascript, sandbox: p.sandbox, contextIsolation: p.contextIsolation, nodeIntegration: p.nodeIntegration, partition: p.session?.name, show: wc.window.options.show };
  seen.windows.push(entry);
  wc.on('did-finish-load', () => (entry.url = wc.getURL(), entry.csp = wc.page.headers['content-security-policy']));
});

const renderer = new ElectronPdfRenderer();
const sections = Array.from({ length: 40 }, (_, i) => `<h2>Section ${i + 1}</h2><p>${'Lorem ipsum dolor sit amet. '.repeat(20)}</p>`).join('');
const html = `<!doctype html><html><head><meta charset="utf-8"><title>Electron PDF</title><style>body{font-family:serif}</style></head><body><h1>Electron PDF</h1><img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==">${sections}</body></html>`;
const phases = [];
const result = await renderer.render({ html, title: 'Electron PDF', options: DEFAULT_PDF_OPTIONS, onProgress: (p) => phases.push(p) });
seen.phases = phases;
fs.writeFileSync(process.argv[2], result.pdf);
seen.render = { pages: result.pages, head: Buffer.from(result.pdf.slice(0, 5)).toString('latin1') };
seen.windowsAfterRender = BrowserWindow.getAllWindows().length;

const [pdfSession] = electron.partitionSessions();
const cancelled = (url) => {
  let verdict;
  pdfSession.beforeRequest({ url }, (r) => (verdict = r.cancel));
  return verdict;
};
seen.session = {
  requests: Object.fromEntries(
    ['https://example.com/x.png', 'http://127.0.0.1:8080/', 'file:///etc/passwd', 'quire://app/index.html', 'data:image/png;base64,AAAA', `quire://pdf/0b7f2c1e-9a7d-4a51-b2a4-3c1a0e0f6d11`].map((u) => [u, cancelled(u)]),
  ),
  permission: await new Promise((resolve) => pdfSession.permissionRequest(null, 'media', resolve, {})),
  servedAfter: (await pdfSession.handlers.get('quire')(new Request(seen.windows[0].url))).status,
};

const fail = (p) => p.then(() => ({ code: 'none' }), (e) => ({ code: e.code, message: e.message }));
let t = Date.now();
seen.timeout = { ...(await fail(renderer.render({ html: '<p>FAKE_HANG</p>', title: 't', options: DEFAULT_PDF_OPTIONS, timeoutMs: 300 }))), ms: Date.now() - t, windows: BrowserWindow.getAllWindows().length };
const controller = new AbortController();
t = Date.now();
setTimeout(() => controller.abort(), 150);
seen.cancel = { ...(await fail(renderer.render({ html: '<p>FAKE_HANG</p>', title: 't', options: DEFAULT_PDF_OPTIONS, signal: controller.signal }))), ms: Date.now() - t, windows: BrowserWindow.getAllWindows().length };
seen.preAborted = await fail(renderer.render({ html, title: 't', options: DEFAULT_PDF_OPTIONS, signal: AbortSignal.abort() }));
seen.crash = { ...(await fail(renderer.render({ html: '<p>FAKE_CRASH</p>', title: 't', options: DEFAULT_PDF_OPTIONS }))), windows: BrowserWindow.getAllWindows().length };

// Two at once: each gets its own window, both finish.
const both = await Promise.all([1, 2].map((n) => renderer.render({ html: `<h1>Doc ${n}</h1>`, title: `Doc ${n}`, options: { ...DEFAULT_PDF_OPTIONS, headerFooter: false } })));
seen.parallel = both.map((r) => r.pages);

await renderer.close();
await electron.closePrinter();
seen.windowsAtEnd = BrowserWindow.getAllWindows().length;
process.stdout.write(`\nSMOKE ${JSON.stringify(seen)}\n`);
process.exit(0);
