/**
 * A PDF's classic cross-reference tables (PDF 32000-1 §7.5.4–7.5.6), read without a PDF
 * library: where each object starts, so that the few objects a step needs (the catalog, the
 * page tree root, the Info dictionary) are read at their offsets instead of parsing the whole
 * file. Chromium (Skia) writes one classic table; Quire's metadata step appends another with
 * /Prev pointing back. Anything else (an xref stream, a damaged table) reads as null, and the
 * caller falls back to reading the whole file.
 *
 * @example
 * const xref = readXref(pdf);                      // null: not a classic table
 * const at = xref && objectOffset(pdf, xref, 1, 0); // where "1 0 obj" starts
 */

/** One table: its subsections (first object number, entry count, byte offset of the first entry) and where its trailer dictionary starts. */
export interface XrefSection {
  /** Where the table starts (its `xref` keyword): what `startxref` or /Prev gives. */
  offset: number;
  ranges: Array<{ first: number; count: number; at: number }>;
  /** Offset of the trailer dictionary's `<<`, after the `trailer` keyword. */
  trailerAt: number;
}

/** Sections of a file, newest first (the last `startxref`, then each /Prev). */
export type Xref = XrefSection[];

export function latin1(pdf: Uint8Array, start: number, end: number): string {
  return Buffer.from(pdf.buffer, pdf.byteOffset + start, Math.max(0, Math.min(end, pdf.length) - start)).toString('latin1');
}

/** The offset after the last `startxref` (within the last KB, where §7.5.5 puts it). */
function lastStartXref(pdf: Uint8Array): number | null {
  const tailStart = Math.max(0, pdf.length - 1024);
  const tail = latin1(pdf, tailStart, pdf.length);
  const m = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail.slice(tail.lastIndexOf('startxref')));
  const offset = m ? Number(m[1]) : NaN;
  return Number.isSafeInteger(offset) && offset > 0 && offset < pdf.length ? offset : null;
}

/** A classic `xref` table and where its trailer starts, at `offset`; null for anything else (an xref stream). */
function readXrefSection(pdf: Uint8Array, offset: number): XrefSection | null {
  let at = offset;
  const head = /^\s*xref[ \t]*(\r\n|\r|\n)/.exec(latin1(pdf, at, at + 16));
  if (!head) return null;
  at += head[0].length;
  const ranges: XrefSection['ranges'] = [];
  for (;;) {
    const line = latin1(pdf, at, at + 64);
    const sub = /^\s*(\d+)[ \t]+(\d+)[ \t]*(\r\n|\r|\n)/.exec(line);
    if (!sub) break;
    const first = Number(sub[1]);
    const count = Number(sub[2]);
    at += sub[0].length;
    ranges.push({ first, count, at });
    // Every entry is exactly 20 bytes (§7.5.4).
    at += count * 20;
    if (at > pdf.length) return null;
  }
  const trailerKeyword = /^\s*trailer\s*/.exec(latin1(pdf, at, at + 64));
  if (!trailerKeyword) return null;
  return { offset, ranges, trailerAt: at + trailerKeyword[0].length };
}

/** Every classic table of the file, newest first, following each trailer's /Prev; null if any is not a classic table. */
export function readXref(pdf: Uint8Array): Xref | null {
  const startXref = lastStartXref(pdf);
  if (startXref === null) return null;
  const sections: Xref = [];
  const seen = new Set<number>();
  // Bounded: a file with more updates than this, or a /Prev loop, is read the long way.
  for (let at: number | null = startXref; at !== null && sections.length < 64 && !seen.has(at); ) {
    seen.add(at);
    const section = readXrefSection(pdf, at);
    if (!section) return null;
    sections.push(section);
    at = trailerPrev(pdf, section);
  }
  return sections;
}

/** The trailer dictionary's text: up to the `startxref` after it (or 4 KB, for a trailer without one). */
export function trailerText(pdf: Uint8Array, section: XrefSection): string {
  const text = latin1(pdf, section.trailerAt, section.trailerAt + 4096);
  const end = text.indexOf('startxref');
  return end >= 0 ? text.slice(0, end) : text;
}

/** /Prev of a section's trailer, read as text (trailerText). */
function trailerPrev(pdf: Uint8Array, section: XrefSection): number | null {
  const m = /\/Prev\s+(\d+)/.exec(trailerText(pdf, section));
  return m ? Number(m[1]) : null;
}

/**
 * Where object `num` (generation `gen`) starts as the newest section lists it; null if no section
 * lists it, or the newest one that does marks it free or gives another generation.
 */
export function objectOffset(pdf: Uint8Array, xref: Xref, num: number, gen: number): number | null {
  for (const section of xref) {
    for (const { first, count, at } of section.ranges) {
      if (num < first || num >= first + count) continue;
      const entry = /^(\d{10}) (\d{5}) ([nf])/.exec(latin1(pdf, at + (num - first) * 20, at + (num - first) * 20 + 20));
      if (!entry || entry[3] !== 'n' || Number(entry[2]) !== gen) return null;
      return Number(entry[1]);
    }
  }
  return null;
}

/** Offset just after the `num gen obj` header at `offset`, or null if another object (or none) starts there. */
export function objectBodyAt(pdf: Uint8Array, offset: number, num: number, gen: number): number | null {
  const header = /^\s*(\d+)\s+(\d+)\s+obj\b/.exec(latin1(pdf, offset, offset + 64));
  if (!header || Number(header[1]) !== num || Number(header[2]) !== gen) return null;
  return offset + header[0].length;
}
