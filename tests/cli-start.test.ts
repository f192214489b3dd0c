/**
 * How bin/quire starts (issue #10, case 4): --help and --version are answered from help.json
 * without loading the engine's bundle, and say exactly what the CLI itself says; the bundle is
 * rebuilt when a source changes (help.json with it); each command's start runs from a V8 code
 * cache that a damaged file or a rebuild cannot turn into running the wrong code.
 *
 * The build tests run on a copy of the project (bin/, engine/, package.json; node_modules
 * linked) so that editing a source does not rebuild the bundle every other process is using.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../engine/cli/main.ts';
import { COMMAND_NAMES } from '../engine/cli/commands.ts';
import { ROOT, rmrf, runQuire, tempDir, type CliResult } from './helpers.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach(rmrf));

/** What main() of the sources prints for argv, in this process: the CLI's own answer. */
async function inProcess(argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { out: { write: (s: string) => (stdout += s) }, err: { write: (s: string) => (stderr += s) } });
  return { code, stdout, stderr };
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: path.dirname(path.dirname(bin)), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`quire ${args.join(' ')} did not finish in 120 s\n${stderr}`));
    }, 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('quire --help and --version from help.json', () => {
  const data = path.join(tempDir('quire-start-'), 'data');
  dirs.push(path.dirname(data));
  const quire = (args: string[]) => runQuire(args, { env: { QUIRE_DATA_DIR: data }, timeoutMs: 120_000 });

  it('every help form prints what main() prints, with the same exit status', async () => {
    const forms = [[], ['--help'], ['-h'], ['help'], ['-v'], ['--version'], ...COMMAND_NAMES.flatMap((c) => [[c, '--help'], [c, '-h'], ['help', c], ['--help', c]])];
    for (const argv of forms) expect(await quire(argv), argv.join(' ')).toEqual(await inProcess(argv));
    // What the fast path leaves to the CLI still gets the CLI's answer.
    for (const argv of [['help', 'nope'], ['exprot', '--help'], ['--help', 'export', 'x'], ['-x']]) expect(await quire(argv), argv.join(' ')).toEqual(await inProcess(argv));
    expect(fs.existsSync(data)).toBe(false);
  });
});

