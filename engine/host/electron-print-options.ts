/**
 * PdfOptions → the options of Electron's `webContents.printToPDF`, mirroring what
 * ChromiumPdfRenderer gives Playwright's `page.pdf` (same header/footer templates, same
 * minimum margins), so a PDF looks the same from the desktop app and from the CLI.
 * Electron wants margins in inches where Playwright takes millimetres.
 *
 * @example
 * await win.webContents.printToPDF(printToPdfOptions(DEFAULT_PDF_OPTIONS, 'Report'));
 */
import type { PageSize, PdfOptions } from '../api/types.ts';

/** The subset of Electron's PrintToPDFOptions we set (structurally identical). */
export interface ElectronPrintToPdfOptions {
  pageSize: PageSize;
  landscape: boolean;
  printBackground: boolean;
  margins: { top: number; right: number; bottom: number; left: number };
  displayHeaderFooter: boolean;
  headerTemplate: string;
  footerTemplate: string;
  generateDocumentOutline: boolean;
  generateTaggedPDF: boolean;
  preferCSSPageSize: boolean;
}

/** Chromium draws the header and footer inside the page margins; below this they are clipped. */
export const HEADER_FOOTER_MIN_MARGIN_MM = 10;

const MM_PER_INCH = 25.4;

export function mmToInches(mm: number): number {
  return Math.round((mm / MM_PER_INCH) * 10_000) / 10_000;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function printToPdfOptions(options: PdfOptions, title: string): ElectronPrintToPdfOptions {
  const m = options.margins;
  const minVertical = options.headerFooter ? HEADER_FOOTER_MIN_MARGIN_MM : 0;
  const mm = {
    top: Math.max(minVertical, m.top),
    right: Math.max(0, m.right),
    bottom: Math.max(minVertical, m.bottom),
    left: Math.max(0, m.left),
  };
  const line = `width:100%;font-family:system-ui,sans-serif;font-size:8px;color:#444;padding:0 ${mm.right}mm 0 ${mm.left}mm;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;text-align:center;`;
  return {
    pageSize: options.pageSize,
    landscape: options.landscape,
    printBackground: options.printBackground,
    margins: { top: mmToInches(mm.top), right: mmToInches(mm.right), bottom: mmToInches(mm.bottom), left: mmToInches(mm.left) },
    displayHeaderFooter: options.headerFooter,
    headerTemplate: `<div style="${line}">${escapeHtml(title)}</div>`,
    footerTemplate: `<div style="${line}"><span class="pageNumber"></span> / <span class="totalPages"></span></div>`,
    generateDocumentOutline: options.outline,
    generateTaggedPDF: options.tagged,
    preferCSSPageSize: false,
  };
}
