/**
 * PdfOptions → the options of Electron's `webContents.printToPDF`, mirroring what
 * ChromiumPdfRenderer gives Playwright's `page.pdf` (same minimum margins; the header and footer
 * are the document's page-margin boxes, page-layout.ts printedHtml), so a PDF looks the same from the
 * desktop app and from the CLI.
 * Electron wants margins in inches where Playwright takes millimetres.
 *
 * @example
 * await win.webContents.printToPDF(printToPdfOptions(DEFAULT_PDF_OPTIONS, 'Report'));
 */
import type { PageSize, PdfOptions } from '../api/types.ts';
import { pageLayout } from '../pdf/page-layout.ts';

/** The subset of Electron's PrintToPDFOptions we set (structurally identical). */
export interface ElectronPrintToPdfOptions {
  pageSize: PageSize;
  landscape: boolean;
  printBackground: boolean;
  margins: { top: number; right: number; bottom: number; left: number };
  displayHeaderFooter: boolean;
  generateDocumentOutline: boolean;
  generateTaggedPDF: boolean;
  preferCSSPageSize: boolean;
}

export { HEADER_FOOTER_MIN_MARGIN_MM } from '../pdf/page-layout.ts';

const MM_PER_INCH = 25.4;

export function mmToInches(mm: number): number {
  return Math.round((mm / MM_PER_INCH) * 10_000) / 10_000;
}

export function printToPdfOptions(options: PdfOptions, title: string): ElectronPrintToPdfOptions {
  const { marginsMm: m, tagged } = pageLayout(options, title);
  return {
    pageSize: options.pageSize,
    landscape: options.landscape,
    printBackground: options.printBackground,
    margins: { top: mmToInches(m.top), right: mmToInches(m.right), bottom: mmToInches(m.bottom), left: mmToInches(m.left) },
    displayHeaderFooter: false,
    generateDocumentOutline: options.outline,
    generateTaggedPDF: tagged,
    preferCSSPageSize: false,
  };
}
