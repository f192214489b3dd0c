import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS } from '../../tests/helpers.ts';
import { generateExportHtml } from './export-html.ts';
import { dollarMath, fenceLanguage, katexCss, renderMarkdown, type RenderMarkdownOptions } from './markdown-render.ts';
import { replaceMdBookIncludes } from './mdbook.ts';
import { FIXTURES } from './test-support.ts';

const ALL: RenderMarkdownOptions = { math: true, highlight: true, diagrams: true };
const NONE: RenderMarkdownOptions = { math: false, highlight: false, diagrams: false };
const html = (source: string, options = ALL) => renderMarkdown(source, options).html;

// The golden holds renderMarkdown's output (before sanitizing), reviewed by eye once. QUIRE_UPDATE_GOLDEN=1 rewrites it.
describe('golden fixture', () => {
  it('features.md', () => {
    const source = fs.readFileSync(path.join(FIXTURES, 'features.md'), 'utf8');
    const result = renderMarkdown(source, ALL);
    const goldenPath = path.join(FIXTURES, 'features.md.render.html');
    if (process.env.QUIRE_UPDATE_GOLDEN === '1') fs.writeFileSync(goldenPath, result.html);
    expect(result.html).toBe(fs.readFileSync(goldenPath, 'utf8'));
    expect(result.warnings).toEqual([
      'math: "\\frac{1}{" could not be rendered: KaTeX parse error: Unexpected end of input in a macro argument, expected \'}\' at end of input: \\frac{1}{',
    ]);
    expect(result.hasMath).toBe(true);
    expect(result.hasCode).toBe(true);
  });
});

describe('GFM, as before', () => {
  it('tables, task lists, strikethrough, autolinks', () => {
    const out = html('| a | b |\n|---|:-:|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\n~~gone~~ https://example.com');
    expect(out).toContain('<th align="center">b</th>');
    expect(out).toContain('<input checked="" disabled="" type="checkbox">');
    expect(out).toContain('<del>gone</del>');
    expect(out).toContain('<a href="https://example.com">https://example.com</a>');
  });

  it('gives headings no id (the sanitizer does that, once)', () => {
    expect(html('# Title\n\n## Part')).toBe('<h1>Title</h1>\n<h2>Part</h2>\n');
  });
});

describe('footnotes', () => {
  it('numbers references in order and lists the notes at the end with back links', () => {
    const out = html('One[^b] two[^a].\n\n[^a]: Note *A*.\n[^b]: Note B.');
    expect(out).toContain('<sup><a id="footnote-ref-b" href="#footnote-b" data-footnote-ref aria-describedby="footnote-label">1</a></sup>');
    // The label is no heading: it would reach the table of contents and the PDF outline.
    expect(out).toContain('<section class="footnotes" data-footnotes>\n<p id="footnote-label" class="sr-only">Footnotes</p>\n<ol>');
    expect(out).toMatch(/<li id="footnote-b">\n<p>Note B\. <a href="#footnote-ref-b" data-footnote-backref/);
    expect(out).toContain('<p>Note <em>A</em>.');
  });

  it('survive callouts, definition lists and math in the same document', () => {
    const out = html('A[^1].\n\n> [!note] Title\n> Body.\n\nTerm\n: Def.\n\n$$\nx\n$$\n\n[^1]: The note.');
    expect(out).toContain('<li id="footnote-1">\n<p>The note. <a href="#footnote-ref-1"');
    expect(out).toContain('</svg>Title</p>\n<p>Body.</p>\n</div>');
  });
});

describe('definition lists', () => {
  it('tight: one term, two definitions, inline Markdown', () => {
    expect(html('Apple\n: A *fruit*.\n: A company.')).toBe('<dl>\n<dt>Apple</dt>\n<dd>A <em>fruit</em>.</dd>\n<dd>A company.</dd>\n</dl>\n');
  });

  it('several terms share a definition; a blank line and another term continue the list', () => {
    expect(html('One\nTwo\n: Both.\n\nThree\n: Third.\n\nAfter.')).toBe(
      '<dl>\n<dt>One</dt>\n<dt>Two</dt>\n<dd>Both.</dd>\n<dt>Three</dt>\n<dd>Third.</dd>\n</dl>\n<p>After.</p>\n',
    );
  });

  it('loose (blank line before ":") keeps paragraphs; indented lines continue the definition', () => {
    expect(html('Term\n\n: First para\n  continued.\n\n    Second para.')).toBe(
      '<dl>\n<dt>Term</dt>\n<dd><p>First para\ncontinued.</p>\n<p>Second para.</p></dd>\n</dl>\n',
    );
  });

  it('leaves ordinary text, "key: value" lines and code alone', () => {
    expect(html('Note: this is prose.\nSecond line.')).toBe('<p>Note: this is prose.\nSecond line.</p>\n');
    expect(html('```\nTerm\n: not a definition\n```')).toBe('<pre><code>Term\n: not a definition\n</code></pre>\n');
    expect(html('# Heading\n: x')).not.toContain('<dl>');
  });
});

