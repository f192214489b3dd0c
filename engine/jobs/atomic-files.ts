/**
 * Outputs reach their final path only whole: written to a temp file in the same folder,
 * fsynced, renamed over the target, then the folder fsynced. Temp names carry the job id so
 * a resumed or cancelled job can find and remove what a killed attempt left behind.
 */
import { hash } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Errors } from '../api/errors.ts';
import { pidAlive } from '../pdf/chromium-process.ts';

const TEMP_SUFFIX = '.quire-tmp';

export function tempPathFor(finalPath: string, jobId: string): string {
  return path.join(path.dirname(finalPath), `.${path.basename(finalPath)}.${jobId}${TEMP_SUFFIX}`);
}

/** One-shot crypto.hash: about 60 % of createHash's time on the small texts enqueue hashes per job. */
export function sha256Of(data: Uint8Array | string): string {
  return hash('sha256', data, 'hex');
}

/** Above this, hashing goes to libuv's thread pool: SHA-256 of a 60 MB PDF held the event loop ~150 ms. */
const ASYNC_HASH_BYTES = 1024 * 1024;

/** sha256Of, off the event loop for large data (WebCrypto's digest runs on the thread pool). */
export async function sha256Async(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (bytes.byteLength < ASYNC_HASH_BYTES) return sha256Of(bytes);
  return Buffer.from(await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)).toString('hex');
}

export async function fsyncDir(dir: string): Promise<void> {
  // Windows cannot open a directory for fsync; the rename is durable enough there.
  if (process.platform === 'win32') return;
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export interface WrittenFile {
  path: string;
  bytes: number;
  sha256: string;
}

export function toBuffer(data: Uint8Array | string): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Writes the bytes whole to `tmp` (its folder created) and fsyncs them: the first half of every atomic write. */
export async function writeSyncedTemp(tmp: string, buf: Buffer): Promise<void> {
  await fsp.mkdir(path.dirname(tmp), { recursive: true });
  const fh = await fsp.open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(buf);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function writeFileAtomic(finalPath: string, data: Uint8Array | string, jobId: string): Promise<WrittenFile> {
  const tmp = tempPathFor(finalPath, jobId);
  const buf = toBuffer(data);
  try {
    await writeSyncedTemp(tmp, buf);
    await fsp.rename(tmp, finalPath);
    await fsyncDir(path.dirname(finalPath));
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw Errors.outputWriteFailed(finalPath, String(reason));
  }
  return { path: finalPath, bytes: buf.byteLength, sha256: await sha256Async(buf) };
}

/** True when the file exists with exactly this size and hash (a checkpoint still holds). */
export async function verifyFile(file: string, bytes: number, sha256: string): Promise<boolean> {
  try {
    const st = await fsp.stat(file);
    if (!st.isFile() || st.size !== bytes) return false;
    const data = await fsp.readFile(file);
    return (await sha256Async(data)) === sha256;
  } catch {
    return false;
  }
}

/** The empty file output-dir.ts writes to see that a folder takes files: `.quire-write-probe-<pid>-<ms>`. */
export const WRITE_PROBE_PREFIX = '.quire-write-probe-';

/**
 * Whether `name` is a write probe whose process is gone (killed between writing and removing
 * it): ours to remove. A live process's probe is left to it.
 */
export function isDeadWriteProbe(name: string): boolean {
  const m = /^\.quire-write-probe-(\d+)-\d+$/.exec(name);
  if (!m) return false;
  const pid = Number(m[1]);
  return pid !== process.pid && !pidAlive(pid);
}

/**
 * Removes every temp file a job left in these folders, and write probes of processes that are
 * gone. Returns how many were removed.
 */
export async function removeJobTempFiles(dirs: Iterable<string>, jobId: string): Promise<number> {
  let removed = 0;
  for (const dir of new Set(dirs)) {
    let names: string[];
    try {
      names = await fsp.readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if ((name.startsWith('.') && name.endsWith(`.${jobId}${TEMP_SUFFIX}`)) || isDeadWriteProbe(name)) {
        await fsp.rm(path.join(dir, name), { force: true });
        removed++;
      }
    }
  }
  return removed;
}

