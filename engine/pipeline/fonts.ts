/**
 * The fonts an export embeds: the @fontsource packages that ship with Quire, inlined as
 * data: URIs so the HTML and the PDF look the same on every machine, whatever fonts it has.
 *
 * Fontsource splits each face into unicode-range slices (one woff2 per slice); only the slices
 * holding a character the document uses are embedded, in weights 400 and 700 (and italic 400
 * for the text face). An English document gets a few Latin slices (~0.2 MB); a CJK face is
 * added only when the text has CJK characters, chosen by the document's lang the same way the
 * themes' CSS chooses it (zh-Hant/zh-TW/zh-HK → TC, ja → JP, ko → KR, anything else → SC).
 *
 * Parsed slices and file contents are cached per thread (each Piscina worker has its own).
 *
 * The print form (`link: true`, print-assets.ts) links each slice at PRINT_ASSET_BASE + its
 * SHA-256 instead, listed in `linked`: the PDF renderer serves it from the package's file
 * (bundledFontFile), so a batch does not send Chromium the same fonts as base64 in every page.
 *
 * @example
 * const { css, bytes } = fontFaceCss({ text: 'Hello 世界', faces: { text: 'inter', mono: 'jetbrains-mono' }, lang: 'zh' });
 * // css: @font-face rules for Inter/JetBrains Mono Latin and the Noto Sans SC slices of 世 and 界
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { sha256Of } from '../jobs/atomic-files.ts';
import { Errors } from '../api/errors.ts';
import { PRINT_ASSET_BASE, printFontsOf } from './print-assets.ts';

export const FONT_PACKAGES = [
  'inter',
  'source-serif-4',
  'jetbrains-mono',
  'noto-sans-sc',
  'noto-sans-tc',
  'noto-sans-jp',
  'noto-sans-kr',
  'noto-emoji',
  'noto-sans-arabic',
  'noto-sans-hebrew',
  'noto-sans-devanagari',
  'noto-sans-bengali',
  'noto-sans-thai',
] as const;
export type FontPackage = (typeof FONT_PACKAGES)[number];
export type CjkFont = 'noto-sans-sc' | 'noto-sans-tc' | 'noto-sans-jp' | 'noto-sans-kr';

/** The faces a theme's font-family stacks start with. */
export interface ThemeFaces {
  text: FontPackage;
  mono: FontPackage;
}

export interface FontSlice {
  family: string;
  style: 'normal' | 'italic';
  weight: number;
  /** Absolute path of the woff2 file. */
  file: string;
  /** Inclusive code point ranges, sorted. */
  ranges: Array<[number, number]>;
}

export interface FontFaceResult {
  /** @font-face rules with the woff2 files inlined. */
  css: string;
  /** Bytes of woff2 embedded (before base64). */
  bytes: number;
  /** The woff2 files embedded, e.g. "inter/files/inter-latin-400-normal.woff2". */
  files: string[];
  /** Why no fonts were embedded (packages not found), for the export's warnings. */
  warnings: string[];
  /** With `link`: each linked slice's SHA-256 → its file under @fontsource (as in `files`), in rule order. */
  linked: Map<string, string>;
}

/** The CJK face for a document language; the themes' `:lang()` rules pick the same one. */
export function cjkFontFor(lang: string | null | undefined): CjkFont {
  const l = (lang ?? '').toLowerCase();
  if (/^zh-(hant|tw|hk|mo)\b/.test(l)) return 'noto-sans-tc';
  if (/^ja\b/.test(l)) return 'noto-sans-jp';
  if (/^ko\b/.test(l)) return 'noto-sans-kr';
  return 'noto-sans-sc';
}

const EMOJI = /\p{Extended_Pictographic}/u;

/**
 * Scripts no text face has, each with its Noto face and the Unicode blocks it is embedded for
 * (its slices hold Latin too, which the text face already prints). The themes' stacks name these
 * faces after the CJK one (base.css --quire-face-scripts); without them a computer with no such
 * font prints boxes (a README's "বাংলা" and "ไทย" links did).
 */
