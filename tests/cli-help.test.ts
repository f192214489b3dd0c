/**
 * The CLI explains itself (issue #8): every command's --help, clear one-line usage errors
 * (exit 2) apart from refused input (exit 1), --version, "did you mean", and counts and
 * document titles in what it prints. Real child processes, as a user runs bin/quire.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, rmrf, runQuire, tempDir } from './helpers.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach(rmrf));

function workspace() {
  const dir = tempDir('quire-cli-help-');
  dirs.push(dir);
  return { dir, data: path.join(dir, 'data'), out: path.join(dir, 'out') };
}

/** No run here may touch the user's real data folder. */
const { data: SAFE_DATA } = workspace();
const quire = (args: string[]) => runQuire(args, { env: { QUIRE_DATA_DIR: SAFE_DATA }, timeoutMs: 60_000 });

/** Each command's options, written out here rather than read from the code that prints them. */
const OPTIONS: Record<string, string[]> = {
  export: [
    '--format', '--out', '--overwrite', '--json', '--concurrency', '--data-dir', '--fresh-store',
    '--theme', '--css', '--toc', '--no-toc', '--no-math', '--no-diagrams', '--no-highlight',
    '--page-size', '--margins', '--landscape', '--no-header-footer',
    '--title', '--subtitle', '--author', '--date', '--subject', '--keywords', '--lang',
  ],
  themes: ['--json'],
  jobs: ['--json', '--data-dir', '--fresh-store'],
  resume: ['--json', '--concurrency', '--data-dir', '--fresh-store'],
  cancel: ['--json', '--data-dir', '--fresh-store'],
  watch: ['--json', '--data-dir', '--fresh-store'],
  serve: ['--port', '--out', '--token', '--concurrency', '--data-dir', '--fresh-store'],
};

describe('quire <command> --help', () => {
  for (const [command, options] of Object.entries(OPTIONS)) {
    it(`${command}: --help and -h print its usage and exit 0`, async () => {
      for (const flag of ['--help', '-h']) {
        const r = await quire([command, flag]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`^Usage: quire ${command}\\b`));
        for (const o of options) expect(r.stdout, o).toContain(o);
        expect(r.stdout).toContain('-h, --help');
      }
      // "quire help <command>" says the same; help wins over other arguments.
      expect((await quire(['help', command])).stdout).toBe((await quire([command, '--help'])).stdout);
      expect((await quire([command, 'x', '--bogus', '--help'])).code).toBe(0);
      expect(fs.existsSync(SAFE_DATA)).toBe(false);
    });
  }

  it('quire --help lists every command and every option', async () => {
    const r = await quire(['--help']);
    expect(r.code).toBe(0);
    for (const command of Object.keys(OPTIONS)) expect(r.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    for (const o of new Set(Object.values(OPTIONS).flat())) expect(r.stdout, o).toContain(o);
    expect(r.stdout).toContain('--version');
  });
});

describe('usage errors exit 2 with one clear line; refused input exits 1', () => {
  it('an unknown option names the option and the command\'s help, for every command', async () => {
    for (const command of Object.keys(OPTIONS)) {
      const r = await quire([command, '--bogus']);
      expect(r.code, command).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`quire: unknown option --bogus for "quire ${command}".\nRun "quire ${command} --help" for usage.\n`);
    }
    const typo = await quire(['export', 'a.md', '--formt', 'pdf']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('unknown option --formt for "quire export" (did you mean --format?).');
  });

  it('a missing value, a value for a switch, extra arguments: exit 2 naming the problem', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['export', 'a.md', '--out'], /^quire: --out needs a value: --out DIR\.\nRun "quire export --help" for usage\.\n$/],
      [['export', 'a.md', '--out', '--json'], /--out needs a value.*--out=--json/],
      [['jobs', '--json=yes'], /^quire: --json takes no value/],
      [['jobs', 'extra'], /^quire: jobs takes no arguments \(got "extra"\)\.\nRun "quire jobs --help"/],
      [['cancel', 'a', 'b'], /^quire: cancel takes <jobId> only \(unexpected: "b"\)/],
      [['watch'], /^quire: watch needs a job id/],
      [['export'], /^quire: export needs at least one file[\s\S]*Run "quire export --help" for usage/],
      [['export', 'a.md', '--concurrency', '0'], /--concurrency must be a whole number/],
      [['serve', '--port', 'x'], /--port must be a whole number[\s\S]*Run "quire serve --help"/],
      [['--bogus'], /^quire: unknown option --bogus; options go after the command/],
    ];
    for (const [args, message] of cases) {
      const r = await quire(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain("'"); // node's own parseArgs messages quote with ' (and unevenly)
    }
    expect(fs.existsSync(SAFE_DATA)).toBe(false);
  });

  it('a mistyped command gets "did you mean", an unknown one the usage', async () => {
    for (const [typed, meant] of [['exprot', 'export'], ['job', 'jobs'], ['resme', 'resume'], ['serv', 'serve']]) {
      const r = await quire([typed, 'a.md']);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`quire: unknown command "${typed}". Did you mean "quire ${meant}"?\nRun "quire --help" for usage.\n`);
    }
    const far = await quire(['frobnicate']);
    expect(far.code).toBe(2);
    expect(far.stderr).not.toContain('Did you mean');
    expect(far.stderr).toMatch(/unknown command "frobnicate"[\s\S]*Usage: quire/);
  });

  it('input that cannot be used (a missing file, an unknown job) exits 1, without the usage hint', async () => {
    const { dir, data, out } = workspace();
    const missing = await quire(['export', path.join(dir, 'nope.md'), '--out', out, '--data-dir', data]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.md: no such file/);
    expect(missing.stderr).not.toContain('--help');
    const job = await quire(['cancel', 'no-such-job', '--data-dir', data]);
    expect(job.code).toBe(1);
    expect(job.stderr).not.toContain('--help');
  });
});

describe('quire --version', () => {
  it('prints the version in package.json', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    for (const flag of ['--version', '-v']) {
      const r = await quire([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`quire ${version}\n`);
    }
  });
});

describe('what quire prints about jobs', () => {
  it('says "1 page" for a one-page PDF and names each job\'s document in `quire jobs`', async () => {
    const { dir, data, out } = workspace();
    const file = path.join(dir, 'memo.md');
    fs.writeFileSync(file, '# Tiny Report\n\nOne short paragraph.\n');
    const r = await quire(['export', file, '--format', 'pdf', '--out', out, '--data-dir', data]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/memo\.pdf \(\d+(\.\d)? KB, 1 page\)/);
    expect(r.stdout).not.toMatch(/\b1 pages\b/);

    const jobs = await quire(['jobs', '--data-dir', data]);
    expect(jobs.code).toBe(0);
    const lines = jobs.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/completed\s+100%\s+attempt 1  Tiny Report  → memo\.pdf \(.*, 1 page\)/);

    const json = await quire(['jobs', '--json', '--data-dir', data]);
    const [job] = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(job).toMatchObject({ document: 'Tiny Report', status: 'completed', progress: 100, step: 'done', attempt: 1 });
    expect(Object.keys(job)).toEqual(['jobId', 'documentId', 'status', 'outputs', 'spec', 'document', 'progress', 'step', 'attempt', 'message', 'createdAt']);
  }, 120_000);
});
