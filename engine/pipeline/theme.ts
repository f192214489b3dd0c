/**
 * Finds and reads the theme CSS that generateExportHtml inlines, and puts together a
 * document's whole stylesheet: base.css + the theme + the bundled fonts it uses + user CSS.
 *
 * Themes are resources/themes/<name>.css (github, book, report), each put after
 * resources/themes/base.css (layout and print rules they share). Where the themes folder is,
 * first match wins:
 * 1. `resourcesDir` — a folder holding `themes/` (must exist); the pool passes its own
 *    `resourcesDir` option to workers through workerData.
 * 2. `QUIRE_RESOURCES_DIR` — the same, from the environment (worker threads inherit it).
 * 3. Next to this module: `../../resources/themes` from engine/pipeline/*.ts in the source
 *    tree, which is also right for a bundle two folders deep (out/main/*.js, out/cli/*.cjs);
 *    then `../resources/themes` for a bundle one folder deep.
 * 4. Electron's `process.resourcesPath` (a packaged app with `resources/themes` as an extra
 *    resource).
 * `themePath` names a CSS file used instead of the named theme (still after base.css).
 *
 * @example
 * loadThemeCss({ theme: 'book' }); // base.css + book.css
 * documentCss({ theme: 'github', text: '# Hi 你好', lang: 'zh', userCss: 'h1 { color: red }' }).css;
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Errors } from '../api/errors.ts';
import { THEMES, type ThemeName } from '../api/export-spec.ts';
import { fontFaceCss, type ThemeFaces } from './fonts.ts';
import { stripRemoteCss } from './css-strip.ts';

export interface ThemeOptions {
  /** A CSS file to use instead of the named theme (base.css still comes first). */
  themePath?: string;
  /** A folder with `themes/` (the app's resources folder). */
  resourcesDir?: string;
  /**
   * false: the font stacks still name the bundled faces but nothing is embedded (a preview
   * redrawn as the user types, where 1–2 MB of CJK fonts per draw costs more than it shows).
   */
  embedFonts?: boolean;
}

export interface LoadThemeOptions extends ThemeOptions {
  /** One of THEMES; "default" is kept as another name for github. Default: github. */
  theme?: ThemeName | 'default';
}

export const DEFAULT_THEME: ThemeName = 'github';
export const BASE_THEME_FILE = join('themes', 'base.css');

/** The bundled faces each theme's font stacks start with (fonts.ts embeds them). */
export const THEME_FACES: Record<ThemeName, ThemeFaces> = {
  github: { text: 'inter', mono: 'jetbrains-mono' },
  book: { text: 'source-serif-4', mono: 'jetbrains-mono' },
  report: { text: 'inter', mono: 'jetbrains-mono' },
};

const cache = new Map<string, { mtimeMs: number; css: string }>();

function themeName(theme: LoadThemeOptions['theme']): ThemeName {
  if (theme === undefined || theme === 'default') return DEFAULT_THEME;
  if ((THEMES as readonly string[]).includes(theme)) return theme;
  throw Errors.conversionFailed('loading the theme', `"${String(theme)}" is not a theme; use ${THEMES.join(', ')}`);
}

/** The folder holding base.css and the themes, or throws CONVERSION_FAILED naming the places tried. */
export function resolveThemesDir(options: ThemeOptions = {}): string {
  if (options.resourcesDir) {
    const p = join(options.resourcesDir, BASE_THEME_FILE);
    if (existsSync(p)) return join(options.resourcesDir, 'themes');
    throw Errors.conversionFailed('loading the theme', `${p} does not exist`);
  }
  const candidates: string[] = [];
  const envDir = process.env.QUIRE_RESOURCES_DIR;
  if (envDir) candidates.push(join(envDir, 'themes'));
  for (const rel of ['../../resources/themes/', '../resources/themes/']) {
    try {
      candidates.push(fileURLToPath(new URL(rel, import.meta.url)));
    } catch {
      // import.meta.url is not a file: URL (e.g. bundled into a data: or http: module)
    }
  }
  const electronResources = (process as { resourcesPath?: string }).resourcesPath;
  if (electronResources) candidates.push(join(electronResources, 'themes'));
  for (const dir of candidates) if (existsSync(join(dir, 'base.css'))) return dir;
  throw Errors.conversionFailed(
    'loading the theme',
    `themes/base.css was not found (looked in: ${candidates.join(', ')}); set QUIRE_RESOURCES_DIR to the folder that holds themes/`,
  );
}

