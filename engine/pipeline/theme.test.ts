import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rmrf, tempDir } from '../../tests/helpers.ts';
import { QuireError } from '../api/errors.ts';
import { THEMES } from '../api/export-spec.ts';
import { fontsourceRoot, slicesOf, type CjkFont } from './fonts.ts';
import { documentCss, loadThemeCss, resolveThemesDir, THEME_FACES } from './theme.ts';

function failure(fn: () => unknown): QuireError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(QuireError);
    return e as QuireError;
  }
  throw new Error('expected a QuireError');
}

const themesDir = resolveThemesDir();
const base = fs.readFileSync(path.join(themesDir, 'base.css'), 'utf8');

/** The CSS family name fontsource gives a package ("Noto Sans JP"). */
const familyOf = (pkg: Parameters<typeof slicesOf>[1]) => slicesOf(fontsourceRoot()!, pkg, 400, 'normal')[0].family;

describe('loadThemeCss', () => {
  it.each(THEMES)('%s: base.css first, then the theme; braces balanced', (theme) => {
    const css = loadThemeCss({ theme });
    expect(css.startsWith(base)).toBe(true);
    expect(css).toContain(`Quire theme "${theme}"`);
    expect(css.split('{').length).toBe(css.split('}').length);
  });

  it('defaults to github, and "default" is another name for it', () => {
    expect(loadThemeCss()).toBe(loadThemeCss({ theme: 'github' }));
    expect(loadThemeCss({ theme: 'default' })).toBe(loadThemeCss({ theme: 'github' }));
  });

  it('an unknown theme or a resources folder without themes is a CONVERSION_FAILED that says what to do', () => {
    expect(failure(() => loadThemeCss({ theme: 'neon' as never })).message).toContain('use github, book, report');
    const err = failure(() => loadThemeCss({ resourcesDir: '/nonexistent/resources' }));
    expect(err.code).toBe('CONVERSION_FAILED');
    expect(err.message).toContain('/nonexistent/resources/themes/base.css');
  });

  it('themePath replaces the named theme and keeps base.css', () => {
    const dir = tempDir();
    try {
      const own = path.join(dir, 'own.css');
      fs.writeFileSync(own, 'body { --own: 1 }');
      const css = loadThemeCss({ theme: 'book', themePath: own });
      expect(css).toBe(`${base}\nbody { --own: 1 }`);
    } finally {
      rmrf(dir);
    }
  });
});

describe('what the themes style', () => {
  // One place for each, so no rule is written three times.
  const selectors = [
    '.quire-title', '.quire-subtitle', '.quire-author', '.quire-date', ':lang(ja)', ':lang(ko)', ':lang(zh-Hant)',
    '.hljs-keyword', '.hljs-string', '.hljs-comment', '.hljs-title', '.hljs-number', '.hljs-built_in', '.hljs-type', '.hljs-attr',
    '.hljs-meta', '.hljs-literal', '.hljs-symbol', '.hljs-variable', '.hljs-params', '.hljs-section', '.hljs-addition', '.hljs-deletion',
    '.markdown-alert-note', '.markdown-alert-tip', '.markdown-alert-important', '.markdown-alert-warning', '.markdown-alert-caution',
    '.markdown-alert-info', '.markdown-alert-danger', '.markdown-alert-question', '.markdown-alert-title',
    'section.footnotes', 'a[data-footnote-ref]', 'dt', 'dd', 'mark', 'input[type="checkbox"]', '.katex-display', '.quire-math-error',
    'figure.quire-diagram', 'nav.quire-toc', 'thead', '@media print',
  ];
  it.each(selectors)('base.css styles %s', (selector) => {
    expect(base).toContain(selector);
  });

  it('code wraps instead of running off the page, and table headers repeat on every page', () => {
    expect(base).toMatch(/pre \{[^}]*white-space: pre-wrap;[^}]*overflow-wrap: anywhere;/);
    expect(base).toMatch(/thead \{ display: table-header-group;/);
    expect(base).not.toMatch(/table \{[^}]*break-inside: avoid/);
  });

  it.each(THEMES)('%s: its font stacks start with the faces fonts.ts embeds for it', (theme) => {
    const css = loadThemeCss({ theme });
    const last = (prop: string) => [...css.matchAll(new RegExp(`${prop}: "([^"]+)"`, 'g'))].pop()![1];
    expect(last('--quire-face-text')).toBe(familyOf(THEME_FACES[theme].text));
    expect(last('--quire-face-mono')).toBe(familyOf(THEME_FACES[theme].mono));
  });

  it('the CJK face base.css picks for each language is the family fonts.ts embeds', () => {
    const byLang: Array<[RegExp, CjkFont]> = [
      [/^:root \{[^}]*--quire-face-cjk: "([^"]+)"/m, 'noto-sans-sc'],
      [/^:lang\(ja\) \{\s*--quire-face-cjk: "([^"]+)"/m, 'noto-sans-jp'],
      [/^:lang\(ko\) \{\s*--quire-face-cjk: "([^"]+)"/m, 'noto-sans-kr'],
      [/^:lang\(zh-Hant\)[^{]*\{\s*--quire-face-cjk: "([^"]+)"/m, 'noto-sans-tc'],
    ];
    for (const [re, pkg] of byLang) expect(base.match(re)?.[1]).toBe(familyOf(pkg));
  });
});

describe('documentCss', () => {
  it('is the theme, then the fonts the text needs, then the user CSS', () => {
    const { css, fontBytes, warnings } = documentCss({ theme: 'report', text: '<p>Hello</p>', lang: 'en', userCss: 'h1 { color: red }' });
    expect(warnings).toEqual([]);
    expect(css.startsWith(loadThemeCss({ theme: 'report' }))).toBe(true);
    const fonts = css.indexOf('@font-face');
    expect(fonts).toBeGreaterThan(0);
    expect(css.indexOf('h1 { color: red }')).toBeGreaterThan(css.lastIndexOf('@font-face'));
    expect(css.endsWith('h1 { color: red }')).toBe(true);
    expect(fontBytes).toBeGreaterThan(0);
    expect(css).not.toContain("font-family:'Noto"); // no CJK face without CJK text
  });

  it('Japanese text gets the Noto Sans JP face; no user CSS adds nothing', () => {
    const { css } = documentCss({ theme: 'github', text: '日本語', lang: 'ja', userCss: '  ' });
    expect(css).toContain("font-family:'Noto Sans JP'");
    expect(css).not.toContain("font-family:'Noto Sans SC'");
    expect(css).not.toContain("The user's CSS");
  });

  it('embedFonts: false names the faces but embeds nothing', () => {
    const { css, fontBytes } = documentCss({ theme: 'github', text: '日本語 text', lang: 'ja', embedFonts: false, userCss: 'p{--user:1}' });
    expect(css).not.toContain('@font-face');
    expect(fontBytes).toBe(0);
    expect(css).toBe(`${loadThemeCss({ theme: 'github' })}\n/* The user's CSS. */\np{--user:1}`);
  });

  it('themeCss (tests) replaces base and theme but still gets fonts and user CSS', () => {
    const { css } = documentCss({ themeCss: 'p{--inline:1}', text: 'x', userCss: 'p{--user:1}' });
    expect(css.startsWith('p{--inline:1}')).toBe(true);
    expect(css).toContain("font-family:'Inter'");
    expect(css.endsWith('p{--user:1}')).toBe(true);
  });
});
