export type { DiagramRenderRequest, DiagramResult, PdfRenderer, PdfRenderRequest, PdfRenderResult } from './pdf-renderer.ts';
export { DiagramDrawer, type DiagramPage } from './diagram-renderer.ts';
export { pdfTimeoutFor } from './pdf-renderer.ts';
export { ChromiumPdfRenderer, type ChromiumPdfRendererOptions } from './chromium-pdf-renderer.ts';
export { findChromium, chromiumCandidates, checkChromiumPath, type FindChromiumOptions } from './find-chromium.ts';
export { countPdfPages } from './pdf-pages.ts';
