/**
 * The print page gets its images from the render's asset map (request interception), and
 * nothing else: not an asset outside the map, not a file by another address, not the network,
 * not an image the page's previous document was given. Real Chromium, real files, a local
 * HTTP server that counts every hit.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS } from '../../tests/helpers.ts';
import { QuireError } from '../api/errors.ts';
import { DEFAULT_PDF_OPTIONS } from '../api/types.ts';
import { PRINT_ASSET_BASE, PRINT_CSP } from '../pipeline/print-assets.ts';
import { ChromiumPdfRenderer } from './chromium-pdf-renderer.ts';
import type { PdfRenderRequest, PrintAsset } from './pdf-renderer.ts';
import { pdfText, withPdfFile } from './test-support.ts';
import { bundledFontFile } from '../pipeline/fonts.ts';

const PLAIN = { ...DEFAULT_PDF_OPTIONS, headerFooter: false, outline: false, tagged: false };
const IMAGES = path.join(CORPUS, 'system-design-primer', 'images');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * The distinct images in the PDF as "width x height" (pdfimages -list lists one per page it is
 * drawn on). Chromium's 14×16 broken-image icon, drawn for a blocked <img>, is left out.
 */
function pdfImages(pdf: Uint8Array): string[] {
  const out = withPdfFile(pdf, (file) => execFileSync('pdfimages', ['-list', file], { encoding: 'utf8' }));
  return out
    .split('\n')
    .slice(2)
    .filter((l) => l.trim())
    .filter((l) => l.trim().split(/\s+/)[2] === 'image') // not the alpha masks (smask)
    .map((l) => {
      const [, , , w, h] = l.trim().split(/\s+/);
      return `${w}x${h}`;
    })
    .filter((size, i, all) => size !== '14x16' && all.indexOf(size) === i)
    .sort();
}

/** Share of pure-red pixels on page 1, from a 20 dpi rendering (pdftoppm, PPM). */
function redShare(pdf: Uint8Array): number {
  const ppm = withPdfFile(pdf, (file) => execFileSync('pdftoppm', ['-r', '20', '-f', '1', '-l', '1', file], { maxBuffer: 64 << 20 }));
  const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.toString('latin1', 0, 40))!;
  const pixels = ppm.subarray(header[0].length);
  let red = 0;
  for (let i = 0; i + 2 < pixels.length; i += 3) if (pixels[i]! > 200 && pixels[i + 1]! < 60 && pixels[i + 2]! < 60) red++;
  return red / (pixels.length / 3);
}

function page(body: string, head = ''): string {
  return `<!doctype html>\n<html>\n<head>\n<meta charset="utf-8">\n<meta http-equiv="Content-Security-Policy" content="${PRINT_CSP}">\n${head}<title>T</title>\n</head>\n<body>\n<p>THE-DOCUMENT</p>\n${body}\n</body>\n</html>\n`;
}

let dir: string;
let server: Server;
let hits: string[] = [];
let connections = 0;
let base = '';
/** Two real PNGs of known size, and a red SVG (its type must be right for it to show). */
const files: Record<'wide' | 'tall' | 'svg' | 'other', { path: string; sha: string; mime: string; size: string }> = {} as never;
const renderer = new ChromiumPdfRenderer({ maxPageBytes: 64 * 1024 });