export const SCRIPT_FACES: ReadonlyArray<{ pkg: FontPackage; blocks: Array<[number, number]> }> = [
  { pkg: 'noto-sans-arabic', blocks: [[0x0600, 0x06ff], [0x0750, 0x077f], [0x0870, 0x08ff], [0xfb50, 0xfdff], [0xfe70, 0xfeff]] },
  { pkg: 'noto-sans-hebrew', blocks: [[0x0590, 0x05ff], [0xfb1d, 0xfb4f]] },
  { pkg: 'noto-sans-devanagari', blocks: [[0x0900, 0x097f], [0xa8e0, 0xa8ff]] },
  { pkg: 'noto-sans-bengali', blocks: [[0x0980, 0x09ff]] },
  { pkg: 'noto-sans-thai', blocks: [[0x0e00, 0x0e7f]] },
];

// Han, kana, hangul, CJK symbols and punctuation, fullwidth forms, bopomofo.
const CJK = /[\u1100-\u11ff\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u31a0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff00-\uffef]|[\u{20000}-\u{3134f}]/u;

/**
 * Code points the text shows, numeric character references (&#x4e2d; &#20013;) included, so
 * HTML markup can be passed as is: tag names and attributes add only ASCII.
 */
export function usedCodePoints(text: string): number[] {
  // A flag per BMP code point and a plain loop: the HTML may carry megabytes of inlined
  // images, and iterating it with for…of into a Set took seconds.
  const bmp = new Uint8Array(0x10000);
  const astral = new Set<number>();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        astral.add(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000);
        i++;
        continue;
      }
    }
    bmp[c] = 1;
  }
  if (text.includes('&#')) {
    for (const m of text.matchAll(/&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));/g)) {
      const cp = m[1] ? parseInt(m[1], 16) : Number(m[2]);
      if (cp > 0xffff && cp <= 0x10ffff) astral.add(cp);
      else if (cp > 0x20 && cp <= 0xffff) bmp[cp] = 1;
    }
  }
  const out: number[] = [];
  for (let cp = 0x21; cp < 0x10000; cp++) if (bmp[cp] && (cp < 0xd800 || cp > 0xdfff)) out.push(cp);
  return out.concat([...astral].sort((a, b) => a - b));
}

/** The @font-face rules a document needs: only slices covering characters in `text`. */
export function fontFaceCss(args: { text: string; faces: ThemeFaces; lang?: string | null; resourcesDir?: string; link?: boolean }): FontFaceResult {
  const root = fontsourceRoot(args.resourcesDir);
  const linked = new Map<string, string>();
  if (!root) {
    return {
      css: '',
      bytes: 0,
      files: [],
      linked,
      warnings: ['The bundled fonts (node_modules/@fontsource) were not found, so the export uses the fonts installed on this computer; reinstall Quire to get them back.'],
    };
  }
  // Inlined images are megabytes of base64 (ASCII only): dropped before the scan, which then takes milliseconds.
  const used = usedCodePoints(args.text.replace(/;base64,[A-Za-z0-9+/=]+/g, ';'));
  const { text, mono } = args.faces;
  const picked: FontSlice[] = [];
  const take = (pkg: FontPackage, weight: number, style: 'normal' | 'italic', chars: number[]) => {
    for (const slice of slicesOf(root, pkg, weight, style)) if (covers(slice.ranges, chars)) picked.push(slice);
  };
  take(text, 400, 'normal', used);
  take(text, 700, 'normal', used);
  take(text, 400, 'italic', used);
  take(mono, 400, 'normal', used);
  take(mono, 700, 'normal', used);

  // The CJK and script faces come after the text or mono face in every stack: they are needed
  // for what either of them lacks.
  const textRanges = slicesOf(root, text, 400, 'normal').flatMap((s) => s.ranges);
  const monoRanges = slicesOf(root, mono, 400, 'normal').flatMap((s) => s.ranges);
  const rest = used.filter((cp) => !inRanges(textRanges, cp) || !inRanges(monoRanges, cp));
  if (used.some((cp) => CJK.test(String.fromCodePoint(cp)))) {
    const cjk = cjkFontFor(args.lang);
    take(cjk, 400, 'normal', rest);
    take(cjk, 700, 'normal', rest);
  }
  for (const { pkg, blocks } of SCRIPT_FACES) {
    const chars = rest.filter((cp) => inRanges(blocks, cp));
    if (chars.length === 0) continue;
    take(pkg, 400, 'normal', chars);
    take(pkg, 700, 'normal', chars);
  }
  // Emoji (🎉 ✅): Noto Emoji's outlines, in the text's colour; without it a computer with no emoji font prints boxes.
  // (© ® ™ and arrows are Extended_Pictographic too, but every text face has them.)
  const emoji = used.filter((cp) => (cp >= 0x1f000 || (cp >= 0x2600 && cp <= 0x27bf)) && EMOJI.test(String.fromCodePoint(cp)));
  if (emoji.length) take('noto-emoji', 400, 'normal', emoji);

  let bytes = 0;
  const rules = picked.map((s) => {
    const data = fileBase64(s.file);
    bytes += data.bytes;
    if (args.link) linked.set(data.sha256, s.file.slice(root.length + 1).split(sep).join('/'));
    return (
      `@font-face{font-family:'${s.family}';font-style:${s.style};font-weight:${s.weight};font-display:block;` +
      `src:${args.link ? linkedFontUrl(data.sha256) : inlineFontUrl(data.base64)} format('woff2');unicode-range:${formatRanges(s.ranges)}}`
    );
  });
  return {
    css: rules.join('\n'),
    bytes,
    files: picked.map((s) => s.file.slice(root.length + 1)),
    warnings: [],
    linked,
  };
}

