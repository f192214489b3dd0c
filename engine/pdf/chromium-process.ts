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
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
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

/**
 * Niceness Chromium prints at: below the engine, so a batch that keeps every core busy with
 * printing still leaves the engine's thread (jobs, progress, the app's requests) its turn.
 * Chromium raises some of its own threads when it may (seen: nice -8 and 0 when run as root;
 * an ordinary user cannot go back up once lowered).
 */
export const CHROMIUM_NICENESS = 10;

/**
 * The processes of a browser's process group (Playwright makes the browser a group leader):
 * the browser, its zygotes, renderers and helpers. Linux only (a /proc scan, ~15 ms here, so
 * not per print); elsewhere just `pid`.
 */
export function processGroupOf(pid: number): number[] {
  if (process.platform !== 'linux') return [pid];
  const pids: number[] = [];
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        // Field 5 of /proc/<pid>/stat is the process group; the name before it may hold spaces and parentheses.
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pid) pids.push(Number(entry));
      } catch {
        // Exited while we looked.
      }
    }
  } catch {
    return [pid];
  }
  return pids.length ? pids : [pid];
}

/**
 * Lowers the CPU priority of `pids` to `niceness` (never raises one). On Linux niceness
 * belongs to each thread, and a forked process or a new thread inherits it, so every thread
 * is set: the renderers a zygote forks later start low too. Elsewhere the process, whose
 * children inherit its priority. Best effort: what is gone or refuses is skipped. Returns how
 * many threads or processes were lowered.
 */
export function lowerPriority(pids: readonly number[], niceness = CHROMIUM_NICENESS): number {
  let lowered = 0;
  const lower = (id: number) => {
    try {
      if (os.getPriority(id) < niceness) {
        os.setPriority(id, niceness);
        lowered++;
      }
    } catch {
      // Gone, or not ours to change.
    }
  };
  for (const pid of pids) {
    if (process.platform !== 'linux') {
      lower(pid);
      continue;
    }
    try {
      for (const task of readdirSync(`/proc/${pid}/task`)) lower(Number(task));
    } catch {
      // Exited.
    }
  }
  return lowered;
}

/**
 * Lowers the Linux autogroup of `pid` to `niceness` (never raises it). Niceness only weighs
 * threads against others of the same autogroup (one per session), and Playwright starts
 * Chromium in a session of its own: at nice 10 inside its own group, a printing browser still
 * took both cores from the engine for 100–400 ms at a time (measured from /proc/stat during the
 * event-loop stalls of a 100-chapter batch: Chromium's nice time 260 ms, the engine's 10 ms,
 * steal 0). The autogroup's own nice weighs the whole group. A process in the engine's own
 * autogroup is left alone (that would lower the engine too).
 *
 * Without CAP_SYS_ADMIN the kernel takes one such change per 100 ms on the whole machine and
 * refuses the others with EAGAIN (kernel/sched/autogroup.c; seen in CI, where tests launch
 * browsers side by side): that is tried again until `timeoutMs`. Resolves 'lowered', 'left'
 * (already as low, the engine's own group, or the process is gone) or 'refused' (no autogroups
 * in this kernel, or it will not let this process change them).
 */
export async function lowerAutogroup(pid: number, niceness = CHROMIUM_NICENESS, timeoutMs = AUTOGROUP_RETRY_MS): Promise<'lowered' | 'left' | 'refused'> {
  if (process.platform !== 'linux') return 'refused';
  // "/autogroup-<n> nice <k>"
  let ours: string;
  try {
    ours = readFileSync('/proc/self/autogroup', 'utf8');
  } catch {
    return 'refused';
  }
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (!shouldLowerAutogroup(ours, readFileSync(`/proc/${pid}/autogroup`, 'utf8'), niceness)) return 'left';
      writeFileSync(`/proc/${pid}/autogroup`, String(niceness));
      return 'lowered';
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ESRCH') return 'left';
      if (code !== 'EAGAIN' || Date.now() >= end) return 'refused';
    }
    // Someone changed an autogroup less than 100 ms ago; a little jitter so two engines do not
    // keep colliding.
    await new Promise((resolve) => setTimeout(resolve, 25 + Math.random() * 50).unref());
  }
}
/**
 * Whether a process whose /proc/<pid>/autogroup reads `theirs` should be lowered to `niceness`,
 * for an engine whose own reads `ours` ("/autogroup-<n> nice <k>"). A process in the kernel's
 * default group reads empty: that group is the root task group and cannot be changed. An engine
 * in the default group (a container's first session, never setsid: CI's, 2026-12-02) shares no
 * group with a browser in a session of its own, so the browser's group is lowered.
 */
export function shouldLowerAutogroup(ours: string, theirs: string, niceness: number): boolean {
  const parse = (text: string) => /^(\S+) nice (-?\d+)/.exec(text);
  const own = parse(ours);
  const other = parse(theirs);
  if (!other || Number(other[2]) >= niceness) return false;
  return !own || own[1] !== other[1];
}
/** How long lowerAutogroup keeps trying while the kernel's 100 ms limit refuses it. */
const AUTOGROUP_RETRY_MS = 3_000;

/** Resolves true once `pid` is gone, false if it still runs after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (pidAlive(pid)) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}
