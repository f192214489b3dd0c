import fs from 'node:fs';
import path from 'node:path';
import katex from 'katex';
import { Marked } from 'marked';
import markedAlert from 'marked-alert';
import markedFootnote from 'marked-footnote';
import sanitize from 'sanitize-html';
import { describe, expect, it } from 'vitest';
import { cleanSvgStyleSheet, EXPORT_SANITIZE_POLICY, sanitizeHtml } from './sanitize.ts';
import { Slugger } from './slug.ts';
import { activeContent, FIXTURES, parseWithJsdom, type TestElement } from './test-support.ts';

/** Sanitizes, then lets a real HTML5 parser (jsdom) say what a browser would build. */
async function browserView(input: string) {
  const { html } = sanitizeHtml(input);
  const doc = await parseWithJsdom(`<!doctype html><html><head></head><body>${html}</body></html>`);
  return { html, doc, active: activeContent(doc.documentElement) };
}

// Each of these runs script in a browser when left alone.
const ATTACKS: Array<[string, string]> = [
  ['script element', '<p>a</p><script>alert(1)</script><p>b</p>'],
  ['uppercase script', '<SCRIPT SRC=//evil/x.js></SCRIPT>'],
  ['script never closed', '<p>x</p><script>alert(1)'],
  ['img onerror', '<img src=x onerror=alert(1)>'],
  ['slashes between attributes', '<img/src="x"/onerror=alert(1)>'],
  ['body onload', '<body onload=alert(1)>text</body>'],
  ['javascript href', '<a href="javascript:alert(1)">x</a>'],
  ['mixed-case + spaces', '<a href="  JaVaScRiPt:alert(1)">x</a>'],
  ['numeric entity', '<a href="jav&#x61;script:alert(1)">x</a>'],
  ['numeric entity without ;', '<a href="&#106avascript:alert(1)">x</a>'],
  ['named colon entity', '<a href="javascript&colon;alert(1)">x</a>'],
  ['tab inside scheme', '<a href="java\tscript:alert(1)">x</a>'],
  ['entity tab inside scheme', '<a href="java&Tab;script:alert(1)">x</a>'],
  ['control char prefix', '<a href="\u0001javascript:alert(1)">x</a>'],
  ['vbscript', '<a href="vbscript:msgbox(1)">x</a>'],
  ['data text/html link', '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>'],
  ['iframe', '<iframe src="https://evil.example"></iframe>'],
  ['iframe srcdoc', '<iframe srcdoc="<script>alert(1)</script>"></iframe>'],
  ['object + embed', '<object data="x.swf"><param name=a value=b><embed src="x.swf"></object>'],
  ['meta refresh', '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'],
  ['base href', '<base href="javascript:alert(1)//">'],
  ['form action', '<form action="javascript:alert(1)"><button>go</button></form>'],
  ['button formaction', '<button formaction="javascript:alert(1)">go</button>'],
  ['svg script', '<svg><script>alert(1)</script></svg>'],
  ['svg onload', '<svg onload=alert(1)><circle r=1 /></svg>'],
  ['svg xlink', '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>'],
  ['svg animate', '<svg><a><animate attributeName=href values=javascript:alert(1) /><text>x</text></a></svg>'],
  ['math href', '<math><mi href="javascript:alert(1)">x</mi></math>'],
  ['svg style mXSS', '<svg><style><img src=x onerror=alert(1)></style></svg>'],
  ['noscript mXSS', '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>'],
  ['comment trick', '<!--><script>alert(1)</script>-->'],
  ['comment bang close', '<!-- a --!><img src=x onerror=alert(1)>'],
  ['attribute breakout', '<p title="a"onmouseover=alert(1)//">x</p>'],
  ['duplicate attribute', '<a href="#ok" href="javascript:alert(1)" onclick="x">x</a>'],
  ['style expression', '<div style="width: expression(alert(1))">x</div>'],
  ['template', '<template><img src=x onerror=alert(1)></template>'],
  ['textarea breakout', '<textarea></textarea><script>alert(1)</script></textarea>'],
  ['title in body', '<title></title><img src=x onerror=alert(1)></title>'],
  ['unterminated tag at EOF', '<p>x</p><img src=x onerror=alert(1)'],
  ['processing instruction', '<?xml-stylesheet href="javascript:alert(1)"?><p>x</p>'],
  ['script inside svg text', '<svg><text>a<script>alert(1)</script></text></svg>'],
  ['svg a href', '<svg><a href="javascript:alert(1)"><rect width="5" height="5"></rect></a></svg>'],
  ['math annotation-xml breakout', '<math><annotation-xml encoding="text/html"><img src=x onerror=alert(1)></annotation-xml></math>'],
  ['foreignObject', '<svg><foreignObject><img src=x onerror=alert(1)></foreignObject></svg>'],
  ['svg style breakout', '<svg><style></style><img src=x onerror=alert(1)></style></svg>'],
  ['math style mXSS', '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>'],
  ['svg set', '<svg><a><set attributeName="href" to="javascript:alert(1)" /><text>x</text></a></svg>'],
  ['input with event', '<input type="checkbox" onfocus="alert(1)" autofocus>'],
];

