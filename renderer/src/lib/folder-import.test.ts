// @vitest-environment jsdom
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { batchBySize, filesFromDrop, filesFromInput, filesFromZip, isFolderDocument, matchFilesToRefs, normalizePath, resolveRef, toBase64, type FolderFile } from './folder-import.ts';

// Not fflate's strToU8: under jsdom its TextEncoder gives another realm's Uint8Array, which zipSync takes for a folder.
const strToU8 = (s: string) => Uint8Array.from(Buffer.from(s));
const file = (path: string, size = 1): FolderFile => ({ path, size, read: async () => new Uint8Array(size) });

describe('folder import', () => {
  it('resolves a reference against its document\'s folder, never above the folder', () => {
    expect(resolveRef('README.md', 'images/a.png')).toBe('images/a.png');
    expect(resolveRef('guide/intro.md', './img/a.png')).toBe('guide/img/a.png');
    expect(resolveRef('guide/intro.md', '../shared/b.png')).toBe('shared/b.png');
    expect(resolveRef('guide/intro.md', '../../etc/passwd')).toBeNull();
    expect(normalizePath('a\\b/./c/../d.png')).toBe('a/b/d.png');
  });

  it('imports Markdown and HTML documents of a folder, not text files or hidden folders', () => {
    expect(['README.md', 'docs/a.html', 'b.HTM', 'c.markdown'].every(isFolderDocument)).toBe(true);
    expect(['LICENSE.txt', 'images/a.png', '.github/ISSUE.md', '__MACOSX/README.md'].some(isFolderDocument)).toBe(false);
  });

  it('matches chosen files by full path first, else by a unique file name', () => {
    const chosen = [file('images/a.png'), file('other/a.png'), file('b.png'), file('x/c.png'), file('y/c.png')];
    const m = matchFilesToRefs(['images/a.png', 'pics/b.png', 'z/c.png', 'd.png'], chosen);
    expect(m.get('images/a.png')!.path).toBe('images/a.png');
    expect(m.get('pics/b.png')!.path).toBe('b.png');
    // Two files named c.png and neither at z/c.png: ambiguous, so not guessed.
    expect(m.has('z/c.png')).toBe(false);
    expect(m.has('d.png')).toBe(false);
  });

  it('batches by base64 size and count; a file larger than a batch goes alone', () => {
    const sizes = [3, 3, 3, 30, 3].map((n, i) => file(`f${i}`, n));
    expect(batchBySize(sizes, 8, 64).map((b) => b.map((f) => f.path))).toEqual([['f0', 'f1'], ['f2'], ['f3'], ['f4']]);
    expect(batchBySize(sizes, 1000, 2).map((b) => b.length)).toEqual([2, 2, 1]);
  });

  it('opens a .zip, dropping the single top folder "Compress" adds, and reads the bytes', async () => {
    const zip = zipSync({ 'primer/README.md': strToU8('# Hi\n\n![a](images/a.png)'), 'primer/images/a.png': new Uint8Array([137, 80, 78, 71]), 'primer/empty/': new Uint8Array() });
    const files = await filesFromZip(new Blob([zip]));
    expect(files.map((f) => f.path).sort()).toEqual(['README.md', 'images/a.png']);
    const png = files.find((f) => f.path === 'images/a.png')!;
    expect([...(await png.read())]).toEqual([137, 80, 78, 71]);
    const flat = await filesFromZip(new Blob([zipSync({ 'a.md': strToU8('a'), 'img/b.png': new Uint8Array(1) })]));
    expect(flat.map((f) => f.path).sort()).toEqual(['a.md', 'img/b.png']);
  });

  it('takes paths from a folder picker without the folder\'s own name', () => {
    const f = new File(['x'], 'a.png');
    Object.defineProperty(f, 'webkitRelativePath', { value: 'primer/images/a.png' });
    expect(filesFromInput([f, new File(['y'], 'plain.md')]).map((x) => x.path)).toEqual(['images/a.png', 'plain.md']);
  });

  it('walks a dropped folder through the FileSystemEntry API, page by page, without the folder\'s own name', async () => {
    // Chromium's entries as the drop hands them over (a directory reader returns pages, then an empty one).
    const fileEntry = (name: string) => ({ isFile: true, isDirectory: false, name, file: (ok: (f: File) => void) => ok(new File([name], name)) });
    const dirEntry = (name: string, pages: unknown[][]) => ({
      isFile: false,
      isDirectory: true,
      name,
      createReader: () => {
        const left = [...pages, []];
        return { readEntries: (ok: (e: unknown[]) => void) => ok(left.shift()!) };
      },
    });
    const root = dirEntry('primer', [[fileEntry('README.md'), dirEntry('images', [[fileEntry('a.png')], [fileEntry('b.png')]])], [fileEntry('LICENSE.txt')]]);
    const transfer = { items: [{ kind: 'file', webkitGetAsEntry: () => root }], files: [] } as unknown as DataTransfer;
    const { files, hadFolder } = await filesFromDrop(transfer);
    expect(hadFolder).toBe(true);
    expect(files.map((f) => f.path)).toEqual(['README.md', 'images/a.png', 'images/b.png', 'LICENSE.txt']);
    expect(new TextDecoder().decode(await files[2]!.read())).toBe('b.png');

    // Plain files dropped: their names, as before.
    const plain = { items: [{ kind: 'file', webkitGetAsEntry: () => fileEntry('x.md') }], files: [new File(['x'], 'x.md')] } as unknown as DataTransfer;
    expect(await filesFromDrop(plain)).toMatchObject({ hadFolder: false, files: [{ path: 'x.md' }] });
  });

  it('encodes large files to base64 in slices', () => {
    const bytes = new Uint8Array(200_000).map((_, i) => i % 256);
    expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
  });
});
