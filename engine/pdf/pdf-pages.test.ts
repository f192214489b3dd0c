import { describe, expect, it } from 'vitest';
import { QuireError } from '../api/errors.ts';
import { countPdfPages, pageCountFromXref } from './pdf-pages.ts';
import { pdfInfo, pdfPagesByPdfinfo, qpdfRewrite } from './test-support.ts';

/** A valid PDF with `pages` blank pages in a two-level page tree (3 leaves per node), as Skia writes. */
function buildPdf(pages: number): Buffer {
  const objects: string[] = []; // objects[i] is object i + 1
  const add = (body: string) => objects.push(body); // returns the new object's number
  add('<< /Type /Catalog /Pages 2 0 R >>');
  add(''); // the root page tree, filled in below
  const nodes: number[] = [];
  for (let first = 0; first < pages; first += 3) {
    const node = add('');
    const leaves: number[] = [];
    for (let i = first; i < Math.min(first + 3, pages); i++) leaves.push(add(`<< /Type /Page /Parent ${node} 0 R /MediaBox [0 0 612 792] >>`));
    objects[node - 1] = `<< /Type /Pages /Parent 2 0 R /Count ${leaves.length} /Kids [${leaves.map((n) => `${n} 0 R`).join(' ')}] >>`;
    nodes.push(node);
  }
  objects[1] = `<< /Type /Pages /Count ${pages} /Kids [${nodes.map((n) => `${n} 0 R`).join(' ')}] >>`;
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** Appends an incremental update that redefines the root page tree to keep only its first node. */
function dropAllButFirstNode(pdf: Buffer): Buffer {
  const text = pdf.toString('latin1');
  const firstNode = Number(text.match(/^2 0 obj\n<< \/Type \/Pages \/Count \d+ \/Kids \[(\d+) 0 R/m)![1]);
  const nodeCount = Number(text.match(new RegExp(`^${firstNode} 0 obj\\n<< /Type /Pages /Parent 2 0 R /Count (\\d+)`, 'm'))![1]);
  const prev = Number(text.match(/startxref\n(\d+)/)![1]);
  const size = Number(text.match(/\/Size (\d+)/)![1]);
  let out = text;
  const offset = out.length;
  out += `2 0 obj\n<< /Type /Pages /Count ${nodeCount} /Kids [${firstNode} 0 R] >>\nendobj\n`;
  const xref = out.length;
  out += `xref\n2 1\n${String(offset).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${size} /Root 1 0 R /Prev ${prev} >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(QuireError);
    return (e as QuireError).code;
  }
  return 'no error';
}

describe('countPdfPages', () => {
  it.each([1, 2, 7, 31])('counts a %i-page PDF like pdfinfo does', (pages) => {
    const pdf = buildPdf(pages);
    expect(pdfPagesByPdfinfo(pdf)).toBe(pages);
    expect(countPdfPages(pdf)).toBe(pages);
  });

  it('reads each object once: 30,000 pages of stream-less objects (as a tagged PDF\'s structure tree) count in one pass', () => {
    // Searching the rest of the file for "stream" at every object made this quadratic: a
    // 1,200-page tagged PDF took 30 s; this one would take minutes and overrun the test's limit.
    expect(countPdfPages(buildPdf(30_000))).toBe(30_000);
  }, 20_000);

  it('takes the newest page tree of an incrementally updated PDF', () => {
    const pdf = dropAllButFirstNode(buildPdf(10));
    expect(pdfPagesByPdfinfo(pdf)).toBe(3);
    expect(countPdfPages(pdf)).toBe(3);
  });

  it('reads page trees packed in compressed object streams (qpdf --object-streams=generate)', () => {
    const pdf = qpdfRewrite(buildPdf(12), ['--object-streams=generate']);
    expect(pdf.toString()).toMatch(/\/Type\s*\/ObjStm/);
    expect(pdfPagesByPdfinfo(pdf)).toBe(12);
    expect(countPdfPages(pdf)).toBe(12);
  });

  it('counts a linearized PDF', () => {
    const pdf = qpdfRewrite(buildPdf(5), ['--linearize']);
    expect(pdfInfo(pdf).Optimized).toBe('yes');
    expect(countPdfPages(pdf)).toBe(5);
  });

  it('accepts a Uint8Array view into a larger buffer', () => {
    const pdf = buildPdf(4);
    const padded = new Uint8Array(pdf.length + 20);
    padded.set(pdf, 10);
    expect(countPdfPages(padded.subarray(10, 10 + pdf.length))).toBe(4);
  });

  it('rejects something that is not a PDF with PDF_FAILED', () => {
    expect(code(() => countPdfPages(Buffer.from('<html>not a pdf</html>')))).toBe('PDF_FAILED');
    expect(code(() => countPdfPages(buildPdf(3).subarray(0, 12)))).toBe('PDF_FAILED');
  });
});

// The page tree root is read where the xref table says it is (a few small reads); a file without
// such a table, or whose table does not match, is read whole instead, with the same answer.
describe('pageCountFromXref', () => {
  it('reads the count through the xref table of a PDF laid out as Skia writes it', () => {
    for (const pages of [1, 7, 30_000]) expect(pageCountFromXref(buildPdf(pages))).toBe(pages);
  });

  it('follows /Prev: the newest table of an incrementally updated PDF wins', () => {
    const pdf = dropAllButFirstNode(buildPdf(10));
    expect(pageCountFromXref(pdf)).toBe(3);
  });

  it('gives up on a file with no classic table (xref stream), and countPdfPages reads it whole', () => {
    const pdf = qpdfRewrite(buildPdf(12), ['--object-streams=generate']);
    expect(pageCountFromXref(pdf)).toBeUndefined();
    expect(countPdfPages(pdf)).toBe(12);
  });

  it('gives up when the table points elsewhere than the object, and countPdfPages reads it whole', () => {
    const good = buildPdf(6).toString('latin1');
    // Every offset one byte late: no "N 0 obj" where the table says.
    const shifted = good.replace(/^(\d{10}) 00000 n $/gm, (_, o: string) => `${String(Number(o) + 1).padStart(10, '0')} 00000 n `);
    const pdf = Buffer.from(shifted, 'latin1');
    expect(pageCountFromXref(pdf)).toBeUndefined();
    expect(countPdfPages(pdf)).toBe(6);
  });

  it('gives up on a startxref that points nowhere, and countPdfPages reads it whole', () => {
    const pdf = Buffer.from(buildPdf(4).toString('latin1').replace(/startxref\n\d+/, 'startxref\n9'), 'latin1');
    expect(pageCountFromXref(pdf)).toBeUndefined();
    expect(countPdfPages(pdf)).toBe(4);
  });
});
