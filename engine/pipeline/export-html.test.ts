import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmrf, tempDir } from '../../tests/helpers.ts';
import { QuireError } from '../api/errors.ts';
import { EXPORT_CSP, generateExportHtml, guessCjkLang } from './export-html.ts';
import { activeContent, FIXTURES, mainOf, parseWithJsdom } from './test-support.ts';
import type { ExportHtmlInput } from './types.ts';

function md(source: string, extra: Partial<ExportHtmlInput> = {}): ExportHtmlInput {
  return { title: '', source, format: 'md', baseDir: null, meta: {}, ...extra };
}

// Golden files hold the <main> content, reviewed by eye once. QUIRE_UPDATE_GOLDEN=1 rewrites them.
describe('golden fixtures', () => {
  const cases = ['gfm.md', 'images.md', 'unsafe.md', 'page.html'];
  it.each(cases)('%s', (name) => {
    const source = fs.readFileSync(path.join(FIXTURES, name), 'utf8');
    const result = generateExportHtml({
      title: '',
      source,
      format: name.endsWith('.md') ? 'md' : 'html',
      baseDir: FIXTURES,
      meta: {},
    });
    const goldenPath = path.join(FIXTURES, `${name}.golden.html`);
    const actual = mainOf(result.html);
    if (process.env.QUIRE_UPDATE_GOLDEN === '1') fs.writeFileSync(goldenPath, actual);
    expect(actual).toBe(fs.readFileSync(goldenPath, 'utf8'));
  });

  it('gfm.md: headings, slugs and no warnings', () => {
    const result = generateExportHtml(md(fs.readFileSync(path.join(FIXTURES, 'gfm.md'), 'utf8'), { baseDir: FIXTURES }));
    expect(result.headings).toEqual([
      { level: 1, text: 'Quire fixture: GFM', id: 'quire-fixture-gfm' },
      { level: 2, text: 'Tables & alignment', id: 'tables--alignment' },
      { level: 2, text: 'Task list', id: 'task-list' },
      { level: 2, text: 'Code', id: 'code' },
      { level: 2, text: 'Code', id: 'code-1' },
      { level: 3, text: 'Tables & alignment', id: 'tables--alignment-1' },
      { level: 2, text: 'Setext heading', id: 'setext-heading' },
    ]);
    expect(result.warnings).toEqual([]);
  });

  it('images.md: warns once per problem', () => {
    const result = generateExportHtml(md(fs.readFileSync(path.join(FIXTURES, 'images.md'), 'utf8'), { baseDir: FIXTURES }));
    expect(result.warnings).toEqual([
      'image img/missing.png not found',
      'image https://example.com/logo.png is on the web and was not downloaded (Quire works offline); a link is shown instead',
      'image gfm.md is not a png, jpeg, gif, webp, avif, bmp or svg image (its content is text) and was not embedded',
    ]);
  });

  it('unsafe.md and page.html: nothing active survives (checked with a real parser)', async () => {
    for (const [name, format] of [['unsafe.md', 'md'], ['page.html', 'html']] as const) {
      const source = fs.readFileSync(path.join(FIXTURES, name), 'utf8');
      const { html } = generateExportHtml({ title: '', source, format, baseDir: FIXTURES, meta: {} });
      const doc = await parseWithJsdom(html);
      expect(activeContent(doc.body), name).toEqual([]);
      expect(html).not.toMatch(/<script|onerror|onload|onclick|javascript:/i);
    }
  });
});

