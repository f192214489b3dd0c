/**
 * The PDF's document metadata: the Info dictionary (Title, Author, Subject, Keywords, Creator,
 * Producer, dates), an XMP packet (/Metadata on the catalog) saying the same, and the catalog's
 * /Lang. Chromium's print sets only the title (and /Lang from <html lang>); this is the one seam
 * over pdf-lib that writes the rest.
 *
 * How: an incremental update (PDF 32000-1 §7.5.6). The new Info, XMP stream and a copy of the
 * catalog with /Metadata and /Lang are appended after %%EOF with an xref section whose trailer
 * points back (/Prev) to Chromium's. Nothing Chromium wrote is touched, so the outline, the
 * structure tree (tagged PDF) and the links stay byte for byte, and the cost does not grow with
 * the page count (a full pdf-lib load + save takes ≈3 s on a 320-page, 12 MB PDF). pdf-lib only
 * parses the trailer and the two dictionaries and serializes the new objects. A PDF whose last
 * xref is a stream (not what Chromium writes) is rewritten whole by pdf-lib instead.
 *
 * @example
 * const pdf = await writePdfMetadata(rendered.pdf, { title: 'Report', author: 'Ada', keywords: ['q3'], lang: 'en' });
 */
import {
  PDFContext,
  PDFCrossRefSection,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFObject,
  PDFObjectParser,
  PDFRawStream,
  PDFRef,
  PDFString,
  PDFTrailer,
  PDFTrailerDict,
} from 'pdf-lib';
import { Errors } from '../api/errors.ts';
import { objectBodyAt, objectOffset, readXref, type Xref, type XrefSection } from './pdf-xref.ts';

export interface PdfMetadata {
  title: string;
  /** As shown: "Ada Lovelace, Charles Babbage". */
  author?: string;
  subject?: string;
  keywords?: string[];
  /** BCP 47 tag; absent: the /Lang Chromium took from <html lang>, if any, is kept. */
  lang?: string;
  /** The application that made the document (Info /Creator, xmp:CreatorTool); default "Quire". */
  creator?: string;
  /**
   * The document's date as written (front matter, Details stage). An ISO date ("2024-05-01",
   * "2024-05-01T09:30:00Z") becomes the creation date, as Typst's `document(date:)` does;
   * free text ("Spring 2024") leaves the print time.
   */
  date?: string;
  /**
   * The document's heading texts. Chromium sometimes writes a heading that starts a page twice
   * in its outline title ("CodeCode", seen with the book theme's page breaks): such a title
   * that is a heading doubled is written once.
   */
  headings?: string[];
}

/** When the update is made (ModDate, xmp:MetadataDate); tests pin it. */
export interface WriteOptions {
  now?: Date;
}

const DEFAULT_CREATOR = 'Quire';
const DEFAULT_PRODUCER = 'Quire (Chromium)';

/** `pdf` with `meta` written into its Info dictionary, XMP metadata and /Lang. */
export async function writePdfMetadata(pdf: Uint8Array, meta: PdfMetadata, options: WriteOptions = {}): Promise<Uint8Array> {
  if (!(pdf instanceof Uint8Array) || typeof meta?.title !== 'string') throw Errors.invalidInput('writePdfMetadata expects PDF bytes and a title.');
  try {
    return appendPdfMetadata(pdf, meta, options) ?? (await rewritePdfMetadata(pdf, meta, options));
  } catch (e) {
    throw Errors.conversionFailed('writing the PDF metadata', e instanceof Error ? e.message.split('\n')[0] : String(e));
  }
}

// ---- incremental update --------------------------------------------------------------------

/**
 * The incremental update, or null when the file is not laid out as Chromium writes it (an
 * xref stream, a hybrid file, encryption, an unreadable trailer or catalog).
 */
