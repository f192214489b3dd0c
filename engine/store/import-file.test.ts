import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS } from '../../tests/helpers.ts';
import { titleFrom } from './import-file.ts';

describe('titleFrom (Markdown)', () => {
  it.each([
    ['# Hello\n\ntext', 'Hello'],
    ['# *Emph* `code` #\n', 'Emph code'],
    ['Setext Title\n===\n\ntext', 'Setext Title'],
    // A comment in a code block is not a heading.
    ['```sh\n# install deps\nnpm i\n```\n\n# Real title\n', 'Real title'],
    ['~~~\n# not this\n~~~\n# This\n', 'This'],
    ['<!-- notes\n# not this either\n-->\n# That\n', 'That'],
    ['```rust\n# fn main() {\n```\n## Sub\n', ''],
    // A chapter that opens with a lower-level heading is named by it.
    ['## What Is Ownership?\n\ntext\n', 'What Is Ownership?'],
    ['intro\n\n## Not a title\n', ''],
  ])('%j → %j', (source, title) => {
    expect(titleFrom(source, 'md', '')).toBe(title);
  });

  it('falls back to the name it is given', () => {
    expect(titleFrom('just text', 'md', 'notes')).toBe('notes');
  });

  it('names every chapter of the Rust book by its opening heading', () => {
    const dir = path.join(CORPUS, 'rust-book');
    const chapters = fs.readdirSync(dir).filter((f) => f.endsWith('.md'));
    expect(chapters.length).toBeGreaterThan(50);
    for (const f of chapters) {
      const source = fs.readFileSync(path.join(dir, f), 'utf8');
      const opening = /^#{1,6}\s+(.+?)\s*$/m.exec(source)?.[1];
      if (!opening || !source.trimStart().startsWith('#')) continue;
      expect(titleFrom(source, 'md', f), f).toBe(opening.replace(/[*_`]/g, '').trim());
    }
  });
});

describe('titleFrom (Markdown with front matter)', () => {
  it("the front matter's title; its lines are never read as a heading", () => {
    expect(titleFrom('---\ntitle: From YAML\nauthor: Ada\n---\n# Heading\n', 'md', 'f')).toBe('From YAML');
    // Without a title key, the first heading of the body, not "author: Ada" over the closing fence.
    expect(titleFrom('---\nauthor: Ada\n---\n# Heading\n', 'md', 'f')).toBe('Heading');
    expect(titleFrom('---\nauthor: Ada\n---\nno heading', 'md', 'file')).toBe('file');
  });
});

describe('titleFrom (HTML)', () => {
  it('takes <title>, else the first <h1>, else the fallback', () => {
    expect(titleFrom('<title>Page</title><h1>Head</h1>', 'html', 'f')).toBe('Page');
    expect(titleFrom('<h1>Head <b>line</b></h1>', 'html', 'f')).toBe('Head line');
    expect(titleFrom('<p>x</p>', 'html', 'f')).toBe('f');
  });
});
