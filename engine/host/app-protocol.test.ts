import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  APP_CSP,
  APP_ENTRY_URL,
  APP_ORIGIN,
  ASSET_PATH,
  PDF_CSP,
  appAssetShaOf,
  appResponseHeaders,
  assetResponseHeaders,
  devCsp,
  isAllowedPdfRequest,
  originOf,
  pdfDocumentUrl,
  pdfTokenOf,
  resolveAppFile,
  unpackedPath,
} from './app-protocol.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-app-protocol-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
}

describe('resolveAppFile', () => {
  it('maps app URLs to files under the renderer folder', () => {
    expect(resolveAppFile(root, APP_ENTRY_URL)).toEqual({ file: path.join(root, 'index.html'), mime: 'text/html; charset=utf-8' });
    expect(resolveAppFile(root, `${APP_ORIGIN}/`)?.file).toBe(path.join(root, 'index.html'));
    expect(resolveAppFile(root, `${APP_ORIGIN}/assets/index-3f2a.js`)).toEqual({
      file: path.join(root, 'assets', 'index-3f2a.js'),
      mime: 'text/javascript; charset=utf-8',
    });
    expect(resolveAppFile(root, `${APP_ORIGIN}/assets/app.css?v=1#x`)?.mime).toBe('text/css; charset=utf-8');
    expect(resolveAppFile(root, `${APP_ORIGIN}/fonts/a%20b.woff2`)?.file).toBe(path.join(root, 'fonts', 'a b.woff2'));
  });

  it('serves index.html for client-side routes', () => {
    expect(resolveAppFile(root, `${APP_ORIGIN}/documents/42`)?.file).toBe(path.join(root, 'index.html'));
  });

  it('never leaves the folder', () => {
    for (const url of [
      `${APP_ORIGIN}/../secret.txt`,
      `${APP_ORIGIN}/%2e%2e/secret.txt`,
      `${APP_ORIGIN}/assets/%2e%2e%2f%2e%2e%2fsecret.txt`,
      `${APP_ORIGIN}/..%5c..%5csecret.txt`,
      `${APP_ORIGIN}/a%00.js`,
      `${APP_ORIGIN}/%E0%A4%A`,
    ]) {
      const hit = resolveAppFile(root, url);
      if (hit) expect(path.relative(root, hit.file).startsWith('..'), url).toBe(false);
    }
    expect(resolveAppFile(root, `${APP_ORIGIN}/%2e%2e%2fsecret.txt`)).toBeNull();
    expect(resolveAppFile(root, `${APP_ORIGIN}/..%5csecret.txt`)).toBeNull();
    expect(resolveAppFile(root, `${APP_ORIGIN}/a%00.js`)).toBeNull();
  });

  it('refuses other hosts and schemes', () => {
    expect(resolveAppFile(root, 'quire://pdf/index.html')).toBeNull();
    expect(resolveAppFile(root, 'file:///etc/passwd')).toBeNull();
    expect(resolveAppFile(root, 'https://app/index.html')).toBeNull();
    expect(resolveAppFile(root, 'not a url')).toBeNull();
  });
});

