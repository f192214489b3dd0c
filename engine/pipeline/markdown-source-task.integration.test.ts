/**
 * The main-thread work moved into the worker pool (issue #10: nothing on the main thread
 * blocks): a Markdown source's own export and the scan of a document's image refs give, from a
 * real Piscina worker, exactly what the same functions give in this thread.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS } from '../../tests/helpers.ts';
import { scanAssetRefs } from './asset-refs.ts';
import { markdownExport, type MarkdownExportInput } from './markdown-output.ts';
import { createPipelinePool, type PipelinePool } from './pool.ts';

let pool: PipelinePool;
beforeAll(() => {
  pool = createPipelinePool({ maxThreads: 1 });
});
afterAll(async () => {
  await pool.close();
});

const BOOK = path.join(CORPUS, 'rust-book');
const withImages = fs.readdirSync(BOOK).filter((f) => /^ch.*\.md$/.test(f) && /<img|!\[/.test(fs.readFileSync(path.join(BOOK, f), 'utf8')));

describe('markdownSource task', () => {
  it('is byte-identical to markdownExport here, images rewritten, for the book chapters with images', async () => {
    expect(withImages.length).toBeGreaterThan(3);
    for (const file of withImages.slice(0, 6)) {
      const source = fs.readFileSync(path.join(BOOK, file), 'utf8');
      const refs = scanAssetRefs(source, 'md');
      expect(refs.length, file).toBeGreaterThan(0);
      const input: MarkdownExportInput = {
        source,
        title: `Title of ${file}`,
        metadata: { author: 'Ada, Grace', keywords: ['rust', 'book'], lang: 'en' },
        imageRefs: new Map(refs.map((r) => [r, `${file}.assets/${path.basename(r)}`])),
      };
      const here = markdownExport(input);
      const there = await pool.markdownSource(input);
      expect(there, file).toEqual(here);
      // The map was applied (else the comparison above proves little).
      expect(there.markdown).toContain(`${file}.assets/`);
    }
  });

  it('keeps CRLF line ends, a BOM-less front matter and its warnings as markdownExport does', async () => {
    const input: MarkdownExportInput = {
      source: '---\r\ntitle: Old\r\ntags: [a]\r\n---\r\n# Hi\r\n\r\n![c](chart.png) and `![not](code.png)`\r\n',
      title: 'New',
      metadata: { date: '2026' },
      imageRefs: new Map([['chart.png', 'x.assets/chart.png']]),
    };
    const there = await pool.markdownSource(input);
    expect(there).toEqual(markdownExport(input));
    expect(there.markdown).toContain('![c](x.assets/chart.png)');
    expect(there.markdown).toContain('`![not](code.png)`');
  });
});

describe('scanAssetRefs task', () => {
  it('finds the same refs in a worker as here, for every book chapter', async () => {
    for (const file of fs.readdirSync(BOOK).filter((f) => /^ch.*\.md$/.test(f)).slice(0, 40)) {
      const source = fs.readFileSync(path.join(BOOK, file), 'utf8');
      expect(await pool.scanAssetRefs(source, 'md'), file).toEqual(scanAssetRefs(source, 'md'));
    }
  });

  it('reads images only where marked sees them; a document with neither "![" nor "<img" has none', () => {
    expect(scanAssetRefs('# No images\n\nJust [a link](a.png) and text.\n', 'md')).toEqual([]);
    expect(scanAssetRefs('![a](./a.png)\n\n<IMG SRC="b.svg">\n\n```\n![c](c.png)\n```\n', 'md')).toEqual(['a.png', 'b.svg']);
  });
});