// Attacks the jsdom oracle cannot see in the raw input (it parses with scripting off, does
// not look into <template>, and does not run CSS expressions); sanitized all the same.
const ORACLE_BLIND = new Set([
  'noscript mXSS', 'style expression', 'template', 'processing instruction', 'svg style breakout', 'math style mXSS',
]);

describe('sanitizeHtml', () => {
  it.each(ATTACKS.filter(([name]) => !ORACLE_BLIND.has(name)))('test oracle sees the raw attack: %s', async (_name, input) => {
    const doc = await parseWithJsdom(`<!doctype html><html><head></head><body>${input}</body></html>`);
    expect(activeContent(doc.documentElement)).not.toEqual([]);
  });

  it.each(ATTACKS)('removes active content: %s', async (_name, input) => {
    const { active, doc } = await browserView(input);
    expect(active).toEqual([]);
    expect(doc.body.querySelectorAll('script').length).toBe(0);
  });

  it('keeps the harmless parts of attacked markup', async () => {
    const { doc, html } = await browserView(
      '<p>before</p><script>x</script><a href="javascript:alert(1)" title="t">link text</a><div style="color: red" onclick="x">kept</div>',
    );
    expect(doc.body.textContent).toContain('before');
    expect(doc.body.textContent).toContain('link text');
    expect(doc.body.textContent).toContain('kept');
    expect(html).toContain('<a title="t">link text</a>');
    // sanitize-html re-serializes the declarations it checked (no spaces, no trailing ';').
    expect(html).toContain('<div style="color:red">kept</div>');
  });

  it('keeps http(s), mailto, tel, relative and #fragment links', () => {
    const { html } = sanitizeHtml(
      '<a href="https://a.example/x?y=1&amp;z=2">1</a><a href="http://b.example">2</a><a href="mailto:x@y.z">3</a>' +
        '<a href="tel:+123">4</a><a href="../other.md#part">5</a><a href="#top">6</a><a href="ftp://c.example">7</a>',
    );
    expect(html).toContain('href="https://a.example/x?y=1&amp;z=2"');
    expect(html).toContain('href="http://b.example"');
    expect(html).toContain('href="mailto:x@y.z"');
    expect(html).toContain('href="tel:+123"');
    expect(html).toContain('href="../other.md#part"');
    expect(html).toContain('href="#top"');
    expect(html).toContain('<a>7</a>');
  });

  it('escapes text so a "<" is never markup', () => {
    // Every "&" and ">" is escaped too now (the old tokenizer kept them): same text in a browser.
    expect(sanitizeHtml('a < b && c > d <3').html).toBe('a &lt; b &amp;&amp; c &gt; d &lt;3');
  });

  it('balances tags: stray end tags dropped, open elements closed', () => {
    expect(sanitizeHtml('<div><p>x').html).toBe('<div><p>x</p></div>');
    expect(sanitizeHtml('a</main></body></div>b').html).toBe('ab');
    // htmlparser2 closes an <li> at the next one, as a browser does (the old tokenizer nested them).
    expect(sanitizeHtml('<ul><li>a<li>b</ul>').html).toBe('<ul><li>a</li><li>b</li></ul>');
  });

  it('keeps inline SVG drawing with self-closing children', () => {
    // SVG children are written with an end tag rather than "/>": the same tree in a browser.
    const { html } = sanitizeHtml('<svg viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/><use href="#c"/></svg><p>after</p>');
    expect(html).toBe('<svg viewbox="0 0 10 10"><circle cx="5" cy="5" r="4"></circle><use href="#c"></use></svg><p>after</p>');
  });

  it('"/>" closes only foreign elements', () => {
    expect(sanitizeHtml('<svg/><p>x</p>').html).toBe('<svg></svg><p>x</p>');
    expect(sanitizeHtml('<div/>x').html).toBe('<div>x</div>');
  });

  it('drops <style> and <title> outside SVG, with their content', () => {
    // A document-level sheet could restyle or hide the whole export (and load url()s in the
    // preview); the theme and the user's CSS file are the ways to style an export.
    expect(sanitizeHtml('<style>p { color: red }</style><p>x</p>').html).toBe('<p>x</p>');
    expect(sanitizeHtml('<title>T</title><p>x</p><svg><title>tip</title></svg>').html).toBe('<p>x</p><svg><title>tip</title></svg>');
  });

  it('opens <details> so their content reaches the PDF', () => {
    expect(sanitizeHtml('<details><summary>More</summary>hidden</details>').html).toBe('<details open><summary>More</summary>hidden</details>');
    expect(sanitizeHtml('<details open="">x</details>').html).toBe('<details open>x</details>');
  });

  it('drops img sources other than data:image by default', () => {
    expect(sanitizeHtml('<img src="x.png" alt="a">').html).toBe('<img alt="a">');
    expect(sanitizeHtml('<img src="data:image/png;base64,AAAA" alt="a">').html).toBe('<img src="data:image/png;base64,AAAA" alt="a">');
    expect(sanitizeHtml('<img src="data:text/html,x">').html).toBe('<img>');
  });
});