describe('the standalone document', () => {
  it('is one complete document with charset, CSP, escaped title, meta and the theme', async () => {
    const { html } = generateExportHtml(
      md('Body text', { title: 'Q&A <script>', meta: { author: 'Ada "A" Lovelace', date: '2025-01-02', subtitle: 'Notes & more' } }),
    );
    expect(html.startsWith('<!doctype html>\n')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${EXPORT_CSP}">`);
    expect(EXPORT_CSP).toBe("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:");
    expect(html).toContain('<title>Q&amp;A &lt;script&gt;</title>');
    expect(html).toContain('<meta name="author" content="Ada &quot;A&quot; Lovelace">');
    expect(html).toContain('<meta name="date" content="2025-01-02">');
    expect(html).toContain('"Noto Sans CJK SC"'); // the theme is inlined
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link /i);

    const doc = await parseWithJsdom(html);
    expect(doc.title).toBe('Q&A <script>');
    const block = doc.body.querySelectorAll('header.quire-title-block p');
    expect(Array.from(block).map((p) => [p.getAttribute('class'), p.textContent])).toEqual([
      ['quire-title', 'Q&A <script>'],
      ['quire-subtitle', 'Notes & more'],
      ['quire-author', 'Ada "A" Lovelace'],
      ['quire-date', '2025-01-02'],
    ]);
    expect(doc.body.querySelectorAll('main.quire-content p')[0].textContent).toBe('Body text');
  });

  it('does not repeat a title the document opens with', () => {
    const { html } = generateExportHtml(md('# My Doc\n\ntext', { title: 'My Doc', meta: { author: 'Ada' } }));
    expect(html).not.toContain('class="quire-title"');
    expect(html).toContain('<p class="quire-author">Ada</p>');
    expect(html).toContain('<title>My Doc</title>');
  });

  it('does not repeat a title a section opens with at a lower level ("## Title" in a book chapter)', () => {
    const { html } = generateExportHtml(md('## What Is  *Ownership*?\n\ntext\n\n## Next', { title: 'What is Ownership?' }));
    expect(html).not.toContain('class="quire-title');
    expect(html).toContain('<h2 id="what-is-ownership">What Is  <em>Ownership</em>?</h2>');
    // A first heading that is not the title leaves the title block alone.
    expect(generateExportHtml(md('## Chapter one\n\ntext', { title: 'The Book' })).html).toContain('<p class="quire-title">The Book</p>');
  });

  it('without a title: <title> from the first heading, no title block', () => {
    const { html } = generateExportHtml(md('intro\n\n## First part\n'));
    expect(html).toContain('<title>First part</title>');
    expect(html).not.toContain('class="quire-title-block"');
    expect(generateExportHtml(md('no headings')).html).toContain('<title>Untitled</title>');
  });

  it('html source: body only, <title> used when no title is given', () => {
    const page = '<html><head><title>Page &amp; Co</title><style>body{display:none}</style></head><body class="x"><p>Hello</p></body></html>';
    const untitled = generateExportHtml({ ...md(page), format: 'html' });
    expect(untitled.html).toContain('<title>Page &amp; Co</title>');
    expect(mainOf(untitled.html)).toBe('<p>Hello</p>');
    const titled = generateExportHtml({ ...md(page), format: 'html', title: 'Given' });
    expect(titled.html).toContain('<title>Given</title>');
    // A fragment without <body>: everything but <head>.
    const fragment = generateExportHtml({ ...md('<head><title>T</title></head><h1>Frag</h1>'), format: 'html' });
    expect(mainOf(fragment.html)).toBe('<h1 id="frag">Frag</h1>');
  });

  it('keeps CJK text and marks a mostly-CJK document with its language', () => {
    const zh = generateExportHtml(md('# 系统设计入门\n\n学习如何设计大型系统。'));
    expect(zh.html).toContain('<html lang="zh">');
    expect(zh.html).toContain('学习如何设计大型系统。');
    expect(zh.headings[0]).toEqual({ level: 1, text: '系统设计入门', id: '系统设计入门' });
    expect(guessCjkLang('システム設計入門。大規模なシステムを設計する方法を学ぶ')).toBe('ja');
    expect(guessCjkLang('대규모 시스템 설계')).toBe('ko');
    expect(guessCjkLang('An English text that mentions 中文 once.')).toBe(null);
  });

  it('links: keeps http(s), mailto and anchors; drops javascript:', () => {
    const { html } = generateExportHtml(
      md('[a](https://x.example) [b](mailto:me@x.example) [c](#part) [d](javascript:alert(1)) <a href="javascript:alert(2)">e</a>'),
    );
    expect(html).toContain('<a href="https://x.example">a</a>');
    expect(html).toContain('<a href="mailto:me@x.example">b</a>');
    expect(html).toContain('<a href="#part">c</a>');
    expect(html).toContain('<a>d</a>');
    expect(html).toContain('<a>e</a>');
  });

  it('replaces an mdBook include directive (its file is not in the export) with a note naming the file', () => {
    const { html } = generateExportHtml(md('{{#include ../listings/x.rs:here}}'));
    expect(html).toContain('<p><em>(code from listings/x.rs, not included)</em></p>');
    expect(html).not.toContain('{{#');
  });

  it('rejects a source that is not md or html', () => {
    const bad = { ...md('x'), format: 'pdf' } as unknown as ExportHtmlInput;
    expect(() => generateExportHtml(bad)).toThrow(QuireError);
    try {
      generateExportHtml(bad);
    } catch (e) {
      expect((e as QuireError).code).toBe('INVALID_INPUT');
    }
  });
});

