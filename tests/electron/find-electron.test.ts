/** The E2E suite's binary lookup: it must report why it skips and never start a download. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rmrf, tempDir } from '../helpers.ts';
import { findElectronBinary } from './support.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach(rmrf));

function project(): string {
  const dir = tempDir('quire-find-electron-');
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'node_modules', 'electron'), { recursive: true });
  // A download would start from install.js; make it fail loudly if anything ran it.
  fs.writeFileSync(path.join(dir, 'node_modules', 'electron', 'install.js'), 'throw new Error("download attempted")');
  return dir;
}

describe('findElectronBinary', () => {
  const saved = process.env.QUIRE_ELECTRON_BINARY;
  afterAll(() => {
    if (saved === undefined) delete process.env.QUIRE_ELECTRON_BINARY;
    else process.env.QUIRE_ELECTRON_BINARY = saved;
  });

  it('explains a missing binary (no path.txt: the install step never downloaded it)', () => {
    delete process.env.QUIRE_ELECTRON_BINARY;
    const r = findElectronBinary(project());
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('node_modules/electron/path.txt is missing') });
    expect(fs.existsSync(path.join(dirs[0]!, 'node_modules', 'electron', 'dist'))).toBe(false);
  });

  it('finds the binary path.txt names, and only if it exists', () => {
    delete process.env.QUIRE_ELECTRON_BINARY;
    const dir = project();
    const electron = path.join(dir, 'node_modules', 'electron');
    fs.writeFileSync(path.join(electron, 'path.txt'), 'electron');
    expect(findElectronBinary(dir)).toEqual({ ok: false, reason: `no Electron binary at ${path.join(electron, 'dist', 'electron')}` });
    fs.mkdirSync(path.join(electron, 'dist'));
    fs.writeFileSync(path.join(electron, 'dist', 'electron'), '');
    expect(findElectronBinary(dir)).toEqual({ ok: true, path: path.join(electron, 'dist', 'electron') });
  });

  it('honours QUIRE_ELECTRON_BINARY', () => {
    const dir = project();
    process.env.QUIRE_ELECTRON_BINARY = path.join(dir, 'nope');
    expect(findElectronBinary(dir).ok).toBe(false);
    process.env.QUIRE_ELECTRON_BINARY = path.join(dir, 'node_modules', 'electron', 'install.js');
    expect(findElectronBinary(dir)).toEqual({ ok: true, path: process.env.QUIRE_ELECTRON_BINARY });
  });
});
