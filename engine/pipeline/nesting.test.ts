import { describe, expect, it } from 'vitest';
import { MAX_MARKDOWN_NESTING, deepestNesting, describeNesting } from './nesting.ts';
import { renderMarkdown } from './markdown-render.ts';
import { scanAssetRefs } from './asset-refs.ts';

const OPTS = { math: true, highlight: true, diagrams: true };

describe('deepestNesting', () => {
  it('counts ">" and list markers chained at a line start, and names the line', () => {
    expect(deepestNesting('# t\n\n>>> x\n', 2)).toEqual({ kind: 'block quotes', depth: 3, line: 3 });
    expect(deepestNesting('* * 1. x\n', 2)).toEqual({ kind: 'lists', depth: 3, line: 1 });
    expect(deepestNesting('> - > x\n', 2)).toEqual({ kind: 'block quotes and lists', depth: 3, line: 1 });
    expect(deepestNesting('>>> x\n', 3)).toBeUndefined();
  });

  it('counts lists nested by indentation, and a new paragraph at the left edge ends them', () => {
    const nested = Array.from({ length: 5 }, (_, i) => `${'  '.repeat(i)}* item ${i}`).join('\n');
    expect(deepestNesting(nested, 4)).toEqual({ kind: 'lists', depth: 5, line: 5 });
    const siblings = Array.from({ length: 50 }, (_, i) => `* item ${i}`).join('\n');
    expect(deepestNesting(siblings, 1)).toBeUndefined();
    const twoLists = `${nested.split('\n').slice(0, 3).join('\n')}\n\nText.\n\n${nested.split('\n').slice(0, 3).join('\n')}`;
    expect(deepestNesting(twoLists, 3)).toBeUndefined();
  });

  it('does not count fenced code, thematic breaks or indented code', () => {
    expect(deepestNesting('```\n>>>>>>>>>>\n```\n', 2)).toBeUndefined();
    expect(deepestNesting(`${'* '.repeat(300)}\n`, 2)).toBeUndefined(); // a thematic break
    expect(deepestNesting(`Para\n\n    >>>>>>>>>>\n`, 2)).toBeUndefined();
  });

  it('is linear: 10,000 ">" and 20,000 "* " are measured in milliseconds', () => {
    const t = performance.now();
    expect(deepestNesting(`${'>'.repeat(10_000)} bottom\n`)).toEqual({ kind: 'block quotes', depth: 10_000, line: 1 });
    expect(deepestNesting(`# Deep list\n\n${'* '.repeat(20_000)}bottom\n`)).toEqual({ kind: 'lists', depth: 20_000, line: 3 });
    expect(performance.now() - t).toBeLessThan(500);
  });

  it('describes what nests, how deep and where', () => {
    expect(describeNesting({ kind: 'block quotes', depth: 10_000, line: 1 })).toBe('block quotes nested 10,000 deep at line 1');
  });
});

describe('renderMarkdown and scanAssetRefs with deep nesting', () => {
  it('refuses 10,000 ">" with DOCUMENT_TOO_DEEP naming them, instead of marked overflowing its stack', () => {
    expect(() => renderMarkdown(`${'>'.repeat(10_000)} bottom\n`, OPTS)).toThrow(
      expect.objectContaining({ code: 'DOCUMENT_TOO_DEEP', message: expect.stringMatching(/^The document has block quotes nested 10,000 deep at line 1; Quire converts block quotes and lists nested up to 200 levels\./) }),
    );
  });

  it('refuses 20,000 "* " (which crashed V8\'s regexp compiler) the same way', () => {
    expect(() => renderMarkdown(`${'* '.repeat(20_000)}bottom\n`, OPTS)).toThrow(expect.objectContaining({ code: 'DOCUMENT_TOO_DEEP', message: expect.stringContaining('lists nested 20,000 deep at line 1') }));
  });

  it('still converts nesting up to the limit', () => {
    const html = renderMarkdown(`${'>'.repeat(MAX_MARKDOWN_NESTING)} bottom\n`, OPTS).html;
    expect(html.match(/<blockquote>/g)).toHaveLength(MAX_MARKDOWN_NESTING);
  });

  it('the import scan does not crash on it (the export refuses it by name)', () => {
    expect(scanAssetRefs(`![a](a.png)\n\n${'>'.repeat(10_000)} bottom\n`, 'md')).toEqual([]);
    expect(scanAssetRefs('![a](a.png)\n', 'md')).toEqual(['a.png']);
  });
});