describe('callouts', () => {
  it.each(['NOTE', 'TIP', 'IMPORTANT', 'WARNING', 'CAUTION'])('GitHub [!%s] with its icon and title', (type) => {
    const out = html(`> [!${type}]\n> Body *text*.`);
    const kind = type.toLowerCase();
    expect(out).toMatch(new RegExp(`^<div class="markdown-alert markdown-alert-${kind}">\\n<p class="markdown-alert-title"><svg class="octicon `));
    expect(out).toContain(`</svg>${type[0]}${kind.slice(1)}</p>\n<p>Body <em>text</em>.</p>\n</div>\n`);
  });

  it("Obsidian: any case, custom title with Markdown, fold markers accepted (printed open)", () => {
    const out = html('> [!question]- Why is the *sky* blue?\n> Rayleigh scattering.\n> More.');
    expect(out).toMatch(/^<div class="markdown-alert markdown-alert-important markdown-alert-question">\n<p class="markdown-alert-title"><svg[^]*?<\/svg>Why is the <em>sky<\/em> blue\?<\/p>\n<p>Rayleigh scattering.\nMore.<\/p>\n<\/div>\n$/);
    expect(html('> [!Info]+\n> x')).toContain('<div class="markdown-alert markdown-alert-note markdown-alert-info">\n<p class="markdown-alert-title"><svg');
    expect(html('> [!Info]+\n> x')).toContain('</svg>Info</p>');
    expect(html('> [!warning] Careful now')).toContain('</svg>Careful now</p>\n</div>');
    expect(html('> [!tip]\n>\n> Second paragraph.')).toContain('</svg>Tip</p>\n<p>Second paragraph.</p>\n</div>');
  });

  it('an unknown type or a plain quote stays a blockquote', () => {
    expect(html('> [!nonsense] x\n> y')).toBe('<blockquote>\n<p>[!nonsense] x\ny</p>\n</blockquote>\n');
    expect(html('> quoted')).toBe('<blockquote>\n<p>quoted</p>\n</blockquote>\n');
  });
});

describe('==marks== and :emoji:', () => {
  it('marks, not comparisons or code', () => {
    expect(html('A ==very *important*== point.')).toBe('<p>A <mark>very <em>important</em></mark> point.</p>\n');
    expect(html('if a == b and c == d')).toBe('<p>if a == b and c == d</p>\n');
    expect(html('`x ==y== z`')).toBe('<p><code>x ==y== z</code></p>\n');
  });

  it('known shortcodes only; times and unknown names stay', () => {
    expect(html(':tada: :+1: :crab: :not_an_emoji: 10:30:45')).toBe('<p>🎉 👍 🦀 :not_an_emoji: 10:30:45</p>\n');
    expect(html('`:tada:`')).toBe('<p><code>:tada:</code></p>\n');
  });
});

