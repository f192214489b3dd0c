/**
 * The print form of a job's export HTML: each stored image the export validated is linked at
 * `https://quire.invalid/assets/<sha256>` instead of being inlined as base64, so the page sent
 * to Chromium stays the size of the document, not of its images × 4/3. The PDF renderer serves
 * those URLs from the asset store (chromium-pdf-renderer.ts); embed-images.ts turns the print
 * form into the standalone HTML (data: URIs, strict CSP), byte for byte what prepare wrote before.
 *
 * Which hashes a page may load, and their types, is written in the head by generateExportHtml
 * as `<meta name="quire-print-assets" content="<sha256>=<type> …">`, right after the CSP, so
 * it is checkpointed with the HTML and read back without parsing the document.
 *
 * @example
 * printAssetsOf(printHtml); // { '3f2a…': 'image/png' } — {} for a standalone document
 */
import { IMAGE_MEDIA_TYPES, type ImageMediaType } from '../api/media-types.ts';

/** Where the print page finds a stored image: this prefix and its sha256. Never a real host (.invalid). */
export const PRINT_ASSET_BASE = 'https://quire.invalid/assets/';

/** The print form's CSP: the export's, plus images from PRINT_ASSET_BASE (and nothing else there). */
export const PRINT_CSP = `default-src 'none'; img-src data: ${PRINT_ASSET_BASE}; style-src 'unsafe-inline'; font-src data:`;

export const PRINT_ASSETS_META = 'quire-print-assets';

const SHA256 = /^[0-9a-f]{64}$/;
const TYPES = new Set<string>(IMAGE_MEDIA_TYPES);

/** The head line that lists a print page's images (`linked`: sha256 → type, in first-use order). */
export function printAssetsMetaTag(linked: ReadonlyMap<string, ImageMediaType>): string {
  const list = [...linked].map(([sha, mime]) => `${sha}=${mime}`).join(' ');
  return `<meta name="${PRINT_ASSETS_META}" content="${list}">`;
}

/**
 * Where the print form's own head lines are: the CSP line and the asset list that follows it,
 * found only at the fixed place generateExportHtml writes them (the document's own text never
 * gets there). Null for a standalone document.
 */
export function printHead(html: string): { cspStart: number; metaStart: number; metaEnd: number; list: string } | null {
  const csp = `<meta http-equiv="Content-Security-Policy" content="${PRINT_CSP}">\n`;
  // "<!doctype html>\n<html lang=…>\n<head>\n<meta charset="utf-8">\n" comes first: a few dozen characters.
  const cspStart = html.lastIndexOf(csp, 200);
  if (cspStart < 0 || !html.slice(0, cspStart).endsWith('<head>\n<meta charset="utf-8">\n')) return null;
  const metaStart = cspStart + csp.length;
  const open = `<meta name="${PRINT_ASSETS_META}" content="`;
  if (!html.startsWith(open, metaStart)) return null;
  const close = html.indexOf('">\n', metaStart + open.length);
  if (close < 0) return null;
  return { cspStart, metaStart, metaEnd: close + 3, list: html.slice(metaStart + open.length, close) };
}

/** The images a print page may load, sha256 → type; {} for a standalone document (or a malformed list). */
export function printAssetsOf(html: string): Record<string, ImageMediaType> {
  const head = printHead(html);
  const out: Record<string, ImageMediaType> = {};
  if (!head || head.list === '') return out;
  for (const item of head.list.split(' ')) {
    const [sha, mime] = item.split('=');
    if (!sha || !SHA256.test(sha) || !mime || !TYPES.has(mime)) return {};
    out[sha] = mime as ImageMediaType;
  }
  return out;
}

/** Whether `html` is a print form (its images linked, not inlined): a look at its first few lines. */
export function isPrintForm(html: string): boolean {
  return printHead(html) !== null;
}
