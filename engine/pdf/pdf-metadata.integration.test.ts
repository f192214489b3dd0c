// writePdfMetadata on PDFs Chromium really printed (tagged, with an outline and links), checked
// with the tools a user would reach for: pdfinfo, pdfinfo -meta, qpdf --check / --json, pdftotext.
import { execFileSync } from 'node:child_process';
import { PDFDocument } from 'pdf-lib';
import { SaxesParser } from 'saxes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuireError } from '../api/errors.ts';
import { DEFAULT_PDF_OPTIONS } from '../api/types.ts';
import { ChromiumPdfRenderer } from './chromium-pdf-renderer.ts';
import { countPdfPages } from './pdf-pages.ts';
import { appendPdfMetadata, parseIsoDate, rewritePdfMetadata, writePdfMetadata, type PdfMetadata } from './pdf-metadata.ts';
import { pdfInfo, pdfText, qpdfJson, qpdfRewrite, withPdfFile } from './test-support.ts';

const NOW = new Date('2026-03-04T05:06:07Z');
const HEADINGS = ['Field Guide', 'Getting started', 'Going further', 'Reference'];

const META: PdfMetadata = {
  title: 'Field Guide: 東京 & <Kyoto> "notes" 🎉',
  author: 'Ada Lovelace, Charles Babbage',
  subject: 'How to (really) read a map \\ a compass',
  keywords: ['maps', 'Ōsaka', 'a&b', '<tag>'],
  lang: 'ja',
  date: '2024-05-01',
};

