import { describe, expect, it } from 'vitest';
import { resolveExport } from '../api/export-spec.ts';
import { isQuireError } from '../api/errors.ts';
import { generateExportHtml, tableOfContents } from './export-html.ts';
import { frontMatterLayer, parseFrontMatter } from '../api/front-matter.ts';

const NOTE = `---
title: "Stage notes: the export pipeline"
subtitle: How a job runs
author:
  - Ada Lovelace
  - name: Grace Hopper
date: 2026-11-30
description: Notes on Quire's job runner
tags: [pipeline, pdf]
lang: en-GB
toc: true
theme: book
papersize: letter
margin: 20
custom_key: kept for others
---
# Intro

Body text.
`;

describe('parseFrontMatter', () => {
  it('reads the YAML block and leaves it out of the body', () => {
    const fm = parseFrontMatter(NOTE);
    expect(fm.error).toBeNull();
    expect(fm.body).toBe('# Intro\n\nBody text.\n');
    expect(fm.data?.custom_key).toBe('kept for others');
    // YAML 1.2: a date stays the text the author wrote.
    expect(fm.data?.date).toBe('2026-11-30');
  });

  it('no front matter: the source as it is; a thematic break later in the text is not front matter', () => {
    const src = '# Title\n\n---\ntitle: no\n---\n';
    expect(parseFrontMatter(src)).toEqual({ data: null, body: src, raw: null, error: null });
  });

  it('an empty block, a BOM, CRLF line ends and a "..." closing fence', () => {
    expect(parseFrontMatter('---\n---\nBody').body).toBe('Body');
    expect(parseFrontMatter('\uFEFF---\r\ntitle: T\r\n...\r\nBody').data).toEqual({ title: 'T' });
  });

  it('YAML that does not parse: left out of the body, with the reason and its line', () => {
    const fm = parseFrontMatter('---\ntitle: ok\nauthor: [unclosed\n---\n# Body\n');
    expect(fm.data).toBeNull();
    expect(fm.body).toBe('# Body\n');
    expect(fm.error).toMatch(/^the front matter could not be read/);
  });

  it('a scalar is not front matter data; an alias bomb is refused, not expanded', () => {
    expect(parseFrontMatter('---\njust text\n---\nBody').error).toMatch(/not a list of "key: value" lines/);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => {
      const prev = i === 0 ? 'a' : `l${i - 1}`;
      return `l${i}: &l${i} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]`;
    })].join('\n');
    const fm = parseFrontMatter(`---\n${bomb}\n---\nBody`);
    expect(fm.data).toBeNull();
    expect(fm.error).toMatch(/alias|Excessive/i);
  });
});

describe('frontMatterLayer feeds the one model', () => {
  const subject = { documentId: 'd', stageId: 'export', title: 'file-name', revision: 1, format: 'md' as const, source: { sha256: null, bytes: 1 } };

  it('title, metadata and options under the names authors use', () => {
    const layer = frontMatterLayer(parseFrontMatter(NOTE).data);
    const spec = resolveExport(subject, { frontMatter: layer, defaultOutDir: '/out' });
    expect(spec.title).toBe('Stage notes: the export pipeline');
    expect(spec.metadata).toEqual({
      author: 'Ada Lovelace, Grace Hopper',
      date: '2026-11-30',
      subtitle: 'How a job runs',
      subject: "Notes on Quire's job runner",
      keywords: ['pipeline', 'pdf'],
      lang: 'en-GB',
    });
    expect(spec.style.theme).toBe('book');
    expect(spec.style.toc).toBe(true);
    expect(spec.pdf.pageSize).toBe('Letter');
    expect(spec.pdf.margins).toEqual({ top: 20, right: 20, bottom: 20, left: 20 });
  });

  it('the Details stage is over the front matter, the call over both', () => {
    const layer = frontMatterLayer(parseFrontMatter(NOTE).data);
    const spec = resolveExport(subject, { frontMatter: layer, details: { title: 'From Details', author: 'Edited' }, call: { theme: 'report' }, defaultOutDir: '/out' });
    expect(spec.title).toBe('From Details');
    expect(spec.metadata.author).toBe('Edited');
    expect(spec.style.theme).toBe('report');
  });

  it('front matter cannot choose where files go or replace them', () => {
    const layer = frontMatterLayer({ outDir: '/etc', overwrite: true, title: 'x' });
    const spec = resolveExport(subject, { frontMatter: layer, defaultOutDir: '/out' });
    expect(spec.outDir).toBe('/out');
    expect(spec.overwrite).toBe(false);
  });

  it('a bad value is an error naming the front matter and the field', () => {
    const layer = frontMatterLayer({ theme: 'neon' });
    try {
      resolveExport(subject, { frontMatter: layer, defaultOutDir: '/out' });
      expect.unreachable();
    } catch (e) {
      expect(isQuireError(e) && e.code).toBe('INVALID_OPTIONS');
      expect((e as Error).message).toMatch(/front matter.*"neon" is not a theme/);
    }
  });
});