describe('math (KaTeX at export time)', () => {
  it('inline $…$ and \\(…\\), display $$…$$ and \\[…\\], as HTML and MathML', () => {
    const r = renderMarkdown('Inline $x^2$ and \\(\\alpha\\).\n\n$$\n\\frac{a}{b}\n$$\n\n\\[\n\\sum_k k\n\\]\n', ALL);
    expect(r.hasMath).toBe(true);
    expect(r.warnings).toEqual([]);
    expect(r.html.match(/<span class="katex">/g)).toHaveLength(4);
    expect(r.html.match(/<span class="katex-display">/g)).toHaveLength(2);
    expect(r.html.match(/<math xmlns="http:\/\/www.w3.org\/1998\/Math\/MathML"/g)).toHaveLength(4);
    for (const tex of ['x^2', '\\alpha', '\\frac{a}{b}', '\\sum_k k']) {
      expect(r.html).toContain(`<annotation encoding="application/x-tex">${tex}</annotation>`);
    }
    expect(r.html).not.toMatch(/\$|\\\[|\\\(/);
  });

  it('display math may follow a line of text directly, as LaTeX users write it', () => {
    for (const src of ['The sum is\n$$\n\\sum_k k\n$$\nand more.', 'The sum is\n\\[\n\\sum_k k\n\\]\nand more.']) {
      const out = html(src);
      expect(out, src).toMatch(/^<p>The sum is<\/p>\n<span class="katex-display">/);
      expect(out, src).toContain('<annotation encoding="application/x-tex">\\sum_k k</annotation>');
      expect(out, src).toMatch(/<p>and more\.<\/p>\n$/);
    }
    expect(html('One paragraph\nwith two lines.')).toBe('<p>One paragraph\nwith two lines.</p>\n');
  });

  it('prices and other dollars are not math', () => {
    for (const text of [
      'It costs $5 and $10.',
      'Between $5 and $10, or $20.',
      'Pay $5 and $10. Then $15 later.',
      'A $ 5 $ gap.',
      'Set $HOME and $PATH.',
      'Escaped \\$x\\$ stays.',
    ]) {
      const r = renderMarkdown(text, ALL);
      expect(r.html, text).not.toContain('katex');
      expect(r.hasMath, text).toBe(false);
    }
    expect(html('It costs $5 and $10. Also $x$.')).toMatch(/^<p>It costs \$5 and \$10\. Also <span class="katex">.*<\/span>\.<\/p>\n$/);
  });

  it('dollarMath: the Pandoc rules', () => {
    expect(dollarMath('$x$ y')).toEqual({ raw: '$x$', text: 'x', displayMode: false });
    expect(dollarMath('$a \\$ b$.')).toEqual({ raw: '$a \\$ b$', text: 'a \\$ b', displayMode: false });
    expect(dollarMath('$$ E=mc^2 $$ and')).toEqual({ raw: '$$ E=mc^2 $$', text: 'E=mc^2', displayMode: true });
    expect(dollarMath('$5 and $10')).toBeUndefined(); // space before the closing $
    expect(dollarMath('$ x$')).toBeUndefined(); // space after the opening $
    expect(dollarMath('$x$5')).toBeUndefined(); // a digit after the closing $
    expect(dollarMath('$x\ny$')).toBeUndefined(); // not across lines
    expect(dollarMath('$$')).toBeUndefined();
    expect(dollarMath('x$')).toBeUndefined();
  });

  it('math in parentheses and after punctuation; not after a letter (US$5)', () => {
    expect(html('the map ($f(x)$) and [$y$]')).toMatch(/^<p>the map \(<span class="katex">.*<\/span>\) and \[<span class="katex">.*<\/span>\]<\/p>\n$/);
    expect(html('It is US$5 and US$10.')).toBe('<p>It is US$5 and US$10.</p>\n');
  });

  it('a long paragraph full of prices, colons and marks renders in linear time', () => {
    const para = Array.from({ length: 8000 }, (_, i) => `word \`c${i}\` a: b $${i} x==y`).join(' ');
    const started = performance.now();
    const out = html(para);
    // Once 33 s for an eighth of this: every start() searched the whole rest of the paragraph.
    expect(performance.now() - started).toBeLessThan(5000);
    expect(out).toContain('$7999 x');
    expect(out).not.toContain('katex');
  });

  it('never inside code spans or code blocks; an escaped bracket in running text stays a bracket', () => {
    expect(html('`$x$` and `\\(y\\)` and `$$z$$`')).toBe('<p><code>$x$</code> and <code>\\(y\\)</code> and <code>$$z$$</code></p>\n');
    expect(html('```\n$$\nx\n$$\n```')).toBe('<pre><code>$$\nx\n$$\n</code></pre>\n');
    expect(html('    $x$')).toBe('<pre><code>$x$\n</code></pre>\n');
    expect(html('See \\[1\\] and \\[2\\].')).toBe('<p>See [1] and [2].</p>\n');
  });

  it('a formula KaTeX cannot parse: its source in an error style, a warning, and the rest still rendered', () => {
    const r = renderMarkdown('Bad $\\frac{1}{$ here, good $y$.\n\n$$\n\\begin{nope}\n$$', ALL);
    expect(r.html).toContain('<span class="quire-math-error" title="KaTeX parse error: Unexpected end of input in a macro argument, expected &#39;}&#39; at end of input: \\frac{1}{">\\frac{1}{</span>');
    expect(r.html).toContain('<annotation encoding="application/x-tex">y</annotation>');
    expect(r.html).toContain('<p class="quire-math-display"><span class="quire-math-error" title="');
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[0]).toBe(
      'math: "\\frac{1}{" could not be rendered: KaTeX parse error: Unexpected end of input in a macro argument, expected \'}\' at end of input: \\frac{1}{',
    );
    expect(r.warnings[1]).toMatch(/^math: "\\begin\{nope\}" could not be rendered: KaTeX parse error: No such environment: nope/);
  });

  it('math off: the dollars stay text', () => {
    const r = renderMarkdown('Inline $x^2$.\n\n$$\ny\n$$', { ...ALL, math: false });
    expect(r.hasMath).toBe(false);
    expect(r.html).toBe('<p>Inline $x^2$.</p>\n<p>$$\ny\n$$</p>\n');
  });

  it('katexCss(): KaTeX stylesheet with every woff2 font inline and no other font source', () => {
    const cssText = katexCss();
    expect(cssText).toContain('.katex{');
    expect(cssText.match(/@font-face/g)).toHaveLength(20);
    expect(cssText.match(/src:url\(data:font\/woff2;base64,[A-Za-z0-9+/=]+\) format\("woff2"\)/g)).toHaveLength(20);
    expect(cssText).not.toMatch(/url\(fonts\/|\.woff\)|\.ttf\)|format\("woff"\)|format\("truetype"\)/);
    expect(katexCss()).toBe(cssText);
  });
});

