import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import os from 'node:os';
import { chromiumTempPrefix, killProcessTree, lowerPriority, ownerPidOf, processGroupOf, pidAlive, waitForExit } from './chromium-process.ts';

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
});
