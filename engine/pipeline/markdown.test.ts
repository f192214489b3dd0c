import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateExportHtml } from './export-html.ts';
import { documentBody, htmlToMarkdown } from './markdown.ts';
import { FIXTURES } from './test-support.ts';

function exportFixture(name: string, title = '') {
  const source = fs.readFileSync(path.join(FIXTURES, name), 'utf8');
  return generateExportHtml({ title, source, format: name.endsWith('.md') ? 'md' : 'html', baseDir: FIXTURES, meta: { author: 'Ada' } });
}

describe('htmlToMarkdown', () => {
  it('round-trips the GFM fixture: headings, tables, task lists, code fences, strikethrough, links', () => {
    const md = htmlToMarkdown(exportFixture('gfm.md', 'Fixture title').html);
    const lines = md.split('\n');
    expect(lines[0]).toBe('# Quire fixture: GFM'); // body only: no title block, no CSS
    expect(md).not.toContain('Fixture title');
    expect(md).not.toContain('Ada');
    expect(md).not.toContain('quire-');
    expect(lines).toContain('## Tables & alignment');
    expect(lines).toContain('### Tables & alignment');
    expect(lines).toContain('## Setext heading');
    expect(lines).toContain('| Left | Centre | Right |');
    expect(lines).toContain('| :--- | :---: | ---: |');
    expect(lines).toContain('| a | b | c |');
    expect(lines).toContain('| `x\\|y` | **bold** | 3.14 |');
    expect(lines).toContain('- [x] done');
    expect(lines).toContain('- [ ] not yet');
    expect(md).toContain('```rust\nfn main() {\n    println!("Hello, {}!", "world");\n}\n```');
    expect(md).toContain('```\nindented code <kept> & escaped\n```');
    expect(md).toContain('~~struck~~');
    expect(md).toContain('[link](https://example.com "Example")');
    expect(md).toContain('[local anchor](#tables--alignment)');
    expect(md).toContain('> A quote with a [link](mailto:someone@example.com).');
    expect(lines).toContain('1. one');
    expect(md.endsWith('\n')).toBe(true);
  });

  it('converting the Markdown again gives the same headings', () => {
    const first = exportFixture('gfm.md');
    const again = generateExportHtml({ title: '', source: htmlToMarkdown(first.html), format: 'md', baseDir: FIXTURES, meta: {} });
    expect(again.headings).toEqual(first.headings);
  });

  it('writes images as their original short paths, never base64', () => {
    const result = exportFixture('images.md');
    expect(result.html).toContain('data:image/png;base64,');
    const md = htmlToMarkdown(result.html);
    expect(md).not.toContain('base64');
    expect(md).toContain('![a dot](img/dot.png "The dot")');
    expect(md).toContain('![same dot](../fixtures/img/dot.png)');
    expect(md).toContain('![raw html dot](img/dot.png)');
    // Placeholders go back to the reference the author wrote.
    expect(md).toContain('![lost figure](img/missing.png)');
    expect(md).toContain('![remote logo](https://example.com/logo.png)');
  });

  it('does not pad table cells, and leaves code blocks that look like tables alone', () => {
    const md = htmlToMarkdown('<table><tr><th>k</th><th></th></tr><tr><td>1</td><td>x  y</td></tr></table><pre><code>| a  |\n</code></pre>');
    expect(md).toBe('| k | |\n| --- | --- |\n| 1 | x y |\n\n```\n| a  |\n```\n');
  });

  it('picks a fence longer than any fence inside the code', () => {
    const md = htmlToMarkdown('<pre><code class="language-md">```js\nx\n```\n</code></pre>');
    expect(md).toBe('````md\n```js\nx\n```\n````\n');
  });

  it('keeps a table that Markdown cannot express as HTML, without the plugin wrapper', () => {
    const md = htmlToMarkdown('<table><tr><th>h</th></tr><tr><td><ul><li>a</li></ul></td></tr></table>');
    expect(md).toContain('<table>');
    expect(md).not.toContain('joplin');
  });

  it('handles a bare fragment, an empty input and a page without main', () => {
    expect(htmlToMarkdown('<h2>Hi</h2><p>there</p>')).toBe('## Hi\n\nthere\n');
    expect(htmlToMarkdown('')).toBe('');
    expect(htmlToMarkdown('<html><head><title>T</title><style>p{}</style></head><body><p>only body</p></body></html>')).toBe('only body\n');
  });

  it('documentBody prefers the export content, then <body>', () => {
    expect(documentBody('<body><header>h</header><main class="quire-content"><main>x</main>y</main></body>')).toBe('<main>x</main>y');
    expect(documentBody('<html><body class=a>b</body></html>')).toBe('b');
    expect(documentBody('plain')).toBe('plain');
  });
});
