/**
 * The output-folder check on real paths: system folders and special file systems refused
 * within the time limit (the /proc case in a child process, since the old recursive mkdir
 * there never returned), files and devices refused, missing levels created.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { OUTPUT_DIR_CHECK_LIMIT_MS, assertUsableDataDir, assertUsableOutputDir, assertWritableDir, specialFileSystemOf } from './output-dir.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const linux = process.platform === 'linux';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-outdir-'));
  dirs.push(d);
  return d;
}

/** Runs the check and returns the refusal's message and how long it took. */
function refusal(dir: string): { message: string; code: string; ms: number } {
  const t0 = performance.now();
  try {
    assertWritableDir(dir);
  } catch (e) {
    return { message: (e as Error).message, code: (e as { code: string }).code, ms: performance.now() - t0 };
  }
  throw new Error(`${dir} was accepted`);
}

/**
 * Runs the check in a child process, killed after 20 s: the old recursive mkdir under /proc
 * never returned and no signal but SIGKILL stopped it, so it cannot run inside the test worker.
 * Imports atomic-files.ts, the module every caller used before output-dir.ts existed.
 */
async function checkInChild(dir: string): Promise<{ code?: string; message?: string; ms: number }> {
  const script = `
    const { assertWritableDir } = await import(${JSON.stringify(path.join(HERE, 'output-dir.ts'))});
    const t0 = performance.now();
    try { assertWritableDir(${JSON.stringify(dir)}); console.log(JSON.stringify({ accepted: true, ms: 0 })); }
    catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message, ms: performance.now() - t0 })); }`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const signal = await new Promise<string | null>((r) => child.on('close', (_c, s) => r(s)));
  clearTimeout(killer);
  expect(signal, `checking ${dir} never returned; the child was killed`).toBeNull();
  return JSON.parse(out.trim());
}

describe.runIf(linux)('assertWritableDir: system folders and special file systems', () => {
  it('refuses /proc/x, and a symlink into /proc, at once (the old check spun for ever there)', async () => {
    const r = await checkInChild('/proc/x');
    expect(r.code).toBe('OUTPUT_NOT_WRITABLE');
    expect(r.message).toMatch(/^Cannot write to the output folder \/proc\/x \(it is inside \/proc, .*\)\. Choose a folder for documents/);
    expect(r.ms).toBeLessThan(OUTPUT_DIR_CHECK_LIMIT_MS);

    const d = tmp();
    fs.symlinkSync('/proc', path.join(d, 'to-proc'));
    const viaLink = await checkInChild(path.join(d, 'to-proc', 'x', 'y'));
    expect(viaLink.message).toContain('it leads to /proc/x/y, inside /proc');
    expect(viaLink.ms).toBeLessThan(OUTPUT_DIR_CHECK_LIMIT_MS);
  }, 60_000);

  it('refuses /sys, /dev and anything under them, fast, with a plain reason', () => {
    for (const [dir, why] of [
      ['/sys/x', /it is inside \/sys, /],
      ['/sys/fs/cgroup/quire-x', /it is inside \/sys, /],
      ['/dev/quire-x', /it is inside \/dev, which holds devices/],
      // tmpfs, writable by root: the old check created the folder and accepted it.
      ['/dev/shm/quire-x', /it is inside \/dev, /],
      ['/proc/self/fd', /it is inside \/proc, /],
    ] as const) {
      const r = refusal(dir);
      expect(r.code).toBe('OUTPUT_NOT_WRITABLE');
      expect(r.message).toMatch(why);
      expect(r.message).toContain(`output folder ${dir} `);
      expect(r.ms).toBeLessThan(OUTPUT_DIR_CHECK_LIMIT_MS);
    }
    expect(fs.existsSync('/dev/shm/quire-x')).toBe(false);
  });

  it('refuses a device (/dev/null) as not a folder', () => {
    expect(refusal('/dev/null').message).toMatch(/\/dev\/null \(it is a device, not a folder\)/);
  });

  it('judges a symlink by where it leads: a link to /dev/shm is refused', () => {
    const d = tmp();
    fs.symlinkSync('/dev/shm', path.join(d, 'to-shm'));
    const b = refusal(path.join(d, 'to-shm', 'quire-y'));
    expect(b.message).toContain('it leads to /dev/shm/quire-y, inside /dev');
    expect(fs.existsSync('/dev/shm/quire-y')).toBe(false);
  });

  it('knows the special file systems by their statfs type', () => {
    expect(specialFileSystemOf('/proc')).toBe('proc');
    expect(specialFileSystemOf('/sys')).toBe('sysfs');
    expect(specialFileSystemOf(os.tmpdir())).toBeUndefined();
  });
});

