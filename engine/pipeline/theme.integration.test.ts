// The themes and bundled fonts printed with real Chromium: every theme prints a rich page with
// its own faces embedded, and CJK text prints with the bundled Noto face even when the machine
// has no CJK font at all (Chromium gets a fontconfig that knows only DejaVu).
// Set QUIRE_TEST_PNG_DIR to keep each PDF's first page as a PNG for looking at.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { THEMES } from '../api/export-spec.ts';
import { DEFAULT_PDF_OPTIONS, type PdfOptions } from '../api/types.ts';
import { ChromiumPdfRenderer } from '../pdf/chromium-pdf-renderer.ts';
import { pdfText, withPdfFile } from '../pdf/test-support.ts';
import { generateExportHtml } from './export-html.ts';
import { documentCss } from './theme.ts';

const PLAIN: PdfOptions = { ...DEFAULT_PDF_OPTIONS, headerFooter: false, outline: false, tagged: false };
const RICH = readFileSync(path.join(import.meta.dirname, 'fixtures', 'themes', 'rich.html'), 'utf8');
const pngDir = process.env.QUIRE_TEST_PNG_DIR;

interface PdfFont {
  name: string;
  embedded: boolean;
}

/** `pdffonts` rows: the font's name (subset prefix removed) and whether it is embedded. */
function pdfFonts(pdf: Uint8Array): PdfFont[] {
  const out = withPdfFile(pdf, (file) => execFileSync('pdffonts', [file], { encoding: 'utf8' }));
  return out
    .split('\n')
    .slice(2)
    .filter((line) => line.trim())
    .map((line) => {
      const cols = line.trim().split(/\s+/);
      // name type [encoding…] emb sub uni object ID: "emb" is the 5th column from the end.
      return { name: cols[0].replace(/^[A-Z]{6}\+/, ''), embedded: cols[cols.length - 5] === 'yes' };
    });
}

function keepPng(pdf: Uint8Array, name: string): void {
  if (!pngDir) return;
  mkdirSync(pngDir, { recursive: true });
  withPdfFile(pdf, (file) => execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '3', file, path.join(pngDir, name)]));
}

function page(body: string, theme: (typeof THEMES)[number], lang: string): string {
  const header =
    '<header class="quire-title-block"><p class="quire-title">Field notes</p><p class="quire-subtitle">Printing what authors write</p>' +
    '<p class="quire-author">Ada Lovelace</p><p class="quire-date">2026-12-01</p></header>';
  const { css } = documentCss({ theme, text: body, lang });
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><style>${css}</style></head><body>${header}${body}</body></html>`;
}

const renderer = new ChromiumPdfRenderer();
afterAll(() => renderer.close());

describe('themes printed by Chromium', () => {
  const faces: Record<(typeof THEMES)[number], RegExp> = { github: /^Inter/, book: /^SourceSerif4/, report: /^Inter/ };

  for (const theme of THEMES) {
    it(`${theme}: a rich page prints with the theme's bundled faces embedded`, async () => {
      const { pdf } = await renderer.render({ html: page(RICH, theme, 'en'), title: theme, options: PLAIN });
      keepPng(pdf, `rich-${theme}`);
      const fonts = pdfFonts(pdf);
      expect(fonts.some((f) => faces[theme].test(f.name) && f.embedded), JSON.stringify(fonts)).toBe(true);
      expect(fonts.some((f) => /^JetBrainsMono/.test(f.name) && f.embedded), JSON.stringify(fonts)).toBe(true);
      const text = pdfText(pdf).replace(/\s+/g, ' ');
      for (const words of ['Field notes', 'Results', 'Choose a theme', 'The first footnote', 'Important things are needed', 'Source Serif 4']) {
        expect(text).toContain(words);
      }
      // pre-wrap: the end of the long comment is printed, not cut off at the margin.
      expect(text).toContain('printed on paper');
    });

    it(`${theme}: the real pipeline (generateExportHtml) prints, with the user's CSS last`, async () => {
      const { html } = generateExportHtml({
        title: 'Pipeline',
        source: '# Pipeline\n\nSome *text* with `code`.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n',
        format: 'md',
        baseDir: null,
        meta: {},
        style: { theme, toc: false, math: true, diagrams: true, highlight: true, css: { path: '/x/user.css', from: 'call', text: 'p { --user-rule: 1 }' } },
      });
      expect(html.indexOf('--user-rule')).toBeGreaterThan(html.lastIndexOf('@font-face'));
      const { pdf } = await renderer.render({ html, title: 'Pipeline', options: PLAIN });
      expect(pdfText(pdf)).toContain('Some text with code');
      expect(pdfFonts(pdf).some((f) => faces[theme].test(f.name) && f.embedded)).toBe(true);
    });
  }
});