export function appendPdfMetadata(pdf: Uint8Array, meta: PdfMetadata, options: WriteOptions = {}): Uint8Array | null {
  const context = PDFContext.create();
  const sections = readXref(pdf);
  if (!sections) return null;
  // Every table's trailer must parse, not only the newest one that is used.
  const trailers = sections.map((section) => readTrailer(pdf, section, context));
  if (trailers.some((t) => t === null)) return null;
  const trailer = trailers[0]!;
  if (trailer.has(PDFName.of('Encrypt')) || trailer.has(PDFName.of('XRefStm'))) return null;
  const size = trailer.get(PDFName.of('Size'));
  const rootRef = trailer.get(PDFName.of('Root'));
  if (!(size instanceof PDFNumber) || !(rootRef instanceof PDFRef)) return null;

  const catalog = readDictObject(pdf, sections, rootRef, context);
  if (!catalog) return null;
  const infoRef = trailer.get(PDFName.of('Info'));
  const oldInfo = infoRef instanceof PDFRef ? readDictObject(pdf, sections, infoRef, context) : null;

  let next = size.asNumber();
  const newInfoRef = infoRef instanceof PDFRef && oldInfo ? infoRef : PDFRef.of(next++);
  const metadataRef = PDFRef.of(next++);
  const { info, xmp, lang } = buildMetadata(context, oldInfo, catalog, meta, options.now ?? new Date());
  const newCatalog = catalog.clone(context);
  newCatalog.set(PDFName.of('Metadata'), metadataRef);
  if (lang) newCatalog.set(PDFName.of('Lang'), PDFString.of(lang));

  const objects: Array<[PDFRef, PDFObject]> = [
    [rootRef, newCatalog],
    [newInfoRef, info],
    [metadataRef, xmp],
    ...fixedOutlineItems(pdf, sections, catalog, context, meta.headings),
  ];
  objects.sort((a, b) => a[0].objectNumber - b[0].objectNumber);

  const parts: Uint8Array[] = [];
  let offset = pdf.length;
  const push = (bytes: Uint8Array) => {
    parts.push(bytes);
    offset += bytes.length;
  };
  // The appended section starts on a line of its own.
  const last = pdf[pdf.length - 1];
  if (last !== 0x0a && last !== 0x0d) push(ascii('\n'));
  const xref = PDFCrossRefSection.createEmpty();
  for (const [ref, object] of objects) {
    xref.addEntry(ref, offset);
    push(ascii(`${ref.objectNumber} ${ref.generationNumber} obj\n`));
    push(serialize(object));
    push(ascii('\nendobj\n'));
  }
  const xrefOffset = offset;
  push(serialize(xref));
  const newTrailer = context.obj({});
  newTrailer.set(PDFName.of('Size'), PDFNumber.of(next));
  newTrailer.set(PDFName.of('Root'), rootRef);
  newTrailer.set(PDFName.of('Info'), newInfoRef);
  newTrailer.set(PDFName.of('Prev'), PDFNumber.of(sections[0].offset));
  const id = trailer.get(PDFName.of('ID'));
  if (id) newTrailer.set(PDFName.of('ID'), id);
  push(serialize(PDFTrailerDict.of(newTrailer)));
  push(ascii('\n'));
  push(serialize(PDFTrailer.forLastCrossRefSectionOffset(xrefOffset)));
  push(ascii('\n'));

  const out = new Uint8Array(offset);
  out.set(pdf, 0);
  let at = pdf.length;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function ascii(text: string): Uint8Array {
  return Buffer.from(text, 'latin1');
}

function serialize(object: { sizeInBytes(): number; copyBytesInto(buffer: Uint8Array, offset: number): number }): Uint8Array {
  const bytes = new Uint8Array(object.sizeInBytes());
  object.copyBytesInto(bytes, 0);
  return bytes;
}

/** A section's trailer dictionary; null if it cannot be read. */
function readTrailer(pdf: Uint8Array, section: XrefSection, context: PDFContext): PDFDict | null {
  try {
    const trailer = PDFObjectParser.forBytes(pdf.subarray(section.trailerAt), context).parseObject();
    return trailer instanceof PDFDict ? trailer : null;
  } catch {
    return null;
  }
}

/** Outline items whose title is one of `headings` written twice, each with the title once. */
function fixedOutlineItems(pdf: Uint8Array, sections: Xref, catalog: PDFDict, context: PDFContext, headings: string[] | undefined): Array<[PDFRef, PDFDict]> {
  if (!headings?.length) return [];
  const known = new Set(headings.map((h) => h.replace(/\s+/g, ' ').trim()).filter(Boolean));
  const root = catalog.get(PDFName.of('Outlines'));
  if (!(root instanceof PDFRef)) return [];
  const fixed: Array<[PDFRef, PDFDict]> = [];
  const seen = new Set<number>();
  const stack: PDFRef[] = [root];
  // Bounded: an outline has one item per heading; a loop in a damaged file ends here.
  while (stack.length && seen.size < 200_000) {
    const ref = stack.pop()!;
    if (seen.has(ref.objectNumber)) continue;
    seen.add(ref.objectNumber);
    const item = readDictObject(pdf, sections, ref, context);
    if (!item) continue;
    for (const key of ['First', 'Next']) {
      const next = item.get(PDFName.of(key));
      if (next instanceof PDFRef) stack.push(next);
    }
    const title = decodeText(item.get(PDFName.of('Title')));
    if (!title || title.length % 2 !== 0) continue;
    const half = title.slice(0, title.length / 2);
    if (half === title.slice(title.length / 2) && known.has(half.replace(/\s+/g, ' ').trim()) && !known.has(title)) {
      const copy = item.clone(context);
      copy.set(PDFName.of('Title'), pdfText(half));
      fixed.push([ref, copy]);
    }
  }
  return fixed;
}

/** The dictionary object `ref` as the newest section lists it; null if missing, free or not a dictionary. */
function readDictObject(pdf: Uint8Array, sections: Xref, ref: PDFRef, context: PDFContext): PDFDict | null {
  const offset = objectOffset(pdf, sections, ref.objectNumber, ref.generationNumber);
  const body = offset === null ? null : objectBodyAt(pdf, offset, ref.objectNumber, ref.generationNumber);
  if (body === null) return null;
  try {
    const object = PDFObjectParser.forBytes(pdf.subarray(body), context).parseObject();
    return object instanceof PDFDict ? object : null;
  } catch {
    return null;
  }
}

// ---- full rewrite (files not laid out as Chromium writes them) ------------------------------

/** Loads and saves the whole file with pdf-lib: slower, for any PDF pdf-lib reads. */
export async function rewritePdfMetadata(pdf: Uint8Array, meta: PdfMetadata, options: WriteOptions = {}): Promise<Uint8Array> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const { context, catalog } = doc;
  const infoRef = context.trailerInfo.Info;
  const oldInfo = infoRef ? context.lookupMaybe(infoRef, PDFDict) ?? null : null;
  const { info, xmp, lang } = buildMetadata(context, oldInfo, catalog, meta, options.now ?? new Date());
  context.trailerInfo.Info = context.register(info);
  catalog.set(PDFName.of('Metadata'), context.register(xmp));
  if (lang) catalog.set(PDFName.of('Lang'), PDFString.of(lang));
  // No object streams: they need PDF 1.5 and some viewers still read xref tables only.
  return doc.save({ useObjectStreams: false, updateFieldAppearances: false });
}

