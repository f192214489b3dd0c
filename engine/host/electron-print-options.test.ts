import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PDF_OPTIONS, type PdfOptions } from '../api/types.ts';
import { ChromiumPdfRenderer } from '../pdf/chromium-pdf-renderer.ts';
import { printedHtml } from '../pdf/page-layout.ts';
import { findChromium } from '../pdf/find-chromium.ts';
import { pdfInfo, pdfText, sampleHtml } from '../pdf/test-support.ts';
import { HEADER_FOOTER_MIN_MARGIN_MM, mmToInches, printToPdfOptions, type ElectronPrintToPdfOptions } from './electron-print-options.ts';

describe('printToPdfOptions', () => {
  it('maps every PdfOptions field onto Electron’s printToPDF options', () => {
    const o = printToPdfOptions(
      { pageSize: 'Letter', margins: { top: 25.4, right: 12.7, bottom: 50.8, left: 0 }, landscape: true, printBackground: false, headerFooter: false, outline: true, tagged: false },
      'T',
    );
    expect(o).toMatchObject({
      pageSize: 'Letter',
      landscape: true,
      printBackground: false,
      margins: { top: 1, right: 0.5, bottom: 2, left: 0 },
      displayHeaderFooter: false,
      generateDocumentOutline: true,
      // Chromium builds the outline from the tags: asking for bookmarks turns tagging on.
      generateTaggedPDF: true,
      preferCSSPageSize: false,
    });
    expect(printToPdfOptions({ ...DEFAULT_PDF_OPTIONS, outline: false, tagged: false }, 'T')).toMatchObject({ generateDocumentOutline: false, generateTaggedPDF: false });
    expect(printToPdfOptions({ ...DEFAULT_PDF_OPTIONS, outline: false, tagged: true }, 'T')).toMatchObject({ generateDocumentOutline: false, generateTaggedPDF: true });
  });

  it('keeps room for the header and footer, as the Chromium renderer does', () => {
    const o = printToPdfOptions({ ...DEFAULT_PDF_OPTIONS, headerFooter: true, margins: { top: 2, right: 3, bottom: 0, left: 4 } }, 'T');
    expect(o.margins).toEqual({ top: mmToInches(HEADER_FOOTER_MIN_MARGIN_MM), right: mmToInches(3), bottom: mmToInches(HEADER_FOOTER_MIN_MARGIN_MM), left: mmToInches(4) });
    // Chromium's own header and footer stay off: the document draws them (page-margin boxes).
    expect(o.displayHeaderFooter).toBe(false);
    expect(printedHtml({ html: '<head><style>p{}</style></head>', options: { ...DEFAULT_PDF_OPTIONS, headerFooter: true }, title: 'T' })).toContain('@bottom-center{content:counter(page) " / " counter(pages);');
  });

  it('the printed document carries the escaped title in its header rule', () => {
    const html = printedHtml({ html: '<head></head><p>x</p>', options: DEFAULT_PDF_OPTIONS, title: '<img src=x onerror=alert(1)> & "Q"' });
    expect(html).not.toContain('<img');
    expect(html).toContain('@top-center{content:"\\3c img src=x onerror=alert(1)> & \\"Q\\"";');
  });
});

/**
 * Electron's printToPDF and Playwright's page.pdf both drive Chromium's print-to-PDF; fed
 * these options (inches) Chromium must produce the same pages as ChromiumPdfRenderer does
 * from the same PdfOptions (millimetres).
 */
describe('same output as ChromiumPdfRenderer (real Chromium)', () => {
  let browser: Browser;
  const renderer = new ChromiumPdfRenderer();
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: findChromium(), args: ['--no-sandbox', '--disable-gpu'] });
  });
  afterAll(async () => {
    await browser?.close();
    await renderer.close();
  });

  async function viaElectronOptions(html: string, options: PdfOptions, title: string, o: ElectronPrintToPdfOptions): Promise<Uint8Array> {
    const page = await browser.newPage({ javaScriptEnabled: false });
    try {
      await page.setContent(printedHtml({ html, options, title }));
      return await page.pdf({
        format: o.pageSize,
        landscape: o.landscape,
        printBackground: o.printBackground,
        margin: { top: `${o.margins.top}in`, right: `${o.margins.right}in`, bottom: `${o.margins.bottom}in`, left: `${o.margins.left}in` },
        displayHeaderFooter: o.displayHeaderFooter,
        outline: o.generateDocumentOutline,
        tagged: o.generateTaggedPDF,
        preferCSSPageSize: o.preferCSSPageSize,
      });
    } finally {
      await page.close();
    }
  }

  const cases: Array<[string, PdfOptions]> = [
    ['defaults', DEFAULT_PDF_OPTIONS],
    ['Letter landscape, wide margins', { ...DEFAULT_PDF_OPTIONS, pageSize: 'Letter', landscape: true, margins: { top: 30, right: 40, bottom: 30, left: 40 } }],
    ['A5 without header/footer', { ...DEFAULT_PDF_OPTIONS, pageSize: 'A5', headerFooter: false, margins: { top: 5, right: 5, bottom: 5, left: 5 } }],
  ];
  for (const [name, options] of cases) {
    it(name, async () => {
      const title = 'Quarterly Report';
      const html = sampleHtml(title, 12);
      const expected = await renderer.render({ html, title, options });
      const actual = await viaElectronOptions(html, options, title, printToPdfOptions(options, title));
      const [e, a] = [pdfInfo(expected.pdf), pdfInfo(actual)];
      expect(a.Pages).toBe(e.Pages);
      expect(a['Page size']).toBe(e['Page size']);
      expect(a.Tagged).toBe(e.Tagged);
      expect(pdfText(actual)).toBe(pdfText(expected.pdf));
      if (options.headerFooter) expect(pdfText(actual)).toMatch(new RegExp(`\\b${e.Pages}\\s*/\\s*${e.Pages}\\b`));
    });
  }
});