describe('sanitizeHtml on random markup', () => {
  // A deterministic soup of the pieces attacks are made of. About 40% of these inputs run
  // script when parsed raw; whatever the tokenizer makes of them, a real parser must find
  // nothing active in the sanitized output.
  const PIECES = [
    '<img', '<script>', '</script>', '<svg>', '</svg>', '<a', '<iframe>', '<style>', '</style>', '<noscript>', '</noscript>',
    '<title>', '</title>', '<textarea>', '</textarea>', '<math>', '<p', '</p>', '<!--', '-->', '--!>', '<!', '<?', '</', '<',
    '>', '/>', '/', '"', "'", '=', ' ', '\t', ' src=x', ' onerror=alert(1)', ' href="javascript:alert(1)"',
    ' href=jav&#x61;script:alert(1)', ' xlink:href=javascript:alert(1)', ' title="', 'x', '<![CDATA[', ']]>',
  ];
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };

  it('never throws and never lets anything active through (300 cases)', async () => {
    const inputs: string[] = [];
    for (let k = 0; k < 300; k++) {
      let input = '';
      const len = 3 + rand(30);
      for (let j = 0; j < len; j++) input += PIECES[rand(PIECES.length)];
      inputs.push(input);
    }
    // jsdom takes ~0.1 s a document: the outputs are checked together, each in its own div
    // (sanitized output is balanced), and only a sample of the raw inputs one by one.
    const outputs = inputs.map((input) => sanitizeHtml(input).html);
    const all = await parseWithJsdom(`<!doctype html><html><head></head><body>${outputs.map((h) => `<div>${h}</div>`).join('')}</body></html>`);
    if (activeContent(all.documentElement).length) {
      for (const input of inputs) expect((await browserView(input)).active, input).toEqual([]);
    }
    expect(activeContent(all.documentElement)).toEqual([]);
    let dangerous = 0;
    for (const input of inputs.slice(0, 60)) {
      const raw = await parseWithJsdom(`<!doctype html><html><head></head><body>${input}</body></html>`);
      if (activeContent(raw.documentElement).length) dangerous++;
    }
    expect(dangerous).toBeGreaterThan(10); // the soup does contain real attacks
  });
});