// ---- the metadata itself ---------------------------------------------------------------------

/** Characters XML 1.0 forbids (and PDF text should not carry): C0 controls but tab/newline, lone surrogates, U+FFFE/F. */
const INVALID_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function clean(text: string | undefined): string {
  return (text ?? '').replace(INVALID_CHARS, '').trim();
}

function xmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A PDF text string: UTF-16BE with a byte order mark (§7.9.2.2), so any script survives. */
function pdfText(text: string): PDFHexString {
  return PDFHexString.fromText(text);
}

function decodeText(object: PDFObject | undefined): string | undefined {
  return object instanceof PDFString || object instanceof PDFHexString ? object.decodeText() : undefined;
}

function decodeDate(object: PDFObject | undefined): Date | undefined {
  try {
    const date = object instanceof PDFString || object instanceof PDFHexString ? object.decodeDate() : undefined;
    return date && !Number.isNaN(date.getTime()) ? date : undefined;
  } catch {
    return undefined;
  }
}

/** "2024-05-01", "2024-05-01T09:30", "2024-05-01T09:30:00+02:00" → that moment (a bare date: midnight UTC); else undefined. */
export function parseIsoDate(text: string | undefined): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec((text ?? '').trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', zone = 'Z'] = m;
  const offset = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${offset}`);
  // Date() rolls 2024-02-31 over to March; such a date is not one.
  if (Number.isNaN(date.getTime()) || (zone === 'Z' && date.getUTCDate() !== Number(d))) return undefined;
  return date;
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

interface BuiltMetadata {
  info: PDFDict;
  xmp: PDFRawStream;
  /** The language to set on the catalog, or undefined to leave /Lang as it is. */
  lang: string | undefined;
}

function buildMetadata(context: PDFContext, oldInfo: PDFDict | null, catalog: PDFDict, meta: PdfMetadata, now: Date): BuiltMetadata {
  const title = clean(meta.title);
  const author = clean(meta.author);
  const subject = clean(meta.subject);
  const keywords = (meta.keywords ?? []).map(clean).filter(Boolean);
  const creator = clean(meta.creator) || DEFAULT_CREATOR;
  // A language tag is letters, digits and hyphens (BCP 47); anything else is not one and is left out.
  const lang = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/.test(clean(meta.lang)) ? clean(meta.lang) : undefined;
  const docLang = lang ?? decodeText(catalog.get(PDFName.of('Lang')));
  const producer = clean(decodeText(oldInfo?.get(PDFName.of('Producer')))) || DEFAULT_PRODUCER;
  const created = parseIsoDate(meta.date) ?? decodeDate(oldInfo?.get(PDFName.of('CreationDate'))) ?? now;

  // Keep what Chromium wrote (e.g. its Title when ours is empty); ours wins where we have one.
  const info = oldInfo ? oldInfo.clone(context) : context.obj({});
  const set = (key: string, value: string) => {
    if (value) info.set(PDFName.of(key), pdfText(value));
    else info.delete(PDFName.of(key));
  };
  if (title) set('Title', title);
  set('Author', author);
  set('Subject', subject);
  set('Keywords', keywords.join(', '));
  set('Creator', creator);
  set('Producer', producer);
  info.set(PDFName.of('CreationDate'), PDFString.fromDate(created));
  info.set(PDFName.of('ModDate'), PDFString.fromDate(now));
  const shownTitle = title || clean(decodeText(info.get(PDFName.of('Title'))));

  const li = (value: string, attrs = '') => `<rdf:li${attrs}>${xmlEscape(value)}</rdf:li>`;
  const lines = [
    '<dc:format>application/pdf</dc:format>',
    shownTitle && `<dc:title><rdf:Alt>${li(shownTitle, ' xml:lang="x-default"')}</rdf:Alt></dc:title>`,
    // One entry, the Author string as written: a reader of Info and one of XMP see the same name(s).
    author && `<dc:creator><rdf:Seq>${li(author)}</rdf:Seq></dc:creator>`,
    subject && `<dc:description><rdf:Alt>${li(subject, ' xml:lang="x-default"')}</rdf:Alt></dc:description>`,
    keywords.length > 0 && `<dc:subject><rdf:Bag>${keywords.map((k) => li(k)).join('')}</rdf:Bag></dc:subject>`,
    docLang && `<dc:language><rdf:Bag>${li(docLang)}</rdf:Bag></dc:language>`,
    keywords.length > 0 && `<pdf:Keywords>${xmlEscape(keywords.join(', '))}</pdf:Keywords>`,
    `<pdf:Producer>${xmlEscape(producer)}</pdf:Producer>`,
    `<xmp:CreatorTool>${xmlEscape(creator)}</xmp:CreatorTool>`,
    `<xmp:CreateDate>${isoSeconds(created)}</xmp:CreateDate>`,
    `<xmp:ModifyDate>${isoSeconds(now)}</xmp:ModifyDate>`,
    `<xmp:MetadataDate>${isoSeconds(now)}</xmp:MetadataDate>`,
  ].filter(Boolean);
  const packet = [
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:xmp="http://ns.adobe.com/xap/1.0/">',
    ...lines.map((l) => `  ${l}`),
    '</rdf:Description>',
    '</rdf:RDF>',
    '</x:xmpmeta>',
    // Room for an editor to change the packet in place (XMP spec part 1, §7.3.2).
    ...Array.from({ length: 20 }, () => ' '.repeat(99)),
    '<?xpacket end="w"?>',
  ].join('\n');
  // Uncompressed, so tools that scan for the packet find it (XMP spec part 3, §1.1.2).
  const xmp = context.stream(new TextEncoder().encode(packet), { Type: 'Metadata', Subtype: 'XML' });
  return { info, xmp, lang };
}