/** The theme file that would be used (not base.css), or throws CONVERSION_FAILED naming it. */
export function resolveThemePath(options: LoadThemeOptions = {}): string {
  if (options.themePath) {
    if (existsSync(options.themePath)) return options.themePath;
    throw Errors.conversionFailed('loading the theme', `${options.themePath} does not exist`);
  }
  const p = join(resolveThemesDir(options), `${themeName(options.theme)}.css`);
  if (existsSync(p)) return p;
  throw Errors.conversionFailed('loading the theme', `${p} does not exist; reinstall Quire or set QUIRE_RESOURCES_DIR to a folder with themes/`);
}

function readCached(path: string): string {
  const { mtimeMs } = statSync(path);
  const hit = cache.get(path);
  if (hit && hit.mtimeMs === mtimeMs) return hit.css;
  const css = readFileSync(path, 'utf8');
  cache.set(path, { mtimeMs, css });
  return css;
}

/** base.css followed by the theme's CSS; each file cached per path until it changes. */
export function loadThemeCss(options: LoadThemeOptions = {}): string {
  const themeFile = resolveThemePath(options);
  let base: string | null = null;
  try {
    base = readCached(join(resolveThemesDir(options), 'base.css'));
  } catch (e) {
    // An explicit theme file works on its own when Quire's folder cannot be found.
    if (!options.themePath) throw e;
  }
  const theme = readCached(themeFile);
  return base === null ? theme : `${base}\n${theme}`;
}

export interface DocumentCssInput extends LoadThemeOptions {
  /** What the document shows (its HTML is fine): only fonts for these characters are embedded. */
  text: string;
  /** The <html lang> the document gets; picks the CJK face. */
  lang?: string | null;
  /** The user's CSS (spec.style.css.text), last so it wins over the theme. */
  userCss?: string | null;
  /** CSS to use instead of base.css + the theme (tests). */
  themeCss?: string;
  /** The print form: the bundled fonts linked for the PDF renderer to serve, not inlined (fonts.ts). */
  linkFonts?: boolean;
}

export interface DocumentCss {
  css: string;
  /** Bytes of woff2 embedded. */
  fontBytes: number;
  /** With linkFonts: each linked slice's SHA-256 → its file (fonts.ts). */
  linkedFonts: Map<string, string>;
  /** Things the user should know (bundled fonts missing). */
  warnings: string[];
}

/** A document's whole stylesheet: base + theme, the bundled fonts its text needs, then the user's CSS. */
export function documentCss(input: DocumentCssInput): DocumentCss {
  const themeCss = input.themeCss ?? loadThemeCss(input);
  const faces = THEME_FACES[input.themePath ? DEFAULT_THEME : themeName(input.theme)];
  const fonts =
    input.embedFonts === false
      ? { css: '', bytes: 0, warnings: [], linked: new Map<string, string>() }
      : fontFaceCss({ text: input.text, faces, lang: input.lang, resourcesDir: input.resourcesDir, link: input.linkFonts });
  // What the user wrote (a theme file of theirs, their CSS) may load from the network or other
  // files: such references are removed (css-strip.ts); Quire's own themes hold none.
  const removed: string[] = [];
  const own = (css: string) => {
    const stripped = stripRemoteCss(css);
    removed.push(...stripped.removed);
    return stripped.css;
  };
  const parts = [input.themePath && !input.themeCss ? own(themeCss) : themeCss];
  if (fonts.css) parts.push(`/* Bundled fonts, only the parts this document uses. */\n${fonts.css}`);
  if (input.userCss?.trim()) parts.push(`/* The user's CSS. */\n${own(input.userCss)}`);
  const warnings = [...fonts.warnings];
  if (removed.length) {
    warnings.push(
      `The CSS loads ${removed.length === 1 ? 'a file' : `${removed.length} files`} from the network or from outside the document (${removed.slice(0, 3).join(', ')}${removed.length > 3 ? ', …' : ''}); ${removed.length === 1 ? 'it was' : 'they were'} left out, as an exported file loads nothing. Embed images and fonts as data: URLs instead.`,
    );
  }
  return { css: parts.join('\n'), fontBytes: fonts.bytes, linkedFonts: fonts.linked, warnings };
}