describe('heading ids', () => {
  it('gives GitHub-style slugs, unique with -1, -2', () => {
    const { html, headings } = sanitizeHtml('<h1>Intro</h1><h2>Intro</h2><h2>Intro</h2><h3>What&apos;s <em>new</em>?</h3>');
    expect(headings).toEqual([
      { level: 1, text: 'Intro', id: 'intro' },
      { level: 2, text: 'Intro', id: 'intro-1' },
      { level: 2, text: 'Intro', id: 'intro-2' },
      { level: 3, text: "What's new?", id: 'whats-new' },
    ]);
    expect(html).toContain('<h3 id="whats-new">What\'s <em>new</em>?</h3>');
  });

  it('slugs CJK headings', () => {
    const { headings } = sanitizeHtml('<h2>系统设计主题：从这里开始</h2><h2>システム設計の トピック</h2>');
    expect(headings.map((h) => h.id)).toEqual(['系统设计主题从这里开始', 'システム設計の-トピック']);
  });

  it('keeps an id the author gave, made unique', () => {
    const { headings, html } = sanitizeHtml('<h2 id="setup" class="x">Install</h2><h2>Setup</h2><h2 id="setup">Again</h2>');
    expect(headings.map((h) => h.id)).toEqual(['setup', 'setup-1', 'setup-2']);
    expect(html).toContain('<h2 id="setup" class="x">Install</h2>');
  });

  it('closes a heading left open when the next one starts', async () => {
    const { headings, html } = sanitizeHtml('<h1>One<h2>Two</h2>');
    expect(headings.map((h) => h.text)).toEqual(['One', 'Two']);
    // htmlparser2 nests the second heading; a browser closes the first one there, as before.
    expect(html).toBe('<h1 id="one">One<h2 id="two">Two</h2></h1>');
    const doc = await parseWithJsdom(`<body>${html}</body>`);
    expect(Array.from(doc.body.querySelectorAll('h1, h2')).map((h) => [h.tagName, h.textContent])).toEqual([['H1', 'One'], ['H2', 'Two']]);
  });

  it('a formula in a heading reads once in its text (MathML, not the TeX or the hidden HTML copy)', () => {
    const tex = katex.renderToString('x^2', { output: 'htmlAndMathml', throwOnError: false });
    const { headings } = sanitizeHtml(`<h2>Area ${tex} units</h2>`);
    expect(headings).toEqual([{ level: 2, text: 'Area x2 units', id: 'area-x2-units' }]);
  });

  it('uses "section" for a heading without text', () => {
    expect(sanitizeHtml('<h2></h2><h2>!!!</h2>').headings.map((h) => h.id)).toEqual(['section', 'section-1']);
  });
});


/** Tag and attributes (style declarations normalized) of every element, in document order. */
function shape(root: TestElement, skip: (tag: string, name: string, value: string) => boolean = () => false): string[] {
  return Array.from(root.querySelectorAll('*')).map((el) => {
    const attrs = Array.from(el.attributes)
      .filter((a) => !skip(el.tagName.toLowerCase(), a.name, a.value))
      .map((a) => {
        if (a.name !== 'style') return `${a.name}=${a.value}`;
        const decls = a.value.split(';').map((d) => d.replace(/\s*:\s*/, ':').trim()).filter(Boolean);
        return decls.length ? `style=${decls.join(';')}` : '';
      })
      .filter(Boolean)
      .sort();
    return `${el.tagName.toLowerCase()}[${attrs.join(' ')}]`;
  });
}

