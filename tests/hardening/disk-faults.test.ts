/**
 * Issue 11, disk faults, with real child processes (bin/quire), real SQLite files and real
 * file systems: small tmpfs mounts made by the test (Linux, as root; skipped with the reason
 * elsewhere) for a full disk and a read-only folder.
 *
 * Each was reproduced before its fix:
 * - a damaged quire.db: "database disk image is malformed" / "file is not a database" naming
 *   no file, and with a damaged page in the middle `quire export` wrote into the damaged file;
 * - the data folder deleted while a job ran: the job "completed", exit 0, its record gone;
 * - the data folder on a full disk: "unexpected error: database or disk is full", or a job
 *   error about writing <data>/work/…/export.html advising to "choose another folder".
 * The output folder full or read-only already gave clear errors; these guard them.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { jobRows, rmrf, runQuire, spawnQuire, tempDir, waitFor } from '../helpers.ts';

/** The reduced slice runs in `npm test`; QUIRE_HARDENING=full (npm run test:hardening) runs everything. */
const FULL = process.env.QUIRE_HARDENING === 'full';

const dirs: string[] = [];
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
  dirs.forEach(rmrf);
});

function workspace() {
  const dir = tempDir('quire-disk-');
  dirs.push(dir);
  return { dir, data: path.join(dir, 'data'), out: path.join(dir, 'out') };
}

/** Why a tmpfs cannot be mounted here, or undefined when it can (tried once). */
const mountProblem: string | undefined = (() => {
  if (process.platform !== 'linux') return `tmpfs mounts need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root; run as root (or in a container that allows mount) for these cases';
  const probe = tempDir('quire-mount-probe-');
  dirs.push(probe);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { encoding: 'utf8' });
  if (r.status !== 0) return `mount -t tmpfs failed here: ${(r.stderr || r.error?.message || '').trim()}`;
  spawnSync('umount', [probe]);
  return undefined;
})();
if (mountProblem) console.warn(`disk-faults: skipping the full-disk and read-only cases: ${mountProblem}`);

/** A fresh tmpfs of `size` (mount's syntax: 300k, 2m) at a new folder. */
function tmpfs(size: string, { readOnly = false } = {}): string {
  const dir = tempDir('quire-tmpfs-');
  dirs.push(dir);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${readOnly ? ',ro' : ''}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount failed: ${r.stderr}`);
  mounts.push(dir);
  return dir;
}

function remountReadOnly(dir: string): void {
  const r = spawnSync('mount', ['-o', 'remount,ro', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`remount failed: ${r.stderr}`);
}

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function integrity(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('\n');
  } finally {
    db.close();
  }
}

/** Files a killed or failed write could leave: our temp files, SQLite journals are not outputs. */
function tempFiles(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith('.quire-tmp') || n.startsWith('.quire-write-probe')) : [];
}

const NO_STACK = /\n\s+at |unexpected error/i;

