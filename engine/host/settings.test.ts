import { afterAll, describe, expect, it } from 'vitest';
import type { Settings } from '../api/contract.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BackedSettingsStore, JsonSettingsStore, defaultSettings, recoverSettings, type SettingsBacking } from './settings.ts';

const defaults = defaultSettings('/home/u/Documents/Quire');

/** An in-memory stand-in for electron-store: holds whatever JSON the file held. */
function memory(initial: unknown): SettingsBacking & { value: unknown; writes: number } {
  const b = {
    value: structuredClone(initial),
    writes: 0,
    read: () => b.value,
    write: (s: Settings) => {
      b.value = structuredClone(s);
      b.writes++;
    },
  };
  return b;
}

describe('BackedSettingsStore', () => {
  it('starts from the defaults when nothing is stored', () => {
    expect(new BackedSettingsStore(memory(undefined), defaults).get()).toEqual(defaults);
    expect(new BackedSettingsStore(memory({}), defaults).get()).toEqual(defaults);
  });

  it('reads what was stored and writes validated updates through', () => {
    const backing = memory({ ...defaults, theme: 'dark', concurrency: 3 });
    const store = new BackedSettingsStore(backing, defaults);
    expect(store.get()).toMatchObject({ theme: 'dark', concurrency: 3 });
    const next = store.update({ defaultFormats: ['md'], openFolderWhenDone: true, pdf: { ...defaults.pdf, pageSize: 'Letter' } });
    expect(next).toMatchObject({ defaultFormats: ['md'], openFolderWhenDone: true, theme: 'dark', pdf: { pageSize: 'Letter' } });
    expect(backing.value).toEqual(next);
    expect(new BackedSettingsStore(backing, defaults).get()).toEqual(next);
  });

  it('rejects an invalid update with INVALID_OPTIONS and keeps the old value', () => {
    const backing = memory(undefined);
    const store = new BackedSettingsStore(backing, defaults);
    for (const patch of [{ concurrency: 0 }, { theme: 'neon' }, { defaultFormats: [] }, { outputDir: '' }, { pdf: { ...defaults.pdf, pageSize: 'B7' } }]) {
      expect(() => store.update(patch as Partial<Settings>), JSON.stringify(patch)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    }
    expect(backing.writes).toBe(0);
    expect(store.get()).toEqual(defaults);
  });

  it('hands out copies, never its own state', () => {
    const store = new BackedSettingsStore(memory(undefined), defaults);
    const s = store.get();
    s.pdf.margins.top = 99;
    s.pdf.pageSize = 'A3';
    expect(store.get()).toEqual(defaults);
  });

  it('survives a backing that throws on read', () => {
    const store = new BackedSettingsStore({ read: () => { throw new Error('EACCES'); }, write: () => undefined }, defaults);
    expect(store.get()).toEqual(defaults);
  });
});

describe('recoverSettings', () => {
  it('keeps every valid field of a damaged file and drops the rest', () => {
    const damaged = {
      outputDir: '/data/exports',
      defaultFormats: ['pdf', 'docx'],
      theme: 'dark',
      concurrency: -4,
      openFolderWhenDone: 'yes',
      pdf: { pageSize: 'A3', margins: { top: -1 }, landscape: true, bogus: 1 },
      __proto__hack: true,
    };
    const s = recoverSettings(defaults, damaged);
    expect(s).toEqual({
      ...defaults,
      outputDir: '/data/exports',
      theme: 'dark',
      pdf: { ...defaults.pdf, pageSize: 'A3', landscape: true },
    });
  });

  it('returns the defaults for anything that is not an object', () => {
    for (const v of [null, 'x', 3, [], true]) expect(recoverSettings(defaults, v)).toEqual(defaults);
  });
});

describe('JsonSettingsStore', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-settings-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('follows the same policy over a file: a bad field falls back alone, updates are written whole', () => {
    const file = path.join(dir, 'settings.json');
    fs.writeFileSync(file, JSON.stringify({ theme: 'dark', concurrency: 'lots', pdf: { ...defaults.pdf, landscape: true, margins: 'wide' } }));
    const store = new JsonSettingsStore(file, defaults);
    expect(store.get()).toEqual({ ...defaults, theme: 'dark', pdf: { ...defaults.pdf, landscape: true } });
    store.update({ openFolderWhenDone: true });
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ ...defaults, theme: 'dark', openFolderWhenDone: true, pdf: { ...defaults.pdf, landscape: true } });
    expect(() => store.update({ concurrency: 0 })).toThrow(/concurrency/);
    expect(new JsonSettingsStore(file, defaults).get().openFolderWhenDone).toBe(true);
  });

  it('a missing or unparsable file is the defaults', () => {
    expect(new JsonSettingsStore(path.join(dir, 'none.json'), defaults).get()).toEqual(defaults);
    fs.writeFileSync(path.join(dir, 'broken.json'), '{"theme": "da');
    expect(new JsonSettingsStore(path.join(dir, 'broken.json'), defaults).get()).toEqual(defaults);
  });
});
