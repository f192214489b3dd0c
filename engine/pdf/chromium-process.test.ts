import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import os from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { ROOT } from '../../tests/helpers.ts';
import { chromiumTempPrefix, killProcessTree, lowerAutogroup, lowerPriority, shouldLowerAutogroup, ownerPidOf, processGroupOf, pidAlive, waitForExit } from './chromium-process.ts';

const AUTOGROUPS = existsSync('/proc/self/autogroup');

describe('chromium-process', () => {
  it('names a launch folder after the launching process, and reads the pid back only from such names', () => {
    expect(chromiumTempPrefix(4242)).toBe('quire-chromium-4242-');
    expect(chromiumTempPrefix()).toBe(`quire-chromium-${process.pid}-`);
    expect(ownerPidOf('quire-chromium-4242-AbC1z9')).toBe(4242);
    for (const other of ['quire-chromium-AbC1z9', 'quire-chromium-4242', 'quire-chromium-42x-AbC1z9', 'playwright_chromiumdev_profile-AbC1z9', 'quire-chromium-4242-AbC1z9/x']) {
      expect(ownerPidOf(other), other).toBeUndefined();
    }
  });

  it.skipIf(process.platform === 'win32')('kills a process group at once, children included', async () => {
    // A detached shell (its own group, as Playwright starts Chromium) with a child of its own.
    const parent = spawn('sh', ['-c', 'sleep 60 & echo $!; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    const childPid = Number(await new Promise<string>((resolve) => parent.stdout!.once('data', (d) => resolve(String(d).trim()))));
    expect(pidAlive(parent.pid!)).toBe(true);
    expect(pidAlive(childPid)).toBe(true);
    killProcessTree(parent.pid!);
    expect(await waitForExit(parent.pid!, 5_000)).toBe(true);
    expect(await waitForExit(childPid, 5_000)).toBe(true);
    killProcessTree(parent.pid!); // gone already: no throw
  });

  it.skipIf(process.platform !== 'linux')('lowers every process of a process group, and only that group, never raising one', async () => {
    const parent = spawn('sh', ['-c', 'sleep 60 & echo $!; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    const outsider = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const childPid = Number(await new Promise<string>((resolve) => parent.stdout!.once('data', (d) => resolve(String(d).trim()))));
      const before = os.getPriority(outsider.pid!);
      const group = processGroupOf(parent.pid!);
      expect(group.sort()).toEqual([parent.pid!, childPid].sort());
      expect(lowerPriority(group, 7)).toBeGreaterThanOrEqual(2);
      expect(os.getPriority(parent.pid!)).toBe(7);
      expect(os.getPriority(childPid)).toBe(7);
      expect(os.getPriority(outsider.pid!)).toBe(before);
      expect(os.getPriority(process.pid)).not.toBe(7);
      // Lower only: a group already at 7 is not raised to 5, and changes nothing.
      expect(lowerPriority(group, 5)).toBe(0);
      expect(os.getPriority(childPid)).toBe(7);
    } finally {
      killProcessTree(parent.pid!);
      outsider.kill('SIGKILL');
    }
  });

  it.skipIf(!AUTOGROUPS)("lowers the autogroup of a process in a session of its own, never the engine's own, never raising it", async (ctx) => {
    const autogroup = (pid: number | 'self') => readFileSync(`/proc/${pid}/autogroup`, 'utf8').trim();
    // A detached child starts a session, so an autogroup, of its own (as Playwright starts Chromium).
    const detached = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    const sameSession = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const ours = autogroup('self');
      expect(autogroup(detached.pid!).split(' ')[0]).not.toBe(ours.split(' ')[0]);
      const first = await lowerAutogroup(detached.pid!, 7);
      if (first === 'refused') ctx.skip('this kernel refuses autogroup changes from this process (not EAGAIN: no waiting would help)');
      expect(first).toBe('lowered');
      expect(autogroup(detached.pid!)).toMatch(/ nice 7$/);
      // Lower only: a group at 7 is not raised to 5.
      expect(await lowerAutogroup(detached.pid!, 5)).toBe('left');
      expect(autogroup(detached.pid!)).toMatch(/ nice 7$/);
      // A child in the engine's session shares the engine's autogroup: left alone.
      expect(await lowerAutogroup(sameSession.pid!, 7)).toBe('left');
      expect(autogroup('self')).toBe(ours);
      // Gone: left, no throw.
      expect(await lowerAutogroup(2 ** 22 + 1, 7)).toBe('left');
    } finally {
      detached.kill('SIGKILL');
      sameSession.kill('SIGKILL');
    }
  });

  // CI failed here a second time (2026-12-02): its tests run in the container's first session,
  // which never called setsid, so /proc/self/autogroup reads empty (the kernel's default group)
  // and every browser's group was 'left' as if it were the engine's. Not reproducible in a real
  // process here (every shell of this sandbox is a session of its own), so the decision is
  // checked on the texts the kernel gives.
  it("lowers a group other than the engine's, also when the engine is in the default group, and never the default group itself", () => {
    const own = '/autogroup-12 nice 0\n';
    const browser = '/autogroup-40 nice 0\n';
    expect(shouldLowerAutogroup(own, browser, 10)).toBe(true);
    expect(shouldLowerAutogroup('', browser, 10)).toBe(true); // the engine in the default group (CI)
    expect(shouldLowerAutogroup(own, own, 10)).toBe(false); // the engine's own group
    expect(shouldLowerAutogroup(own, '', 10)).toBe(false); // the browser in the default group
    expect(shouldLowerAutogroup('', '', 10)).toBe(false); // both there: the same group
    expect(shouldLowerAutogroup(own, '/autogroup-40 nice 10\n', 10)).toBe(false); // as low already
    expect(shouldLowerAutogroup(own, '/autogroup-40 nice 12\n', 10)).toBe(false); // lower: never raised
    expect(shouldLowerAutogroup(own, '/autogroup-40 nice -3\n', 10)).toBe(true);
  });

  // CI failed here (2026-12-02): tests launching browsers side by side lowered two autogroups
  // within 100 ms, and without CAP_SYS_ADMIN the kernel refused the second with EAGAIN.
  it.skipIf(!AUTOGROUPS)('lowers autogroups one after another where the kernel takes one change per 100 ms', async (ctx) => {
    // As root here, CAP_SYS_ADMIN lifts the limit: the fixture runs without it (setpriv drops it).
    const sysAdmin = (BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`) >> 21n) & 1n;
    const node = [process.execPath, '--import', 'tsx', path.join(ROOT, 'tests/fixtures/lower-autogroups.ts')];
    const argv = sysAdmin ? ['setpriv', '--bounding-set', '-sys_admin', ...node] : node;
    const run = spawnSync(argv[0]!, argv.slice(1), { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') ctx.skip('setpriv (util-linux) is not installed, and this process has CAP_SYS_ADMIN');
    expect(run.status, run.stderr).toBe(0);
    const { results, nices, ms } = JSON.parse(run.stdout) as { results: string[]; nices: string[]; ms: number };
    if (results.includes('refused') && !results.includes('lowered')) ctx.skip('this kernel refuses autogroup changes from this process');
    expect(results).toEqual(['lowered', 'lowered', 'lowered']);
    expect(nices).toEqual(['9', '9', '9']);
    // Three changes took at least two of the kernel's 100 ms turns: the limit was there, and waited out.
    expect(ms).toBeGreaterThanOrEqual(150);
  });
});
