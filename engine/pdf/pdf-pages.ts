/**
 * Page count of a PDF without a PDF library: Chromium (Skia) writes plain objects and a
 * classic xref, so the root page tree's /Count is easy to read: the trailer's /Root catalog
 * and its /Pages are found through the xref table (pdf-xref.ts), three small reads at any
 * size (the whole-file read took 200 ms and a 26 MB string for the 1,185-page README ×16).
 * Files rewritten by other tools may have no such table, or keep objects inside compressed
 * object streams: those are read whole, streams inflated.
 *
 * @example
 * const { pdf } = await renderer.render(request);
 * countPdfPages(pdf); // 12, the same number `pdfinfo` prints
 */
import { inflateSync, constants as zlibConstants } from 'node:zlib';
import { Errors } from '../api/errors.ts';
import { latin1, objectBodyAt, objectOffset, readXref, trailerText, type Xref } from './pdf-xref.ts';

const OBJ_HEADER = /(\d+)\s+(\d+)\s+obj\b/g;

/** Number of pages in `pdf`; throws QuireError PDF_FAILED when it is not a readable PDF. */
export function countPdfPages(pdf: Uint8Array): number {
  if (latin1(pdf, 0, 5) !== '%PDF-') throw Errors.pdfFailed('the output is not a PDF file');
  const fromXref = pageCountFromXref(pdf);
  if (fromXref !== undefined) return fromXref;
  // latin1 maps every byte to one char, so string offsets are byte offsets.
  const text = latin1(pdf, 0, pdf.length);

  const objects = readObjects(text);
  const fromTree = pageTreeCount(text, objects);
  if (fromTree !== undefined) return fromTree;

  // No readable page tree (unusual writer): count the page objects themselves.
  let pages = 0;
  for (const dict of objects.values()) if (/\/Type\s*\/Page(?![A-Za-z])/.test(dict)) pages++;
  if (pages === 0) throw Errors.pdfFailed('the PDF has no readable pages');
  return pages;
}

/**
 * The root page tree's /Count, read at the offsets the xref table gives; undefined when the
 * file has no classic table or anything on the way is not where the table says.
 */
export function pageCountFromXref(pdf: Uint8Array): number | undefined {
  const xref = readXref(pdf);
  if (!xref) return undefined;
  const root = /\/Root\s+(\d+)\s+(\d+)\s+R/.exec(trailerText(pdf, xref[0]));
  const catalog = root && dictAt(pdf, xref, Number(root[1]), Number(root[2]));
  const pages = catalog && /\/Pages\s+(\d+)\s+(\d+)\s+R/.exec(catalog);
  const tree = pages && dictAt(pdf, xref, Number(pages[1]), Number(pages[2]));
  const count = tree && /\/Type\s*\/Pages\b/.test(tree) ? /\/Count\s+(\d+)/.exec(tree) : null;
  return count ? Number(count[1]) : undefined;
}

/** An object's text up to its `stream` or `endobj`, at the offset the xref gives; null if it is not there. */
function dictAt(pdf: Uint8Array, xref: Xref, num: number, gen: number): string | null {
  const offset = objectOffset(pdf, xref, num, gen);
  const body = offset === null ? null : objectBodyAt(pdf, offset, num, gen);
  if (body === null) return null;
  // A page tree root lists its kids: a flat one of thousands of pages takes tens of KB.
  const end = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).indexOf('endobj', body, 'latin1');
  if (end < 0) return null;
  const text = latin1(pdf, body, end);
  const stream = text.indexOf('stream');
  return stream >= 0 ? text.slice(0, stream) : text;
}

/** The root page tree's /Count, found through the trailer's /Root catalog. */
function pageTreeCount(text: string, objects: Map<number, string>): number | undefined {
  // The last trailer (or xref stream) wins: incremental updates append a newer one.
  const roots = [...text.matchAll(/\/Root\s+(\d+)\s+\d+\s+R/g)];
  const root = roots.at(-1);
  if (!root) return undefined;
  const catalog = objects.get(Number(root[1]));
  const pagesRef = catalog?.match(/\/Pages\s+(\d+)\s+\d+\s+R/);
  if (!pagesRef) return undefined;
  const count = objects.get(Number(pagesRef[1]))?.match(/\/Count\s+(\d+)/);
  return count ? Number(count[1]) : undefined;
}

/**
 * Object number → its dictionary text (up to `stream`/`endobj`), including objects packed
 * in object streams. A later definition replaces an earlier one, as in an incremental update.
 */
function readObjects(text: string): Map<number, string> {
  const objects = new Map<number, string>();
  const objectStreams: Array<{ data: string; dict: string }> = [];
  OBJ_HEADER.lastIndex = 0;
  for (let m = OBJ_HEADER.exec(text); m; m = OBJ_HEADER.exec(text)) {
    const start = m.index + m[0].length;
    const end = text.indexOf('endobj', start);
    if (end < 0) break;
    // Looked for within this object only: a search of the whole rest of the file for each of
    // the tens of thousands of stream-less objects after the last stream (a tagged PDF's
    // structure tree) took 30 s on a 1,200-page, 26 MB PDF.
    const streamRel = text.slice(start, end).indexOf('stream');
    const hasStream = streamRel >= 0;
    const streamAt = start + streamRel;
    const dict = text.slice(start, hasStream ? streamAt : end);
    objects.set(Number(m[1]), dict);
    if (hasStream && /\/Type\s*\/ObjStm\b/.test(dict)) {
      const data = streamData(text, streamAt, end, dict);
      if (data !== undefined) objectStreams.push({ data, dict });
    }
    // Skip the body so binary stream bytes are never read as object headers.
    OBJ_HEADER.lastIndex = end + 'endobj'.length;
  }
  for (const { data, dict } of objectStreams) {
    for (const [num, body] of unpackObjectStream(data, dict)) if (!objects.has(num)) objects.set(num, body);
  }
  return objects;
}

function streamData(text: string, streamAt: number, objEnd: number, dict: string): string | undefined {
  let from = streamAt + 'stream'.length;
  if (text[from] === '\r') from++;
  if (text[from] === '\n') from++;
  const to = text.lastIndexOf('endstream', objEnd);
  if (to < from) return undefined;
  const raw = Buffer.from(text.slice(from, to), 'latin1');
  if (!/\/Filter\s*\/FlateDecode\b/.test(dict)) return /\/Filter\b/.test(dict) ? undefined : raw.toString('latin1');
  try {
    // Sync flush tolerates the end-of-line bytes before `endstream`.
    return inflateSync(raw, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).toString('latin1');
  } catch {
    return undefined;
  }
}

/** An object stream starts with /N "num offset" pairs; offsets count from byte /First. */
function unpackObjectStream(data: string, dict: string): Array<[number, string]> {
  const n = Number(dict.match(/\/N\s+(\d+)/)?.[1]);
  const first = Number(dict.match(/\/First\s+(\d+)/)?.[1]);
  if (!Number.isInteger(n) || !Number.isInteger(first)) return [];
  const numbers = data.slice(0, first).trim().split(/\s+/).map(Number);
  const entries: Array<[number, string]> = [];
  for (let i = 0; i < n && 2 * i + 1 < numbers.length; i++) {
    const start = first + numbers[2 * i + 1];
    const end = 2 * i + 3 < numbers.length ? first + numbers[2 * i + 3] : data.length;
    entries.push([numbers[2 * i], data.slice(start, end)]);
  }
  return entries;
}
