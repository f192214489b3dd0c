/**
 * What every PdfRenderer prints around the document, so a PDF looks the same from the
 * desktop app (Electron's printToPDF) and from the CLI (Playwright's page.pdf): the margins
 * (never so small that the header and footer have no room), the header with the title, the
 * footer with "page / pages", tagging (Chromium builds the outline from the tagged
 * structure: without tags the outline is silently empty), and images and diagrams no taller
 * than the page (fitCss).
 *
 * The header and footer are CSS page-margin boxes (`@page { @top-center { … } }`, Chromium 131+,
 * Electron 45's is 140), written into the printed document: they are set in the document's own
 * bundled faces, and cost less than Chromium's header and footer templates, which it lays out
 * as a document of their own for every page with only the computer's fonts (DejaVu Sans here
 * under a page in Inter; Chinese as boxes without a CJK font). 40 Rust-book chapters printed
 * in one warm page, 3 interleaved runs each: machine CPU 257–276 → 248–260 ms a document.
 *
 * @example
 * const layout = pageLayout(DEFAULT_PDF_OPTIONS, 'Report');
 * await page.setContent(withPageCss(html, layout.pageCss));
 * page.pdf({ margin: { top: `${layout.marginsMm.top}mm`, ... }, displayHeaderFooter: false });
 */
import type { PdfOptions } from '../api/types.ts';
import type { PageSize } from '../api/export-spec.ts';

/** Each page size's width and height in millimetres, portrait (as Chromium prints them). */
const PAGE_MM: Record<PageSize, [number, number]> = {
  A3: [297, 420],
  A4: [210, 297],
  A5: [148, 210],
  Letter: [215.9, 279.4],
  Legal: [215.9, 355.6],
  Tabloid: [279.4, 431.8],
};

/** The header and footer are drawn inside the page margins; below this they have no room. */
export const HEADER_FOOTER_MIN_MARGIN_MM = 10;

export interface PageLayout {
  marginsMm: { top: number; right: number; bottom: number; left: number };
  /**
   * What the printed document gets besides the theme: @page rules drawing the header (the
   * title) and the footer ("page / pages"), with headerFooter; always, a height limit on
   * images and diagrams (fitCss).
   */
  pageCss: string;
  /** Tagged PDF: asked for, or needed by the outline. */
  tagged: boolean;
}

/** The theme's text faces (base.css), with fallbacks for a page without the theme's properties. */
const BOX_STYLE =
  "font-family:var(--quire-face-text,Inter),var(--quire-face-cjk,'Noto Sans SC'),var(--quire-face-scripts,system-ui),var(--quire-fallback-text,system-ui),sans-serif,var(--quire-emoji,'Noto Emoji');" +
  'font-size:9px;font-weight:400;font-style:normal;color:#444;white-space:nowrap;overflow:hidden;text-overflow:ellipsis';

export function pageLayout(options: PdfOptions, title: string): PageLayout {
  const m = options.margins;
  const minVertical = options.headerFooter ? HEADER_FOOTER_MIN_MARGIN_MM : 0;
  const marginsMm = {
    top: Math.max(minVertical, m.top),
    right: Math.max(0, m.right),
    bottom: Math.max(minVertical, m.bottom),
    left: Math.max(0, m.left),
  };
  const boxes = options.headerFooter
    ? `@page{@top-center{content:${cssString(title)};${BOX_STYLE}}@bottom-center{content:counter(page) " / " counter(pages);${BOX_STYLE}}}`
    : '';
  return { marginsMm, pageCss: boxes + fitCss(options, marginsMm), tagged: options.tagged || options.outline };
}

/**
 * Images, diagrams and videos no taller than the page's printable area, so one is moved whole
 * to the next page instead of cut across two (the theme's `break-inside: avoid` cannot keep
 * together what is taller than a page: Chromium slices it). The limit leaves a line's height
 * for the line box around an inline image and a caption; `object-fit` keeps an image with a
 * fixed width (an HTML width attribute) in proportion when its height is cut. An svg inside an
 * svg is drawn by its parent's geometry, not limited.
 */
function fitCss(options: PdfOptions, marginsMm: PageLayout['marginsMm']): string {
  const [width, height] = PAGE_MM[options.pageSize];
  const printable = (options.landscape ? width : height) - marginsMm.top - marginsMm.bottom;
  if (printable <= 0) return '';
  return `img,video,:not(svg)>svg{max-height:calc(${Math.floor(printable * 10) / 10}mm - 2em)}img{object-fit:contain}`;
}

/** The document as Chromium prints it, with its header and footer rules (both renderers; bench/bench.ts's floor). */
export function printedHtml(request: { html: string; options: PdfOptions; title: string }): string {
  return withPageCss(request.html, pageLayout(request.options, request.title).pageCss);
}

/**
 * The document with `css` in a <style> of its own before its first one (or before </head>):
 * outside every other style element, and first, so a user's CSS may restyle the boxes.
 */
export function withPageCss(html: string, css: string): string {
  if (!css) return html;
  const style = `<style>${css}</style>`;
  const at = html.search(/<style[\s>]|<\/head\s*>/i);
  return at >= 0 ? html.slice(0, at) + style + html.slice(at) : style + html;
}

/** A CSS string: quotes and backslashes escaped; "<" and line breaks as code points, so no "</style" and no broken line. */
function cssString(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[<\n\r\f]/g, (c) => `\\${c.charCodeAt(0).toString(16)} `)}"`;
}
