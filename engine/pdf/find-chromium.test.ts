import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { QuireError } from '../api/errors.ts';
import { chromiumCandidates, findChromium } from './find-chromium.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'quire-find-chromium-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function thrown(fn: () => unknown): QuireError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(QuireError);
    return e as QuireError;
  }
  throw new Error('expected a QuireError');
}

const nothingExists = () => false;

describe('findChromium', () => {
  it('uses QUIRE_CHROMIUM when it names an executable', () => {
    const exe = path.join(dir, 'my-chrome');
    writeFileSync(exe, '#!/bin/sh\n');
    chmodSync(exe, 0o755);
    expect(findChromium({ QUIRE_CHROMIUM: exe })).toBe(exe);
  });

  it('prefers QUIRE_CHROMIUM over an installed browser', () => {
    const exe = '/opt/custom/chrome';
    expect(findChromium({ QUIRE_CHROMIUM: exe }, { platform: 'linux', isExecutable: () => true })).toBe(exe);
  });

  it('names the path when QUIRE_CHROMIUM points to a missing file, without falling back', () => {
    const missing = path.join(dir, 'no-such-chrome');
    const error = thrown(() => findChromium({ QUIRE_CHROMIUM: missing }, { isExecutable: (f) => f !== missing }));
    expect(error.code).toBe('CHROMIUM_NOT_FOUND');
    expect(error.message).toContain(`QUIRE_CHROMIUM is set to "${missing}"`);
    expect(error.message).toContain('no file exists there');
  });

  it('says why QUIRE_CHROMIUM is unusable: a folder, a file that is not executable', () => {
    expect(thrown(() => findChromium({ QUIRE_CHROMIUM: dir })).message).toContain('is a folder');
    const plain = path.join(dir, 'not-executable');
    writeFileSync(plain, 'x');
    chmodSync(plain, 0o644);
    expect(thrown(() => findChromium({ QUIRE_CHROMIUM: plain })).message).toContain('not executable');
  });

  it('treats an empty QUIRE_CHROMIUM as unset', () => {
    const found = findChromium({ QUIRE_CHROMIUM: '  ' }, { platform: 'linux', isExecutable: (f) => f === '/usr/bin/chromium' });
    expect(found).toBe('/usr/bin/chromium');
  });

  it('returns the first usual install location that exists', () => {
    const found = findChromium({}, { platform: 'linux', isExecutable: (f) => f === '/usr/bin/google-chrome' || f === '/snap/bin/chromium' });
    expect(found).toBe('/usr/bin/google-chrome');
  });

  it('reports CHROMIUM_NOT_FOUND with every place it looked and how to install', () => {
    const error = thrown(() => findChromium({}, { platform: 'linux', isExecutable: nothingExists }));
    expect(error.code).toBe('CHROMIUM_NOT_FOUND');
    expect(error.message).toContain('apt-get install chromium');
    expect(error.message).toContain('QUIRE_CHROMIUM');
    expect(error.details?.tried).toEqual([
      '/usr/bin/chromium',
      '/usr/bin/chromium-browser',
      '/usr/bin/google-chrome',
      '/usr/bin/google-chrome-stable',
      '/snap/bin/chromium',
    ]);
  });

  it('finds the real Chromium on this machine', () => {
    expect(findChromium({ PATH: process.env.PATH })).toBe('/usr/bin/chromium');
  });
});

describe('chromiumCandidates', () => {
  it('lists the macOS app bundles, system-wide first', () => {
    const list = chromiumCandidates('darwin', { HOME: '/Users/ann' });
    expect(list[0]).toBe('/Applications/Google Chrome.app/Contents/MacOS/Google Chrome');
    expect(list).toContain('/Applications/Chromium.app/Contents/MacOS/Chromium');
    expect(list).toContain('/Users/ann/Applications/Google Chrome.app/Contents/MacOS/Google Chrome');
  });

  it('lists Chrome and Edge under Program Files on Windows, each folder once', () => {
    const env = { PROGRAMFILES: 'C:\\Program Files', 'PROGRAMFILES(X86)': 'C:\\Program Files (x86)', LOCALAPPDATA: 'C:\\Users\\ann\\AppData\\Local' };
    const list = chromiumCandidates('win32', env);
    expect(list[0]).toBe('C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe');
    expect(list).toContain('C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe');
    expect(list).toContain('C:\\Users\\ann\\AppData\\Local\\Google\\Chrome\\Application\\chrome.exe');
    const same = chromiumCandidates('win32', { PROGRAMFILES: 'C:\\Program Files', 'PROGRAMFILES(X86)': 'C:\\Program Files' });
    expect(new Set(same).size).toBe(same.length);
  });

  it('on Windows, findChromium searches exactly the Windows list', () => {
    const seen: string[] = [];
    thrown(() => findChromium({}, { platform: 'win32', isExecutable: (f) => (seen.push(f), false) }));
    expect(seen).toEqual(chromiumCandidates('win32', {}));
  });
});
