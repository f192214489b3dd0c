// The pdfMetadata task in real Piscina threads: the source worker (under tsx) and the worker
// bundled the way bin/quire bundles it (esbuild, CommonJS, pdf-lib inside).
import path from 'node:path';
import esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, rmrf, tempDir } from '../../tests/helpers.ts';
import { QuireError } from '../api/errors.ts';
import { DEFAULT_PDF_OPTIONS } from '../api/types.ts';
import { ChromiumPdfRenderer } from '../pdf/chromium-pdf-renderer.ts';
import { pdfInfo, sampleHtml } from '../pdf/test-support.ts';
import { createPipelinePool, type PipelinePool } from './pool.ts';

const META = { title: '報告 Report', author: 'Grace Hopper', subject: 'Compilers', keywords: ['cobol', 'navy'], lang: 'en-US' };

let printed: Uint8Array;
let dir: string;
const pools: PipelinePool[] = [];

beforeAll(async () => {
  const renderer = new ChromiumPdfRenderer();
  try {
    printed = new Uint8Array((await renderer.render({ html: sampleHtml('Report', 3), title: 'Report', options: DEFAULT_PDF_OPTIONS })).pdf);
  } finally {
    await renderer.close();
  }
  dir = tempDir('quire-pool-pdfmeta-');
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
  rmrf(dir);
});

function expectMetadata(pdf: Uint8Array): void {
  const info = pdfInfo(pdf);
  expect(info.Title).toBe(META.title);
  expect(info.Author).toBe(META.author);
  expect(info.Subject).toBe(META.subject);
  expect(info.Keywords).toBe('cobol, navy');
  expect(info.Creator).toBe('Quire');
  expect(info['Metadata Stream']).toBe('yes');
  expect(info.Tagged).toBe('yes');
  expect(info.Pages).toBe(pdfInfo(printed).Pages);
}

describe('pool.pdfMetadata', () => {
  it('writes the metadata in a worker thread, moving the bytes there instead of copying them', async () => {
    const pool = createPipelinePool({ maxThreads: 1 });
    pools.push(pool);
    const own = printed.slice(); // owns its whole buffer: moved
    const out = await pool.pdfMetadata(own, META);
    expect(own.byteLength).toBe(0);
    expectMetadata(out);
    // A view into a larger buffer (a pooled Buffer) is copied: the rest of that buffer stays usable.
    const shared = new Uint8Array(printed.length + 16);
    shared.set(printed, 8);
    const view = shared.subarray(8, 8 + printed.length);
    expectMetadata(await pool.pdfMetadata(view, META));
    expect(view.byteLength).toBe(printed.length);
  });

  it('reports what is wrong with bytes that are not a PDF, with its code, across the thread boundary', async () => {
    const pool = createPipelinePool({ maxThreads: 1 });
    pools.push(pool);
    const err = await pool.pdfMetadata(new TextEncoder().encode('not a pdf'), META).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuireError);
    expect((err as QuireError).code).toBe('CONVERSION_FAILED');
    expect((err as QuireError).message).toContain('writing the PDF metadata');
  });

  it('runs in the worker bundled as bin/quire bundles it (CommonJS, pdf-lib inlined)', async () => {
    await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: { worker: 'engine/pipeline/worker.ts' },
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      outExtension: { '.js': '.cjs' },
      outdir: dir,
      define: { 'import.meta.url': '__quireModuleUrl' },
      banner: { js: "var __quireModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
      logLevel: 'silent',
    });
    const pool = createPipelinePool({ maxThreads: 1, workerFile: path.join(dir, 'worker.cjs'), resourcesDir: path.join(ROOT, 'resources') });
    pools.push(pool);
    expectMetadata(await pool.pdfMetadata(printed.slice(), META));
  });
});