/** A slice's src as the standalone HTML has it. */
export function inlineFontUrl(base64: string): string {
  return `url(data:font/woff2;base64,${base64})`;
}

/** A slice's src in the print form: the URL the PDF renderer serves it at. */
export function linkedFontUrl(sha256: string): string {
  return `url(${PRINT_ASSET_BASE}${sha256})`;
}

/** A slice file as fontFaceCss names it ("inter/files/inter-latin-400-normal.woff2"): one of the bundled packages' woff2 files. */
const BUNDLED_FONT_FILE = new RegExp(`^(?:${FONT_PACKAGES.join('|')})/files/[a-z0-9-]+\\.woff2$`);

/**
 * The absolute path of a bundled slice named as fontFaceCss names it, or null for a name
 * that is not one (or when the packages cannot be found).
 */
export function bundledFontFile(name: string, resourcesDir?: string): string | null {
  if (!BUNDLED_FONT_FILE.test(name)) return null;
  const root = fontsourceRoot(resourcesDir);
  return root ? join(root, name) : null;
}

/**
 * The bundled font file of each slice a print form links (printFontsOf), by its SHA-256: what
 * the PDF renderer may serve. Throws PDF_FAILED naming a slice that is not found: never a
 * silent fallback face in the PDF.
 */
export function printFontFiles(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [sha, name] of Object.entries(printFontsOf(html))) {
    const file = bundledFontFile(name);
    if (!file) throw Errors.pdfFailed(`the bundled font ${name} was not found (node_modules/@fontsource); reinstall Quire, then export the document again`);
    out[sha] = file;
  }
  return out;
}

/** A bundled slice's contents as base64 if they still have this SHA-256 (the print form's link), else null. */
export function bundledFontBase64(name: string, sha256: string, resourcesDir?: string): string | null {
  const file = bundledFontFile(name, resourcesDir);
  if (!file) return null;
  try {
    const data = fileBase64(file);
    return data.sha256 === sha256 ? data.base64 : null;
  } catch {
    return null;
  }
}

// ---- fontsource packages ------------------------------------------------------------------------

let rootCache: { key: string; root: string | null } | undefined;

/**
 * The node_modules/@fontsource folder. Resolved from this module (source tree, bin/quire's
 * bundle next to node_modules), else from the app folder above resourcesDir, Electron's
 * app.asar, or the working directory (a bundle copied elsewhere, as a test does).
 */
export function fontsourceRoot(resourcesDir?: string): string | null {
  const key = resourcesDir ?? '';
  if (rootCache?.key === key) return rootCache.root;
  const bases: string[] = [];
  try {
    bases.push(import.meta.url);
  } catch {
    // Not a module with a URL (bundled to CommonJS without the define bin/quire gives).
  }
  if (resourcesDir) bases.push(join(resourcesDir, '..', 'package.json'));
  const electronResources = (process as { resourcesPath?: string }).resourcesPath;
  if (electronResources) bases.push(join(electronResources, 'app.asar', 'package.json'));
  const envDir = process.env.QUIRE_RESOURCES_DIR;
  if (envDir) bases.push(join(envDir, '..', 'package.json'), join(envDir, 'app.asar.unpacked', 'package.json'), join(envDir, 'app.asar', 'package.json'));
  bases.push(join(process.cwd(), 'package.json'));
  let root: string | null = null;
  for (const base of bases) {
    try {
      // Every package's main is index.css at its root.
      const index = createRequire(base).resolve('@fontsource/inter');
      const dir = dirname(dirname(index));
      if (FONT_PACKAGES.every((p) => existsSync(join(dir, p)))) {
        root = dir;
        break;
      }
    } catch {
      // Not resolvable from here; try the next base.
    }
  }
  rootCache = { key, root };
  return root;
}