describe('assertWritableDir: ordinary folders', () => {
  it('refuses a file, and a path that goes through a file', () => {
    const d = tmp();
    const file = path.join(d, 'notes.txt');
    fs.writeFileSync(file, 'keep me');
    expect(refusal(file).message).toBe(`Cannot write to the output folder ${file} (it is a file, not a folder). Choose another folder (--out on the command line) or fix its permissions.`);
    expect(refusal(path.join(file, 'sub', 'deeper')).message).toContain(`(${file} is a file, not a folder)`);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep me');
  });

  it('creates a missing nested folder level by level and leaves no probe behind', () => {
    const d = tmp();
    const target = path.join(d, 'a', 'b', 'c');
    const t0 = performance.now();
    expect(assertWritableDir(target)).toBe(path.join(fs.realpathSync(d), 'a', 'b', 'c'));
    expect(performance.now() - t0).toBeLessThan(OUTPUT_DIR_CHECK_LIMIT_MS);
    expect(fs.statSync(target).isDirectory()).toBe(true);
    expect(fs.readdirSync(target)).toEqual([]);
    // An existing folder passes again.
    assertWritableDir(target);
    expect(fs.readdirSync(target)).toEqual([]);
  });

  it("removes the probe a killed process left (its pid is gone), never a live process's or another file", async () => {
    const d = tmp();
    // A real pid that is gone: a child that has exited.
    const child = spawn(process.execPath, ['-e', '0']);
    const dead = child.pid!;
    await new Promise((resolve) => child.once('exit', resolve));
    const left = `.quire-write-probe-${dead}-1700000000000`;
    const live = `.quire-write-probe-${process.ppid}-1700000000000`;
    for (const name of [left, live, '.quire-write-probe-notes.txt', 'notes.md']) fs.writeFileSync(path.join(d, name), '');
    assertWritableDir(d);
    expect(fs.readdirSync(d).sort()).toEqual([live, '.quire-write-probe-notes.txt', 'notes.md'].sort());
  });

  it('assertUsableDataDir refuses the same places as a data folder, with its own code', () => {
    const d = tmp();
    assertUsableDataDir(path.join(d, 'data'));
    expect(fs.existsSync(path.join(d, 'data'))).toBe(false);
    const file = path.join(d, 'f');
    fs.writeFileSync(file, '');
    expect(() => assertUsableDataDir(file)).toThrow(expect.objectContaining({ code: 'DATA_DIR_UNUSABLE', message: expect.stringContaining('(it is a file, not a folder)') }));
    if (linux) expect(() => assertUsableDataDir('/proc/x')).toThrow(/^Cannot keep Quire's data in \/proc\/x \(it is inside \/proc, /);
  });

  it('assertUsableOutputDir checks without creating anything', () => {
    const d = tmp();
    assertUsableOutputDir(path.join(d, 'later', 'here'));
    expect(fs.existsSync(path.join(d, 'later'))).toBe(false);
    if (linux) expect(() => assertUsableOutputDir('/proc/x')).toThrow(/inside \/proc/);
  });

  // As root, permission bits do not stop a write, so a chmod 555 folder proves nothing there.
  it.skipIf(process.platform === 'win32' || process.getuid?.() === 0)('refuses a read-only folder (not as root: root ignores permission bits)', () => {
    const d = tmp();
    const ro = path.join(d, 'ro');
    fs.mkdirSync(ro, { mode: 0o555 });
    expect(refusal(ro).message).toContain('(permission denied)');
    expect(refusal(path.join(ro, 'sub')).message).toContain('(permission denied)');
    fs.chmodSync(ro, 0o755);
  });
});