/** The raw and the sanitized markup, both as a browser (jsdom) builds them. */
async function beforeAfter(raw: string) {
  const { html } = sanitizeHtml(raw);
  const [before, after] = await Promise.all([parseWithJsdom(`<body>${raw}</body>`), parseWithJsdom(`<body>${html}</body>`)]);
  return { html, before: before.body, after: after.body };
}

describe('KaTeX output (real samples)', () => {
  const FORMULAS = [
    String.raw`E = mc^2`,
    String.raw`\frac{a}{b} + \sqrt{x^2+y^2} + \sqrt[3]{z}`,
    String.raw`\sum_{i=0}^{n} i^2 = \int_0^1 f(x)\,dx`,
    String.raw`\begin{pmatrix} a & b \\ c & d \end{pmatrix}`,
    String.raw`\overrightarrow{AB} \underbrace{x+y}_{n} \widehat{xyz}`,
    String.raw`\color{red}{x} \colorbox{yellow}{y} \fcolorbox{red}{blue}{z} \boxed{w} \cancel{5}`,
    String.raw`\begin{array}{|c|c|}\hline a & b \\ \hline\end{array} \xrightarrow[under]{over} \tag{1}`,
    String.raw`\mathbb{R} \mathcal{A} \phantom{x} \hspace{1em} \rule{1em}{2em} \text{ok}`,
    String.raw`\bad{x}`,
  ];
  const render = (tex: string, displayMode: boolean) => katex.renderToString(tex, { output: 'htmlAndMathml', throwOnError: false, displayMode });

  it.each(FORMULAS)('keeps every element, attribute and style of %s', async (tex) => {
    for (const displayMode of [false, true]) {
      const { before, after, html } = await beforeAfter(render(tex, displayMode));
      expect(shape(after)).toEqual(shape(before));
      expect(after.textContent).toBe(before.textContent);
      if (before.querySelectorAll('math').length) expect(html).toContain('<math xmlns="http://www.w3.org/1998/Math/MathML"');
    }
  });

  it('keeps the MathML tree and KaTeX inline styles', () => {
    const { html } = sanitizeHtml(render(String.raw`\frac{a}{b}^2 \sqrt{x}`, false));
    for (const tag of ['<math', '<semantics>', '<mrow>', '<mfrac>', '<msup>', '<msqrt>', '<annotation encoding="application/x-tex">']) {
      expect(html).toContain(tag);
    }
    expect(html).toMatch(/<span class="katex-strut" style="height:[\d.]+em;vertical-align:-?[\d.]+em">/);
    expect(html).toContain('aria-hidden="true"');
  });
});

