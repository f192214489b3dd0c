/**
 * The user's CSS file: read into the spec by the rule of the layer that named it. Real files,
 * folders and symbolic links in a fresh temp folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isQuireError } from '../api/errors.ts';
import { resolveExport, type ExportLayers } from '../api/export-spec.ts';
import { USER_CSS_MAX_BYTES, readUserCssFile, withUserCss } from './user-css.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-user-css-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const docDir = path.join(root, 'notes');
fs.mkdirSync(path.join(docDir, 'styles'), { recursive: true });
fs.writeFileSync(path.join(docDir, 'styles', 'print.css'), 'h1 { color: teal }');
fs.writeFileSync(path.join(root, 'secret.css'), 'body { display: none }');
fs.symlinkSync(path.join(root, 'secret.css'), path.join(docDir, 'link-out.css'));

const subject = { documentId: 'd1', stageId: 'export', title: 'Notes', revision: 1, format: 'md' as const, source: { sha256: null, bytes: 10 } };
const spec = (layers: Partial<ExportLayers>) => resolveExport(subject, { defaultOutDir: '/out', ...layers });
const fromFrontMatter = (css: string) => spec({ frontMatter: { options: { css } } });
const fromCall = (css: string) => spec({ call: { css } });

/** The INVALID_OPTIONS message `fn` throws (fails the test if it throws nothing or something else). */
function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isQuireError(e) && e.code === 'INVALID_OPTIONS') return e.message;
    throw e;
  }
  throw new Error('expected INVALID_OPTIONS, nothing was thrown');
}

describe('withUserCss: front matter names a file inside the document\'s folder', () => {
  it('reads a relative path inside the folder, keeping the full path and the layer', () => {
    const css = withUserCss(fromFrontMatter('styles/print.css'), docDir).style.css;
    expect(css).toEqual({ path: path.join(fs.realpathSync(docDir), 'styles', 'print.css'), from: 'frontMatter', text: 'h1 { color: teal }' });
  });

  it('refuses ../ out of the folder, and a symbolic link that points out of it', () => {
    expect(messageOf(() => withUserCss(fromFrontMatter('../secret.css'), docDir))).toBe(
      `The CSS file ../secret.css named by the document's front matter (css:) is outside the document's folder ${docDir}; move it into that folder.`,
    );
    expect(messageOf(() => withUserCss(fromFrontMatter('link-out.css'), docDir))).toMatch(/link-out\.css named by the document's front matter \(css:\) is outside/);
  });

  it('refuses an absolute path, and any path when the document has no folder', () => {
    expect(messageOf(() => withUserCss(fromFrontMatter(path.join(docDir, 'styles/print.css')), docDir))).toMatch(/must be relative to the document's folder/);
    expect(messageOf(() => withUserCss(fromFrontMatter('styles/print.css'), null))).toMatch(/styles\/print\.css .*the document was not opened from a file/);
  });

  it('a missing file or a folder says so and where it looked', () => {
    expect(messageOf(() => withUserCss(fromFrontMatter('nope.css'), docDir))).toBe(
      `The CSS file nope.css named by the document's front matter (css:) cannot be read: no such file (looked for it in ${docDir}).`,
    );
    expect(messageOf(() => withUserCss(fromFrontMatter('styles'), docDir))).toMatch(/cannot be read: it is a folder, not a file/);
  });
});

describe('withUserCss: other layers name a full path', () => {
  it('reads an absolute path from the call, whatever the document\'s folder', () => {
    const file = path.join(root, 'secret.css');
    expect(withUserCss(fromCall(file), null).style.css).toEqual({ path: file, from: 'call', text: 'body { display: none }' });
  });

  it('refuses a relative path from the call; names a missing file and the layer', () => {
    expect(messageOf(() => withUserCss(fromCall('print.css'), docDir))).toBe('The CSS file print.css named by this export (--css) must be a full path, such as /home/ada/print.css.');
    expect(messageOf(() => withUserCss(fromCall('/x/y.css'), docDir))).toBe('The CSS file /x/y.css named by this export (--css) cannot be read: no such file.');
  });

  it('a spec without CSS comes back unchanged', () => {
    const s = spec({});
    expect(withUserCss(s, docDir)).toBe(s);
  });
});

describe('readUserCssFile', () => {
  it('refuses a file over 1 MB before reading it, and one that is not UTF-8', () => {
    const big = path.join(root, 'big.css');
    fs.writeFileSync(big, Buffer.alloc(USER_CSS_MAX_BYTES + 1, 0x20));
    expect(messageOf(() => readUserCssFile(big, '--css'))).toBe(`The CSS file ${big} named by --css is too large (1,000,001 bytes; a CSS file may have at most 1,000,000).`);
    fs.writeFileSync(big, Buffer.alloc(USER_CSS_MAX_BYTES, 0x20));
    expect(readUserCssFile(big, '--css')).toHaveLength(USER_CSS_MAX_BYTES);
    const latin1 = path.join(root, 'latin1.css');
    fs.writeFileSync(latin1, Buffer.from([0x2f, 0x2a, 0xe9, 0x2a, 0x2f]));
    expect(messageOf(() => readUserCssFile(latin1, '--css'))).toBe(`The CSS file ${latin1} named by --css is not UTF-8 text; save it as UTF-8.`);
  });

  it('an unreadable file says permission denied', () => {
    if (process.getuid?.() === 0) return; // root reads everything
    const locked = path.join(root, 'locked.css');
    fs.writeFileSync(locked, 'a {}');
    fs.chmodSync(locked, 0o000);
    expect(messageOf(() => readUserCssFile(locked, '--css'))).toBe(`The CSS file ${locked} named by --css cannot be read: permission denied.`);
  });
});
