/**
 * The print form (images linked at https://quire.invalid/assets/<sha256>) checks every image
 * exactly as embedding does, and embedPrintAssets turns it into the very bytes generateExportHtml
 * writes when it embeds: same HTML, same warnings, same Markdown.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS, rmrf, tempDir } from '../../tests/helpers.ts';
import { isQuireError } from '../api/errors.ts';
import { DEFAULT_STYLE_OPTIONS } from '../api/export-spec.ts';
import { embedPrintAssets } from './embed-images.ts';
import { EXPORT_CSP, generateExportHtml } from './export-html.ts';
import { htmlToMarkdown } from './markdown.ts';
import { bundledFontFile, inlineFontUrl, linkedFontUrl } from './fonts.ts';
import { PRINT_ASSET_BASE, PRINT_CSP, PRINT_FONTS_META, isPrintForm, printAssetsOf, printFontsOf } from './print-assets.ts';
import type { ExportAssets, ExportHtmlInput } from './types.ts';

const PRIMER = path.join(CORPUS, 'system-design-primer');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let dir: string;
let store: string;
/** sha256 → stored file, as run-export-job.ts hands it to the embed step. */
let files: Record<string, string>;
let assets: ExportAssets;
let source: string;

/** Stores `data` as the asset store does (by hash) and records it under `ref`. */
function put(ref: string, data: Buffer, storedAs = sha(data)): void {
  const file = path.join(store, storedAs);
  fs.writeFileSync(file, data);
  assets.files[ref] = { path: file, sha256: storedAs };
  files[storedAs] = file;
}

beforeAll(() => {
  dir = tempDir('quire-embed-');
  store = path.join(dir, 'assets');
  fs.mkdirSync(store);
  files = {};
  assets = { files: {}, problems: { 'gone.png': 'image gone.png not found' } };
  source = fs.readFileSync(path.join(PRIMER, 'README.md'), 'utf8');
  for (const name of new Set(source.match(/images\/[\w.-]+\.(?:png|jpg|jpeg|gif|svg)/g) ?? [])) {
    put(name, fs.readFileSync(path.join(PRIMER, name)));
  }
  // What embedding refuses, the print form must refuse the same way.
  put('fake.png', Buffer.from('just text\n'));
  put('changed.png', fs.readFileSync(path.join(PRIMER, 'images', 'jj3A5N8.png')), 'a'.repeat(64));
  put('big.png', Buffer.concat([fs.readFileSync(path.join(PRIMER, 'images', 'jj3A5N8.png')), Buffer.alloc(3 * 1024 * 1024)]));
  source +=
    '\n\n![fake](fake.png) ![gone](gone.png) ![changed](changed.png) ![big](big.png) ![again](images/jj3A5N8.png)\n\n' +
    '| a | b |\n|---|---|\n| ![in a table](images/jj3A5N8.png) | <img src="images/jj3A5N8.png" width="3"> |\n\n' +
    // Neither may be taken for a link of ours.
    '`<img src="https://quire.invalid/assets/' + 'b'.repeat(64) + '">`\n\n<img src="https://quire.invalid/assets/' + 'c'.repeat(64) + '">\n';
});
afterAll(() => rmrf(dir));

function input(print: boolean): ExportHtmlInput {
  return { title: 'Primer', source, format: 'md', baseDir: null, meta: { author: 'A' }, assets: { ...assets, ...(print ? { print } : {}) }, style: { ...DEFAULT_STYLE_OPTIONS, toc: true, css: null } };
}

