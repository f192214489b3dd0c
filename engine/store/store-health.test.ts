import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Errors } from '../api/errors.ts';
import { openDatabase } from './db.ts';
import { StoreWatch, explainStoreFailure, openStore, setAsideDamagedStore, storeProblem } from './store-health.ts';

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-store-health-'));
  file = path.join(dir, 'quire.db');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A real store with some rows, closed. */
async function makeStore(): Promise<void> {
  const store = await openDatabase(file);
  store.sqlite.exec("create table filler(x text); insert into filler select hex(randomblob(500)) from (with recursive n(i) as (select 1 union all select i+1 from n where i < 400) select i from n);");
  await store.close();
}

function overwrite(at: number, bytes: Buffer): void {
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, bytes, 0, bytes.length, at);
  fs.closeSync(fd);
}

describe('storeProblem', () => {
  it('is undefined for a healthy, a missing and an empty file', async () => {
    expect(storeProblem(file)).toBeUndefined();
    fs.writeFileSync(file, '');
    expect(storeProblem(file)).toBeUndefined();
    fs.rmSync(file);
    await makeStore();
    expect(storeProblem(file)).toBeUndefined();
  });

  it('names truncation, a damaged page and a foreign file, without writing to them', async () => {
    await makeStore();
    const size = fs.statSync(file).size;
    const copy = fs.readFileSync(file);
    fs.truncateSync(file, Math.floor(size / 2));
    expect(storeProblem(file)).toBe(`the file is truncated: ${Math.floor(size / 2).toLocaleString('en-US')} bytes of the ${size.toLocaleString('en-US')} it declares`);

    fs.writeFileSync(file, copy);
    overwrite(Math.floor(size / 2 / 4096) * 4096, Buffer.alloc(4096, 0xde));
    const damaged = fs.readFileSync(file);
    expect(storeProblem(file)).toMatch(/malformed|integrity check: /);
    expect(fs.readFileSync(file).equals(damaged)).toBe(true);

    overwrite(0, Buffer.from('garbage!'.repeat(8)));
    expect(storeProblem(file)).toBe('file is not a database');
  });
});

describe('openStore', () => {
  it('refuses a damaged file with STORE_DAMAGED naming it, and the host\'s way to start fresh', async () => {
    fs.writeFileSync(file, Buffer.alloc(8192, 0x41));
    await expect(openStore(file)).rejects.toMatchObject({
      code: 'STORE_DAMAGED',
      message: expect.stringMatching(new RegExp(`^Quire's database ${file.replace(/[.]/g, '\\.')} is damaged \\(file is not a database\\) and was left untouched\\. .*run the command again with --fresh-store`)),
    });
    await expect(openStore(file, { freshHint: 'choose "Start With an Empty Library"' })).rejects.toMatchObject({ message: expect.stringContaining('choose "Start With an Empty Library"') });
  });

  it('with freshStore: moves the damaged file (and its -wal, -shm) aside and opens a fresh one', async () => {
    const junk = Buffer.alloc(8192, 0x41);
    fs.writeFileSync(file, junk);
    fs.writeFileSync(`${file}-wal`, 'w');
    const { store, setAside } = await openStore(file, { freshStore: true });
    try {
      expect(setAside).toMatch(/quire\.db\.damaged-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/);
      expect(fs.readFileSync(setAside!).equals(junk)).toBe(true);
      expect(fs.readFileSync(`${setAside}-wal`, 'utf8')).toBe('w');
      expect(await store.db.selectFrom('jobs').selectAll().execute()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('a healthy store is opened as is, even with freshStore', async () => {
    await makeStore();
    const { store, setAside } = await openStore(file, { freshStore: true });
    await store.close();
    expect(setAside).toBeUndefined();
    expect(fs.readdirSync(dir).filter((n) => n.includes('damaged'))).toEqual([]);
  });
});

describe('setAsideDamagedStore', () => {
  it('moves the main file last, keeping every byte', () => {
    fs.writeFileSync(file, 'main');
    fs.writeFileSync(`${file}-shm`, 'shm');
    const aside = setAsideDamagedStore(file, new Date('2026-01-02T03:04:05.678Z'));
    expect(aside).toBe(`${file}.damaged-2026-01-02T03-04-05-678Z`);
    expect(fs.readdirSync(dir).sort()).toEqual(['quire.db.damaged-2026-01-02T03-04-05-678Z', 'quire.db.damaged-2026-01-02T03-04-05-678Z-shm']);
  });
});

describe('explainStoreFailure', () => {
  it('says "the disk holding the data folder is full" for SQLite\'s and Node\'s words for it', () => {
    const full = { code: 'DATA_DIR_UNUSABLE', message: expect.stringContaining(`Cannot keep Quire's data in ${dir}: the disk holding it is full.`) };
    expect(explainStoreFailure(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }), file)).toMatchObject(full);
    expect(explainStoreFailure(new Error(`Could not upgrade the Quire database ${file}: database or disk is full`), file)).toMatchObject(full);
    // A work file in the data folder: the data folder's disk, not the output folder's.
    expect(explainStoreFailure(Errors.outputWriteFailed(path.join(dir, 'work', 'j', 'export.html'), 'ENOSPC'), file)).toMatchObject(full);
    expect(explainStoreFailure(Errors.outputWriteFailed('/elsewhere/out/a.pdf', 'ENOSPC'), file)).toBeUndefined();
    expect(explainStoreFailure(new Error('boom'), file)).toBeUndefined();
  });

  it('names the file for SQLite\'s "malformed"', () => {
    expect(explainStoreFailure(Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' }), file)).toMatchObject({ code: 'STORE_DAMAGED', details: { file } });
  });
});

describe('StoreWatch', () => {
  it('notices the file deleted, or replaced by another', async () => {
    await makeStore();
    const watch = new StoreWatch(file);
    expect(watch.lost()).toBeUndefined();
    const copy = `${file}.copy`;
    fs.copyFileSync(file, copy);
    fs.renameSync(copy, file); // same name, another file
    expect(watch.lost()).toMatchObject({ code: 'STORE_LOST', message: expect.stringContaining(`Quire's data folder ${dir} was deleted or moved`) });
    fs.rmSync(file);
    expect(() => watch.check()).toThrow(expect.objectContaining({ code: 'STORE_LOST' }));
  });
});
