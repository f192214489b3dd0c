// Real Piscina threads, real worker files: the .ts sources (under tsx), a plain .mjs worker,
// a bundled worker.js, and a faulty worker that throws, exits or hangs on marker inputs.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS, ROOT, rmrf, tempDir } from '../../tests/helpers.ts';
import { QuireError } from '../api/errors.ts';
import { generateExportHtml } from './export-html.ts';
import { htmlToMarkdown } from './markdown.ts';
import { createPipelinePool, defaultWorkerFile, type PipelinePool } from './pool.ts';
import { FIXTURES } from './test-support.ts';
import type { ExportHtmlInput } from './types.ts';

async function rejection(p: Promise<unknown>): Promise<QuireError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(QuireError);
    return e as QuireError;
  }
  throw new Error('expected a rejection');
}

const input = (source: string, extra: Partial<ExportHtmlInput> = {}): ExportHtmlInput => ({
  title: 'T',
  source,
  format: 'md',
  baseDir: FIXTURES,
  meta: {},
  ...extra,
});

const pools: PipelinePool[] = [];
function track(pool: PipelinePool): PipelinePool {
  pools.push(pool);
  return pool;
}

let pool: PipelinePool;
let faulty: PipelinePool;

beforeAll(() => {
  pool = track(createPipelinePool({ maxThreads: 2 }));
  faulty = track(createPipelinePool({ maxThreads: 1, workerFile: path.join(FIXTURES, 'faulty-worker.ts') }));
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe('pipeline pool', () => {
  it('defaults to the worker beside the module (worker.ts from sources)', () => {
    expect(defaultWorkerFile()).toBe(path.join(ROOT, 'engine', 'pipeline', 'worker.ts'));
  });

  it('runs exportHtml and markdown in worker threads with the in-process results', async () => {
    const source = fs.readFileSync(path.join(FIXTURES, 'images.md'), 'utf8');
    const viaPool = await pool.exportHtml(input(source));
    expect(viaPool).toEqual(generateExportHtml(input(source)));
    expect(viaPool.warnings).toHaveLength(3);
    const md = await pool.markdown(viaPool.html);
    expect(md).toBe(htmlToMarkdown(viaPool.html));
    expect(md).toContain('![a dot](img/dot.png "The dot")');
  });

  it('runs tasks side by side', async () => {
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => pool.markdown(`<h2>Part ${n}</h2>`)));
    expect(results).toEqual([1, 2, 3, 4, 5].map((n) => `## Part ${n}\n`));
  });

  it('error codes survive the thread boundary', async () => {
    const bad = await rejection(pool.exportHtml(input('x', { format: 'pdf' as never })));
    expect(bad.code).toBe('INVALID_INPUT');

    const noTheme = track(createPipelinePool({ maxThreads: 1, resourcesDir: '/nonexistent/resources' }));
    const err = await rejection(noTheme.exportHtml(input('# x')));
    expect(err.code).toBe('CONVERSION_FAILED');
    expect(err.message).toContain('/nonexistent/resources');
  });

  it('abort rejects with JOB_CANCELLED quickly, and the next task still works', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const hanging = faulty.markdown('<!--quire:hang-->', controller.signal);
    setTimeout(() => controller.abort(), 200);
    const err = await rejection(hanging);
    expect(err.code).toBe('JOB_CANCELLED');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await faulty.markdown('<p>after abort</p>')).toBe('after abort\n');
  });

  it('abort during a real conversion cancels it', async () => {
    const dir = path.join(CORPUS, 'rust-book');
    const book = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
      .join('\n\n');
    const controller = new AbortController();
    const running = pool.exportHtml(input(book, { baseDir: dir }), controller.signal);
    setTimeout(() => controller.abort(), 20);
    expect((await rejection(running)).code).toBe('JOB_CANCELLED');
    expect(await pool.markdown('<p>still here</p>')).toBe('still here\n');
  });

  it('an already aborted signal rejects without running', async () => {
    const controller = new AbortController();
    controller.abort();
    expect((await rejection(pool.markdown('<p>x</p>', controller.signal))).code).toBe('JOB_CANCELLED');
  });

  it('a worker that throws outside the protocol: WORKER_CRASHED, then the pool still serves', async () => {
    const err = await rejection(faulty.markdown('<!--quire:throw-->'));
    expect(err.code).toBe('WORKER_CRASHED');
    expect(err.message).toBe('The export worker stopped unexpectedly (boom from the faulty worker). Retry the export.');
    expect(await faulty.markdown('<p>ok</p>')).toBe('ok\n');
  });

  it('a worker that calls process.exit: WORKER_CRASHED, then the pool still serves', async () => {
    const err = await rejection(faulty.markdown('<!--quire:exit-->'));
    expect(err.code).toBe('WORKER_CRASHED');
    expect(err.message).toMatch(/^The export worker stopped unexpectedly \(worker exited with code: 1\)/);
    expect(await faulty.markdown('<p>ok again</p>')).toBe('ok again\n');
    const result = await faulty.exportHtml(input('# After the crash'));
    expect(result.headings).toEqual([{ level: 1, text: 'After the crash', id: 'after-the-crash' }]);
  });

  it('a reply outside the protocol is WORKER_CRASHED', async () => {
    expect((await rejection(faulty.markdown('<!--quire:garbage-->'))).code).toBe('WORKER_CRASHED');
  });

  it('a closed pool refuses work', async () => {
    const short = createPipelinePool({ maxThreads: 1 });
    await short.close();
    await short.close(); // twice is fine
    expect((await rejection(short.markdown('<p>x</p>'))).code).toBe('INTERNAL');
  });
});

describe('JavaScript workers', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => rmrf(dir));

  it('a .mjs worker starts with plain node and receives resourcesDir', async () => {
    const echo = track(createPipelinePool({ maxThreads: 1, workerFile: path.join(FIXTURES, 'echo-worker.mjs'), resourcesDir: '/r' }));
    expect(await echo.markdown('hi')).toBe('echo:hi:/r');
    expect((await rejection(echo.exportHtml(input('x')))).code).toBe('CONVERSION_FAILED');
  });

  it('the worker bundled into one worker.js runs both steps', async () => {
    // Bundle the way a build would (vite, all dependencies inlined), outside the source tree.
    const { build } = await import('vite');
    await build({
      configFile: false,
      logLevel: 'silent',
      root: ROOT,
      build: {
        ssr: path.join(ROOT, 'engine', 'pipeline', 'worker.ts'),
        outDir: dir,
        emptyOutDir: true,
        minify: false,
        rolldownOptions: { output: { format: 'es', entryFileNames: 'worker.js' } },
      },
      ssr: { noExternal: true },
    });
    const workerFile = path.join(dir, 'worker.js');
    expect(fs.existsSync(workerFile)).toBe(true);
    const bundled = track(createPipelinePool({ maxThreads: 1, workerFile, resourcesDir: path.join(ROOT, 'resources') }));
    const result = await bundled.exportHtml(input(fs.readFileSync(path.join(FIXTURES, 'gfm.md'), 'utf8')));
    expect(result).toEqual(generateExportHtml(input(fs.readFileSync(path.join(FIXTURES, 'gfm.md'), 'utf8'))));
    expect(await bundled.markdown(result.html)).toBe(htmlToMarkdown(result.html));
  });
});
