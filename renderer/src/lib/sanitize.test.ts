// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { previewDocument, renderPreviewHtml, sanitizeHtml } from './sanitize.ts';

describe('preview sanitizer', () => {
  it('keeps ordinary Markdown output', () => {
    const html = renderPreviewHtml('# Title\n\nSome *em* and [a link](https://example.com).\n\n| a |\n|---|\n| 1 |', 'md');
    expect(html).toContain('<h1>Title</h1>');
    expect(html).toContain('<em>em</em>');
    expect(html).toContain('<a href="https://example.com">a link</a>');
    expect(html).toContain('<table>');
  });

  it.each([
    ['<script>alert(1)</script><p>x</p>', /<script/i],
    ['<img src="a.png" onerror="alert(1)">', /onerror/i],
    ['<a href="javascript:alert(1)">x</a>', /javascript:/i],
    ['<a href=" JaVaScRiPt:alert(1)">x</a>', /javascript:/i],
    ['<iframe src="https://evil.example"></iframe>', /<iframe/i],
    ['<svg><script>alert(1)</script></svg>', /<svg|<script/i],
    ['<form action="https://evil.example"><input name="a"></form>', /<form|<input/i],
    ['<meta http-equiv="refresh" content="0;url=https://evil.example">', /<meta/i],
    ['<object data="x.swf"></object><embed src="x.swf">', /<object|<embed/i],
    ['<div style="background:url(javascript:alert(1))" onclick="x()">d</div>', /style=|onclick/i],
    ['<img src="data:text/html;base64,PHNjcmlwdD4=">', /data:text/i],
  ])('removes what could run or navigate: %s', (input, forbidden) => {
    expect(sanitizeHtml(input)).not.toMatch(forbidden);
  });

  it('keeps data: images and relative links', () => {
    const out = sanitizeHtml('<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot"><a href="#sec">s</a><a href="other.md">o</a>');
    expect(out).toContain('src="data:image/png;base64,iVBORw0KGgo="');
    expect(out).toContain('href="#sec"');
    expect(out).toContain('href="other.md"');
  });

  it('keeps the inline image types an export embeds (svg too, as an <img>) and no others', () => {
    const svg = 'data:image/svg+xml;base64,PHN2Zy8+';
    const out = sanitizeHtml(`<img src="${svg}"><img src="data:image/avif;base64,AAAA"><img src="data:image/tiff;base64,AAAA"><a href="${svg}">x</a>`);
    expect(out).toContain(`<img src="${svg}">`);
    expect(out).toContain('src="data:image/avif;base64,AAAA"');
    expect(out).not.toContain('image/tiff');
    expect(out).not.toContain(`href="${svg}"`); // a link to a data: URI would navigate to it
  });

  it('points a document\'s stored images at their copies, marks missing ones, and leaves remote ones alone', () => {
    const sha = 'a'.repeat(64);
    const resolve = (ref: string) => (ref === 'images/a.png' ? `/document-assets/${sha}?token=t0k-en` : ref === 'evil.png' ? 'javascript:alert(1)' : null);
    const out = sanitizeHtml('<img src="images/a.png" srcset="x.png 2x" alt="A"><img src="gone.png"><img src="evil.png"><img src="https://example.com/r.png">', resolve);
    expect(out).toContain(`<img src="/document-assets/${sha}?token=t0k-en" alt="A">`);
    expect(out).toContain('<img class="missing-image" title="Image not added yet: gone.png" alt="Missing image: gone.png">');
    // A resolver can only ever produce a stored-asset address: anything else counts as missing.
    expect(out).not.toContain('javascript:');
    expect(out).toContain('<img src="https://example.com/r.png">');
    // Without a resolver (a host that serves no assets) references are left as they were.
    expect(sanitizeHtml('<img src="images/a.png">')).toBe('<img src="images/a.png">');
  });

  it('takes the body of a full HTML document', () => {
    const out = renderPreviewHtml('<html><head><title>T</title><script>x()</script></head><body><p>Body</p></body></html>', 'html');
    expect(out).toBe('<p>Body</p>');
  });

  it('wraps the body with the stylesheet and escapes the attributes', () => {
    const doc = previewDocument('<p>x</p>', 'http://127.0.0.1:1/preview.css?a="b"', 'T<');
    expect(doc).toContain('<link rel="stylesheet" href="http://127.0.0.1:1/preview.css?a=&quot;b&quot;">');
    expect(doc).toContain('<title>T&lt;</title>');
    expect(doc).not.toMatch(/<script/i);
  });
});