describe('bin/quire on a copy of the project', () => {
  let root: string;
  let bin: string;
  const outDir = () => path.join(root, 'out', 'cli');
  const caches = () => fs.readdirSync(outDir()).filter((n) => n.endsWith('.cache')).sort();

  beforeAll(() => {
    root = tempDir('quire-start-copy-');
    dirs.push(root);
    fs.cpSync(path.join(ROOT, 'engine'), path.join(root, 'engine'), { recursive: true });
    fs.cpSync(path.join(ROOT, 'bin'), path.join(root, 'bin'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(root, 'package.json'));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'));
    fs.symlinkSync(path.join(ROOT, 'resources'), path.join(root, 'resources'));
    bin = path.join(root, 'bin', 'quire');
  });

  it('builds on first use; --help then never loads the bundle', async () => {
    const first = await run(bin, ['--version']);
    expect(first).toEqual({ code: 0, stdout: `quire ${JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version}\n`, stderr: '' });
    expect(fs.existsSync(path.join(outDir(), 'main.cjs'))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(outDir(), 'help.json'), 'utf8')).usage).toBe((await inProcess(['--help'])).stdout);
    // A bundle that throws as it loads: help still answers, a command reports the failure.
    const bundle = fs.readFileSync(path.join(outDir(), 'main.cjs'));
    fs.writeFileSync(path.join(outDir(), 'main.cjs'), `throw new Error('bundle loaded');\n${bundle}`);
    try {
      expect((await run(bin, ['--help'])).stdout).toBe((await inProcess(['--help'])).stdout);
      expect((await run(bin, ['themes', '-h'])).stdout).toBe((await inProcess(['themes', '-h'])).stdout);
      const themes = await run(bin, ['themes']);
      expect(themes.code).not.toBe(0);
      expect(themes.stderr).toContain('bundle loaded');
    } finally {
      fs.writeFileSync(path.join(outDir(), 'main.cjs'), bundle);
    }
  });

  it('an edited source rebuilds the bundle and help.json before the command runs', async () => {
    const file = path.join(root, 'engine', 'cli', 'commands.ts');
    const text = fs.readFileSync(file, 'utf8');
    const summary = 'List the built-in themes (for --theme) with what each looks like';
    expect(text).toContain(summary);
    const stampBefore = fs.readFileSync(path.join(outDir(), 'sources.stamp'), 'utf8');
    fs.writeFileSync(file, text.replace(summary, 'Themes, edited by a test'));
    // mtimes of the same second on coarse file systems: make the edit clearly newer.
    const later = new Date(Date.now() + 5_000);
    fs.utimesSync(file, later, later);
    const help = await run(bin, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Themes, edited by a test');
    expect(help.stdout).not.toContain(summary);
    expect((await run(bin, ['themes', '--help'])).stdout).toContain('Themes, edited by a test.');
    expect(fs.readFileSync(path.join(outDir(), 'sources.stamp'), 'utf8')).not.toBe(stampBefore);
    // A new file counts as an edit too.
    fs.writeFileSync(path.join(root, 'engine', 'cli', 'added-by-test.ts'), 'export const x = 1;\n');
    const stampEdited = fs.readFileSync(path.join(outDir(), 'sources.stamp'), 'utf8');
    expect((await run(bin, ['-h'])).code).toBe(0);
    expect(fs.readFileSync(path.join(outDir(), 'sources.stamp'), 'utf8')).not.toBe(stampEdited);
  });

  it('installed inside node_modules, only a new package.json (a new version) rebuilds it', async () => {
    const installed = path.join(tempDir('quire-start-installed-'), 'node_modules', 'quire');
    dirs.push(path.dirname(path.dirname(installed)));
    for (const name of ['engine', 'bin', 'package.json']) fs.cpSync(path.join(root, name), path.join(installed, name), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(installed, 'node_modules'));
    const installedBin = path.join(installed, 'bin', 'quire');
    expect((await run(installedBin, ['--version'])).code).toBe(0);
    const helpBefore = (await run(installedBin, ['themes', '--help'])).stdout;
    expect(helpBefore).toContain('Themes, edited by a test.');
    const file = path.join(installed, 'engine', 'cli', 'commands.ts');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('Themes, edited by a test', 'Themes, edited when installed'));
    const later = new Date(Date.now() + 5_000);
    fs.utimesSync(file, later, later);
    expect((await run(installedBin, ['themes', '--help'])).stdout).toBe(helpBefore);
    fs.utimesSync(path.join(installed, 'package.json'), later, later);
    expect((await run(installedBin, ['themes', '--help'])).stdout).toContain('Themes, edited when installed.');
  });

  it("a command's second start runs from its code cache; a damaged or stale cache only costs the compile", async () => {
    const data = path.join(root, 'data');
    const themes = await run(bin, ['themes', '--json']);
    expect(themes.code).toBe(0);
    const id = /\/\/ quire-bundle (\w+)\s*$/.exec(fs.readFileSync(path.join(outDir(), 'main.cjs'), 'utf8'))![1];
    const cacheFile = path.join(outDir(), `main.${id}.themes.cache`);
    expect(fs.existsSync(cacheFile)).toBe(true);
    const made = fs.statSync(cacheFile).mtimeMs;
    expect(await run(bin, ['themes', '--json'])).toEqual(themes);
    // Accepted: not written again.
    expect(fs.statSync(cacheFile).mtimeMs).toBe(made);
    // Garbage in the cache: V8 refuses it, the start compiles, and a good cache replaces it.
    fs.writeFileSync(cacheFile, Buffer.alloc(4096, 7));
    expect(await run(bin, ['themes', '--json'])).toEqual(themes);
    expect(fs.readFileSync(cacheFile).equals(Buffer.alloc(4096, 7))).toBe(false);
    // Each command its own cache; jobs on an empty folder works from it too.
    const jobs = await run(bin, ['jobs', '--json', '--data-dir', data]);
    expect(jobs).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(caches()).toContain(`main.${id}.jobs.cache`);
    expect(await run(bin, ['jobs', '--json', '--data-dir', data])).toEqual(jobs);
    // A rebuild drops the caches of the bundle it replaces.
    const file = path.join(root, 'engine', 'cli', 'commands.ts');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('Themes, edited by a test', 'Themes, edited twice'));
    const later = new Date(Date.now() + 10_000);
    fs.utimesSync(file, later, later);
    expect((await run(bin, ['themes', '--json'])).stdout).toBe(themes.stdout);
    const newId = /\/\/ quire-bundle (\w+)\s*$/.exec(fs.readFileSync(path.join(outDir(), 'main.cjs'), 'utf8'))![1];
    expect(newId).not.toBe(id);
    expect(caches().length).toBeGreaterThan(0);
    expect(caches().every((n) => n.startsWith(`main.${newId}.`))).toBe(true);
  });

  it.skipIf(process.platform !== 'linux')('a rebuild leaves no esbuild process beside the command it starts', async () => {
    const work = tempDir('quire-start-esbuild-');
    dirs.push(work);
    fs.writeFileSync(path.join(work, 'a.md'), '# A\n\nText.\n');
    const file = path.join(root, 'engine', 'cli', 'commands.ts');
    fs.writeFileSync(file, `${fs.readFileSync(file, 'utf8')}\n// edited by the esbuild test\n`);
    const later = new Date(Date.now() + 20_000);
    fs.utimesSync(file, later, later);
    const stamp = path.join(outDir(), 'sources.stamp');
    const stampBefore = fs.readFileSync(stamp, 'utf8');
    // An HTML export: its pipeline worker runs for a second or more after the build is done.
    const child = spawn(process.execPath, [bin, 'export', path.join(work, 'a.md'), '--format', 'html', '--out', path.join(work, 'out'), '--data-dir', path.join(work, 'data')], {
      cwd: root,
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    let done = false;
    void exited.then(() => (done = true));
    // The names of the command's live child processes (Linux: the children file of each of its threads).
    const childNames = (): string[] => {
      const names: string[] = [];
      for (const task of fs.readdirSync(`/proc/${child.pid}/task`)) {
        const kids = fs.readFileSync(`/proc/${child.pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
        // A zombie (state Z: exited, not yet reaped) holds no memory: only live processes count.
        for (const pid of kids) if (!/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))) names.push(fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
      }
      return names;
    };
    let looked = 0;
    const seen: string[] = [];
    while (!done) {
      // After the build (the stamp is written last), while the command runs.
      if (fs.readFileSync(stamp, 'utf8') !== stampBefore) {
        try {
          seen.push(...childNames());
          looked++;
        } catch {
          // The process ended between two reads.
        }
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await exited).toBe(0);
    expect(looked).toBeGreaterThan(3);
    expect(seen.filter((n) => /esbuild/.test(n))).toEqual([]);
  });
});
