/**
 * Documents' files (images) kept by content in the data folder: `<dir>/<sha[0..2]>/<sha>`.
 * A file is written to a temporary name and renamed, so a reader never sees half of one; the
 * same bytes are stored once, however many documents or jobs refer to them. Which hashes are
 * still needed is the database's business (document_assets rows, queued and running jobs'
 * specs): `removeUnused` is told.
 *
 * @example
 * const store = new AssetStore(path.join(dataDir, 'assets'));
 * const { sha256 } = await store.put(pngBytes);
 * await store.read(sha256); // the same bytes, checked against the hash
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Errors } from '../api/errors.ts';
import { sha256Of } from '../jobs/atomic-files.ts';

const SHA256 = /^[0-9a-f]{64}$/;
const TEMP_PREFIX = '.tmp-';

export class AssetStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Where the file with this hash lives (it may not exist). */
  pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw Errors.invalidInput(`"${sha256}" is not a SHA-256 hex digest.`);
    return path.join(this.dir, sha256.slice(0, 2), sha256);
  }

  /** Stores the bytes (once: a file already there with the right content is kept). */
  async put(data: Uint8Array): Promise<{ sha256: string; bytes: number; path: string }> {
    const sha256 = sha256Of(data);
    const file = this.pathOf(sha256);
    if (await this.#holds(file, sha256, data.length)) {
      // Fresh again, so removeUnused leaves it alone until the rows that name it are written.
      const now = new Date();
      await fsp.utimes(file, now, now).catch(() => undefined);
      return { sha256, bytes: data.length, path: file };
    }
    await fsp.mkdir(path.dirname(file), { recursive: true });
    const temp = path.join(path.dirname(file), `${TEMP_PREFIX}${randomUUID()}`);
    try {
      await fsp.writeFile(temp, data, { flag: 'wx' });
      await fsp.rename(temp, file);
    } catch (e) {
      await fsp.rm(temp, { force: true }).catch(() => undefined);
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      throw Errors.dataDirUnusable(this.dir, `a document's image could not be stored (${code})`);
    }
    return { sha256, bytes: data.length, path: file };
  }

  /** The stored bytes, checked against their hash; null when the file is gone or damaged. */
  async read(sha256: string): Promise<Buffer | null> {
    let data: Buffer;
    try {
      data = await fsp.readFile(this.pathOf(sha256));
    } catch {
      return null;
    }
    return sha256Of(data) === sha256 ? data : null;
  }

  async #holds(file: string, sha256: string, bytes: number): Promise<boolean> {
    try {
      const st = await fsp.stat(file);
      if (st.size !== bytes) return false;
      return sha256Of(await fsp.readFile(file)) === sha256;
    } catch {
      return false;
    }
  }

  /**
   * Removes stored files whose hash is not in `keep`, and temporary files, when older than
   * `minAgeMs`: an import in progress writes its files before the rows that name them.
   */
  async removeUnused(keep: ReadonlySet<string>, minAgeMs: number, now = Date.now()): Promise<{ files: number; bytes: number }> {
    const removed = { files: 0, bytes: 0 };
    let shards: string[];
    try {
      shards = await fsp.readdir(this.dir);
    } catch {
      return removed;
    }
    for (const shard of shards) {
      const shardDir = path.join(this.dir, shard);
      let names: string[];
      try {
        names = await fsp.readdir(shardDir);
      } catch {
        continue;
      }
      for (const name of names) {
        if (keep.has(name)) continue;
        const file = path.join(shardDir, name);
        try {
          const st = fs.lstatSync(file);
          if (now - st.mtimeMs < minAgeMs) continue;
          await fsp.rm(file, { force: true, recursive: true });
          removed.files++;
          removed.bytes += st.size;
        } catch {
          // gone meanwhile, or not ours to remove
        }
      }
      await fsp.rmdir(shardDir).catch(() => undefined); // only when empty
    }
    return removed;
  }
}
