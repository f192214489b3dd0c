/**
 * The print thread: owns the ChromiumPdfRenderer, so Playwright's protocol work (loading
 * playwright-core, sending the page, reading the PDF stream back, routing requests) never runs
 * on the engine's event loop. Started by ThreadedPdfRenderer (print-thread.ts); see
 * print-thread-protocol.ts for the messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Errors, isQuireError } from '../api/errors.ts';
import { releaseGarbage } from '../pipeline/heap.ts';
import { ChromiumPdfRenderer } from './chromium-pdf-renderer.ts';
import type { FromPrintThread, PrintThreadData, ToPrintThread } from './print-thread-protocol.ts';

const port = parentPort;
if (!port) throw new Error('print-thread-worker.ts runs only as a worker thread');
const data = (workerData ?? {}) as PrintThreadData;
const renderer = new ChromiumPdfRenderer(data.renderer ?? {});
const aborts = new Map<number, AbortController>();

function send(message: FromPrintThread, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

function failed(id: number, e: unknown): void {
  const error = isQuireError(e) ? e : Errors.pdfFailed(e instanceof Error ? e.message.split('\n')[0] : String(e));
  send({ type: 'failed', id, error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } });
}

port.on('message', (message: ToPrintThread) => {
  switch (message.type) {
    case 'render': {
      const controller = new AbortController();
      aborts.set(message.id, controller);
      renderer
        .render({
          html: message.html,
          title: message.title,
          options: message.options,
          timeoutMs: message.timeoutMs,
          ...(message.assets ? { assets: message.assets } : {}),
          signal: controller.signal,
          onProgress: () => {
            send({ type: 'printing', id: message.id });
            // The page is written into Chromium: the copies of a large document made to send
            // it are dead now, and the print that follows can take minutes (heap.ts). Once the
            // print is asked for, so that the collection runs while Chromium prints.
            setImmediate(releaseGarbage);
          },
        })
        .then(
          ({ pdf, pages }) => {
            // Moved, not copied, when the bytes own their buffer (Playwright's usually do not).
            const owns = pdf.byteOffset === 0 && pdf.byteLength === pdf.buffer.byteLength && pdf.buffer instanceof ArrayBuffer;
            const bytes = owns ? pdf : new Uint8Array(pdf);
            send({ type: 'rendered', id: message.id, pdf: bytes, pages }, [bytes.buffer as ArrayBuffer]);
            // The PDF was read back in base64 chunks, now dead too.
            releaseGarbage();
          },
          (e) => failed(message.id, e),
        )
        .finally(() => aborts.delete(message.id));
      break;
    }
    case 'diagrams': {
      const controller = new AbortController();
      aborts.set(message.id, controller);
      renderer
        .renderDiagrams({
          sources: message.sources,
          idPrefix: message.idPrefix,
          diagramTimeoutMs: message.diagramTimeoutMs,
          timeoutMs: message.timeoutMs,
          signal: controller.signal,
          onProgress: (index, total) => send({ type: 'diagramProgress', id: message.id, index, total }),
        })
        .then(
          (results) => send({ type: 'drawn', id: message.id, results }),
          (e) => failed(message.id, e),
        )
        .finally(() => aborts.delete(message.id));
      break;
    }
    case 'abort':
      aborts.get(message.id)?.abort();
      break;
    case 'warmUp':
      renderer.warmUp();
      break;
    case 'close':
      for (const controller of aborts.values()) controller.abort();
      void renderer.close().finally(() => send({ type: 'closed', id: message.id }));
      break;
  }
});