const sliceCache = new Map<string, FontSlice[]>();

/** The slices of one weight and style of a package, parsed from its `<weight>[-italic].css`. */
export function slicesOf(root: string, pkg: FontPackage, weight: number, style: 'normal' | 'italic'): FontSlice[] {
  const cssFile = join(root, pkg, `${weight}${style === 'italic' ? '-italic' : ''}.css`);
  const hit = sliceCache.get(cssFile);
  if (hit) return hit;
  const slices = existsSync(cssFile) ? parseFontsourceCss(readFileSync(cssFile, 'utf8'), dirname(cssFile)) : [];
  sliceCache.set(cssFile, slices);
  return slices;
}

/** @font-face blocks of a fontsource CSS file: family, style, weight, woff2 file, unicode-range. */
export function parseFontsourceCss(css: string, dir: string): FontSlice[] {
  const out: FontSlice[] = [];
  for (const m of css.matchAll(/@font-face\s*\{([^}]*)\}/g)) {
    const block = m[1];
    const prop = (name: string) => block.match(new RegExp(`${name}\\s*:\\s*([^;]+);`))?.[1].trim();
    const family = prop('font-family')?.replace(/^['"]|['"]$/g, '');
    const file = block.match(/url\(\s*['"]?([^'")]+\.woff2)['"]?\s*\)/)?.[1];
    if (!family || !file) continue;
    const range = prop('unicode-range');
    out.push({
      family,
      style: prop('font-style') === 'italic' ? 'italic' : 'normal',
      weight: Number(prop('font-weight') ?? 400),
      file: join(dir, file),
      ranges: range ? parseUnicodeRange(range) : [[0, 0x10ffff]],
    });
  }
  return out;
}

/** "U+0000-00FF,U+0131,U+4E??" → sorted inclusive ranges. */
export function parseUnicodeRange(value: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const part of value.split(',')) {
    const m = part.trim().match(/^U\+([0-9a-fA-F?]{1,6})(?:-([0-9a-fA-F]{1,6}))?$/i);
    if (!m) continue;
    if (m[1].includes('?')) ranges.push([parseInt(m[1].replace(/\?/g, '0'), 16), parseInt(m[1].replace(/\?/g, 'f'), 16)]);
    else ranges.push([parseInt(m[1], 16), parseInt(m[2] ?? m[1], 16)]);
  }
  return ranges.sort((a, b) => a[0] - b[0]);
}

function formatRanges(ranges: Array<[number, number]>): string {
  return ranges.map(([a, b]) => (a === b ? `U+${a.toString(16)}` : `U+${a.toString(16)}-${b.toString(16)}`)).join(',');
}

function inRanges(ranges: Array<[number, number]>, cp: number): boolean {
  return ranges.some(([a, b]) => cp >= a && cp <= b);
}

/** Whether any of the sorted code points falls in one of the ranges. */
function covers(ranges: Array<[number, number]>, sorted: number[]): boolean {
  for (const [a, b] of ranges) {
    // First code point >= a, by binary search.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < a) lo = mid + 1;
      else hi = mid;
    }
    if (lo < sorted.length && sorted[lo] <= b) return true;
  }
  return false;
}

// A CJK document touches up to a few hundred slices; keep a thread's cache bounded.
const MAX_CACHED_BYTES = 64 * 1024 * 1024;
const fileCache = new Map<string, { base64: string; bytes: number; sha256: string }>();
let cachedBytes = 0;

function fileBase64(file: string): { base64: string; bytes: number; sha256: string } {
  const hit = fileCache.get(file);
  if (hit) return hit;
  const data = readFileSync(file);
  const entry = { base64: data.toString('base64'), bytes: data.length, sha256: sha256Of(data) };
  if (cachedBytes + entry.base64.length > MAX_CACHED_BYTES) {
    fileCache.clear();
    cachedBytes = 0;
  }
  fileCache.set(file, entry);
  cachedBytes += entry.base64.length;
  return entry;
}
