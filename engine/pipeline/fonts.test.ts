import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledFontBase64, bundledFontFile, cjkFontFor, fontFaceCss, fontsourceRoot, parseUnicodeRange, printFontFiles, slicesOf, usedCodePoints, type ThemeFaces } from './fonts.ts';
import { PRINT_ASSET_BASE, PRINT_CSP, printAssetsMetaTag, printFontsMetaTag } from './print-assets.ts';

const SANS: ThemeFaces = { text: 'inter', mono: 'jetbrains-mono' };
const ENGLISH =
  '# Scaling a web service\n\nA load balancer spreads requests across *application servers*; ' +
  'a cache keeps hot rows near them — “latency” drops from 100 ms to 2 ms.\n\n```js\nconst x = await db.get(key) ?? 0;\n```\n';

/** The files' base names, e.g. "inter-latin-400-normal.woff2". */
const names = (files: string[]) => files.map((f) => f.split('/').pop()!);

describe('fontsource CSS', () => {
  it('parses unicode-range lists, single points and wildcards', () => {
    expect(parseUnicodeRange('U+0000-00FF, U+0131,U+4E??')).toEqual([
      [0, 0xff],
      [0x131, 0x131],
      [0x4e00, 0x4eff],
    ]);
  });

  it('finds every slice of a real package with its file and range', () => {
    const root = fontsourceRoot()!;
    expect(root).toBeTruthy();
    const slices = slicesOf(root, 'noto-sans-sc', 400, 'normal');
    expect(slices.length).toBeGreaterThan(90);
    for (const s of slices) {
      expect(s).toMatchObject({ family: 'Noto Sans SC', weight: 400, style: 'normal' });
      expect(readFileSync(s.file).subarray(0, 4).toString('latin1')).toBe('wOF2');
      expect(s.ranges.length).toBeGreaterThan(0);
    }
    expect(slicesOf(root, 'source-serif-4', 400, 'italic').every((s) => s.style === 'italic')).toBe(true);
  });
});

describe('usedCodePoints', () => {
  it('counts each character once, numeric references included', () => {
    const cps = usedCodePoints('aa中 &#x6587;&#23383;');
    for (const ch of ['a', '中', '文', '字']) expect(cps).toContain(ch.codePointAt(0));
    expect(cps.filter((cp) => cp === 0x61)).toHaveLength(1);
    expect(cps).not.toContain(0x20); // spaces need no font
    expect(cps).toEqual([...cps].sort((x, y) => x - y));
  });
});

describe('cjkFontFor', () => {
  it('follows the document language like the themes do', () => {
    expect(cjkFontFor('zh-Hans')).toBe('noto-sans-sc');
    expect(cjkFontFor('zh')).toBe('noto-sans-sc');
    expect(cjkFontFor('zh-Hant')).toBe('noto-sans-tc');
    expect(cjkFontFor('zh-TW')).toBe('noto-sans-tc');
    expect(cjkFontFor('ja')).toBe('noto-sans-jp');
    expect(cjkFontFor('ko-KR')).toBe('noto-sans-kr');
    expect(cjkFontFor('en')).toBe('noto-sans-sc');
    expect(cjkFontFor(null)).toBe('noto-sans-sc');
  });
});

