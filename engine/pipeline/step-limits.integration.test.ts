// Real Piscina threads: a task past its time limit is stopped (its thread ended) with
// STEP_TIMEOUT naming the step and the likely cause, and the pool serves the next task.
// The limit counts from when a task is handed to the pool, so it includes starting the
// replacement thread (about a second under tsx): the limits here leave room for that.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { QuireError } from '../api/errors.ts';
import { generateExportHtml } from './export-html.ts';
import { createPipelinePool, type PipelinePool } from './pool.ts';
import { FIXTURES, wideTableMarkdown } from './test-support.ts';

const pools: PipelinePool[] = [];
afterAll(() => Promise.all(pools.map((p) => p.close())));

async function timing(p: Promise<unknown>): Promise<{ error: QuireError; ms: number }> {
  const started = Date.now();
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(QuireError);
    return { error: e as QuireError, ms: Date.now() - started };
  }
  throw new Error('expected a rejection');
}

describe('worker step time limit', () => {
  it('stops the Markdown conversion of a 5,000-column table at its limit, then converts the next document', async () => {
    const pool = createPipelinePool({ maxThreads: 1, stepTimeLimitMs: 6_000 });
    pools.push(pool);
    const { html } = generateExportHtml({ title: 'Wide', source: wideTableMarkdown(5000), format: 'md', baseDir: FIXTURES, meta: {} });
    const { error, ms } = await timing(pool.markdown(html));
    expect(error.code).toBe('STEP_TIMEOUT');
    expect(error.details).toEqual({ step: 'Markdown', seconds: 6 });
    expect(error.message).toMatch(/^The Markdown step took longer than 6 s and was stopped\. The document has a table with 5,000 columns/);
    expect(ms).toBeLessThan(10_000);
    expect(await pool.markdown('<h1>Next</h1>')).toBe('# Next\n');
  });

  it('stops a task that never finishes with the generic cause; a cancel is still JOB_CANCELLED', async () => {
    const pool = createPipelinePool({ maxThreads: 1, stepTimeLimitMs: 4_000, workerFile: path.join(FIXTURES, 'faulty-worker.ts') });
    pools.push(pool);
    const { error } = await timing(pool.markdown('<!--quire:hang-->'));
    expect(error.code).toBe('STEP_TIMEOUT');
    expect(error.message).toMatch(/too large or too complex for the Markdown converter/);
    const controller = new AbortController();
    const hanging = pool.markdown('<!--quire:hang-->', controller.signal);
    setTimeout(() => controller.abort(), 100);
    expect((await timing(hanging)).error.code).toBe('JOB_CANCELLED');
    expect(await pool.markdown('<p>ok</p>')).toBe('ok\n');
  });
});