function asset(...names: Array<keyof typeof files>): Record<string, PrintAsset> {
  return Object.fromEntries(names.map((n) => [files[n].sha, { path: files[n].path, mime: files[n].mime }]));
}
function request(html: string, assets: Record<string, PrintAsset> = {}): PdfRenderRequest {
  return { html, title: 'T', options: PLAIN, assets };
}
const img = (name: keyof typeof files) => `<img src="${PRINT_ASSET_BASE}${files[name].sha}" alt="">`;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'quire-print-assets-'));
  const add = (key: keyof typeof files, data: Buffer, mime: string, size: string) => {
    const file = path.join(dir, sha(data));
    writeFileSync(file, data);
    files[key] = { path: file, sha: sha(data), mime, size };
  };
  add('wide', readFileSync(path.join(IMAGES, '54GYsSx.png')), 'image/png', '1000x228');
  add('tall', readFileSync(path.join(IMAGES, 'jj3A5N8.png')), 'image/png', '1234x1666');
  add('other', readFileSync(path.join(IMAGES, 'yB5SYwm.png')), 'image/png', '1000x300');
  add('svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="600" height="600"><rect width="600" height="600" fill="#ff0000"/></svg>'), 'image/svg+xml', '');
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.end('x');
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await renderer.close();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('images served to the print page', () => {
  it('prints the images of its map, each with its own type (an SVG shows only as image/svg+xml)', async () => {
    const { pdf } = await renderer.render(request(page(`${img('wide')}\n${img('tall')}\n${img('wide')}`), asset('wide', 'tall')));
    expect(pdfImages(pdf)).toEqual(['1000x228', '1234x1666']);
    const svg = await renderer.render(request(page(`<div style="width:600px">${img('svg')}</div>`), asset('svg')));
    expect(redShare(svg.pdf)).toBeGreaterThan(0.1);
    // Control: the same page without the map shows no red at all.
    const none = await renderer.render(request(page(`<div style="width:600px">${img('svg')}</div>`)));
    expect(redShare(none.pdf)).toBe(0);
  });

  it('the page limit counts the HTML only: megabytes of images go through a 64 KB limit', async () => {
    const html = page(Array.from({ length: 20 }, () => img('tall')).join('\n'));
    const { pdf, pages } = await renderer.render(request(html, asset('tall')));
    expect(pages).toBeGreaterThan(1);
    expect(pdfImages(pdf)).toContain('1234x1666');
    // As one inlined page it would be refused up front.
    const inlined = page(`<img src="data:image/png;base64,${readFileSync(files.tall.path).toString('base64')}">`);
    await expect(renderer.render(request(inlined))).rejects.toMatchObject({ code: 'PDF_PAGE_TOO_LARGE' });
  });

  it('loads nothing outside its map: no other asset, no other address of it, no network, no navigation', async () => {
    hits = [];
    connections = 0;
    const other = files.other.sha;
    const wide = files.wide.sha;
    const body = [
      img('wide'),
      img('other'), // a real stored image, but not this page's
      `<img src="${PRINT_ASSET_BASE}${other}?v=1">`,
      `<img src="${PRINT_ASSET_BASE}${wide.toUpperCase()}">`,
      `<img src="${PRINT_ASSET_BASE}${wide}/">`,
      `<img src="${PRINT_ASSET_BASE}../assets/${other}">`,
      `<img src="http://quire.invalid/assets/${other}">`,
      `<img src="${base}/assets/${other}">`,
      `<img src="${base}/x.png">`,
      `<iframe src="${PRINT_ASSET_BASE}${wide}"></iframe>`,
      `<a href="${PRINT_ASSET_BASE}${wide}">link</a>`,
      `<object data="${PRINT_ASSET_BASE}${wide}" type="image/png"></object>`,
    ].join('\n');
    const head = `<link rel="stylesheet" href="${PRINT_ASSET_BASE}${wide}"><link rel="preload" as="image" href="${base}/pre.png"><style>body { background: url("${base}/bg.png") }</style>\n`;
    const { pdf } = await renderer.render(request(page(body, head), asset('wide')));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(hits).toEqual([]);
    expect(connections).toBe(0);
    // Only the one image of the map, once (the <img>; the iframe, object and stylesheet got nothing).
    expect(pdfImages(pdf)).toEqual(['1000x228']);
    expect(pdfText(pdf)).toContain('THE-DOCUMENT');
    // Control: with "other" in the map, the same page does show it.
    expect(pdfImages((await renderer.render(request(page(body, head), asset('wide', 'other')))).pdf)).toEqual(['1000x228', '1000x300']);
  });

  it("a warm page's next document does not get the previous one's images", async () => {
    const first = await renderer.render(request(page(img('tall')), asset('tall')));
    expect(pdfImages(first.pdf)).toEqual(['1234x1666']);
    const second = await renderer.render(request(page(`${img('tall')}${img('wide')}`), asset('wide')));
    expect(pdfImages(second.pdf)).toEqual(['1000x228']);
  });

  it("a document whose CSP differs from the page's last one gets a fresh document: a stricter policy does not stay behind", async () => {
    // The page keeps its Document between renders, and a CSP once given stays on it: a document
    // with no image (img-src data: only) left every later print form's images blocked.
    const strict = page('<p>no images</p>').replace(PRINT_CSP, "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:");
    for (let i = 0; i < 2; i++) {
      expect(pdfText((await renderer.render(request(strict))).pdf)).toContain('no images');
      expect(pdfImages((await renderer.render(request(page(img('wide')), asset('wide')))).pdf)).toEqual(['1000x228']);
    }
  });

  it('fails, naming the file, when a stored image changed since the export started', async () => {
    const changed = path.join(dir, 'changed');
    writeFileSync(changed, Buffer.concat([readFileSync(files.wide.path), Buffer.from('x')]));
    const error = await renderer.render(request(page(img('wide')), { [files.wide.sha]: { path: changed, mime: 'image/png' } })).catch((e) => e);
    expect(error).toBeInstanceOf(QuireError);
    expect(error.code).toBe('PDF_FAILED');
    expect(error.message).toContain(`the stored image ${changed} is missing or was changed`);
    // The renderer is still fine afterwards.
    expect(pdfImages((await renderer.render(request(page(img('wide')), asset('wide')))).pdf)).toEqual(['1000x228']);
  });
});