describe('code', () => {
  it('mdBook fence infos pick the language before the comma; output uses hljs classes', () => {
    const r = renderMarkdown('```rust,ignore,does_not_compile\nfn main() { let x = 5; }\n```', ALL);
    expect(r.hasCode).toBe(true);
    expect(r.html).toBe(
      '<pre><code class="hljs language-rust"><span class="hljs-keyword">fn</span> <span class="hljs-title function_">main</span>() { ' +
        '<span class="hljs-keyword">let</span> <span class="hljs-variable">x</span> = <span class="hljs-number">5</span>; }\n</code></pre>\n',
    );
  });

  it.each([
    ['toml', '[package]\nname = "x"', 'hljs-section'],
    ['console', '$ cargo run', 'hljs-meta'],
    ['typescript', 'const a: number = 1;', 'hljs-keyword'],
    ['python', 'def f(): pass', 'hljs-keyword'],
    ['json', '{"a": 1}', 'hljs-attr'],
    ['yaml', 'a: 1', 'hljs-attr'],
    ['html', '<p class="x">', 'hljs-tag'],
    ['css', 'p { color: red }', 'hljs-selector-tag'],
    ['c', 'int main(void) { return 0; }', 'hljs-type'],
    ['cpp', 'std::string s; int x = 1;', 'hljs-type'],
    ['go', 'func main() {}', 'hljs-keyword'],
    ['java', 'public class A {}', 'hljs-keyword'],
    ['sql', 'SELECT 1;', 'hljs-keyword'],
    ['diff', '+added\n-removed', 'hljs-addition'],
    ['bash', 'echo "$HOME"', 'hljs-variable'],
    ['javascript', 'let a = 1;', 'hljs-keyword'],
    ['markdown', '# Title', 'hljs-section'],
  ])('%s is highlighted', (lang, code, cls) => {
    const out = html(`\`\`\`${lang}\n${code}\n\`\`\``);
    expect(out).toContain(`<code class="hljs language-${lang}">`);
    expect(out).toContain(`<span class="${cls}`);
  });

  it('an unknown language, no language, highlighting off: plain escaped code, no guessing', () => {
    expect(html('```nosuch\n<a> & b\n```')).toBe('<pre><code class="language-nosuch">&lt;a&gt; &amp; b\n</code></pre>\n');
    expect(html('```\nfn main() {}\n```')).toBe('<pre><code>fn main() {}\n</code></pre>\n');
    const off = renderMarkdown('```rust\nfn main() {}\n```', { ...ALL, highlight: false });
    expect(off.html).toBe('<pre><code class="language-rust">fn main() {}\n</code></pre>\n');
    expect(off.hasCode).toBe(false);
  });

  it('fenceLanguage', () => {
    expect(fenceLanguage('rust,ignore')).toBe('rust');
    expect(fenceLanguage('{.python .numberLines}')).toBe('python');
    expect(fenceLanguage('TOML')).toBe('toml');
    expect(fenceLanguage('')).toBe('');
    expect(fenceLanguage(undefined)).toBe('');
  });

  it('mermaid fences: a diagram figure with the escaped source when diagrams are on, a code block when off', () => {
    const src = '```mermaid\ngraph TD\n  A --> B<"x">\n```';
    expect(html(src)).toBe(
      '<figure class="quire-diagram" data-diagram="mermaid"><pre><code class="language-mermaid">graph TD\n  A --&gt; B&lt;&quot;x&quot;&gt;</code></pre></figure>\n',
    );
    expect(html(src, NONE)).toBe('<pre><code class="language-mermaid">graph TD\n  A --&gt; B&lt;&quot;x&quot;&gt;\n</code></pre>\n');
  });

  it('mdBook include directives become a note naming the file, as a comment in the code language', () => {
    expect(replaceMdBookIncludes('{{#rustdoc_include ../listings/ch02/listing-02-01/src/main.rs:all}}', 'rust')).toBe(
      '// (code from listings/ch02/listing-02-01/src/main.rs, not included)',
    );
    expect(replaceMdBookIncludes('{{#include ../listings/ch02/no-listing-01/Cargo.toml}}', 'toml')).toBe(
      '# (code from listings/ch02/no-listing-01/Cargo.toml, not included)',
    );
    expect(replaceMdBookIncludes('    {{#include ../listings/ch02/output.txt}}', 'console')).toBe('    (output from listings/ch02/output.txt, not included)');
    expect(replaceMdBookIncludes('{{#playground ex.rs}}\nfn x() {}', 'rust')).toBe('// (code from ex.rs, not included)\nfn x() {}');
    expect(replaceMdBookIncludes('let s = "{{#include x}} inline";', 'rust')).toBe('let s = "{{#include x}} inline";');
    expect(html('```rust\n{{#include ../a/b.rs}}\n```', NONE)).toBe('<pre><code class="language-rust">// (code from a/b.rs, not included)\n</code></pre>\n');
  });
});

