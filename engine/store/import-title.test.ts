/**
 * A Markdown document's title (import-file.ts) reads only its first block when that settles it;
 * it must always be what lexing the whole text says. Checked against the whole-text reading on
 * the corpus and on the cases where the first block does not settle it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { CORPUS } from '../../tests/helpers.ts';
import { parseFrontMatter } from '../api/front-matter.ts';
import { showsNothing, titleFrom } from './import-file.ts';

const marked = new Marked({ gfm: true, breaks: false, pedantic: false });

/** The title as read from the whole text (what import-file.ts did before its shortcut). */
function wholeTextTitle(source: string): string {
  const clean = (t: string) => t.replace(/[*_`]/g, '').replace(/\s+/g, ' ').trim();
  const fm = parseFrontMatter(source);
  let opening = '';
  let first = true;
  for (const token of marked.lexer(fm.body)) {
    if (token.type === 'space' || ((token.type === 'html' || token.type === 'paragraph') && showsNothing(token.raw))) continue;
    if (token.type === 'heading') {
      const text = clean(token.text);
      if (token.depth === 1 && text) return text;
      if (first) opening = text;
    }
    first = false;
  }
  return opening;
}

const walk = (d: string): string[] =>
  fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : /\.(md|markdown)$/i.test(e.name) ? [path.join(d, e.name)] : []));

describe('Markdown title', () => {
  it('is the whole text’s reading for every corpus file without a front-matter title', () => {
    const files = walk(CORPUS);
    expect(files.length).toBeGreaterThan(50);
    for (const f of files) {
      const source = fs.readFileSync(f, 'utf8');
      if (parseFrontMatter(source).data?.title) continue;
      expect(titleFrom(source, 'md', ''), f).toBe(wholeTextTitle(source));
    }
  });

  it.each([
    ['an opening level-2 heading, a level-1 one later', '## Opening\n\nText\n\n# Real title\n', 'Real title'],
    ['an opening heading, "# " only in code', '## Opening\n\n```sh\n# a comment\n```\n', 'Opening'],
    ['a setext level-1 heading after the opening one', '## A\n\nText\n===\n', 'Text'],
    ['an opening heading of two lines (setext)', 'Two\nlines\n---\n\nbody\n', 'Two lines'],
    ['CRLF line ends', '## A\r\n\r\nB\r\n=\r\n', 'B'],
    ['a comment first', '<!-- note -->\n\n## After the comment\n', 'After the comment'],
    ['a comment with a blank line inside', '<!--\n\n# not a title\n\n-->\n## Real\n', 'Real'],
    ['a list first', '- # in a list\n\n## Later\n', ''],
    // mdBook's kept anchors (17 of the Rust book's chapters open so).
    ['a comment and an empty anchor first', '<!-- Old headings. -->\n\n<a id="old-name"></a>\n\n## Traits\n\n```rust\n# hidden\n```\n', 'Traits'],
    ['an empty anchor by name, then the heading', "<a name='x'></a>\n## Named\n", 'Named'],
    ['an anchor with text is shown: not an opening heading', '<a id="x">see</a>\n\n## Later\n\n```sh\n# c\n```\n', ''],
    ['a div first', '<div></div>\n\n## Later\n\n```sh\n# c\n```\n', ''],
    ['blank lines before the heading', '\n\n   ## Indented three\n\nbody\n', 'Indented three'],
    ['an empty level-1 heading first', '#\n\n## Then\n', ''],
  ])('%s', (_name, source, expected) => {
    expect(wholeTextTitle(source)).toBe(expected);
    expect(titleFrom(source, 'md', '')).toBe(expected);
  });
});
