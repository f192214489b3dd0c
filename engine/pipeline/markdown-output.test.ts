import { describe, expect, it } from 'vitest';
import { parseFrontMatter } from '../api/front-matter.ts';
import { markdownDestination, markdownExport, rewriteImageRefs } from './markdown-output.ts';

const refs = (pairs: Array<[string, string]>) => new Map(pairs);
const CHART = refs([['img/chart.png', 'notes.assets/chart.png']]);

describe('markdownExport: front matter', () => {
  it('writes the resolved title and metadata over the author’s keys, keeping unknown keys, order and comments', () => {
    const source = [
      '---',
      'title: Draft # working title',
      'aliases: [n1, n2]',
      'permalink: /notes/',
      'author: Someone',
      'custom:',
      '  nested: true',
      '---',
      '# Body',
      '',
    ].join('\n');
    const { markdown, warnings } = markdownExport({
      source,
      title: 'Final',
      metadata: { author: 'Ada Lovelace', date: '2026-11-28', subtitle: 'A note', subject: 'Engines', keywords: ['a', 'b c'], lang: 'en-GB' },
      imageRefs: new Map(),
    });
    expect(warnings).toEqual([]);
    expect(markdown).toBe(
      [
        '---',
        'title: Final # working title',
        'aliases: [n1, n2]',
        'permalink: /notes/',
        'author: Ada Lovelace',
        'custom:',
        '  nested: true',
        'subtitle: A note',
        'date: 2026-11-28',
        'subject: Engines',
        'keywords: [a, b c]',
        'lang: en-GB',
        '---',
        '# Body',
        '',
      ].join('\n'),
    );
    // What Quire reads back is what the job resolved.
    const back = parseFrontMatter(markdown);
    expect(back.error).toBeNull();
    expect(back.data).toMatchObject({ title: 'Final', author: 'Ada Lovelace', date: '2026-11-28', keywords: ['a', 'b c'], lang: 'en-GB' });
    expect(back.body).toBe('# Body\n');
  });

  it('keeps the author’s spelling when it already says the resolved value, and writes under the alias the author used', () => {
    const source = '---\ntitle: T\nauthors:\n  - name: Ada\n  - Grace\ntags: [x, y]\ndescription: old\n---\nText\n';
    const { markdown } = markdownExport({
      source,
      title: 'T',
      metadata: { author: 'Ada, Grace', keywords: ['x', 'y'], subject: 'new' },
      imageRefs: new Map(),
    });
    expect(markdown).toBe('---\ntitle: T\nauthors:\n  - name: Ada\n  - Grace\ntags: [x, y]\ndescription: new\n---\nText\n');
  });

  it('adds a front matter to a document without one, and keeps the body byte for byte', () => {
    const body = '# Hello\n\nSome *text*  \nwith a hard break.\n';
    expect(markdownExport({ source: body, title: 'Hello', metadata: { date: '2026' }, imageRefs: new Map() }).markdown).toBe(
      `---\ntitle: Hello\ndate: "2026"\n---\n${body}`,
    );
  });

  it('quotes values YAML would read as something else', () => {
    const { markdown } = markdownExport({ source: 'x\n', title: 'Yes: no # maybe', metadata: { subject: 'true' }, imageRefs: new Map() });
    expect(parseFrontMatter(markdown).data).toEqual({ title: 'Yes: no # maybe', subject: 'true' });
  });

  it('keeps front matter that does not parse as written (the job already warned about it)', () => {
    const source = '---\ntitle: [unclosed\n---\n# Body\n';
    expect(markdownExport({ source, title: 'X', metadata: { author: 'Ada' }, imageRefs: new Map() }).markdown).toBe(source);
  });

  it('keeps CRLF line ends', () => {
    const source = '---\r\ntitle: A\r\n---\r\n![c](img/chart.png)\r\n';
    expect(markdownExport({ source, title: 'A', metadata: {}, imageRefs: CHART }).markdown).toBe('---\r\ntitle: A\r\n---\r\n![c](notes.assets/chart.png)\r\n');
  });
});