describe('Mermaid SVG (real samples rendered in Chromium, htmlLabels off)', () => {
  const samples = ['flowchart', 'sequence', 'class'].map((name) => [name, fs.readFileSync(path.join(FIXTURES, 'mermaid', `${name}.svg`), 'utf8')]);

  it.each(samples)('%s: every element and attribute survives, the <style> sheet too', async (_name, svg) => {
    const { before, after, html } = await beforeAfter(svg);
    // Except what the HTML validator rejects: empty font-weight="" and viewBox on a <path>.
    const invalid = (tag: string, name: string, value: string) => (name === 'font-weight' && value === '') || (tag === 'path' && name === 'viewBox');
    expect(shape(after)).toEqual(shape(before, invalid));
    expect(after.textContent).toBe(before.textContent);
    expect(activeContent(after)).toEqual([]);
    expect(html).toMatch(/<svg [^>]*>[^]*?<style>#d-[a-z]+\{font-family:/);
    expect(html).toMatch(/marker-(start|end)="url\(#d-/);
  });

  it('hostile additions to a real diagram are removed, the drawing stays', async () => {
    const svg = samples[0][1]
      .replace('<g', '<script>alert(1)</script><a xlink:href="javascript:alert(2)"><text>x</text></a><use href="http://evil.example/s.svg#a"></use><g')
      .replace('<svg ', '<svg onload="alert(3)" ')
      .replace('<style>', '<style>@import url(http://evil.example/x.css);#x{background:url(http://evil.example/b.png)}')
      .replace('<path ', '<path style="background:url(http://evil.example/p)" ');
    const { html, after } = await beforeAfter(svg);
    expect(activeContent(after)).toEqual([]);
    expect(html).not.toMatch(/<script|onload|javascript:|evil\.example|@import/i);
    expect(html).toContain('<a><text>x</text></a>');
    expect(html).toContain('<use></use>');
    expect(html).toContain('#x{background:none}');
    expect(after.querySelectorAll('path').length).toBe((await parseWithJsdom(`<body>${samples[0][1]}</body>`)).body.querySelectorAll('path').length);
  });
});

describe('what the Markdown features emit', () => {
  const marked = new Marked({ gfm: true }).use(markedFootnote()).use(markedAlert());

  it('footnotes, callouts, task lists, definition lists, marks, details, figures, tables, code', async () => {
    const raw =
      marked.parse('Text[^1].\n\n[^1]: The note.\n\n> [!NOTE]\n> Careful.\n\n- [x] done\n- [ ] not yet\n\n| a | b |\n|:-|-:|\n| 1 | 2 |\n', { async: false }) +
      '<dl><dt>Term</dt><dd>Definition</dd></dl><p><mark>hi</mark></p><details><summary>More</summary><p>body</p></details>' +
      '<figure class="quire-diagram" data-diagram="mermaid"><pre><code class="language-mermaid">graph TD</code></pre><figcaption>Cap</figcaption></figure>' +
      '<pre><code class="hljs language-rust"><span class="hljs-keyword">fn</span> main() {}</code></pre>' +
      '<nav class="quire-toc" aria-label="Contents"><ol><li><a href="#a">A</a></li></ol></nav><table><tr><td style="text-align: center">c</td></tr></table>';
    const { before, after, html } = await beforeAfter(raw);
    // <details> gains "open"; nothing else changes.
    expect(shape(after)).toEqual(shape(before).map((s) => (s.startsWith('details[') ? 'details[open=]' : s)));
    expect(html).toContain('<a id="footnote-ref-1" href="#footnote-1" data-footnote-ref aria-describedby="footnote-label">1</a>');
    expect(html).toContain('<section class="footnotes" data-footnotes>');
    expect(html).toContain('<a href="#footnote-ref-1" data-footnote-backref aria-label="Back to reference 1">');
    expect(html).toContain('<div class="markdown-alert markdown-alert-note">');
    expect(html).toMatch(/<p class="markdown-alert-title"><svg class="octicon octicon-info mr-2" viewbox="0 0 16 16" width="16" height="16" aria-hidden="true"><path d="M0 8a8/);
    expect(html).toContain('<input checked disabled type="checkbox" />');
    expect(html).toContain('<input disabled type="checkbox" />');
    expect(html).toContain('<th align="left">a</th>');
    expect(html).toContain('<td style="text-align:center">c</td>');
    expect(html).toContain('<span class="hljs-keyword">fn</span>');
  });
});

describe('CSS', () => {
  it('style attributes keep listed properties with plain values only', () => {
    const out = (style: string) => sanitizeHtml(`<span style="${style}">x</span>`).html;
    expect(out('height:0.6833em;vertical-align:-0.05em;margin-right:0.0576em;border-bottom-width:0.04em;min-width:1.02em;top:-3.113em'))
      .toBe('<span style="height:0.6833em;vertical-align:-0.05em;margin-right:0.0576em;border-bottom-width:0.04em;min-width:1.02em;top:-3.113em">x</span>');
    expect(out('color:#cc0000;background-color:rgba(1, 2, 3, 0.5);border:0.04em solid red')).toBe(
      '<span style="color:#cc0000;background-color:rgba(1, 2, 3, 0.5);border:0.04em solid red">x</span>',
    );
    for (const bad of [
      'background:url(http://x)', 'background-image:url(x.png)', 'width:expression(alert(1))', 'color:red;behavior:url(x.htc)',
      'font-family:\\75 rl(x)', 'background-color:image-set("x.png" 1x)', 'position:fixed', 'list-style-image:url(x)',
      'color:javascript:alert(1)', '-moz-binding:url(x)',
    ]) {
      expect(out(bad), bad).not.toMatch(/url|expression|image-set|javascript|fixed|binding|\\75/);
    }
  });

  it('SVG paint attributes may point inside the document only', () => {
    const { html } = sanitizeHtml('<svg><path fill="url(#g)" stroke="url(http://x/a.svg#b)" filter="url( \'#f\' )" marker-end="url(//x#m)" clip-path="none"></path></svg>');
    expect(html).toBe('<svg><path fill="url(#g)" filter="url( \'#f\' )" clip-path="none"></path></svg>');
  });

  it('an SVG <style> sheet loses url(), @import and comments; unsafe leftovers drop it whole', () => {
    expect(cleanSvgStyleSheet('#a .b>c{fill:red;background:url("http://x/y.png")}@import "z.css";d{marker-end:url(#m)}/* c */'))
      .toBe('#a .b&gt;c{fill:red;background:none}d{marker-end:url(#m)} ');
    expect(cleanSvgStyleSheet('a{width:expression(alert(1))}')).toBe('');
    expect(cleanSvgStyleSheet('a{background:\\75 rl(x)}')).toBe('');
    expect(cleanSvgStyleSheet('a{background:url(x}')).toBe('');
    // Inside <svg> the browser decodes references: an encoded url( is still caught.
    expect(cleanSvgStyleSheet('a{background:ur&#108;(http://x)}')).toBe('a{background:none}');
    expect(cleanSvgStyleSheet('a&gt;b{fill:red}')).toBe('a&gt;b{fill:red}');
  });
});

describe('images and headings hooks', () => {
  it('hands every <img> to the callback in document order, with sanitized attributes', () => {
    const seen: unknown[] = [];
    const { html } = sanitizeHtml('<p><img src="a.png" alt="A &amp; B" title="t" onerror="x" srcset="b.png 2x"></p><img alt=two><template><img src=hidden.png></template>', {
      image: (img) => {
        seen.push(img);
        return `[${img.src}]`;
      },
    });
    expect(seen).toEqual([
      { src: 'a.png', alt: 'A & B', attrs: ' alt="A &amp; B" title="t"' },
      { src: null, alt: 'two', attrs: ' alt="two"' },
    ]);
    expect(html).toBe('<p>[a.png]</p>[null]');
  });

  it('markers cannot be forged from text or attributes', () => {
    const calls: string[] = [];
    const { html, headings } = sanitizeHtml(
      '<p title=\'<img data-quire-img="0" />\'>&lt;h2 data-quire-h="0"</p><div data-quire-h="0" data-quire-img="0">x</div><img data-quire-img="7" src="a.png">',
      { image: (img) => (calls.push(img.src ?? ''), '<img>') },
    );
    expect(calls).toEqual(['a.png']);
    expect(headings).toEqual([]);
    expect(html).toBe('<p title="&lt;img data-quire-img=&quot;0&quot; /&gt;">&lt;h2 data-quire-h="0"</p><div>x</div><img>');
  });

  it('a shared slugger keeps ids unique across fragments', () => {
    const slugger = new Slugger();
    expect(sanitizeHtml('<h2>A</h2>', { slugger }).headings[0].id).toBe('a');
    expect(sanitizeHtml('<h2>A</h2>', { slugger }).headings[0].id).toBe('a-1');
  });
});

describe('EXPORT_SANITIZE_POLICY on its own (as sanitize-html options)', () => {
  it('removes the same attacks, and every <style>', async () => {
    const outputs = ATTACKS.map(([, input]) => sanitize(input, EXPORT_SANITIZE_POLICY));
    const doc = await parseWithJsdom(`<body>${outputs.map((h) => `<div>${h}</div>`).join('')}</body>`);
    expect(activeContent(doc.body)).toEqual([]);
    expect(sanitize('<svg><style>a{}</style></svg><style>b{}</style>', EXPORT_SANITIZE_POLICY)).toBe('<svg></svg>');
  });
});