function jobsOf(stdout: string): Array<{ status: string; error?: { code: string; message: string }; outputs: Array<{ path: string }> }> {
  return stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** A Markdown file of about `kb` KB (its HTML is larger). */
function bigDoc(dir: string, kb: number): string {
  const file = path.join(dir, 'big.md');
  const para = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(4);
  const n = Math.ceil((kb * 1024) / (para.length + 20));
  fs.writeFileSync(file, `# Big\n\n${Array.from({ length: n }, (_, i) => `Paragraph ${i}. ${para}`).join('\n\n')}\n`);
  return file;
}

describe('a damaged quire.db at start', () => {
  const damages: Array<{ name: string; damage: (file: string) => void }> = [
    { name: 'truncated to half', damage: (f) => fs.truncateSync(f, Math.floor(fs.statSync(f).size / 2)) },
    {
      name: 'a page in the middle overwritten',
      damage: (f) => {
        const fd = fs.openSync(f, 'r+');
        fs.writeSync(fd, Buffer.alloc(4096, 0xde), 0, 4096, Math.floor(fs.statSync(f).size / 2));
        fs.closeSync(fd);
      },
    },
    {
      name: 'its header overwritten (not a database)',
      damage: (f) => {
        const fd = fs.openSync(f, 'r+');
        fs.writeSync(fd, Buffer.from('garbage!'.repeat(8)), 0, 64, 0);
        fs.closeSync(fd);
      },
    },
  ];

  for (const { name, damage } of damages) {
    it(`${name}: refused naming the file, left untouched; --fresh-store moves it aside and says where`, async () => {
      const { dir, data, out } = workspace();
      const doc = path.join(dir, 'a.md');
      fs.writeFileSync(doc, '# A\n\ntext\n');
      // A store with a few jobs in it, as a user's would be.
      for (let i = 0; i < (FULL ? 3 : 1); i++) {
        const r = await runQuire(['export', doc, '--format', 'md', '--out', out, '--overwrite', '--data-dir', data], { timeoutMs: 60_000 });
        expect(r.code, r.stderr).toBe(0);
      }
      const file = path.join(data, 'quire.db');
      damage(file);
      const before = sha256(file);
      fs.rmSync(out, { recursive: true });

      for (const args of [['export', doc, '--format', 'md', '--out', out], ...(FULL ? [['jobs'], ['resume'], ['cancel', 'x']] : [])]) {
        const r = await runQuire([...args, '--data-dir', data], { timeoutMs: 60_000 });
        expect(r.code, args[0]).toBe(1);
        expect(r.stderr).not.toMatch(NO_STACK);
        expect(r.stderr).toMatch(new RegExp(`^quire: Quire's database ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged \\(.+\\) and was left untouched\\. `));
        expect(r.stderr).toContain('run the command again with --fresh-store');
        expect(sha256(file), `${args[0]} changed the damaged file`).toBe(before);
      }
      // Nothing exported from a store that could not record it (the CLI checks --out first, so the folder may exist).
      expect(fs.existsSync(out) ? fs.readdirSync(out) : []).toEqual([]);

      const fresh = await runQuire(['jobs', '--data-dir', data, '--fresh-store'], { timeoutMs: 60_000 });
      expect(fresh.code, fresh.stderr).toBe(0);
      const moved = /the damaged database was moved to (\S+); starting with an empty store/.exec(fresh.stderr)?.[1];
      expect(moved, fresh.stderr).toBeDefined();
      expect(path.dirname(moved!)).toBe(data);
      expect(path.basename(moved!)).toMatch(/^quire\.db\.damaged-\d{4}-\d\d-\d\dT[\d-]+Z$/);
      expect(sha256(moved!)).toBe(before); // kept, byte for byte
      expect(fresh.stdout).toContain('No jobs yet');
      expect(integrity(file)).toBe('ok');
      if (!FULL) return;
      // The fresh store works; a later --fresh-store on a healthy store changes nothing.
      const again = await runQuire(['export', doc, '--format', 'md', '--out', out, '--data-dir', data, '--fresh-store'], { timeoutMs: 60_000 });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toBe('');
      expect(fs.readdirSync(data).filter((n) => n.includes('damaged-') && !/-(wal|shm)$/.test(n))).toHaveLength(1);
    }, 180_000);
  }
});

describe('the data folder deleted while a job runs', () => {
  it('is noticed: the process stops its jobs and says so (exit 1), no temp file left', async () => {
    const { dir, data, out } = workspace();
    const doc = path.join(dir, 'a.md');
    fs.writeFileSync(doc, '# A\n\ntext\n');
    const child = spawnQuire(['export', doc, '--format', 'md,html', '--out', out, '--data-dir', data], { env: { QUIRE_TEST_STEP_DELAY_MS: '1500' } });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await waitFor(() => jobRows(data).some((j) => j.status === 'running'), { timeoutMs: 60_000, what: 'the job running' });
    fs.rmSync(data, { recursive: true, force: true });
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
    if (code === 'hung') child.kill('SIGKILL');
    expect(code).toBe(1);
    expect(stdout).not.toMatch(/completed/);
    expect(stderr).not.toMatch(NO_STACK);
    expect(stderr).toContain(`quire: Quire's data folder ${data} was deleted or moved while Quire was running (its database ${path.join(data, 'quire.db')} is gone)`);
    expect(stderr).toContain('Quire stopped them');
    expect(tempFiles(out)).toEqual([]);
  }, 120_000);
});

describe.skipIf(mountProblem !== undefined)('a full disk', () => {
  it('under the output folder: the job fails saying the disk is full, no partial file, the database intact', async () => {
    const { dir, data } = workspace();
    const out = tmpfs('1m');
    const doc = bigDoc(dir, 700);
    const r = await runQuire(['export', doc, '--format', 'md,html', '--out', out, '--data-dir', data, '--json'], { timeoutMs: 120_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(NO_STACK);
    const [job] = jobsOf(r.stdout);
    expect(job.status).toBe('error');
    expect(job.error!.code).toBe('OUTPUT_WRITE_FAILED');
    expect(job.error!.message).toMatch(new RegExp(`^Could not write ${out}/big\\.(md|html): the disk is full \\(ENOSPC\\)\\. Nothing was left half-written; free some space or choose another folder, then retry\\.$`));
    expect(tempFiles(out)).toEqual([]);
    // What is there is whole: each file an output the job checkpointed (sizes as recorded).
    for (const f of fs.readdirSync(out)) expect(fs.statSync(path.join(out, f)).size, f).toBeGreaterThan(100_000);
    expect(integrity(path.join(data, 'quire.db'))).toBe('ok');
  }, 150_000);

  // Where the disk fills depends on the size: at the database's first writes, storing the
  // document, or the job's work file. Every one must say it is the data folder's disk.
  for (const size of FULL ? ['256k', '1m', '2m'] : ['256k', '2m']) {
    it(`under the data folder (${size}): says the data folder's disk is full, not the output folder; the database intact`, async () => {
      const { dir, out } = workspace();
      const data = path.join(tmpfs(size), 'data');
      const doc = bigDoc(dir, 700);
      const r = await runQuire(['export', doc, '--format', 'md,html', '--out', out, '--data-dir', data, '--json'], { timeoutMs: 120_000 });
      expect(r.code).toBe(1);
      expect(r.stderr).not.toMatch(NO_STACK);
      const said = r.stdout.trim() ? jobsOf(r.stdout)[0]!.error!.message : r.stderr;
      expect(said).toContain(`Cannot keep Quire's data in ${data}: the disk holding it is full. Free some space on that disk, or keep Quire's data elsewhere with --data-dir or QUIRE_DATA_DIR; the output folder is not the problem.`);
      expect(tempFiles(out)).toEqual([]);
      expect(fs.existsSync(out) ? fs.readdirSync(out) : []).toEqual([]);
      if (fs.existsSync(path.join(data, 'quire.db'))) expect(integrity(path.join(data, 'quire.db'))).toBe('ok');
    }, 150_000);
  }
});

describe.skipIf(mountProblem !== undefined)('a read-only output folder', () => {
  it('--out on a read-only file system (the folder itself or one to create in it) says read-only, before any job', async () => {
    const { dir, data } = workspace();
    const ro = tmpfs('64k');
    fs.mkdirSync(path.join(ro, 'existing'));
    remountReadOnly(ro);
    const doc = path.join(dir, 'a.md');
    fs.writeFileSync(doc, '# A\n\ntext\n');
    for (const out of [ro, path.join(ro, 'existing'), path.join(ro, 'missing', 'deeper')]) {
      const r = await runQuire(['export', doc, '--format', 'md', '--out', out, '--data-dir', data], { timeoutMs: 60_000 });
      expect(r.code, out).toBe(1);
      expect(r.stderr).toBe(`quire: Cannot write to the output folder ${out} (read-only file system). Choose another folder (--out on the command line) or fix its permissions.\nquire: nothing was exported (1 problem).\n`);
      expect(r.stderr).not.toContain('ENOENT');
    }
    expect(jobRows(data)).toEqual([]);
  }, 120_000);

  it('made read-only while the job runs: the job fails saying so, nothing half-written', async () => {
    const { dir, data } = workspace();
    const out = tmpfs('4m');
    const doc = path.join(dir, 'a.md');
    fs.writeFileSync(doc, '# A\n\ntext\n');
    const child = spawnQuire(['export', doc, '--format', 'html,md', '--out', out, '--data-dir', data, '--json'], { env: { QUIRE_TEST_STEP_DELAY_MS: '1500' } });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await waitFor(() => jobRows(data).some((j) => j.status === 'running'), { timeoutMs: 60_000, what: 'the job running' });
    remountReadOnly(out);
    expect(await exited).toBe(1);
    expect(stderr).not.toMatch(NO_STACK);
    const [job] = jobsOf(stdout);
    expect(job.error!.code).toBe('OUTPUT_WRITE_FAILED');
    expect(job.error!.message).toMatch(/: the folder is on a read-only disk \(EROFS\)\. Nothing was left half-written; choose another folder, then retry\.$/);
    expect(fs.readdirSync(out)).toEqual([]);
    expect(integrity(path.join(data, 'quire.db'))).toBe('ok');
  }, 120_000);
});
