/**
 * The user's CSS file, read when an export is resolved so the job keeps its text (a resume
 * prints the same even if the file changed). resolveExport (pure) records which layer named the
 * file; here the path is checked by that layer's rule and the file read:
 * - the document's front matter names its own files: a path relative to the document's folder
 *   that stays inside it (resolveInsideFolder, the same rule as its images);
 * - every other layer (the call, --css, the settings, the stage) names a full path.
 * Any problem is INVALID_OPTIONS naming the file and who named it; nothing is silently dropped.
 *
 * @example
 * const spec = withUserCss(resolveExport(subject, layers), doc.base_dir);
 * spec.style.css?.text; // 'h1 { color: teal }'
 * readUserCssFile('/home/ada/print.css', '--css'); // the text, or throws naming the file and --css
 */
import fs from 'node:fs';
import path from 'node:path';
import { Errors } from '../api/errors.ts';
import type { ExportSpec, ExportStyle } from '../api/export-spec.ts';
import { resolveInsideFolder } from '../pipeline/images.ts';

/** 1 MB: far more than any stylesheet; the text is stored with the job. */
export const USER_CSS_MAX_BYTES = 1_000_000;

type CssLayer = NonNullable<ExportStyle['css']>['from'];

/** Who named the file, as a message says it ("named by …"). */
const NAMED_BY: Record<CssLayer, string> = {
  call: 'this export (--css)',
  saved: "the export stage's options",
  frontMatter: "the document's front matter (css:)",
  settings: 'the settings',
  stage: "the workflow's export stage",
};

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  ENOTDIR: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder, not a file',
  ELOOP: 'too many symbolic links',
};

// In bytes, not "976.6 KB": the limit is exact and a stylesheet near it is unusual anyway.
const tooLarge = (named: string, size: number) =>
  Errors.invalidOptions(`${named} is too large (${size.toLocaleString('en')} bytes; a CSS file may have at most ${USER_CSS_MAX_BYTES.toLocaleString('en')}).`);

/**
 * The text of the CSS file at `file` (absolute), checked: a readable regular file of at most
 * USER_CSS_MAX_BYTES, UTF-8. Throws INVALID_OPTIONS "The CSS file X named by <label> …".
 */
export function readUserCssFile(file: string, label: string): string {
  const named = `The CSS file ${file} named by ${label}`;
  let bytes: Buffer;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    // Checked before reading: a huge file named by mistake is never loaded.
    if (st.size > USER_CSS_MAX_BYTES) throw tooLarge(named, st.size);
    bytes = fs.readFileSync(file);
  } catch (e) {
    if ((e as { code?: string }).code === 'INVALID_OPTIONS') throw e;
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw Errors.invalidOptions(`${named} cannot be read: ${REASONS[code] ?? (code || (e as Error).message)}.`);
  }
  if (bytes.length > USER_CSS_MAX_BYTES) throw tooLarge(named, bytes.length);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw Errors.invalidOptions(`${named} is not UTF-8 text; save it as UTF-8.`);
  }
}

/** The full path of the CSS file the spec names, by its layer's rule; throws INVALID_OPTIONS. */
export function userCssPath(css: NonNullable<ExportStyle['css']>, baseDir: string | null): string {
  const named = `The CSS file ${css.path} named by ${NAMED_BY[css.from]}`;
  if (css.from !== 'frontMatter') {
    if (!path.isAbsolute(css.path)) throw Errors.invalidOptions(`${named} must be a full path, such as /home/ada/print.css.`);
    return css.path;
  }
  if (path.isAbsolute(css.path) || /^[A-Za-z]:[\\/]/.test(css.path)) {
    throw Errors.invalidOptions(`${named} must be relative to the document's folder (a document names only its own files); use --css or the settings for a file elsewhere.`);
  }
  if (!baseDir) {
    throw Errors.invalidOptions(`${named} cannot be found: the document was not opened from a file, so it has no folder. Use --css or the settings with a full path.`);
  }
  const found = resolveInsideFolder(baseDir, css.path);
  if (found.ok) return found.path;
  if (found.reason === 'outside') throw Errors.invalidOptions(`${named} is outside the document's folder ${baseDir}; move it into that folder.`);
  if (found.reason === 'not-a-file') throw Errors.invalidOptions(`${named} cannot be read: it is a folder, not a file.`);
  throw Errors.invalidOptions(`${named} cannot be read: ${REASONS[found.code ?? 'ENOENT'] ?? found.code} (looked for it in ${baseDir}).`);
}

/** The spec with its user CSS read (`style.css.text` and the full `path`); a spec without one is returned as is. */
export function withUserCss(spec: ExportSpec, baseDir: string | null): ExportSpec {
  const css = spec.style.css;
  if (!css) return spec;
  const file = userCssPath(css, baseDir);
  const text = readUserCssFile(file, NAMED_BY[css.from]);
  return { ...spec, style: { ...spec.style, css: { ...css, path: file, text } } };
}
