/**
 * The print form of a job's export HTML: each stored image the export validated is linked at
 * `https://quire.invalid/assets/<sha256>` instead of being inlined as base64, so the page sent
 * to Chromium stays the size of the document, not of its images × 4/3. The PDF renderer serves
 * those URLs from the asset store (chromium-pdf-renderer.ts); embed-images.ts turns the print
 * form into the standalone HTML (data: URIs, strict CSP), byte for byte what prepare wrote before.
 *
 * The bundled fonts are linked the same way (fonts.ts): each page of a batch carried ~160 KB of
 * base64 fonts, three quarters of its bytes, which Chromium decoded again for every document
 * (the 100 Rust book chapters printed 10–14 % faster with them served; issue #10).
 *
 * Which hashes a page may load, and their types, is written in the head by generateExportHtml
 * as `<meta name="quire-print-assets" content="<sha256>=<type> …">`, right after the CSP, then
 * the fonts as `<meta name="quire-print-fonts" content="<sha256>=<slice file> …">`, so they are
 * checkpointed with the HTML and read back without parsing the document.
 *
 * @example
 * printAssetsOf(printHtml); // { '3f2a…': 'image/png' } — {} for a standalone document
 */
import { IMAGE_MEDIA_TYPES, type ImageMediaType } from '../api/media-types.ts';

/** Where the print page finds a stored image: this prefix and its sha256. Never a real host (.invalid). */
export const PRINT_ASSET_BASE = 'https://quire.invalid/assets/';

/** The print form's CSP: the export's, plus images and fonts from PRINT_ASSET_BASE (and nothing else there). */
export const PRINT_CSP = `default-src 'none'; img-src data: ${PRINT_ASSET_BASE}; style-src 'unsafe-inline'; font-src data: ${PRINT_ASSET_BASE}`;

/** The CSP of print forms written before fonts were linked: a job prepared by an earlier Quire still prints. */
const PRINT_CSP_IMAGES_ONLY = `default-src 'none'; img-src data: ${PRINT_ASSET_BASE}; style-src 'unsafe-inline'; font-src data:`;

export const PRINT_ASSETS_META = 'quire-print-assets';

/** The head line that lists a print page's linked fonts: sha256 → bundled slice (fonts.ts bundledFontFile). */
export const PRINT_FONTS_META = 'quire-print-fonts';

/** Why a linked font cannot be used (printing it, or inlining it into the standalone HTML). */
export function changedFontProblem(file: string): string {
  return `the bundled font ${file} is missing or was changed since the export started (was Quire updated or moved?); export the document again`;
}

const SHA256 = /^[0-9a-f]{64}$/;
const TYPES = new Set<string>(IMAGE_MEDIA_TYPES);

/** The head line that lists a print page's images (`linked`: sha256 → type, in first-use order). */
export function printAssetsMetaTag(linked: ReadonlyMap<string, ImageMediaType>): string {
  const list = [...linked].map(([sha, mime]) => `${sha}=${mime}`).join(' ');
  return `<meta name="${PRINT_ASSETS_META}" content="${list}">`;
}

/** The head line that lists a print page's linked fonts (`linked`: sha256 → slice file, as fontFaceCss gives them). */
export function printFontsMetaTag(linked: ReadonlyMap<string, string>): string {
  const list = [...linked].map(([sha, file]) => `${sha}=${file}`).join(' ');
  return `<meta name="${PRINT_FONTS_META}" content="${list}">`;
}

/**
 * Where the print form's own head lines are: the CSP line, the image list that follows it and
 * the font list after that (absent in a print form from before fonts were linked), found only
 * at the fixed place generateExportHtml writes them (the document's own text never gets
 * there). Null for a standalone document.
 */
export function printHead(html: string): { cspStart: number; metaStart: number; metaEnd: number; list: string; fonts: string } | null {
  // "<!doctype html>\n<html lang=…>\n<head>\n<meta charset="utf-8">\n" comes first: a few dozen characters.
  let csp = '';
  let cspStart = -1;
  for (const policy of [PRINT_CSP, PRINT_CSP_IMAGES_ONLY]) {
    csp = `<meta http-equiv="Content-Security-Policy" content="${policy}">\n`;
    cspStart = html.lastIndexOf(csp, 200);
    if (cspStart >= 0) break;
  }
  if (cspStart < 0 || !html.slice(0, cspStart).endsWith('<head>\n<meta charset="utf-8">\n')) return null;
  const metaStart = cspStart + csp.length;
  const images = metaLine(html, metaStart, PRINT_ASSETS_META);
  if (!images) return null;
  const fonts = metaLine(html, images.end, PRINT_FONTS_META);
  return { cspStart, metaStart, metaEnd: fonts?.end ?? images.end, list: images.list, fonts: fonts?.list ?? '' };
}

/** `<meta name="NAME" content="LIST">\n` at exactly `at`: its list and where the line ends. */
function metaLine(html: string, at: number, name: string): { list: string; end: number } | null {
  const open = `<meta name="${name}" content="`;
  if (!html.startsWith(open, at)) return null;
  const close = html.indexOf('">\n', at + open.length);
  return close < 0 ? null : { list: html.slice(at + open.length, close), end: close + 3 };
}

/** The fonts a print page links, sha256 → bundled slice name; {} for a standalone document (or a malformed list). */
export function printFontsOf(html: string): Record<string, string> {
  return parseList(printHead(html)?.fonts, (file) => FONT_FILE.test(file));
}

/** A slice name as fontFaceCss writes it: package/files/name.woff2 (fonts.ts checks the package). */
const FONT_FILE = /^[a-z0-9-]+\/files\/[a-z0-9-]+\.woff2$/;

/** The images a print page may load, sha256 → type; {} for a standalone document (or a malformed list). */
export function printAssetsOf(html: string): Record<string, ImageMediaType> {
  return parseList(printHead(html)?.list, (mime): mime is ImageMediaType => TYPES.has(mime));
}

/** "<sha256>=<value> …" as a map, or {} if any item is malformed (or there is no list). */
function parseList<T extends string>(list: string | undefined, valid: (value: string) => value is T): Record<string, T>;
function parseList(list: string | undefined, valid: (value: string) => boolean): Record<string, string>;
function parseList(list: string | undefined, valid: (value: string) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  if (!list) return out;
  for (const item of list.split(' ')) {
    const [sha, value] = item.split('=');
    if (!sha || !SHA256.test(sha) || !value || !valid(value)) return {};
    out[sha] = value;
  }
  return out;
}

/** Whether `html` is a print form (its images linked, not inlined): a look at its first few lines. */
export function isPrintForm(html: string): boolean {
  return printHead(html) !== null;
}
