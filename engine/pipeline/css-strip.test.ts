import { describe, expect, it } from 'vitest';
import { stripRemoteCss } from './css-strip.ts';

const PNG = 'data:image/png;base64,iVBORw0KGgo=';

describe('stripRemoteCss', () => {
  it('removes @import in every spelling, keeping the rules around it', () => {
    const { css, removed } = stripRemoteCss('@import url("http://x/a.css");\n@IMPORT \'https://x/b.css\' screen;\n@\\69mport "//x/c.css";\nh1 { color: red }');
    expect(css).not.toMatch(/import|x\//i);
    expect(css).toContain('h1 { color: red }');
    expect(removed).toEqual(['@import url("http://x/a.css")', "@IMPORT 'https://x/b.css' screen", '@\\69mport "//x/c.css"']);
  });

  it('replaces url() of the network, of other files and escaped spellings with none', () => {
    const cases = ['url(http://x/a.png)', 'url( "https://x/a.png" )', "URL('//x/a.png')", 'u\\72l(http://x/a.png)', 'url(ht\\74p://x/a.png)', 'url(file:///etc/passwd)', 'url(../secret.png)'];
    for (const u of cases) {
      const { css, removed } = stripRemoteCss(`body { background: ${u} no-repeat; }`);
      expect(css, u).toBe('body { background: none no-repeat; }');
      expect(removed, u).toEqual([u]);
    }
  });

  it('keeps data: URLs (embedded fonts and images) and url(#fragment)', () => {
    const sheet = `@font-face { font-family: Q; src: url(${PNG}) format("woff2"); }\n.a { background: url("${PNG}"); filter: url(#blur); }`;
    expect(stripRemoteCss(sheet)).toEqual({ css: sheet, removed: [] });
  });

  it('judges every source of an @font-face src and of image-set()', () => {
    const { css } = stripRemoteCss(`@font-face { src: url(https://x/f.woff2) format("woff2"), url(${PNG}) format("woff2"); }`);
    expect(css).toBe(`@font-face { src: none format("woff2"), url(${PNG}) format("woff2"); }`);
    expect(stripRemoteCss(`a { background-image: image-set("https://x/a.png" 1x, url(${PNG}) 2x); }`).css).toBe('a { background-image: none; }');
    expect(stripRemoteCss(`a { background-image: -webkit-image-set(url(${PNG}) 1x); }`).removed).toEqual([]);
    expect(stripRemoteCss('a { background: src("https://x/a.png"); }').css).toBe('a { background: none; }');
  });

  it('leaves strings and comments alone: they load nothing', () => {
    const sheet = 'p::after { content: "url(http://x) @import"; } /* url(http://x) @import "y"; */ --v: \'url(http://x)\';';
    expect(stripRemoteCss(sheet)).toEqual({ css: sheet, removed: [] });
  });

  it('a longer name ending in url is not url()', () => {
    const sheet = 'a { --my-url: 1; b: myurl(x); }';
    expect(stripRemoteCss(sheet)).toEqual({ css: sheet, removed: [] });
  });

  it('unterminated input ends the cut at the end of the sheet, never loops', () => {
    expect(stripRemoteCss('a { background: url(http://x/a.png').css).toBe('a { background: none');
    expect(stripRemoteCss('@import "x.css"').css).toBe('');
    expect(stripRemoteCss('a { b: "unterminated\n}').css).toBe('a { b: "unterminated\n}');
  });

  it('is linear on megabytes of embedded fonts', () => {
    const big = `@font-face { src: url(data:font/woff2;base64,${'A'.repeat(4_000_000)}) format("woff2"); }`;
    const t = performance.now();
    expect(stripRemoteCss(big).css).toBe(big);
    expect(performance.now() - t).toBeLessThan(3000);
  });
});
