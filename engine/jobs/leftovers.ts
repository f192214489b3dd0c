/**
 * What dead runs leave behind, removed at start-up (createEngine when it runs jobs, so CLI
 * export/resume, serve and the desktop app):
 *
 * - work folders (<dataDir>/work/<jobId>) of jobs that are no longer queued or running. A
 *   queued or running job keeps its folder: it holds the checkpointed export.html a resume
 *   starts from (a "running" job of a dead process is requeued by recovery).
 * - Chromium folders (`quire-chromium-<pid>-XXXXXX` in the temp folder, see
 *   engine/pdf/chromium-process.ts) whose process is gone. Nothing else in the temp folder
 *   is touched: only these names are provably ours.
 *
 * @example
 * const { folders, bytes } = await removeLeftovers({ jobs, workDir: path.join(dataDir, 'work') });
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { isActiveStatus } from '../api/types.ts';
import { chromiumTempRoots, ownerPidOf, pidAlive } from '../pdf/chromium-process.ts';
import type { JobStore } from '../store/job-store.ts';

export interface LeftoversRemoved {
  /** Folders removed. */
  folders: number;
  /** Their size on disk before removal, in bytes. */
  bytes: number;
}

export interface RemoveLeftoversOptions {
  jobs: Pick<JobStore, 'list' | 'getRow'>;
  /** <dataDir>/work */
  workDir: string;
  /** Where Chromium folders are made (default: the temp folder, and /tmp where that is too long: chromiumTempRoots). */
  tempDir?: string;
}

export async function removeLeftovers(options: RemoveLeftoversOptions): Promise<LeftoversRemoved> {
  const removed: LeftoversRemoved = { folders: 0, bytes: 0 };
  const remove = async (dir: string) => {
    const bytes = await sizeOf(dir);
    await fsp.rm(dir, { recursive: true, force: true, maxRetries: 3 });
    removed.folders++;
    removed.bytes += bytes;
  };

  const active = new Set((await options.jobs.list({ statuses: ['queued', 'running'] })).map((j) => j.id));
  for (const entry of await dirEntries(options.workDir)) {
    if (!entry.isDirectory() || active.has(entry.name)) continue;
    // Checked again right before removing: another process may have queued it meanwhile.
    const row = await options.jobs.getRow(entry.name).catch(() => undefined);
    if (row && isActiveStatus(row.status)) continue;
    await remove(path.join(options.workDir, entry.name)).catch(() => undefined);
  }

  for (const tempDir of options.tempDir ? [options.tempDir] : chromiumTempRoots()) {
    for (const entry of await dirEntries(tempDir)) {
      const pid = ownerPidOf(entry.name);
      if (!entry.isDirectory() || pid === undefined || pid === process.pid || pidAlive(pid)) continue;
      await remove(path.join(tempDir, entry.name)).catch(() => undefined);
    }
  }
  return removed;
}

async function dirEntries(dir: string) {
  try {
    return await fsp.readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** Bytes of the files under `dir` (symlinks not followed). */
async function sizeOf(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await dirEntries(dir)) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await sizeOf(p);
    else if (entry.isFile()) total += await fsp.lstat(p).then((s) => s.size, () => 0);
  }
  return total;
}
