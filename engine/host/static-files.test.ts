import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mimeFor, resolveStaticFile } from './static-files.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-static-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('resolveStaticFile', () => {
  it('maps a path to the file under the folder, with its type', () => {
    expect(resolveStaticFile(root, '/assets/index-3f2a.js')).toEqual({ file: path.join(root, 'assets', 'index-3f2a.js'), mime: 'text/javascript; charset=utf-8' });
    expect(resolveStaticFile(root, '/fonts/a%20b.woff2')).toEqual({ file: path.join(root, 'fonts', 'a b.woff2'), mime: 'font/woff2' });
    expect(resolveStaticFile(root, '/assets/./x.css')?.file).toBe(path.join(root, 'assets', 'x.css'));
  });

  it('gives index.html for the root and for client-side routes', () => {
    for (const p of ['/', '', '/documents/42']) {
      expect(resolveStaticFile(root, p), p).toEqual({ file: path.join(root, 'index.html'), mime: 'text/html; charset=utf-8' });
    }
  });

  it('never leaves the folder, however the path is written', () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/a%5c..%5c..%5cb.txt', '/a%00.js', '/%E0%A4%A']) {
      expect(resolveStaticFile(root, p), p).toBeNull();
    }
  });

  it('types unknown extensions as bytes, never as something a browser would run', () => {
    expect(mimeFor('x.exe')).toBe('application/octet-stream');
    expect(mimeFor('X.SVG')).toBe('image/svg+xml');
  });
});