function html(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Field Guide</title></head><body>
<h1>Field Guide</h1>
<p>Read <a href="https://example.com/maps">the map site</a> or jump to <a href="#reference">the reference</a>.</p>
<h2>Getting started</h2><p>${'Walk north until the river. '.repeat(60)}</p>
<h2>Going further</h2><p>${'Then follow the ridge. '.repeat(60)}</p>
<h2 id="reference">Reference</h2><p>日本語の段落です。</p></body></html>`;
}

/** pdfinfo -meta: the XMP packet as the file carries it. */
function xmpOf(pdf: Uint8Array): string {
  return withPdfFile(pdf, (file) => execFileSync('pdfinfo', ['-meta', file], { encoding: 'utf8' }));
}

/** The XMP packet parsed by a conformant XML parser: element name → its text contents, in order. */
function xmpFields(xmp: string): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  const open: string[] = [];
  const parser = new SaxesParser({ xmlns: true });
  let text = '';
  parser.on('error', (e) => {
    throw e;
  });
  parser.on('opentag', (tag) => {
    open.push(tag.name);
    text = '';
  });
  parser.on('text', (t) => (text += t));
  parser.on('closetag', (tag) => {
    open.pop();
    // A list item belongs to the dc:/pdf:/xmp: property it sits in.
    if (tag.name === 'rdf:li') {
      const owner = open.findLast((n) => !n.startsWith('rdf:'))!;
      fields.set(owner, [...(fields.get(owner) ?? []), text]);
    } else if (/^(pdf|xmp|dc):/.test(tag.name) && !fields.has(tag.name)) {
      fields.set(tag.name, [text]); // a simple property (a list's items are already in)
    }
    text = '';
  });
  parser.write(xmp).close();
  return fields;
}

/** qpdf's view of one object: "trailer", "12" or "12,0". */
function showObject(pdf: Uint8Array, id: string): string {
  return withPdfFile(pdf, (file) => execFileSync('qpdf', [`--show-object=${id}`, file], { encoding: 'utf8' }));
}

/** The document catalog as qpdf shows it (/Lang, /Metadata, /StructTreeRoot, …). */
function catalog(pdf: Uint8Array): string {
  const [, n, g] = /\/Root (\d+) (\d+) R/.exec(showObject(pdf, 'trailer'))!;
  return showObject(pdf, `${n},${g}`);
}

function qpdfCheck(pdf: Uint8Array): string {
  // Exit status 0 (no errors); 3 would mean warnings, which execFileSync turns into a throw too.
  return withPdfFile(pdf, (file) => execFileSync('qpdf', ['--check', file], { encoding: 'utf8' }));
}

function outlineTitles(pdf: Uint8Array): string[] {
  const walk = (items: Array<{ title: string; kids: unknown[] }>): string[] =>
    items.flatMap((o) => [o.title, ...walk(o.kids as Array<{ title: string; kids: unknown[] }>)]);
  return walk(qpdfJson(pdf).outlines);
}

/** Every link annotation: its URI, or "internal" for one to a place in the document. */
function links(pdf: Uint8Array): string[] {
  const json = withPdfFile(pdf, (file) => execFileSync('qpdf', ['--json', '--json-key=qpdf', file], { encoding: 'utf8', maxBuffer: 1 << 28 }));
  const objects = Object.values((JSON.parse(json).qpdf[1] ?? {}) as Record<string, { value?: Record<string, unknown> }>);
  return objects
    .map((o) => o.value)
    .filter((v) => v?.['/Subtype'] === '/Link')
    .map((v) => String((v!['/A'] as Record<string, unknown> | undefined)?.['/URI'] ?? 'internal'))
    .sort();
}

const renderer = new ChromiumPdfRenderer();
let printed: Uint8Array;

beforeAll(async () => {
  printed = (await renderer.render({ html: html(), title: 'Field Guide', options: DEFAULT_PDF_OPTIONS })).pdf;
});
afterAll(() => renderer.close());

describe('writePdfMetadata on a Chromium-printed PDF', () => {
  it('starts from what Chromium writes: title only, tagged, an outline, no XMP', () => {
    const info = pdfInfo(printed);
    expect(info.Title).toBe('Field Guide');
    expect(info.Author).toBeUndefined();
    expect(info['Metadata Stream']).toBe('no');
    expect(info.Tagged).toBe('yes');
    expect(outlineTitles(printed)).toEqual(HEADINGS);
  });

  it('writes every Info field (UTF-16: CJK, emoji), keeps tags, outline, links, pages and text', async () => {
    const out = await writePdfMetadata(printed, META, { now: NOW });
    const info = pdfInfo(out);
    expect(info.Title).toBe(META.title);
    expect(info.Author).toBe(META.author);
    expect(info.Subject).toBe(META.subject);
    expect(info.Keywords).toBe('maps, Ōsaka, a&b, <tag>');
    expect(info.Creator).toBe('Quire');
    expect(info.Producer).toMatch(/^Skia\/PDF m\d+$/); // Chromium's, kept
    expect(info.CreationDate).toBe('Wed May  1 00:00:00 2024 UTC');
    expect(info.ModDate).toBe('Wed Mar  4 05:06:07 2026 UTC');
    expect(info['Metadata Stream']).toBe('yes');
    expect(info.Tagged).toBe('yes');
    expect(info.Pages).toBe(pdfInfo(printed).Pages);
    expect(countPdfPages(out)).toBe(Number(info.Pages));
    expect(qpdfCheck(out)).toContain('No syntax or stream encoding errors found');
    expect(outlineTitles(out)).toEqual(HEADINGS);
    expect(links(out)).toEqual(links(printed));
    expect(links(out)).toEqual(['internal', 'u:https://example.com/maps']);
    expect(pdfText(out)).toBe(pdfText(printed));
    const root = catalog(out);
    expect(root).toContain('/StructTreeRoot');
    expect(root).toMatch(/\/MarkInfo << \/Marked true/);
    expect(root).toContain('/Lang (ja)');
    expect(root).toMatch(/\/Metadata \d+ 0 R/);
  });

  it('writes an XMP packet a strict XML parser reads, saying what Info says', async () => {
    const out = await writePdfMetadata(printed, META, { now: NOW });
    const xmp = xmpOf(out);
    expect(xmp.startsWith('<?xpacket begin="\uFEFF"')).toBe(true);
    const f = xmpFields(xmp);
    expect(f.get('dc:title')).toEqual([META.title]);
    expect(f.get('dc:creator')).toEqual([META.author]);
    expect(f.get('dc:description')).toEqual([META.subject]);
    expect(f.get('dc:subject')).toEqual(META.keywords);
    expect(f.get('dc:language')).toEqual(['ja']);
    expect(f.get('pdf:Keywords')).toEqual(['maps, Ōsaka, a&b, <tag>']);
    expect(f.get('pdf:Producer')?.[0]).toMatch(/^Skia\/PDF m\d+$/);
    expect(f.get('xmp:CreatorTool')).toEqual(['Quire']);
    expect(f.get('xmp:CreateDate')).toEqual(['2024-05-01T00:00:00Z']);
    expect(f.get('xmp:ModifyDate')).toEqual(['2026-03-04T05:06:07Z']);
    // The stream is the catalog's, uncompressed, typed as XMP.
    const [, metadata] = /\/Metadata (\d+) 0 R/.exec(catalog(out))!;
    const stream = showObject(out, metadata);
    expect(stream).toMatch(/\/Subtype \/XML/);
    expect(stream).toMatch(/\/Type \/Metadata/);
    expect(stream).not.toContain('/Filter');
  });

  it('leaves Chromium’s bytes as they were: an incremental update appended after them', async () => {
    const out = await writePdfMetadata(printed, META, { now: NOW });
    expect(Buffer.from(out.subarray(0, printed.length)).equals(Buffer.from(printed))).toBe(true);
    expect(out.length - printed.length).toBeLessThan(8 * 1024);
    // pdf-lib, a second independent reader, follows /Prev to the same document.
    const doc = await PDFDocument.load(out, { updateMetadata: false });
    expect(doc.getTitle()).toBe(META.title);
    expect(doc.getKeywords()).toBe('maps, Ōsaka, a&b, <tag>');
    expect(doc.getPageCount()).toBe(Number(pdfInfo(printed).Pages));
  });

  it('keeps Chromium’s /Lang and title when the document names none; leaves out empty fields', async () => {
    const out = await writePdfMetadata(printed, { title: '', keywords: [] }, { now: NOW });
    const info = pdfInfo(out);
    expect(info.Title).toBe('Field Guide');
    expect(info.Author).toBeUndefined();
    expect(info.Keywords).toBeUndefined();
    expect(info.Creator).toBe('Quire');
    expect(catalog(out)).toContain('/Lang (en)');
    const f = xmpFields(xmpOf(out));
    expect(f.get('dc:language')).toEqual(['en']);
    expect(f.get('dc:title')).toEqual(['Field Guide']);
    expect(f.has('dc:creator')).toBe(false);
    expect(f.has('dc:subject')).toBe(false);
    // Free-text dates leave Chromium's print time as the creation date.
    const dated = pdfInfo(await writePdfMetadata(printed, { title: 'x', date: 'Spring 2024' }, { now: NOW }));
    expect(dated.CreationDate).toBe(pdfInfo(printed).CreationDate);
    // Something that is not a language tag cannot break out of the /Lang string.
    const odd = await writePdfMetadata(printed, { title: 'x', lang: 'en) /Lang (xx' }, { now: NOW });
    expect(catalog(odd)).toContain('/Lang (en)');
    expect(qpdfCheck(odd)).toContain('No syntax or stream encoding errors found');
  });

  it('drops characters XML cannot carry instead of writing a broken packet', async () => {
    const out = await writePdfMetadata(printed, { title: 'Bell\u0007 and\u0000 nul \uD800 lone', author: 'x\u001b' }, { now: NOW });
    expect(pdfInfo(out).Title).toBe('Bell and nul  lone');
    expect(xmpFields(xmpOf(out)).get('dc:title')).toEqual(['Bell and nul  lone']);
  });

  it('can be written twice (a second update on top of the first)', async () => {
    const once = await writePdfMetadata(printed, META, { now: NOW });
    const twice = await writePdfMetadata(once, { ...META, title: 'Second' }, { now: NOW });
    expect(pdfInfo(twice).Title).toBe('Second');
    expect(xmpFields(xmpOf(twice)).get('dc:title')).toEqual(['Second']);
    expect(qpdfCheck(twice)).toContain('No syntax or stream encoding errors found');
    expect(outlineTitles(twice)).toEqual(HEADINGS);
  });

  it('rewrites whole with pdf-lib a PDF whose xref is a stream (not how Chromium writes)', async () => {
    const compressed = qpdfRewrite(printed, ['--object-streams=generate']);
    expect(appendPdfMetadata(compressed, META)).toBeNull();
    const out = await writePdfMetadata(compressed, META, { now: NOW });
    const info = pdfInfo(out);
    expect(info.Title).toBe(META.title);
    expect(info.Author).toBe(META.author);
    expect(info.Tagged).toBe('yes');
    expect(info['Metadata Stream']).toBe('yes');
    expect(qpdfCheck(out)).toContain('No syntax or stream encoding errors found');
    expect(outlineTitles(out)).toEqual(HEADINGS);
    expect(catalog(out)).toContain('/StructTreeRoot');
    expect(xmpFields(xmpOf(out)).get('dc:subject')).toEqual(META.keywords);
    expect(pdfText(out)).toBe(pdfText(printed));
    // The same path is there for any PDF: the direct call gives the same fields.
    expect(pdfInfo(await rewritePdfMetadata(printed, META, { now: NOW })).Keywords).toBe(info.Keywords);
  });

  it('fails with a clear error on bytes that are not a PDF', async () => {
    const err = await writePdfMetadata(new TextEncoder().encode('<html>not a pdf</html>'), META).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuireError);
    expect((err as QuireError).code).toBe('CONVERSION_FAILED');
    expect((err as QuireError).message).toMatch(/^Converting the document failed while writing the PDF metadata \(/);
  });
});

describe('parseIsoDate', () => {
  it('reads ISO dates and date-times, and nothing else', () => {
    expect(parseIsoDate('2024-05-01')?.toISOString()).toBe('2024-05-01T00:00:00.000Z');
    expect(parseIsoDate('2024-05-01T09:30')?.toISOString()).toBe('2024-05-01T09:30:00.000Z');
    expect(parseIsoDate('2024-05-01T09:30:15+02:00')?.toISOString()).toBe('2024-05-01T07:30:15.000Z');
    expect(parseIsoDate('2024-02-31')).toBeUndefined();
    expect(parseIsoDate('May 2024')).toBeUndefined();
    expect(parseIsoDate('')).toBeUndefined();
    expect(parseIsoDate(undefined)).toBeUndefined();
  });
});
