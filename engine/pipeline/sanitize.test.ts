import { describe, expect, it } from 'vitest';
import { decodeEntities, tokenizeHtml } from './html-tokenizer.ts';
import { sanitizeHtml } from './sanitize.ts';
import { activeContent, parseWithJsdom } from './test-support.ts';

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
];

// Attacks the jsdom oracle cannot see in the raw input (it parses with scripting off, does
// not look into <template>, and does not run CSS expressions); sanitized all the same.
const ORACLE_BLIND = new Set(['noscript mXSS', 'style expression', 'template', 'processing instruction']);

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
    expect(html).toContain('<div style="color: red">kept</div>');
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
    expect(sanitizeHtml('a < b && c > d <3').html).toBe('a &lt; b && c > d &lt;3');
  });

  it('balances tags: stray end tags dropped, open elements closed', () => {
    expect(sanitizeHtml('<div><p>x').html).toBe('<div><p>x</p></div>');
    expect(sanitizeHtml('a</main></body></div>b').html).toBe('ab');
    expect(sanitizeHtml('<ul><li>a<li>b</ul>').html).toBe('<ul><li>a<li>b</li></li></ul>');
  });

  it('keeps inline SVG drawing with self-closing children', () => {
    const { html } = sanitizeHtml('<svg viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/><use href="#c"/></svg><p>after</p>');
    expect(html).toBe('<svg viewbox="0 0 10 10"><circle cx="5" cy="5" r="4" /><use href="#c" /></svg><p>after</p>');
  });

  it('"/>" closes only foreign elements', () => {
    expect(sanitizeHtml('<svg/><p>x</p>').html).toBe('<svg /><p>x</p>');
    expect(sanitizeHtml('<div/>x').html).toBe('<div>x</div>');
  });

  it('keeps style elements but cannot be broken out of', () => {
    const { html } = sanitizeHtml('<style>p { color: red }</style><p>x</p>');
    expect(html).toBe('<style>p { color: red }</style><p>x</p>');
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
    expect(html).toContain('<h3 id="whats-new">What&apos;s <em>new</em>?</h3>');
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

  it('closes a heading left open when the next one starts', () => {
    const { headings, html } = sanitizeHtml('<h1>One<h2>Two</h2>');
    expect(headings.map((h) => h.text)).toEqual(['One', 'Two']);
    expect(html).toBe('<h1 id="one">One</h1><h2 id="two">Two</h2>');
  });

  it('uses "section" for a heading without text', () => {
    expect(sanitizeHtml('<h2></h2><h2>!!!</h2>').headings.map((h) => h.id)).toEqual(['section', 'section-1']);
  });
});

describe('tokenizeHtml', () => {
  it('splits tags, text, comments and raw text with offsets', () => {
    const src = '<!doctype html><p class=a title=\'b "c"\' hidden>x &amp; y</p><!-- c --><script>if (a<b) {}</script>';
    const tokens = tokenizeHtml(src);
    expect(tokens.map((t) => t.type)).toEqual(['doctype', 'start', 'text', 'end', 'comment', 'start', 'rawtext', 'end']);
    const p = tokens[1];
    expect(p.type === 'start' && p.attrs).toEqual([
      { name: 'class', raw: 'a', value: 'a' },
      { name: 'title', raw: 'b "c"', value: 'b "c"' },
      { name: 'hidden', raw: '', value: '' },
    ]);
    for (const t of tokens) expect(src.slice(t.start, t.end)).not.toBe('');
    expect(src.slice(tokens[6].start, tokens[6].end)).toBe('if (a<b) {}');
  });

  it('treats "<" that starts no tag as text', () => {
    expect(tokenizeHtml('1 < 2 <3 </ 4').map((t) => t.type)).toEqual(['text', 'comment']);
  });
});

describe('decodeEntities', () => {
  it('decodes numeric and common named references, leaves unknown ones', () => {
    expect(decodeEntities('&lt;&#65;&#x42;&#67&eacute;&hellip;&nosuch;&amp;')).toBe('<ABCé…&nosuch;&');
    expect(decodeEntities('&#0;&#xD800;&#x110000;')).toBe('\ufffd\ufffd\ufffd');
  });
});
