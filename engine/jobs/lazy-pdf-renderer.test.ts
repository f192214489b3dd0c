/** LazyPdfRenderer: the real renderer is made at its first use, once, and closed only if made. */
import { describe, expect, it } from 'vitest';
import type { PdfRenderer } from '../pdf/pdf-renderer.ts';
import { LazyPdfRenderer } from './lazy-pdf-renderer.ts';

function recorder() {
  const calls: string[] = [];
  const renderer: PdfRenderer = {
    render: async (r) => {
      calls.push(`render ${r.title}`);
      return { pdf: new Uint8Array([37, 80, 68, 70]), pages: 1 };
    },
    renderDiagrams: async (r) => {
      calls.push(`diagrams ${r.sources.length}`);
      return r.sources.map(() => ({ ok: true as const, svg: '<svg/>' }));
    },
    close: async () => void calls.push('close'),
  };
  return { calls, renderer };
}

describe('LazyPdfRenderer', () => {
  it('loads nothing until a job prints, then loads once', async () => {
    const { calls, renderer } = recorder();
    let loads = 0;
    const lazy = new LazyPdfRenderer(async () => {
      loads++;
      return renderer;
    });
    expect(lazy.loaded).toBe(false);
    expect(loads).toBe(0);
    const [a, b] = await Promise.all([
      lazy.render({ html: '<p>a</p>', title: 'A', options: {} as never }),
      lazy.renderDiagrams({ sources: ['graph TD; a-->b'], idPrefix: 'x' }),
    ]);
    expect(a.pages).toBe(1);
    expect(b).toEqual([{ ok: true, svg: '<svg/>' }]);
    expect(loads).toBe(1);
    await lazy.close();
    expect(calls).toEqual(['render A', 'diagrams 1', 'close']);
  });

  it('warmUp loads it and warms the real one up, without waiting', async () => {
    const { calls, renderer } = recorder();
    renderer.warmUp = () => void calls.push('warmUp');
    const lazy = new LazyPdfRenderer(async () => renderer);
    lazy.warmUp();
    expect(lazy.loaded).toBe(true);
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toEqual(['warmUp']);
  });

  it('closing an unused one loads nothing', async () => {
    let loads = 0;
    const lazy = new LazyPdfRenderer(async () => {
      loads++;
      return recorder().renderer;
    });
    await lazy.close();
    expect(loads).toBe(0);
  });

  it('a failed load fails that job and is tried again by the next', async () => {
    const { renderer } = recorder();
    let loads = 0;
    const lazy = new LazyPdfRenderer(async () => {
      if (++loads === 1) throw new Error('playwright-core is missing');
      return renderer;
    });
    await expect(lazy.render({ html: '', title: 'A', options: {} as never })).rejects.toThrow('playwright-core is missing');
    await expect(lazy.render({ html: '', title: 'B', options: {} as never })).resolves.toMatchObject({ pages: 1 });
    expect(loads).toBe(2);
  });
});