describe('generateExportHtml', () => {
  const md = (source: string, style?: Partial<{ math: boolean; highlight: boolean; diagrams: boolean }>) =>
    generateExportHtml({
      title: '', source, format: 'md', baseDir: null, meta: {},
      ...(style ? { style: { theme: 'github', toc: false, math: true, diagrams: true, highlight: true, css: null, ...style } } : {}),
    });

  it("adds KaTeX's CSS only when the document has math, and appends math warnings", () => {
    const withMath = md('Area $\\pi r^2$ and $\\frac{1}{$.');
    expect(withMath.html).toContain('font-family:KaTeX_Main');
    expect(withMath.html).toContain('src:url(data:font/woff2;base64,');
    expect(withMath.warnings).toEqual([expect.stringMatching(/^math: "\\frac\{1\}\{" could not be rendered: KaTeX parse error/)]);
    const without = md('No math, $5 and $10.');
    expect(without.html).not.toContain('KaTeX_Main');
    expect(without.warnings).toEqual([]);
  });

  it("passes the spec's style flags through", () => {
    const off = md('$x$\n\n```rust\nfn a() {}\n```\n\n```mermaid\ngraph TD\n```', { math: false, highlight: false, diagrams: false });
    expect(off.html).toContain('<p>$x$</p>');
    expect(off.html).not.toContain('class="hljs');
    expect(off.html).not.toContain('<figure class="quire-diagram"');
    const on = md('$x$\n\n```rust\nfn a() {}\n```');
    expect(on.html).toContain('class="katex"');
    expect(on.html).toContain('<span class="hljs-keyword">fn</span>');
  });
});

describe('the Rust book (corpus)', () => {
  const dir = path.join(CORPUS, 'rust-book');
  const chapters = fs.readdirSync(dir).filter((f) => f.endsWith('.md')).sort();

  it('every chapter renders with no {{# directive, no raw $$, and its code highlighted', () => {
    expect(chapters.length).toBeGreaterThanOrEqual(100);
    let spans = 0;
    let highlighted = 0;
    for (const name of chapters) {
      const source = fs.readFileSync(path.join(dir, name), 'utf8');
      const r = renderMarkdown(source, ALL);
      expect(r.html, name).not.toContain('{{#');
      expect(r.html, name).not.toContain('$$');
      expect(r.warnings, name).toEqual([]);
      const rustFences = source.match(/^[ >]*```rust/gm)?.length ?? 0;
      const rustBlocks = r.html.match(/<code class="hljs language-rust">/g)?.length ?? 0;
      expect(rustBlocks, name).toBe(rustFences);
      const n = r.html.match(/<span class="hljs-/g)?.length ?? 0;
      if (/^[ >]*```(rust|toml|console)/m.test(source)) {
        expect(n, name).toBeGreaterThan(0);
        expect(r.hasCode, name).toBe(true);
      }
      spans += n;
      highlighted += r.hasCode ? 1 : 0;
    }
    expect(highlighted).toBeGreaterThan(70);
    // Most blocks hold only the include note (one comment span); the inline listings give the rest.
    expect(spans).toBeGreaterThan(1_000);
  });
});