describe('theme', () => {
  it('uses themeCss, themePath or resourcesDir when given', () => {
    const dir = tempDir();
    try {
      fs.mkdirSync(path.join(dir, 'themes'));
      fs.writeFileSync(path.join(dir, 'themes', 'base.css'), 'body { --base: 1 }');
      fs.writeFileSync(path.join(dir, 'themes', 'github.css'), 'body { --from-resources: 1 }');
      fs.writeFileSync(path.join(dir, 'own.css'), 'body { --own-theme: 1 } </style><script>x</script>');
      expect(generateExportHtml(md('x'), { themeCss: 'p{--inline:1}' }).html).toContain('p{--inline:1}');
      expect(generateExportHtml(md('x'), { resourcesDir: dir }).html).toContain('--from-resources: 1');
      const own = generateExportHtml(md('x'), { themePath: path.join(dir, 'own.css') }).html;
      expect(own).toContain('--own-theme: 1');
      expect(own).not.toMatch(/<\/style><script>/); // cannot end the style element early
    } finally {
      rmrf(dir);
    }
  });

  it('a missing theme is a CONVERSION_FAILED that names the path', () => {
    let error: unknown;
    try {
      generateExportHtml(md('x'), { themePath: '/nonexistent/theme.css' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QuireError);
    expect((error as QuireError).code).toBe('CONVERSION_FAILED');
    expect((error as QuireError).message).toContain('/nonexistent/theme.css');
  });
});

describe('images', () => {
  let dir: string;
  const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');
  const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1]);
  const GIF = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1');
  const WEBP = Buffer.concat([Buffer.from('RIFF\x1a\x00\x00\x00WEBPVP8L', 'latin1'), Buffer.alloc(14)]);
  const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><script>alert(1)</script></svg>');

  beforeAll(() => {
    dir = tempDir();
    fs.mkdirSync(path.join(dir, 'doc', 'img'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'shared'));
    fs.mkdirSync(path.join(dir, 'doc', 'folder.png'));
    fs.writeFileSync(path.join(dir, 'doc', 'img', 'a.png'), PNG);
    fs.writeFileSync(path.join(dir, 'doc', 'img', 'b.jpg'), JPEG);
    fs.writeFileSync(path.join(dir, 'doc', 'img', 'c.jpeg'), JPEG);
    fs.writeFileSync(path.join(dir, 'doc', 'img', 'd.gif'), GIF);
    fs.writeFileSync(path.join(dir, 'doc', 'img', 'e.webp'), WEBP);
    fs.writeFileSync(path.join(dir, 'doc', 'img', 'f.svg'), SVG);
    fs.writeFileSync(path.join(dir, 'doc', 'img', 'really-a-jpeg.png'), JPEG);
    fs.writeFileSync(path.join(dir, 'doc', 'img', 'my pic.png'), PNG);
    fs.writeFileSync(path.join(dir, 'doc', 'img', 'big.png'), Buffer.concat([PNG, Buffer.alloc(4000)]));
    fs.writeFileSync(path.join(dir, 'doc', 'img', 'notes.txt'), 'text');
    fs.writeFileSync(path.join(dir, 'shared', 'up.png'), PNG);
  });
  afterAll(() => rmrf(dir));

  const run = (source: string, opts = {}) => generateExportHtml(md(source, { baseDir: path.join(dir, 'doc') }), opts);

  it('embeds each image type with the right MIME type and keeps the original path', () => {
    const cases: Array<[string, string, Buffer]> = [
      ['img/a.png', 'image/png', PNG],
      ['img/b.jpg', 'image/jpeg', JPEG],
      ['img/c.jpeg', 'image/jpeg', JPEG],
      ['img/d.gif', 'image/gif', GIF],
      ['img/e.webp', 'image/webp', WEBP],
      ['img/f.svg', 'image/svg+xml', SVG],
      ['img/really-a-jpeg.png', 'image/jpeg', JPEG],
    ];
    for (const [src, mime, bytes] of cases) {
      const { html, warnings } = run(`![pic](${src})`);
      expect(warnings, src).toEqual([]);
      expect(html, src).toContain(`<img src="data:${mime};base64,${bytes.toString('base64')}" data-src="${src}" alt="pic">`);
    }
  });

  it('allows ../ paths that stay inside, absolute paths, file: URLs and percent-encoded names', () => {
    const abs = path.join(dir, 'doc', 'img', 'a.png');
    for (const src of ['../doc/img/a.png', abs, pathToFileURL(abs).href, 'img/my%20pic.png', '<img/my pic.png>']) {
      const { html, warnings } = run(`![x](${src})`);
      expect(warnings, src).toEqual([]);
      expect(html, src).toContain(`src="data:image/png;base64,${PNG.toString('base64')}"`);
    }
  });

  it('refuses images outside the document folder, however they are written', () => {
    const abs = path.join(dir, 'shared', 'up.png');
    for (const src of ['../shared/up.png', abs, pathToFileURL(abs).href]) {
      const { html, warnings } = run(`![x](${src})`);
      expect(warnings, src).toEqual([`image ${src} is outside the document's folder and was not embedded`]);
      expect(html, src).not.toContain('data:image');
    }
  });

  it('inlines <img> in raw HTML and drops its srcset and handlers', () => {
    const { html } = run('<p align="center"><img src="img/a.png" srcset="img/a.png 2x" onerror="x()" width="40"></p>');
    expect(html).toContain(`<p align="center"><img src="data:image/png;base64,${PNG.toString('base64')}" data-src="img/a.png" width="40" alt=""></p>`);
  });

  it('a missing file keeps the alt text and warns', () => {
    const { html, warnings } = run('![the figure](img/nope.png) ![folder](folder.png)');
    expect(warnings).toEqual(['image img/nope.png not found', 'image folder.png not found']);
    expect(html).toContain('<span class="quire-image-alt">the figure</span>');
    expect(html).not.toContain('<img');
  });

  it('a remote image is not fetched: placeholder with alt text and link, and a warning', () => {
    const { html, warnings } = run('![logo](https://example.com/logo.png) <img src="//cdn.example/x.gif" alt="cdn">');
    expect(html).toContain('<span class="quire-image-alt">logo</span> <a href="https://example.com/logo.png">https://example.com/logo.png</a>');
    expect(html).toContain('<a href="https://cdn.example/x.gif">');
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^image https:\/\/example\.com\/logo\.png is on the web and was not downloaded/);
    expect(html).not.toContain('<img');
  });

  it('an image over the size cap is not embedded', () => {
    const { html, warnings } = run('![big](img/big.png)', { maxImageBytes: 1000 });
    expect(html).not.toContain('data:image');
    expect(warnings).toEqual(['image img/big.png is 4.0 KB, larger than the 1000 B limit, and was not embedded']);
    // Sizes that round to the same text are given in bytes, so the message never reads "4.0 KB, larger than 4.0 KB".
    const size = fs.statSync(path.join(dir, 'doc', 'img', 'big.png')).size;
    expect(run('![big](img/big.png)', { maxImageBytes: size - 1 }).warnings).toEqual([
      `image img/big.png is ${size} bytes, larger than the ${size - 1}-byte limit, and was not embedded`,
    ]);
    expect(run('![big](img/big.png)').warnings).toEqual([]); // the default cap is 10 MB
  });

  it('refuses other file types and other URL schemes', () => {
    const txt = run('![n](img/notes.txt)');
    expect(txt.warnings[0]).toBe('image img/notes.txt is not a png, jpeg, gif, webp, avif, bmp or svg image (its content is text) and was not embedded');
    expect(txt.html).not.toContain('data:text');
    const js = run('<img src="javascript:alert(1)" alt="js">');
    expect(js.warnings[0]).toMatch(/unsupported address/);
    expect(js.html).not.toContain('javascript');
  });

  it('a relative path without a base folder warns', () => {
    const { warnings } = generateExportHtml(md('![a](img/a.png)'));
    expect(warnings).toEqual(['image img/a.png not found (the document has no folder to resolve relative paths against)']);
  });
});
