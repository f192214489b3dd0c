import { describe, expect, it } from 'vitest';
import { DEFAULT_PDF_OPTIONS } from '../api/export-spec.ts';
import { fontFaceCss } from '../pipeline/fonts.ts';
import { THEME_FACES } from '../pipeline/theme.ts';
import { pageLayout } from './page-layout.ts';

describe('pageLayout', () => {
  it('the header carries the bundled faces of a non-Latin title (Chromium draws it with only the computer fonts)', () => {
    // Seen by eye at 110 dpi under a fontconfig with DejaVu only: boxes without these rules, glyphs with them.
    const css = fontFaceCss({ text: '系统设计入门 🎉', faces: THEME_FACES.github }).css;
    expect(css).toContain("font-family:'Noto Sans SC'");
    expect(css).toContain("font-family:'Noto Emoji'");
    const layout = pageLayout(DEFAULT_PDF_OPTIONS, '系统设计入门 🎉', css);
    expect(layout.headerTemplate.startsWith(`<style>${css}</style>`)).toBe(true);
    expect(layout.headerTemplate).toContain("font-family:Inter,'Noto Sans SC','Noto Emoji'");
    expect(pageLayout(DEFAULT_PDF_OPTIONS, 'Plain').headerTemplate.startsWith('<div')).toBe(true);
    // By default, from the title itself (both renderers, Chromium's and Electron's, call it so).
    expect(pageLayout(DEFAULT_PDF_OPTIONS, '系统设计入门 🎉').headerTemplate).toContain("font-family:'Noto Sans SC'");
  });

  it('a title cannot end the style element or inject markup', () => {
    const layout = pageLayout(DEFAULT_PDF_OPTIONS, '<b>x</b>', 'a{}</style><script>');
    expect(layout.headerTemplate).not.toContain('</style><script>');
    expect(layout.headerTemplate).toContain('&#60;b&#62;x&#60;/b&#62;');
  });
});
