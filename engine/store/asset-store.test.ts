import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rmrf, tempDir } from '../../tests/helpers.ts';
import { sha256Of } from '../jobs/atomic-files.ts';
import { AssetStore } from './asset-store.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach(rmrf));
function store(): AssetStore {
  const dir = tempDir('quire-assets-');
  dirs.push(dir);
  return new AssetStore(path.join(dir, 'assets'));
}
const HOUR = 60 * 60 * 1000;
const age = (file: string, ms: number) => fs.utimesSync(file, new Date(Date.now() - ms), new Date(Date.now() - ms));

describe('AssetStore', () => {
  it('stores bytes once by their SHA-256, under a two-letter shard, and reads them back', async () => {
    const s = store();
    const data = Buffer.from('some image bytes');
    const first = await s.put(data);
    expect(first).toEqual({ sha256: sha256Of(data), bytes: data.length, path: path.join(s.dir, first.sha256.slice(0, 2), first.sha256) });
    expect(fs.readFileSync(first.path)).toEqual(data);
    const again = await s.put(Buffer.from(data));
    expect(again.path).toBe(first.path);
    expect(fs.readdirSync(path.dirname(first.path))).toEqual([first.sha256]); // no temp file left
    expect(await s.read(first.sha256)).toEqual(data);
  });

  it('a damaged or missing file reads as null, and put repairs a damaged one', async () => {
    const s = store();
    const data = Buffer.from('png?');
    const { sha256, path: file } = await s.put(data);
    fs.writeFileSync(file, 'changed on disk');
    expect(await s.read(sha256)).toBeNull();
    await s.put(data);
    expect(await s.read(sha256)).toEqual(data);
    fs.rmSync(file);
    expect(await s.read(sha256)).toBeNull();
    expect(() => s.pathOf('../../etc/passwd')).toThrow(/not a SHA-256/);
  });

  it('removeUnused removes old files not kept and old temp files, never young ones', async () => {
    const s = store();
    const kept = await s.put(Buffer.from('kept'));
    const old = await s.put(Buffer.from('old and unused'));
    const young = await s.put(Buffer.from('young and unused'));
    const temp = path.join(path.dirname(old.path), '.tmp-dead');
    fs.writeFileSync(temp, 'half');
    for (const f of [kept.path, old.path, temp]) age(f, 2 * HOUR);
    const removed = await s.removeUnused(new Set([kept.sha256]), HOUR);
    expect(removed.files).toBe(2);
    expect(fs.existsSync(kept.path)).toBe(true);
    expect(fs.existsSync(young.path)).toBe(true);
    expect(fs.existsSync(old.path)).toBe(false);
    expect(fs.existsSync(temp)).toBe(false);
    // Putting an old file again makes it young, so an import in progress keeps it.
    age(kept.path, 2 * HOUR);
    await s.put(Buffer.from('kept'));
    expect((await s.removeUnused(new Set(), HOUR)).files).toBe(0);
  });
});
