// Every document of the shared corpus (real Markdown written by others) through both steps.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS, corpusMarkdownFiles } from '../../tests/helpers.ts';
import { generateExportHtml } from './export-html.ts';
import { htmlToMarkdown } from './markdown.ts';
import { countMarkdownHeadings } from './test-support.ts';
import type { ExportHtmlResult } from './types.ts';

const PRIMER = path.join(CORPUS, 'system-design-primer');
const RUST = path.join(CORPUS, 'rust-book');

const corpusFiles = corpusMarkdownFiles;

function exportFile(file: string): ExportHtmlResult {
  const source = fs.readFileSync(file, 'utf8');
  return generateExportHtml({ title: '', source, format: 'md', baseDir: path.dirname(file), meta: {} });
}

const files = corpusFiles();

describe('the whole corpus', () => {
  it('has the documents the README promises', () => {
    expect(files.filter((f) => f.startsWith(RUST)).length).toBeGreaterThanOrEqual(100);
    expect(files).toContain(path.join(CORPUS, 'commonmark-spec', 'spec.md'));
    expect(files).toContain(path.join(PRIMER, 'README-ja.md'));
  });

  it('converts every .md file to a standalone HTML with all its headings, and back to Markdown', () => {
    for (const file of files) {
      const name = path.relative(CORPUS, file);
      const source = fs.readFileSync(file, 'utf8');
      const result = exportFile(file);
      expect(result.html.startsWith('<!doctype html>'), name).toBe(true);
      expect(result.html.endsWith('</html>\n'), name).toBe(true);
      expect(result.html, name).not.toMatch(/<script/i);
      expect(result.headings.length, name).toBe(countMarkdownHeadings(source));
      expect(new Set(result.headings.map((h) => h.id)).size, `${name}: unique ids`).toBe(result.headings.length);
      const md = htmlToMarkdown(result.html);
      expect(md.length, name).toBeGreaterThan(0);
      expect(md, name).not.toContain('base64,');
    }
  });
});

describe('system-design-primer', () => {
  const readme = path.join(PRIMER, 'README.md');
  const result = exportFile(readme);

  it('embeds all 36 local images as data: URIs of the right type and size', () => {
    const imgs = [...result.html.matchAll(/<img src="data:(image\/[a-z+]+);base64,([^"]*)" data-src="(images\/[^"]+)"/g)];
    const unique = new Map(imgs.map((m) => [m[3], m]));
    expect(unique.size).toBe(36);
    expect(new Set(unique.keys())).toEqual(new Set(fs.readdirSync(path.join(PRIMER, 'images')).map((f) => `images/${f}`)));
    for (const [src, m] of unique) {
      const bytes = fs.readFileSync(path.join(PRIMER, src));
      expect(Buffer.from(m[2], 'base64').equals(bytes), src).toBe(true);
      expect(m[1], src).toBe(src.endsWith('.png') ? 'image/png' : 'image/jpeg');
    }
    // The only warnings are for images on the web.
    expect(result.warnings.length).toBeGreaterThan(0);
    for (const w of result.warnings) expect(w).toMatch(/^image https:\/\/\S+ is on the web/);
  });

  it('every internal #link of the README lands on a heading id (GitHub-compatible slugs)', () => {
    const ids = new Set(result.headings.map((h) => h.id));
    const links = [...result.html.matchAll(/href="#([^"]+)"/g)].map((m) => decodeURIComponent(m[1]));
    expect(links.length).toBeGreaterThan(100);
    expect(links.filter((l) => !ids.has(l))).toEqual([]);
  });

  it('Markdown output points at images/… instead of embedding them', () => {
    const md = htmlToMarkdown(result.html);
    expect(md.match(/!\[[^\]]*\]\(images\/[A-Za-z0-9]+\.(png|jpg)\)/g)?.length).toBe(38);
    expect(md.length).toBeLessThan(fs.statSync(readme).size * 1.5);
    // Headings survive the round trip.
    const again = generateExportHtml({ title: '', source: md, format: 'md', baseDir: PRIMER, meta: {} });
    expect(again.headings.map((h) => h.text)).toEqual(result.headings.map((h) => h.text));
  });

  it('keeps Chinese and Japanese text', () => {
    const zh = exportFile(path.join(PRIMER, 'README-zh-Hans.md'));
    expect(zh.html).toContain('<html lang="zh">');
    expect(zh.headings.map((h) => h.text)).toContain('系统设计主题：从这里开始');
    expect(zh.html).toContain('id="系统设计主题从这里开始"');
    const ja = exportFile(path.join(PRIMER, 'README-ja.md'));
    expect(ja.html).toContain('<html lang="ja">');
    expect(ja.headings.map((h) => h.text)).toContain('システム設計トピックス: まずはここから');
    const jaMd = htmlToMarkdown(ja.html);
    expect(jaMd).toContain('## システム設計トピックス: まずはここから');
  });
});

describe('timings (in-process, informational)', () => {
  it('primer README and the whole rust-book', () => {
    const book = fs
      .readdirSync(RUST)
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => fs.readFileSync(path.join(RUST, f), 'utf8'))
      .join('\n\n');
    for (const [name, source, baseDir] of [
      ['system-design-primer/README.md', fs.readFileSync(path.join(PRIMER, 'README.md'), 'utf8'), PRIMER],
      ['rust-book (all chapters)', book, RUST],
    ] as const) {
      const t0 = performance.now();
      const { html } = generateExportHtml({ title: '', source, format: 'md', baseDir, meta: {} });
      const t1 = performance.now();
      const md = htmlToMarkdown(html);
      const t2 = performance.now();
      console.log(
        `${name}: ${(source.length / 1024).toFixed(0)} KB source → html ${(t1 - t0).toFixed(0)} ms (${(html.length / 1024).toFixed(0)} KB), ` +
          `markdown ${(t2 - t1).toFixed(0)} ms (${(md.length / 1024).toFixed(0)} KB)`,
      );
      expect(t2 - t0).toBeLessThan(20_000);
    }
  });
});