describe('markdownExport: images', () => {
  it('rewrites inline images, reference definitions used by images and <img src> in raw HTML', () => {
    const body = [
      '![a](img/chart.png) ![b](./img/chart.png "Title") ![c](<img/chart.png> \'t\') ![d](img/chart.png?v=2#x)',
      '',
      '**![e](img/chart.png)** [![f](img/chart.png)](https://example.com)',
      '',
      '![g][ch] ![ch]',
      '',
      '<p align="center"><img src="img/chart.png" width="50"></p>',
      '',
      'Inline <img alt=x src=img/chart.png> html.',
      '',
      '[ch]: img/chart.png "The chart"',
      '',
    ].join('\n');
    const { text, missed } = rewriteImageRefs(body, CHART);
    expect(missed).toEqual([]);
    expect(text).toBe(
      [
        '![a](notes.assets/chart.png) ![b](notes.assets/chart.png "Title") ![c](notes.assets/chart.png \'t\') ![d](notes.assets/chart.png)',
        '',
        '**![e](notes.assets/chart.png)** [![f](notes.assets/chart.png)](https://example.com)',
        '',
        '![g][ch] ![ch]',
        '',
        '<p align="center"><img src="notes.assets/chart.png" width="50"></p>',
        '',
        'Inline <img alt=x src=notes.assets/chart.png> html.',
        '',
        '[ch]: notes.assets/chart.png "The chart"',
        '',
      ].join('\n'),
    );
  });

  it('never touches code: fenced, indented, code spans and a code span before the same image', () => {
    const body = [
      '`![x](img/chart.png)` then ![x](img/chart.png)',
      '',
      '```md',
      '![x](img/chart.png)',
      '<img src="img/chart.png">',
      '[ch]: img/chart.png',
      '```',
      '',
      '    ![x](img/chart.png)',
      '',
      '~~~',
      '![x](img/chart.png)',
      '~~~',
      '',
    ].join('\n');
    const { text } = rewriteImageRefs(body, CHART);
    expect(text).toBe(body.replace('then ![x](img/chart.png)', 'then ![x](notes.assets/chart.png)'));
  });

  it('leaves links to the file, other images and remote images alone', () => {
    const body = '[the chart](img/chart.png) ![o](img/other.png) ![w](https://example.com/img/chart.png)\n\n[link]: img/chart.png\n\n[see][link]\n';
    expect(rewriteImageRefs(body, CHART).text).toBe(body);
  });

  it('rewrites inside block quotes, lists, callouts, tables and footnotes', () => {
    const body = [
      '> [!NOTE]',
      '> A callout ![q](img/chart.png)',
      '',
      '- one',
      '  - nested ![l](img/chart.png)',
      '',
      '| a | b |',
      '|---|---|',
      '| ![t](img/chart.png) | x |',
      '',
      'Text[^1].',
      '',
      '[^1]: A note ![f](img/chart.png)',
      '',
    ].join('\n');
    const { text, missed } = rewriteImageRefs(body, CHART);
    expect(missed).toEqual([]);
    expect(text).toBe(body.replaceAll('(img/chart.png)', '(notes.assets/chart.png)'));
  });

  it('keeps math, Mermaid, footnotes, callouts, definition lists and highlights verbatim', () => {
    const body = [
      'Euler: $e^{i\\pi} + 1 = 0$ and \\(a_1\\).',
      '',
      '$$',
      '\\int_0^1 x^2 \\, dx',
      '$$',
      '',
      '```mermaid',
      'graph TD; A-->B;',
      '```',
      '',
      '> [!WARNING]',
      '> Careful[^w].',
      '',
      'Term',
      ': Definition with ==highlight==',
      '',
      '[^w]: The footnote.',
      '',
    ].join('\n');
    const { markdown } = markdownExport({ source: body, title: 'M', metadata: {}, imageRefs: CHART });
    expect(markdown).toBe(`---\ntitle: M\n---\n${body}`);
  });

  it('escapes what would end a destination', () => {
    expect(markdownDestination('a.assets/my chart (1).png')).toBe('a.assets/my%20chart%20%281%29.png');
    const { text } = rewriteImageRefs('![a](<img/my chart.png>) <img src="img/my chart.png">\n', refs([['img/my chart.png', 'n.assets/my chart & co.png']]));
    expect(text).toBe('![a](n.assets/my%20chart%20&%20co.png) <img src="n.assets/my%20chart%20&amp;%20co.png">\n');
  });

  it('names an image it found but could not place (it keeps its reference)', () => {
    // Across two quoted lines the image's raw text is not contiguous in the source.
    const body = '> ![a\n> b](img/chart.png)\n';
    const out = markdownExport({ source: body, title: '', metadata: {}, imageRefs: CHART });
    expect(out.markdown).toBe(body);
    expect(out.warnings).toEqual([expect.stringContaining('image img/chart.png')]);
  });
});