describe('CSP', () => {
  it('allows no inline script, no eval, nothing remote in the app', () => {
    const d = directives(APP_CSP);
    expect(d.get('default-src')).toEqual(["'none'"]);
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('style-src')).toEqual(["'self'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(APP_CSP).not.toMatch(/unsafe-eval|unsafe-inline|https?:|\*/);
    expect(appResponseHeaders('text/html')).toMatchObject({ 'content-security-policy': APP_CSP, 'x-content-type-options': 'nosniff' });
  });

  it('lets the printed document style itself but load nothing', () => {
    const d = directives(PDF_CSP);
    expect(d.get('default-src')).toEqual(["'none'"]);
    expect(d.get('script-src')).toBeUndefined();
    expect(d.get('img-src')).toEqual(['data:']);
  });

  it('opens the dev server (and only it) in dev mode', () => {
    const csp = devCsp('http://localhost:5173/');
    expect(directives(csp).get('connect-src')).toEqual(["'self'", 'http://localhost:5173', 'ws://localhost:5173']);
    expect(csp).not.toMatch(/unsafe-eval/);
  });
});

describe('document assets under quire://app', () => {
  it('names a stored file only by a 64-hex sha256 on the app host', () => {
    const sha = 'ab'.repeat(32);
    expect(appAssetShaOf(`${APP_ORIGIN}${ASSET_PATH}/${sha}`)).toBe(sha);
    for (const url of [
      `${APP_ORIGIN}${ASSET_PATH}/${sha.toUpperCase()}`,
      `${APP_ORIGIN}${ASSET_PATH}/${sha}?x=1`,
      `${APP_ORIGIN}${ASSET_PATH}/${sha}/x`,
      `${APP_ORIGIN}${ASSET_PATH}/..%2findex.html`,
      `quire://pdf${ASSET_PATH}/${sha}`,
      `${APP_ORIGIN}/assets/${sha}`,
    ]) {
      expect(appAssetShaOf(url), url).toBeNull();
    }
  });

  it('serves it as its own image type that runs and loads nothing', () => {
    const h = assetResponseHeaders('image/svg+xml');
    expect(h['content-type']).toBe('image/svg+xml');
    expect(directives(h['content-security-policy']!).get('default-src')).toEqual(["'none'"]);
    expect(h['x-content-type-options']).toBe('nosniff');
    expect(h['cache-control']).toContain('immutable');
  });
});

describe('origins and PDF URLs', () => {
  it('computes origins for custom schemes like Chromium does', () => {
    expect(new URL(APP_ENTRY_URL).origin).toBe('null'); // why originOf exists
    expect(originOf(APP_ENTRY_URL)).toBe(APP_ORIGIN);
    expect(originOf('QUIRE://APP/x')).toBe(APP_ORIGIN);
    expect(originOf('http://localhost:5173/src/main.tsx')).toBe('http://localhost:5173');
    expect(originOf('file:///tmp/index.html')).toBeNull();
    expect(originOf('about:blank')).toBeNull();
    expect(originOf('%')).toBeNull();
  });

  it('round-trips PDF document tokens and rejects everything else', () => {
    const token = '0b7f2c1e-9a7d-4a51-b2a4-3c1a0e0f6d11';
    expect(pdfTokenOf(pdfDocumentUrl(token))).toBe(token);
    expect(pdfTokenOf(`quire://pdf/${token}?x=1`)).toBeNull();
    expect(pdfTokenOf(`quire://app/${token}`)).toBeNull();
    expect(pdfTokenOf('quire://pdf/../../etc')).toBeNull();
    expect(isAllowedPdfRequest(pdfDocumentUrl(token))).toBe(true);
    expect(isAllowedPdfRequest('data:image/png;base64,AAAA')).toBe(true);
    for (const url of ['https://example.com/x.png', 'http://127.0.0.1:9/', 'file:///etc/passwd', 'quire://app/index.html', 'ws://x/']) {
      expect(isAllowedPdfRequest(url), url).toBe(false);
    }
  });
});

describe('unpackedPath', () => {
  it('points into app.asar.unpacked only for paths inside app.asar', () => {
    expect(unpackedPath('/opt/Quire/resources/app.asar/out/main/worker.mjs')).toBe('/opt/Quire/resources/app.asar.unpacked/out/main/worker.mjs');
    expect(unpackedPath('C:\\Quire\\resources\\app.asar\\out\\main\\worker.mjs')).toBe('C:\\Quire\\resources\\app.asar.unpacked\\out\\main\\worker.mjs');
    expect(unpackedPath('/work/main/out/main/worker.mjs')).toBe('/work/main/out/main/worker.mjs');
    expect(unpackedPath('/x/app.asar.unpacked/out/main/worker.mjs')).toBe('/x/app.asar.unpacked/out/main/worker.mjs');
  });
});
