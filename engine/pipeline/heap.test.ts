import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { CORPUS } from '../../tests/helpers.ts';
import { scanAssetRefs } from './asset-refs.ts';
import { releaseGarbage } from './heap.ts';
import { renderMarkdown } from './markdown-render.ts';
import { rewriteImageRefs } from './markdown-output.ts';
import { titleFrom } from '../store/import-file.ts';

const MB = 1024 * 1024;
const used = () => v8.getHeapStatistics().used_heap_size;

/** This thread's live heap: collected first (releaseGarbage with no threshold always collects). */
function liveHeap(): number {
  expect(releaseGarbage(0)).toBe(true);
  return used();
}

/** The system-design-primer README (110 KB, CJK, no footnotes) `n` times over (~1 MB at 8), then one footnote. */
function bigDocument(n: number): string {
  const readme = fs.readFileSync(path.join(CORPUS, 'system-design-primer', 'README.md'), 'utf8');
  return Array.from({ length: n }, () => readme).join('\n\n') + '\n\nA note.[^n]\n\n[^n]: With a footnote, which marked-footnote remembers.\n';
}

describe('releaseGarbage', () => {
  it('does nothing below its threshold', () => {
    expect(releaseGarbage(Number.MAX_SAFE_INTEGER)).toBe(false);
  });

  it('collects the heap above it: dead strings are given back', () => {
    const before = liveHeap();
    let junk: string[] | null = Array.from({ length: 200_000 }, (_, i) => `garbage ${i} `.repeat(8));
    expect(used() - before).toBeGreaterThan(20 * MB);
    junk = null;
    expect(junk).toBeNull();
    expect(releaseGarbage(before + 10 * MB)).toBe(true);
    expect(used() - before).toBeLessThan(5 * MB);
  });

  it('leaves gc() off the global object of contexts made later', async () => {
    releaseGarbage(0);
    const vm = await import('node:vm');
    expect(vm.runInNewContext('typeof gc')).toBe('undefined');
  });
});

// marked's lexers stay reachable from their shared tokenizer until the next call (and
// marked-footnote keeps the last token list that had a footnote): a worker that has just
// converted a large document must not keep its tokens, or it holds them through the whole print.
describe('a converted document is not kept alive by marked', () => {
  const source = bigDocument(8);

  it('renderMarkdown', () => {
    // Once first: highlight.js compiles each language's grammar on first use and keeps it. Then
    // a small document, after which (fixed or not) only the small one's tokens can be held.
    renderMarkdown(source, { math: true, highlight: true, diagrams: true });
    renderMarkdown('# small[^w]\n\n[^w]: w\n', { math: true, highlight: true, diagrams: true });
    const before = liveHeap();
    // Only its length is kept: what stays alive after this is what the renderer holds on to.
    const length = renderMarkdown(source, { math: true, highlight: true, diagrams: true }).html.length;
    expect(length).toBeGreaterThan(source.length);
    expect(liveHeap() - before).toBeLessThan(2 * MB);
  });

  it('scanAssetRefs', () => {
    scanAssetRefs('![a](a.png)', 'md');
    const before = liveHeap();
    const refs = scanAssetRefs(source, 'md');
    expect(refs.length).toBeGreaterThan(10);
    expect(liveHeap() - before).toBeLessThan(2 * MB);
  });

  it('rewriteImageRefs', () => {
    rewriteImageRefs('![a](a.png)', new Map([['a.png', 'b.png']]));
    const before = liveHeap();
    const rewritten = rewriteImageRefs(source, new Map([['images/jj3A5N8.png', 'assets/jj3A5N8.png']])).text.includes('](assets/jj3A5N8.png)');
    expect(rewritten).toBe(true);
    expect(liveHeap() - before).toBeLessThan(2 * MB);
  });

  it('titleFrom (an import, on the main thread: the whole text is lexed when it does not open with a heading)', () => {
    titleFrom('text\n\n# T\n', 'md', 'x');
    const before = liveHeap();
    expect(titleFrom(source, 'md', 'fallback')).toBe('The System Design Primer');
    expect(liveHeap() - before).toBeLessThan(2 * MB);
  });
});
