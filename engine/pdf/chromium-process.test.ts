import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { chromiumTempPrefix, killProcessTree, ownerPidOf, pidAlive, waitForExit } from './chromium-process.ts';

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
});
