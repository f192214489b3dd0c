import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import os from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { chromiumTempPrefix, killProcessTree, lowerAutogroup, lowerPriority, ownerPidOf, processGroupOf, pidAlive, waitForExit } from './chromium-process.ts';

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

  it.skipIf(!existsSync('/proc/self/autogroup'))("lowers the autogroup of a process in a session of its own, never the engine's own, never raising it", async () => {
    const autogroup = (pid: number | 'self') => readFileSync(`/proc/${pid}/autogroup`, 'utf8').trim();
    // A detached child starts a session, so an autogroup, of its own (as Playwright starts Chromium).
    const detached = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    const sameSession = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const ours = autogroup('self');
      expect(autogroup(detached.pid!).split(' ')[0]).not.toBe(ours.split(' ')[0]);
      expect(lowerAutogroup(detached.pid!, 7)).toBe(true);
      expect(autogroup(detached.pid!)).toMatch(/ nice 7$/);
      // Lower only: a group at 7 is not raised to 5.
      expect(lowerAutogroup(detached.pid!, 5)).toBe(false);
      expect(autogroup(detached.pid!)).toMatch(/ nice 7$/);
      // A child in the engine's session shares the engine's autogroup: left alone.
      expect(lowerAutogroup(sameSession.pid!, 7)).toBe(false);
      expect(autogroup('self')).toBe(ours);
      // Gone: false, no throw.
      expect(lowerAutogroup(2 ** 22 + 1, 7)).toBe(false);
    } finally {
      detached.kill('SIGKILL');
      sameSession.kill('SIGKILL');
    }
  });
});