describe('the print form', () => {
  it('links every image embedding would inline, with the same placeholders and warnings, and no base64', () => {
    const options = { maxImageBytes: 2 * 1024 * 1024 };
    const embedded = generateExportHtml(input(false), options);
    const printed = generateExportHtml(input(true), options);
    expect(printed.warnings).toEqual(embedded.warnings);
    expect(printed.warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining('image fake.png is not a'),
        'image gone.png not found',
        expect.stringContaining('image changed.png: its copy in the data folder was changed'),
        expect.stringMatching(/^image big\.png is .*larger than the 2\.0 MB limit/),
      ]),
    );
    expect(printed.headings).toEqual(embedded.headings);
    expect(isPrintForm(printed.html)).toBe(true);
    expect(isPrintForm(embedded.html)).toBe(false);
    expect(printed.html).toContain(`<meta http-equiv="Content-Security-Policy" content="${PRINT_CSP}">`);
    expect(printed.html).not.toContain('data:image/');
    expect(printed.html.length).toBeLessThan(embedded.html.length / 3);

    const inlined = embedded.html.match(/<img src="data:image\/[^"]+"/g) ?? [];
    const linked = printed.html.match(/<img src="https:\/\/quire\.invalid\/assets\/[0-9a-f]{64}"/g) ?? [];
    expect(inlined.length).toBeGreaterThanOrEqual(38);
    expect(linked.length).toBe(inlined.length);
    // The list in the head is exactly the images linked: the good ones, none of the refused.
    const list = printAssetsOf(printed.html);
    expect(Object.keys(list).sort()).toEqual([...new Set(linked.map((l) => l.slice(-65, -1)))].sort());
    expect(new Set(Object.values(list))).toEqual(new Set(['image/png', 'image/jpeg', 'image/gif', 'image/svg+xml'].filter((t) => embedded.html.includes(`data:${t};`))));
    for (const refused of ['fake.png', 'changed.png', 'big.png']) expect(list[assets.files[refused]!.sha256]).toBeUndefined();
    expect(list['b'.repeat(64)]).toBeUndefined();
    expect(list['c'.repeat(64)]).toBeUndefined();
  });

  it('embedPrintAssets gives back, byte for byte, the HTML embedding writes', () => {
    const options = { maxImageBytes: 2 * 1024 * 1024 };
    const embedded = generateExportHtml(input(false), options).html;
    const printed = generateExportHtml(input(true), options).html;
    const standalone = embedPrintAssets(printed, files);
    expect(standalone === embedded).toBe(true);
    expect(standalone).toContain(`<meta http-equiv="Content-Security-Policy" content="${EXPORT_CSP}">`);
    // The user's text that looks like a link of ours stays text.
    expect(standalone).toContain('&lt;img src="https://quire.invalid/assets/' + 'b'.repeat(64));
  });

  it('the Markdown made from the print form is the Markdown made from the embedded HTML', () => {
    const embedded = generateExportHtml(input(false)).html;
    const printed = generateExportHtml(input(true)).html;
    const md = htmlToMarkdown(printed);
    expect(md).toBe(htmlToMarkdown(embedded));
    expect(md).toContain('![in a table](images/jj3A5N8.png)');
    for (const linked of Object.keys(printAssetsOf(printed))) expect(md).not.toContain(`${PRINT_ASSET_BASE}${linked}`);
  });

  it('a document without stored images still gets the print form (same CSP for every printed page), and embedding gives the standalone HTML', () => {
    const plain = { ...input(true), source: '# Hi\n\n![gone](gone.png) ![web](https://example.com/x.png)\n' };
    const printed = generateExportHtml(plain).html;
    expect(isPrintForm(printed)).toBe(true);
    expect(printAssetsOf(printed)).toEqual({});
    expect(printed).toContain(PRINT_CSP);
    const standalone = generateExportHtml({ ...plain, assets }).html;
    expect(isPrintForm(standalone)).toBe(false);
    expect(embedPrintAssets(printed, files)).toBe(standalone);
  });

  it('refuses to embed an image whose stored copy changed after prepare, naming it', () => {
    const one = { ...input(true), source: '![diagram](images/jj3A5N8.png)\n' };
    const printed = generateExportHtml(one).html;
    const [shaOf] = Object.keys(printAssetsOf(printed));
    const copy = path.join(dir, 'copy.png');
    fs.writeFileSync(copy, Buffer.concat([fs.readFileSync(files[shaOf!]!), Buffer.from('x')]));
    let error: unknown;
    try {
      embedPrintAssets(printed, { [shaOf!]: copy });
    } catch (e) {
      error = e;
    }
    expect(isQuireError(error) && error.code).toBe('CONVERSION_FAILED');
    expect((error as Error).message).toContain('image images/jj3A5N8.png is missing or was changed since the export started');
    expect(() => embedPrintAssets(printed, {})).toThrow(/images\/jj3A5N8\.png is missing/);
  });

  it('links the bundled fonts too, each by the hash of its package file, and embedding inlines them again', () => {
    const printed = generateExportHtml(input(true)).html;
    expect(printed).not.toContain('data:font/');
    const fonts = printFontsOf(printed);
    const linked = Object.entries(fonts);
    // Inter and JetBrains Mono in Latin, and the README's CJK and other scripts' slices.
    expect(linked.length).toBeGreaterThan(4);
    for (const [hash, name] of linked) {
      expect(sha(fs.readFileSync(bundledFontFile(name)!))).toBe(hash);
      expect(printed).toContain(`src:${linkedFontUrl(hash)} format('woff2')`);
    }
    expect(linked.map(([, name]) => name)).toContain('inter/files/inter-latin-400-normal.woff2');
    const standalone = embedPrintAssets(printed, files);
    expect(standalone).not.toContain(PRINT_FONTS_META);
    expect((standalone.match(/src:url\(data:font\/woff2;base64,/g) ?? []).length).toBe(linked.length);
    // Nothing else of the page is a font link: every link in it is listed.
    expect((printed.match(/src:url\(https:\/\/quire\.invalid\/assets\//g) ?? []).length).toBe(linked.length);
  });

  it('refuses to embed a font whose file no longer has the linked hash, naming it', () => {
    const printed = generateExportHtml({ ...input(true), source: '# Hi\n' }).html;
    const [[hash, name]] = Object.entries(printFontsOf(printed)) as [[string, string]];
    const tampered = printed.split(hash).join('f'.repeat(64));
    expect(printFontsOf(tampered)['f'.repeat(64)]).toBe(name);
    let error: unknown;
    try {
      embedPrintAssets(tampered, files);
    } catch (e) {
      error = e;
    }
    expect(isQuireError(error) && error.code).toBe('CONVERSION_FAILED');
    expect((error as Error).message).toContain(`the bundled font ${name} is missing or was changed since the export started`);
    // A list naming a file outside the bundled packages is no list: nothing is read from it.
    expect(printFontsOf(printed.replace(`=${name}`, '=../../etc/passwd'))).toEqual({});
  });

  it('a print form written before fonts were linked (fonts inline, no font list) still prints and embeds', () => {
    const printed = generateExportHtml(input(true)).html;
    const older = Object.entries(printFontsOf(printed))
      .reduce((html, [hash, name]) => html.split(linkedFontUrl(hash)).join(inlineFontUrl(fs.readFileSync(bundledFontFile(name)!).toString('base64'))), printed)
      .replace(PRINT_CSP, `default-src 'none'; img-src data: ${PRINT_ASSET_BASE}; style-src 'unsafe-inline'; font-src data:`)
      .replace(/<meta name="quire-print-fonts" content="[^"]*">\n/, '');
    expect(older).not.toContain(PRINT_FONTS_META);
    expect(isPrintForm(older)).toBe(true);
    expect(printFontsOf(older)).toEqual({});
    expect(printAssetsOf(older)).toEqual(printAssetsOf(printed));
    expect(embedPrintAssets(older, files) === generateExportHtml(input(false)).html).toBe(true);
  });
});