describe('fontFaceCss', () => {
  it('an English document gets only the Latin slices of its faces, a few hundred KB', () => {
    const { css, bytes, files, warnings } = fontFaceCss({ text: ENGLISH, faces: SANS, lang: 'en' });
    expect(warnings).toEqual([]);
    expect(names(files).sort()).toEqual(
      [
        'inter-latin-400-normal.woff2',
        'inter-latin-700-normal.woff2',
        'inter-latin-400-italic.woff2',
        'jetbrains-mono-latin-400-normal.woff2',
        'jetbrains-mono-latin-700-normal.woff2',
      ].sort(),
    );
    expect(bytes).toBeGreaterThan(50_000);
    expect(bytes).toBeLessThan(400_000);
    expect(css.match(/@font-face/g)).toHaveLength(5);
  });

  it('inlines each woff2 as a data: URI with its unicode-range', () => {
    const { css } = fontFaceCss({ text: 'Hello', faces: SANS });
    const rule = css.split('\n').find((r) => r.includes("font-family:'Inter'") && r.includes('font-weight:700'))!;
    const data = rule.match(/base64,([A-Za-z0-9+/=]+)\)/)![1];
    expect(Buffer.from(data, 'base64').subarray(0, 4).toString('latin1')).toBe('wOF2');
    expect(rule).toMatch(/unicode-range:U\+0-ff,/);
  });

  it('the print form links each slice at its hash instead, and lists the slice it stands for', () => {
    const inline = fontFaceCss({ text: ENGLISH, faces: SANS, lang: 'en' });
    const linked = fontFaceCss({ text: ENGLISH, faces: SANS, lang: 'en', link: true });
    expect(inline.linked.size).toBe(0);
    expect(linked.css).not.toContain('data:font/');
    expect([...linked.linked.values()]).toEqual(linked.files);
    for (const [hash, name] of linked.linked) {
      const file = bundledFontFile(name)!;
      expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(hash);
      expect(linked.css).toContain(`src:url(${PRINT_ASSET_BASE}${hash}) format('woff2')`);
      expect(bundledFontBase64(name, hash)).toBe(readFileSync(file).toString('base64'));
      expect(bundledFontBase64(name, 'f'.repeat(64))).toBeNull();
    }
    // Same rules otherwise: the inline CSS with each link put back.
    let back = linked.css;
    for (const [hash, name] of linked.linked) back = back.split(`url(${PRINT_ASSET_BASE}${hash})`).join(`url(data:font/woff2;base64,${bundledFontBase64(name, hash)})`);
    expect(back).toBe(inline.css);
  });

  it("printFontFiles gives the file of each slice a print form links, and fails naming one that is not bundled", () => {
    const linked = fontFaceCss({ text: ENGLISH, faces: SANS, lang: 'en', link: true }).linked;
    const page = (fonts: ReadonlyMap<string, string>) =>
      `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta http-equiv="Content-Security-Policy" content="${PRINT_CSP}">\n${printAssetsMetaTag(new Map())}\n${printFontsMetaTag(fonts)}\n</head><body></body></html>`;
    const files = printFontFiles(page(linked));
    expect(Object.keys(files)).toEqual([...linked.keys()]);
    for (const [hash, name] of linked) expect(files[hash]).toBe(bundledFontFile(name));
    expect(printFontFiles('<!doctype html><p>standalone</p>')).toEqual({});
    const missing = new Map([...linked, ['a'.repeat(64), 'left-pad/files/left-pad-latin-400-normal.woff2']]);
    expect(() => printFontFiles(page(missing))).toThrow(expect.objectContaining({ code: 'PDF_FAILED', message: expect.stringContaining('left-pad/files/left-pad-latin-400-normal.woff2') }));
  });

  it('bundledFontFile names only woff2 files of the bundled packages', () => {
    expect(bundledFontFile('inter/files/inter-latin-400-normal.woff2')).toBe(join(fontsourceRoot()!, 'inter', 'files', 'inter-latin-400-normal.woff2'));
    for (const bad of ['../inter/files/x.woff2', 'inter/files/../../../etc/passwd', 'left-pad/files/x.woff2', 'inter/files/x.ttf', '/etc/passwd', 'inter/package.json']) {
      expect(bundledFontFile(bad)).toBeNull();
    }
  });

  it('adds a Latin Extended slice only when such a letter is used', () => {
    expect(names(fontFaceCss({ text: 'Café', faces: SANS }).files).some((f) => f.includes('latin-ext'))).toBe(false);
    expect(names(fontFaceCss({ text: 'Erdős', faces: SANS }).files)).toContain('inter-latin-ext-400-normal.woff2');
  });

  it('one Chinese character adds the two Noto Sans SC slices holding it, in 400 and 700', () => {
    const { files } = fontFaceCss({ text: 'Hello 中', faces: SANS, lang: 'zh' });
    const noto = names(files).filter((f) => f.startsWith('noto-'));
    expect(noto).toHaveLength(2);
    expect(noto.some((f) => f.endsWith('-400-normal.woff2')) && noto.some((f) => f.endsWith('-700-normal.woff2'))).toBe(true);
    const root = fontsourceRoot()!;
    for (const weight of [400, 700]) {
      const holding = slicesOf(root, 'noto-sans-sc', weight, 'normal').filter((s) => s.ranges.some(([a, b]) => a <= 0x4e2d && 0x4e2d <= b));
      expect(noto).toContain(holding[0].file.split('/').pop());
    }
    // Latin comes from Inter: Noto's own Latin slice is not embedded.
    expect(noto.some((f) => f.includes('latin'))).toBe(false);
  });

  it('picks the CJK face by language and embeds none without CJK text', () => {
    const pick = (text: string, lang: string) => [...new Set(names(fontFaceCss({ text, faces: SANS, lang }).files).filter((f) => f.startsWith('noto-')).map((f) => f.split('-').slice(0, 3).join('-')))];
    expect(pick('日本語のテキスト', 'ja')).toEqual(['noto-sans-jp']);
    expect(pick('한국어 텍스트', 'ko')).toEqual(['noto-sans-kr']);
    expect(pick('繁體中文', 'zh-Hant')).toEqual(['noto-sans-tc']);
    expect(pick('简体中文', 'zh-Hans')).toEqual(['noto-sans-sc']);
    expect(pick('简体中文', 'en')).toEqual(['noto-sans-sc']);
    expect(pick('Plain English', 'ja')).toEqual([]);
  });

  it('the book theme embeds Source Serif 4 with its italic', () => {
    const files = names(fontFaceCss({ text: 'Chapter one', faces: { text: 'source-serif-4', mono: 'jetbrains-mono' } }).files);
    expect(files).toContain('source-serif-4-latin-400-italic.woff2');
    expect(files).toContain('source-serif-4-latin-700-normal.woff2');
    expect(files.some((f) => f.startsWith('inter-'))).toBe(false);
  });
});