describe('generateExportHtml with front matter', () => {
  it('never prints the block; uses lang, description and keywords from the metadata', () => {
    const { html, headings, warnings } = generateExportHtml(
      {
        title: 'Stage notes',
        source: NOTE,
        format: 'md',
        baseDir: null,
        meta: { author: 'Ada Lovelace', subject: 'Notes on the runner', keywords: ['pipeline', 'pdf'], lang: 'en-GB' },
      },
      { themeCss: '' },
    );
    expect(warnings).toEqual([]);
    expect(html).not.toMatch(/custom_key|papersize|title:/);
    expect(headings.map((h) => h.text)).toEqual(['Intro']);
    expect(html).toContain('<html lang="en-GB">');
    expect(html).toContain('<meta name="description" content="Notes on the runner">');
    expect(html).toContain('<meta name="keywords" content="pipeline, pdf">');
  });

  it('YAML that does not parse: left out, one warning, the body still exports', () => {
    const r = generateExportHtml({ title: '', source: '---\na: [b\n---\n# Body\n', format: 'md', baseDir: null, meta: {} }, { themeCss: '' });
    expect(r.html).not.toContain('a: [b');
    expect(r.headings.map((h) => h.text)).toEqual(['Body']);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^Front matter: the front matter could not be read/);
  });

  it('a table of contents when the style asks for one, outside <main>', () => {
    const r = generateExportHtml(
      {
        title: '',
        source: '# One\n## One.a\n### deep\n#### too deep\n# Two\n',
        format: 'md',
        baseDir: null,
        meta: {},
        style: { theme: 'github', toc: true, math: true, diagrams: true, highlight: true, css: null },
      },
      { themeCss: '' },
    );
    const nav = r.html.slice(r.html.indexOf('<nav class="quire-toc"'), r.html.indexOf('</nav>'));
    expect(r.html.indexOf('</nav>')).toBeLessThan(r.html.indexOf('<main'));
    expect(nav).toContain('<a href="#onea">One.a</a>');
    expect(nav).toContain('<a href="#deep">deep</a>');
    expect(nav).not.toContain('too deep');
  });
});

describe('tableOfContents', () => {
  it('nests one level at a time and closes every list', () => {
    const toc = tableOfContents([
      { level: 2, text: 'A', id: 'a' },
      { level: 3, text: 'A1', id: 'a1' },
      { level: 2, text: 'B', id: 'b' },
    ]);
    expect(toc.replace(/\n/g, '')).toBe(
      '<nav class="quire-toc" aria-label="Contents"><p class="quire-toc-title">Contents</p><ol><li><a href="#a">A</a><ol><li><a href="#a1">A1</a></li></ol></li><li><a href="#b">B</a></li></ol></nav>',
    );
    expect(tableOfContents([])).toBe('');
  });
});

describe('headingTexts', () => {
  it('reads the headings of an export HTML as text', async () => {
    const { headingTexts } = await import('./html-parse.ts');
    expect(headingTexts('<h1 id="a">Why <em>a</em> job</h1><p>x</p><h2 id="b">R&amp;D\n notes</h2><h3 id="c"></h3>')).toEqual(['Why a job', 'R&D notes']);
  });
});
