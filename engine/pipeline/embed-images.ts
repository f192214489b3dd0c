/**
 * Turns the print form of an export (print-assets.ts: images and bundled fonts linked at
 * https://quire.invalid/assets/<sha256>) into the standalone HTML: every linked image and font
 * inlined as a data: URI and the export's strict CSP, byte for byte what generateExportHtml
 * writes when it embeds. Runs in a pipeline worker (the result can be hundreds of MB).
 *
 * Each file is read again and checked against its hash: what is embedded is what prepare
 * validated. A standalone document comes back unchanged.
 *
 * @example
 * const html = embedPrintAssets(printHtml, { '3f2a…': '/data/assets/3f/3f2a…' });
 * // '…<img src="data:image/png;base64,iVBOR…" data-src="images/a.png" alt="A">…'
 */
import { readFileSync } from 'node:fs';
import { Errors } from '../api/errors.ts';
import { sha256Of } from '../jobs/atomic-files.ts';
import { EXPORT_CSP } from './export-html.ts';
import { bundledFontBase64, inlineFontUrl, linkedFontUrl } from './fonts.ts';
import { PRINT_ASSET_BASE, changedFontProblem, printAssetsOf, printFontsOf, printHead } from './print-assets.ts';

/** The end of the head generateExportHtml writes (the theme's <style> is always last; "</style" never occurs inside it). */
const HEAD_END = '</style>\n</head>\n<body>\n';

/** `files`: the stored file of each sha256 the job may embed (ExportAssets.files, by hash). */
export function embedPrintAssets(html: string, files: Readonly<Record<string, string>>): string {
  const head = printHead(html);
  if (!head) return html;
  const types = printAssetsOf(html);
  const bodyStart = html.indexOf(HEAD_END, head.metaEnd);
  if (bodyStart < 0) throw Errors.conversionFailed('embedding the images', 'the prepared HTML has no head');
  const parts = [html.slice(0, head.cspStart), `<meta http-equiv="Content-Security-Policy" content="${EXPORT_CSP}">\n`, inlineFonts(html.slice(head.metaEnd, bodyStart), printFontsOf(html))];
  const uris = new Map<string, string>();
  const open = `<img src="${PRINT_ASSET_BASE}`;
  let from = bodyStart;
  for (let at = html.indexOf(open, from); at >= 0; at = html.indexOf(open, at + open.length)) {
    const shaStart = at + open.length;
    const sha = html.slice(shaStart, shaStart + 64);
    // Only the links prepare wrote (their hash is in the list); text never holds "<img" unescaped.
    if (html[shaStart + 64] !== '"' || !Object.hasOwn(types, sha)) continue;
    let uri = uris.get(sha);
    if (uri === undefined) {
      uri = `data:${types[sha]};base64,${readChecked(sha, files[sha], refAfter(html, shaStart + 65)).toString('base64')}`;
      uris.set(sha, uri);
    }
    parts.push(html.slice(from, at), '<img src="', uri);
    from = shaStart + 64;
  }
  parts.push(html.slice(from));
  return parts.join('');
}

/** The head's font links (in the theme's @font-face rules) as data: URIs, each slice checked against its hash. */
function inlineFonts(headHtml: string, fonts: Readonly<Record<string, string>>): string {
  let out = headHtml;
  for (const [sha, file] of Object.entries(fonts)) {
    const base64 = bundledFontBase64(file, sha);
    if (base64 === null) {
      throw Errors.conversionFailed('embedding the fonts', changedFontProblem(file));
    }
    out = out.split(linkedFontUrl(sha)).join(inlineFontUrl(base64));
  }
  return out;
}

function readChecked(sha: string, file: string | undefined, ref: string): Buffer {
  let data: Buffer | null = null;
  try {
    if (file !== undefined) data = readFileSync(file);
  } catch {
    data = null;
  }
  if (data === null || sha256Of(data) !== sha) {
    throw Errors.conversionFailed(
      'embedding the images',
      `the stored copy of image ${ref} is missing or was changed since the export started; export the document again`,
    );
  }
  return data;
}

/** The `data-src` right after a link (the author's reference, for the message). */
function refAfter(html: string, at: number): string {
  const m = /^ data-src="([^"]*)"/.exec(html.slice(at, at + 4200));
  return m ? m[1]! : 'of the document';
}
