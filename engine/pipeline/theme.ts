/**
 * Finds and reads the theme CSS that generateExportHtml inlines.
 *
 * Where it looks, first match wins:
 * 1. `themePath` — an explicit CSS file (must exist).
 * 2. `resourcesDir` — a folder holding `themes/default.css` (must exist); the pool passes
 *    its own `resourcesDir` option to workers through workerData.
 * 3. `QUIRE_RESOURCES_DIR` — the same, from the environment (worker threads inherit it).
 * 4. Next to this module: `../../resources/themes/default.css` from engine/pipeline/*.ts in
 *    the source tree, which is also right for a bundle two folders deep (out/main/*.js);
 *    then `../resources/…` for a bundle one folder deep.
 * 5. Electron's `process.resourcesPath` (a packaged app with `resources/themes` as an extra
 *    resource).
 *
 * @example
 * loadThemeCss({ resourcesDir: '/opt/quire/resources' }); // contents of …/themes/default.css
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Errors } from '../api/errors.ts';

export interface ThemeOptions {
  /** A CSS file to use instead of the default theme. */
  themePath?: string;
  /** A folder with `themes/default.css` (the app's resources folder). */
  resourcesDir?: string;
}

export const DEFAULT_THEME_FILE = join('themes', 'default.css');

const cache = new Map<string, { mtimeMs: number; css: string }>();

/** The theme file that would be used, or throws CONVERSION_FAILED naming the places tried. */
export function resolveThemePath(options: ThemeOptions = {}): string {
  if (options.themePath) {
    if (existsSync(options.themePath)) return options.themePath;
    throw Errors.conversionFailed('loading the theme', `${options.themePath} does not exist`);
  }
  if (options.resourcesDir) {
    const p = join(options.resourcesDir, DEFAULT_THEME_FILE);
    if (existsSync(p)) return p;
    throw Errors.conversionFailed('loading the theme', `${p} does not exist`);
  }
  const tried: string[] = [];
  const candidates: string[] = [];
  const envDir = process.env.QUIRE_RESOURCES_DIR;
  if (envDir) candidates.push(join(envDir, DEFAULT_THEME_FILE));
  for (const rel of ['../../resources/themes/default.css', '../resources/themes/default.css']) {
    try {
      candidates.push(fileURLToPath(new URL(rel, import.meta.url)));
    } catch {
      // import.meta.url is not a file: URL (e.g. bundled into a data: or http: module)
    }
  }
  const electronResources = (process as { resourcesPath?: string }).resourcesPath;
  if (electronResources) candidates.push(join(electronResources, DEFAULT_THEME_FILE));
  for (const p of candidates) {
    if (existsSync(p)) return p;
    tried.push(p);
  }
  throw Errors.conversionFailed(
    'loading the theme',
    `themes/default.css was not found (looked in: ${tried.join(', ')}); set QUIRE_RESOURCES_DIR to the folder that holds themes/`,
  );
}

/** The theme's CSS text; cached per path until the file changes. */
export function loadThemeCss(options: ThemeOptions = {}): string {
  const path = resolveThemePath(options);
  const { mtimeMs } = statSync(path);
  const hit = cache.get(path);
  if (hit && hit.mtimeMs === mtimeMs) return hit.css;
  const css = readFileSync(path, 'utf8');
  cache.set(path, { mtimeMs, css });
  return css;
}
