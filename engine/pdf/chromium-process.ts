/**
 * The Chromium processes Quire launches and the folders they use. Every launch lives under one
 * temp folder named after the launching process, `quire-chromium-<pid>-XXXXXX` (profile,
 * Playwright's artifacts, Chromium's own TMPDIR), so a folder whose pid is gone is provably a
 * dead run's leftover (see engine/jobs/leftovers.ts).
 *
 * @example
 * const dir = await mkdtemp(path.join(tmpdir(), chromiumTempPrefix()));
 * ownerPidOf(path.basename(dir)); // process.pid
 * killProcessTree(browserPid);     // a browser whose connection dropped but still runs
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

const PREFIX = 'quire-chromium-';

/** The prefix for mkdtemp of this process's Chromium folder. */
export function chromiumTempPrefix(pid: number = process.pid): string {
  return `${PREFIX}${pid}-`;
}

/**
 * Where this process's Chromium folder goes: the temp folder, unless that is so long that
 * Chromium could not start. Chromium also gets the folder as its TMPDIR and makes its
 * singleton socket there (`<folder>/.org.chromium.Chromium.XXXXXX/SingletonSocket`), and a
 * Unix socket path is at most 107 bytes (103 on macOS): seen failing with a 50-byte TMPDIR.
 * Then /tmp, which every POSIX system has. Leftover cleanup looks in both.
 */
export function chromiumTempRoot(tmp: string = os.tmpdir(), pid: number = process.pid): string {
  if (process.platform === 'win32') return tmp;
  const socket = path.join(tmp, `${chromiumTempPrefix(pid)}XXXXXX`, '.org.chromium.Chromium.XXXXXX', 'SingletonSocket');
  return Buffer.byteLength(socket) <= MAX_SOCKET_PATH_BYTES ? tmp : '/tmp';
}
/** sun_path holds 108 bytes on Linux and 104 on macOS, the terminating NUL included. */
const MAX_SOCKET_PATH_BYTES = process.platform === 'darwin' ? 103 : 107;

/** Every folder that may hold Quire's Chromium folders (see chromiumTempRoot). */
export function chromiumTempRoots(tmp: string = os.tmpdir()): string[] {
  return [...new Set([tmp, chromiumTempRoot(tmp)])];
}

/** The pid a `quire-chromium-<pid>-XXXXXX` folder name belongs to; undefined for any other name. */
export function ownerPidOf(folderName: string): number | undefined {
  const m = /^quire-chromium-(\d+)-[A-Za-z0-9]{6}$/.exec(folderName);
  return m ? Number(m[1]) : undefined;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Kills a browser and its helpers (zygote, renderers, GPU). Playwright starts Chromium as the
 * leader of its own process group on POSIX, so the group goes at once; on Windows taskkill /T.
 */
export function killProcessTree(pid: number): void {
  if (process.platform === 'win32') {
    spawnSync('taskkill', ['/pid', String(pid), '/T', '/F'], { windowsHide: true, stdio: 'ignore' });
    return;
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** Resolves true once `pid` is gone, false if it still runs after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (pidAlive(pid)) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}
