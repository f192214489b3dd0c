// The worker entry called in-process: it must reply, never throw, whatever the task.
import { describe, expect, it } from 'vitest';
import run from './worker.ts';
import type { WorkerTask } from './types.ts';

describe('worker run()', () => {
  it('replies ok with the step result', async () => {
    expect(await run({ kind: 'markdown', html: '<h1>Hi</h1>' })).toEqual({ ok: true, value: '# Hi\n' });
    const reply = await run({ kind: 'exportHtml', input: { title: 'T', source: '## A', format: 'md', baseDir: null, meta: {} } });
    expect(reply.ok && typeof reply.value === 'object' && 'headings' in reply.value && reply.value.headings).toEqual([{ level: 2, text: 'A', id: 'a' }]);
  });

  it('replies with the error code instead of throwing', async () => {
    const badFormat = await run({ kind: 'exportHtml', input: { title: '', source: 'x', format: 'doc', baseDir: null, meta: {} } } as never);
    expect(badFormat).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await run({ kind: 'markdown', html: 42 } as never)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await run({ kind: 'resize' } as unknown as WorkerTask)).toEqual({
      ok: false,
      error: { code: 'INVALID_INPUT', message: 'Unknown pipeline task "resize".' },
    });
    expect(await run(undefined as never)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await run({ kind: 'pdfMetadata', pdf: 'x', meta: { title: 't' } } as never)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await run({ kind: 'pdfMetadata', pdf: new Uint8Array(8), meta: { title: 't' } })).toMatchObject({ ok: false, error: { code: 'CONVERSION_FAILED' } });
  });

  it('the reply can cross a thread boundary (structured clone)', async () => {
    const reply = await run({ kind: 'exportHtml', input: { title: '', source: '# x', format: 'md', baseDir: null, meta: {} } });
    expect(structuredClone(reply)).toEqual(reply);
  });
});
