/**
 * What every PdfRenderer prints around the document, so a PDF looks the same from the
 * desktop app (Electron's printToPDF) and from the CLI (Playwright's page.pdf): the margins
 * (never so small that Chromium clips the header and footer), the header with the title, the
 * footer with "page / pages", and tagging (Chromium builds the outline from the tagged
 * structure: without tags the outline is silently empty).
 *
 * @example
 * const layout = pageLayout(DEFAULT_PDF_OPTIONS, 'Report');
 * page.pdf({ margin: { top: `${layout.marginsMm.top}mm`, ... }, headerTemplate: layout.headerTemplate });
 */
import type { PdfOptions } from '../api/types.ts';
import { fontFaceCss } from '../pipeline/fonts.ts';
import { THEME_FACES } from '../pipeline/theme.ts';

/** Chromium draws the header and footer inside the page margins; below this they are clipped. */
export const HEADER_FOOTER_MIN_MARGIN_MM = 10;

export interface PageLayout {
  marginsMm: { top: number; right: number; bottom: number; left: number };
  headerTemplate: string;
  footerTemplate: string;
  /** Tagged PDF: asked for, or needed by the outline. */
  tagged: boolean;
}

/**
 * `fontCss`: @font-face rules (bundled fonts, data: URIs) for the title's characters. Chromium
 * draws the header in a document of its own with only the computer's fonts, so a Chinese title
 * would print as boxes on a computer with no CJK font; the page has loaded these same faces.
 */
export function pageLayout(options: PdfOptions, title: string, fontCss = options.headerFooter ? headerFontCss(title) : ''): PageLayout {
  const m = options.margins;
  const minVertical = options.headerFooter ? HEADER_FOOTER_MIN_MARGIN_MM : 0;
  const marginsMm = {
    top: Math.max(minVertical, m.top),
    right: Math.max(0, m.right),
    bottom: Math.max(minVertical, m.bottom),
    left: Math.max(0, m.left),
  };
  const line = `width:100%;font-family:Inter,'Noto Sans SC','Noto Emoji',system-ui,sans-serif;font-size:9px;color:#444;padding:0 ${marginsMm.right}mm 0 ${marginsMm.left}mm;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;text-align:center;`;
  return {
    marginsMm,
    headerTemplate: `${fontCss ? `<style>${fontCss.replace(/<\/style/gi, '')}</style>` : ''}<div style="${line}">${escapeHtml(title)}</div>`,
    footerTemplate: `<div style="${line}"><span class="pageNumber"></span> / <span class="totalPages"></span></div>`,
    tagged: options.tagged || options.outline,
  };
}

/** The bundled faces for the header's title (github's faces; the page has loaded the same slices). */
export function headerFontCss(title: string): string {
  // Plain ASCII needs nothing the computer lacks.
  if (!/[^\u0000-\u007f]/.test(title)) return '';
  return fontFaceCss({ text: title, faces: THEME_FACES.github }).css;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