describe('scripts no text face has', () => {
  it('Bengali and Thai bring their Noto face’s slice for that script, in 400 and 700, and not its Latin ones', () => {
    const files = names(fontFaceCss({ text: 'English • বাংলা • ไทย', faces: SANS }).files).filter((f) => !f.startsWith('inter-') && !f.startsWith('jetbrains-'));
    expect(files.sort()).toEqual([
      'noto-sans-bengali-bengali-400-normal.woff2',
      'noto-sans-bengali-bengali-700-normal.woff2',
      'noto-sans-thai-thai-400-normal.woff2',
      'noto-sans-thai-thai-700-normal.woff2',
    ]);
  });

  it('each script face is embedded only for its own letters', () => {
    const scripts = (text: string) => [...new Set(names(fontFaceCss({ text, faces: SANS }).files).filter((f) => f.startsWith('noto-sans-')).map((f) => f.split('-')[2]))];
    expect(scripts('العربية')).toEqual(['arabic']);
    expect(scripts('עברית')).toEqual(['hebrew']);
    expect(scripts('हिन्दी')).toEqual(['devanagari']);
    expect(scripts('Ελληνικά, русский, Tiếng Việt, Türkçe')).toEqual([]);
  });
});

describe('emoji', () => {
  it('an emoji brings the Noto Emoji slice that holds it; © and ™ (in every text face) do not', () => {
    const faces = { text: 'inter', mono: 'jetbrains-mono' } as const;
    const party = fontFaceCss({ text: 'Release 🎉 done ✅', faces });
    expect(party.files.some((f) => f.startsWith('noto-emoji/'))).toBe(true);
    expect(party.css).toContain("font-family:'Noto Emoji'");
    const plain = fontFaceCss({ text: 'Copyright © 2026 Quire™ → next', faces });
    expect(plain.files.some((f) => f.startsWith('noto-emoji/'))).toBe(false);
  });
});
