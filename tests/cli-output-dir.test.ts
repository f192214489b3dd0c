/**
 * `quire export --out` into places that cannot hold documents: a real bin/quire child per
 * case, refused on stderr with exit 1, in about the time a plain refusal takes (the old
 * check never returned for /proc/x and had to be killed).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rmrf, runQuire, tempDir } from './helpers.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach(rmrf));

async function timed(args: string[]) {
  const t0 = performance.now();
  // Killed after 20 s: the old check spun for ever under /proc.
  const r = await runQuire(args, { timeoutMs: 20_000 });
  return { ...r, ms: performance.now() - t0 };
}

describe.runIf(process.platform === 'linux')('quire export --out a folder that cannot hold documents', () => {
  it('refuses /proc/x, /sys/x and /dev/null with exit 1, about as fast as a plain refusal', async () => {
    const dir = tempDir('quire-cli-outdir-');
    dirs.push(dir);
    const doc = path.join(dir, 'x.md');
    fs.writeFileSync(doc, '# X\n\ntext\n');
    const file = path.join(dir, 'a-file.txt');
    fs.writeFileSync(file, 'not a folder');
    const data = path.join(dir, 'data');

    // The yardstick: starting the CLI (tsx, ≈1 s alone) and refusing a file. It runs beside
    // each case, so both see the same load on a busy machine.
    const baseline = () => timed(['export', doc, '--out', file, '--data-dir', data]);

    const cases: Array<[string, RegExp]> = [
      ['/proc/x', /Cannot write to the output folder \/proc\/x \(it is inside \/proc, [^)]*\)\. Choose a folder for documents/],
      ['/sys/x', /Cannot write to the output folder \/sys\/x \(it is inside \/sys, [^)]*\)\. Choose a folder for documents/],
      ['/dev/null', /Cannot write to the output folder \/dev\/null \(it is a device, not a folder\)\. Choose another folder/],
    ];
    for (const [out, message] of cases) {
      const [r, plain] = await Promise.all([timed(['export', doc, '--out', out, '--data-dir', data]), baseline()]);
      expect(plain.code).toBe(1);
      expect(plain.stderr).toContain(`Cannot write to the output folder ${file} (it is a file, not a folder)`);
      expect(r.code, `${out}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain('quire: nothing was exported (1 problem).');
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(r.stdout).toBe('');
      // Within a second of the plain refusal; on a loaded machine both stretch, so allow half of it too.
      const allowed = Math.max(1000, plain.ms / 2);
      expect(r.ms - plain.ms, `${out} took ${Math.round(r.ms)} ms against ${Math.round(plain.ms)} ms for a plain refusal`).toBeLessThan(allowed);
    }
    // Nothing was recorded either.
    expect(fs.existsSync(path.join(data, 'quire.db'))).toBe(false);
  }, 120_000);

  it('refuses a data folder under /proc the same way (the database\'s recursive mkdir hung there too)', async () => {
    const dir = tempDir('quire-cli-datadir-');
    dirs.push(dir);
    const doc = path.join(dir, 'x.md');
    fs.writeFileSync(doc, '# X\n\ntext\n');
    for (const args of [
      ['export', doc, '--out', path.join(dir, 'out'), '--data-dir', '/proc/x'],
      ['jobs', '--data-dir', '/proc/x/y'],
    ]) {
      const r = await timed(args);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^quire: Cannot keep Quire's data in \/proc\/x(\/y)? \(it is inside \/proc, [^)]*\)\. .*Set it with --data-dir or QUIRE_DATA_DIR\.\n$/);
    }
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  }, 120_000);
});
