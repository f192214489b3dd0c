import { describe, expect, it } from 'vitest';
import { DEFAULT_PDF_OPTIONS } from '../api/export-spec.ts';
import { pageLayout, withPageCss } from './page-layout.ts';

describe('pageLayout', () => {
  it('draws the title at the top and "page / pages" at the bottom as page-margin boxes, in the theme’s text face', () => {
    const { pageCss } = pageLayout(DEFAULT_PDF_OPTIONS, '系统设计入门 🎉');
    expect(pageCss).toMatch(/^@page\{@top-center\{content:"系统设计入门 🎉";font-family:var\(--quire-face-text,Inter\)/);
    expect(pageCss).toContain('@bottom-center{content:counter(page) " / " counter(pages);');
    expect(pageLayout({ ...DEFAULT_PDF_OPTIONS, headerFooter: false }, 'T').pageCss).not.toContain('@page');
  });

  it('limits images and diagrams to the printable height of the page as set up (page-fit.integration.test.ts prints them)', () => {
    const fit = (options: Partial<typeof DEFAULT_PDF_OPTIONS>) => /max-height:calc\(([\d.]+)mm - 2em\)/.exec(pageLayout({ ...DEFAULT_PDF_OPTIONS, ...options }, 'T').pageCss)?.[1];
    const margins = { top: 20, right: 15, bottom: 25, left: 15 };
    expect(fit({ pageSize: 'A4', margins })).toBe('252'); // 297 − 20 − 25
    expect(fit({ pageSize: 'A4', margins, landscape: true })).toBe('165'); // 210 − 45
    expect(fit({ pageSize: 'Letter', margins, headerFooter: false })).toBe('234.4'); // 279.4 − 45
    // The header and footer's minimum margins count, not the smaller ones asked for.
    expect(fit({ pageSize: 'A5', margins: { top: 0, right: 0, bottom: 0, left: 0 } })).toBe('190');
    expect(fit({ pageSize: 'A5', margins: { top: 150, right: 0, bottom: 100, left: 0 } })).toBeUndefined();
  });

  it('a title cannot end the style element, the CSS string or the line', () => {
    const title = '</style><script>alert(1)</script> "Q" \\ a\nb';
    const { pageCss } = pageLayout(DEFAULT_PDF_OPTIONS, title);
    expect(pageCss).not.toContain('<');
    expect(pageCss).not.toContain('\n');
    expect(pageCss).toContain('content:"\\3c /style>\\3c script>alert(1)\\3c /script> \\"Q\\" \\\\ a\\a b";');
  });

  it('keeps room for the header and footer however small the margins asked', () => {
    const { marginsMm } = pageLayout({ ...DEFAULT_PDF_OPTIONS, margins: { top: 2, right: 3, bottom: 0, left: 4 } }, 'T');
    expect(marginsMm).toEqual({ top: 10, right: 3, bottom: 10, left: 4 });
    expect(pageLayout({ ...DEFAULT_PDF_OPTIONS, headerFooter: false, margins: { top: 2, right: 3, bottom: 0, left: 4 } }, 'T').marginsMm).toEqual({ top: 2, right: 3, bottom: 0, left: 4 });
  });
});

describe('withPageCss', () => {
  it('puts the rules before the document’s first style element, else before </head>, else first', () => {
    expect(withPageCss('<html><head><title>a</title><style>p{}</style></head>', 'X')).toBe('<html><head><title>a</title><style>X</style><style>p{}</style></head>');
    expect(withPageCss('<html><head><title>a</title></HEAD><body>', 'X')).toBe('<html><head><title>a</title><style>X</style></HEAD><body>');
    expect(withPageCss('<p>bare</p>', 'X')).toBe('<style>X</style><p>bare</p>');
    expect(withPageCss('<p>unchanged</p>', '')).toBe('<p>unchanged</p>');
  });
});