describe('bundled fonts served to the print page', () => {
  const MONO = bundledFontFile('jetbrains-mono/files/jetbrains-mono-latin-400-normal.woff2')!;
  const monoSha = () => sha(readFileSync(MONO));
  const face = (shaHex: string) => `<style>@font-face{font-family:'QMono';src:url(${PRINT_ASSET_BASE}${shaHex}) format('woff2')}p.m{font-family:'QMono',serif}</style>`;
  const fontsOf = (pdf: Uint8Array) => withPdfFile(pdf, (file) => execFileSync('pdffonts', [file], { encoding: 'utf8' }));

  it('an @font-face linked at its hash is served from its file and embedded in the PDF', async () => {
    const body = '<p class="m">monospaced text</p>';
    // Without it in the map the page falls back to an installed face, and the next document,
    // which maps it, still gets it (Chromium remembers a failed face: that page is not kept).
    const blocked = await renderer.render(request(page(body, face(monoSha()))));
    expect(fontsOf(blocked.pdf)).not.toContain('JetBrainsMono');
    const served = await renderer.render(request(page(body, face(monoSha())), { [monoSha()]: { path: MONO, mime: 'font/woff2' } }));
    expect(fontsOf(served.pdf)).toContain('JetBrainsMono');
    expect(pdfText(served.pdf)).toContain('monospaced text');
    // Once loaded, Chromium keeps the face under its URL for the page's next documents (seen
    // here): harmless, as the URL is the hash of a bundled file, never of a document's data.
  });

  it('a font is served only as a font and an image only as an image', async () => {
    // An entry whose file is missing fails the render only if the page fetched it: used as what
    // it is not, it is never fetched (the render succeeds); used as what it is, it is.
    // (Another slice than the test above's: a face once loaded stays in the page.)
    const gone = path.join(dir, 'no-such-file');
    const boldSha = sha(readFileSync(bundledFontFile('jetbrains-mono/files/jetbrains-mono-latin-700-normal.woff2')!));
    const fontEntry = { [boldSha]: { path: gone, mime: 'font/woff2' } };
    const asImage = await renderer.render(request(page(`<img src="${PRINT_ASSET_BASE}${boldSha}" alt="">`), fontEntry));
    expect(pdfText(asImage.pdf)).toContain('THE-DOCUMENT');
    const asFont = await renderer.render(request(page('<p class="m">x</p>', face(boldSha)), fontEntry)).catch((e) => e);
    expect(asFont).toBeInstanceOf(QuireError);
    expect(asFont.code).toBe('PDF_FAILED');
    expect(asFont.message).toContain(`the bundled font ${gone} is missing or was changed`);

    const imageEntry = { [files.wide.sha]: { path: gone, mime: 'image/png' } };
    const imageAsFont = await renderer.render(request(page('<p class="m">x</p>', face(files.wide.sha)), imageEntry));
    expect(pdfText(imageAsFont.pdf)).toContain('THE-DOCUMENT');
    const imageAsImage = await renderer.render(request(page(img('wide')), imageEntry)).catch((e) => e);
    expect(imageAsImage.message).toContain(`the stored image ${gone} is missing or was changed`);
  });
});
