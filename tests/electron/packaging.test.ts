/**
 * What packaging relies on, checked without packaging (electron-builder cannot run offline):
 * the config is valid for the pinned electron-builder, the native module and the worker are
 * unpacked, and the Electron rebuild runs only in the scripts that start or package the app.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.ts';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const Ajv = require('ajv') as new (o: object) => { compile(schema: unknown): ((data: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string }> | null } };

const config = yaml.load(fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as Record<string, unknown> & {
  asarUnpack: string[];
  extraResources: Array<{ from: string; to: string }>;
  mac: { target: string[] };
  win: { target: string[] };
  linux: { target: string[] };
};
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string; scripts: Record<string, string> };

describe('electron-builder.yml', () => {
  it('is valid for the pinned electron-builder', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/app-builder-lib/scheme.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    const ok = validate(config);
    expect(validate.errors?.map((e) => `${e.instancePath} ${e.message}`) ?? [], 'schema errors').toEqual([]);
    expect(ok).toBe(true);
  });

  it('builds dmg+zip, nsis, AppImage+deb', () => {
    expect(config.mac.target).toEqual(['dmg', 'zip']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
  });

  it('unpacks the native module and what worker threads load, and ships the theme', () => {
    expect(config.asar).toBe(true);
    for (const p of ['node_modules/better-sqlite3/**', 'out/main/worker.mjs', 'out/main/chunks/**', 'node_modules/piscina/**']) {
      expect(config.asarUnpack).toContain(p);
    }
    expect(config.extraResources).toContainEqual({ from: 'resources/themes', to: 'themes' });
    for (const theme of ['base', 'github', 'book', 'report']) expect(fs.existsSync(path.join(ROOT, `resources/themes/${theme}.css`))).toBe(true);
    expect(config.asarUnpack).toContain('node_modules/@fontsource/**');
    expect(config.npmRebuild).toBe(false); // done by ensure-native before packaging
  });

  it('flips the Electron fuses Quire never needs (security checklist item 19)', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });
});

describe('package.json scripts', () => {
  it('rebuilds for Electron only when starting or packaging, never on install', () => {
    for (const hook of ['postinstall', 'install', 'preinstall', 'prepare']) expect(pkg.scripts[hook], hook).toBeUndefined();
    expect(pkg.scripts.prestart).toBe('node scripts/ensure-native.mjs electron');
    expect(pkg.scripts.dev).toMatch(/^node scripts\/ensure-native\.mjs electron && /);
    expect(pkg.scripts.package).toMatch(/^node scripts\/ensure-native\.mjs electron && electron-vite build && electron-builder --config electron-builder\.yml/);
    expect(pkg.scripts.pretest).toBe('node scripts/ensure-native.mjs node && npm run build:web');
  });

  it('points "main" at the bundle electron-vite writes', () => {
    expect(pkg.main).toBe('out/main/index.js');
    const cfg = fs.readFileSync(path.join(ROOT, 'electron.vite.config.ts'), 'utf8');
    expect(cfg).toContain("index: resolve(root, 'main/index.ts')");
    expect(cfg).toContain("worker: resolve(root, 'engine/pipeline/worker.ts')");
  });
});
