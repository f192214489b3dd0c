/**
 * Piscina worker entry: runs one pipeline step per task and always replies with a
 * WorkerReply (see protocol.ts), so error codes survive the thread boundary.
 *
 * Options for the whole pool arrive as workerData: `{ resourcesDir?: string }` (where the
 * theme lives; see theme.ts for the fallbacks).
 *
 * @example
 * await run({ kind: 'markdown', html: '<h1>Hi</h1>' }); // { ok: true, value: '# Hi\n' }
 */
import { readFile } from 'node:fs/promises';
import { workerData } from 'node:worker_threads';
import { isQuireError, toJobError } from '../api/errors.ts';
import { writePdfMetadata } from '../pdf/pdf-metadata.ts';
import { inlineDiagrams } from './diagrams.ts';
import { embedPrintAssets } from './embed-images.ts';
import { generateExportHtml, type ExportHtmlOptions } from './export-html.ts';
import { headingTexts } from './html-parse.ts';
import { htmlToMarkdown } from './markdown.ts';
import { markdownExport, type MarkdownExportResult } from './markdown-output.ts';
import { scanAssetRefs } from './asset-refs.ts';
import { releaseGarbage } from './heap.ts';
import type { PipelineWorkerData, WorkerErrorData, WorkerReply } from './protocol.ts';
import type { ExportHtmlResult, WorkerTask } from './types.ts';
import { injectFault } from './worker-faults.ts';

function exportOptions(): ExportHtmlOptions {
  const data = (workerData ?? {}) as PipelineWorkerData;
  return typeof data.resourcesDir === 'string' ? { resourcesDir: data.resourcesDir } : {};
}

function toErrorData(e: unknown): WorkerErrorData {
  if (isQuireError(e)) return { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) };
  return toJobError(e);
}

export default async function run(task: WorkerTask): Promise<WorkerReply<ExportHtmlResult | MarkdownExportResult | string | string[] | Uint8Array>> {
  try {
    return await runTask(task);
  } finally {
    // Once the reply is posted (the result is garbage here then too): a large document's
    // garbage would otherwise be held through its whole print (heap.ts).
    setImmediate(releaseGarbage);
  }
}

async function runTask(task: WorkerTask): Promise<WorkerReply<ExportHtmlResult | MarkdownExportResult | string | string[] | Uint8Array>> {
  try {
    await injectFault(task); // fault-injection tests only (worker-faults.ts); inert unless set
    switch (task?.kind) {
      case 'exportHtml':
        return { ok: true, value: generateExportHtml(task.input, exportOptions()) };
      case 'markdown':
        return { ok: true, value: htmlToMarkdown(task.html) };
      case 'markdownSource':
        return { ok: true, value: markdownExport(task.input) };
      case 'scanAssetRefs':
        return { ok: true, value: scanAssetRefs(task.source, task.format) };
      case 'inlineDiagrams':
        return { ok: true, value: inlineDiagrams(task.html, task.svgs) };
      case 'embedImages':
        return { ok: true, value: embedPrintAssets(task.html, task.files) };
      case 'pdfMetadata':
        // The headings come from the printed HTML, read here (off the main thread).
        return {
          ok: true,
          value: await writePdfMetadata(task.pdf, task.htmlPath ? { ...task.meta, headings: headingTexts(await readFile(task.htmlPath, 'utf8')) } : task.meta),
        };
      default:
        return {
          ok: false,
          error: { code: 'INVALID_INPUT', message: `Unknown pipeline task "${String((task as { kind?: unknown })?.kind)}".` },
        };
    }
  } catch (e) {
    return { ok: false, error: toErrorData(e) };
  }
}