describe('CJK text on a machine without CJK fonts', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'quire-fc-'));
  const fontsConf = path.join(dir, 'fonts.conf');
  // Only DejaVu: without the embedded Noto face every CJK character would print as a box.
  writeFileSync(
    fontsConf,
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>/usr/share/fonts/truetype/dejavu</dir>\n  <cachedir>${path.join(dir, 'cache')}</cachedir>\n</fontconfig>\n`,
  );
  const bare = new ChromiumPdfRenderer({ env: { FONTCONFIG_FILE: fontsConf } });
  afterAll(async () => {
    await bare.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases = [
    { lang: 'zh-Hans', face: /^NotoSansSC/, text: '设计大型系统的学习指南', body: '<h2>系统设计入门</h2><p>设计大型系统的学习指南：可扩展性、可用性与一致性。</p>' },
    { lang: 'ja', face: /^NotoSansJP/, text: '大規模システムの設計', body: '<h2>システム設計入門</h2><p>大規模システムの設計を学ぶ。ひらがな、カタカナ、漢字。</p>' },
    { lang: 'ko', face: /^NotoSansKR/, text: '대규모 시스템 설계', body: '<h2>시스템 설계 입문</h2><p>대규모 시스템 설계를 배우는 방법입니다.</p>' },
    // The scripts no text face has (fonts.ts SCRIPT_FACES), as the system-design-primer README's language links use them.
    { lang: 'bn', face: /^NotoSansBengali/, text: null, body: '<p>Translations: <a href="#">বাংলা</a> · English</p>' },
    { lang: 'th', face: /^NotoSansThai/, text: 'ไทย', body: '<p>Translations: <a href="#">ไทย</a> · English</p>' },
    { lang: 'hi', face: /^NotoSansDevanagari/, text: null, body: '<p>सिस्टम डिज़ाइन</p>' },
    { lang: 'ar', face: /^NotoSansArabic/, text: null, body: '<p dir="rtl">العربية</p>' },
    { lang: 'he', face: /^NotoSansHebrew/, text: null, body: '<p dir="rtl">עברית</p>' },
  ];
  for (const c of cases) {
    it(`${c.lang}: the bundled Noto face is embedded and the text extracts`, async () => {
      const { pdf } = await bare.render({ html: page(`<main class="quire-content">${c.body}</main>`, 'github', c.lang), title: c.lang, options: PLAIN });
      keepPng(pdf, `cjk-${c.lang}`);
      const fonts = pdfFonts(pdf);
      expect(fonts.some((f) => c.face.test(f.name) && f.embedded), JSON.stringify(fonts)).toBe(true);
      // Nothing came from the system's CJK fonts (the fontconfig hides them).
      expect(fonts.some((f) => /CJK/.test(f.name)), JSON.stringify(fonts)).toBe(false);
      // Shaped scripts (conjuncts, joined or right-to-left letters) do not come back from pdftotext as typed.
      if (c.text) expect(pdfText(pdf).replace(/\s+/g, ' ')).toContain(c.text);
    });
  }

  it('the header and footer are set in the bundled faces too, never the computer’s (DejaVu)', async () => {
    for (const [title, lang] of [['Quarterly report', 'en'], ['系统设计入门', 'zh-Hans']] as const) {
      // The export's font scan covers the title (export-html.ts passes it with the text).
      const body = `<main class="quire-content"><p>${title}: ${'Text of the page. '.repeat(40)}</p></main>`;
      const { pdf, pages } = await bare.render({ html: page(body, 'github', lang), title, options: { ...PLAIN, headerFooter: true } });
      keepPng(pdf, `header-${lang}`);
      const fonts = pdfFonts(pdf);
      expect(fonts.some((f) => /DejaVu/.test(f.name)), JSON.stringify(fonts)).toBe(false);
      const text = pdfText(pdf).replace(/\s+/g, ' ');
      expect(text).toMatch(new RegExp(`\\b${pages}\\s*/\\s*${pages}\\b`));
      expect(text.split(title).length - 1).toBeGreaterThanOrEqual(2);
    }
  });
});
