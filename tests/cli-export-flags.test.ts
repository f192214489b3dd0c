/**
 * `quire export`'s look and metadata flags (issue #9) and `quire themes`: each flag lands in the
 * spec the job ran (and in the PDF), each bad value is refused by the model's rule naming the
 * flag, before anything is written. Real child processes, as a user runs bin/quire.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pdfinfo, rmrf, runQuire, tempDir } from './helpers.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach(rmrf));

function workspace() {
  const dir = tempDir('quire-cli-flags-');
  dirs.push(dir);
  const doc = path.join(dir, 'note.md');
  fs.writeFileSync(doc, '---\ntitle: From the front matter\nauthor: Front Author\ntheme: report\ntoc: true\n---\n# Note\n\nInline $x^2$.\n\n## Part two\n\nText.\n');
  return { dir, doc, data: path.join(dir, 'data'), out: path.join(dir, 'out') };
}

/** Each run starts node (and may rebuild the CLI bundle): generous on a loaded machine. */
const SLOW = 300_000;
const quire = (args: string[], cwd?: string) => runQuire(args, { cwd, timeoutMs: 120_000 });
const specOf = (stdout: string) => JSON.parse(stdout.split('\n').find((l) => l.startsWith('{'))!).spec;

describe('quire themes', () => {
  it('lists every theme with its description, and one JSON line each with --json', async () => {
    const r = await quire(['themes']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^github +clean sans-serif.*\(the default\)\nbook +serif text.*\nreport +compact sans-serif/);
    const json = await quire(['themes', '--json']);
    expect(json.code).toBe(0);
    const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.name)).toEqual(['github', 'book', 'report']);
    for (const l of lines) expect(l.description.length).toBeGreaterThan(10);
    expect((await quire(['themes', 'extra'])).code).toBe(2);
  }, SLOW);
});

describe('quire export: look and metadata flags', () => {
  it('every flag reaches the spec the job ran, over the front matter; metadata reaches the PDF', async () => {
    const { dir, doc, data, out } = workspace();
    fs.writeFileSync(path.join(dir, 'print.css'), 'h1 { color: teal }\n');
    const r = await quire(
      [
        'export', 'note.md', '--format', 'pdf', '--out', out, '--data-dir', data, '--json',
        '--theme', 'Book', '--css', 'print.css', '--no-toc', '--no-math', '--no-diagrams', '--no-highlight',
        '--page-size', 'letter', '--margins', '20,15,20,15', '--landscape', '--no-header-footer',
        '--title', 'Flag Title', '--subtitle', 'Sub', '--author', 'Ada Lovelace', '--date', '1843',
        '--subject', 'Engines', '--keywords', 'analytical, engine,,notes', '--lang', 'en-GB',
      ],
      dir,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const spec = specOf(r.stdout);
    // --css is resolved against the working folder and its text kept with the job.
    expect(spec.style).toEqual({
      theme: 'book', toc: false, math: false, diagrams: false, highlight: false,
      css: { path: path.join(dir, 'print.css'), from: 'call', text: 'h1 { color: teal }\n' },
    });
    expect(spec.pdf).toMatchObject({ pageSize: 'Letter', margins: { top: 20, right: 15, bottom: 20, left: 15 }, landscape: true, headerFooter: false });
    expect(spec.title).toBe('Flag Title');
    expect(spec.metadata).toEqual({ author: 'Ada Lovelace', date: '1843', subtitle: 'Sub', subject: 'Engines', keywords: ['analytical', 'engine', 'notes'], lang: 'en-GB' });
    expect(pdfinfo(path.join(out, 'note.pdf')).Title).toBe('Flag Title');
    expect(fs.existsSync(doc)).toBe(true);
  }, SLOW);

  it('without flags the front matter applies; the positive forms and the last of two win', async () => {
    const { doc, data, out } = workspace();
    const plain = await quire(['export', doc, '--format', 'md', '--out', out, '--data-dir', data, '--json']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(specOf(plain.stdout)).toMatchObject({ title: 'From the front matter', metadata: { author: 'Front Author' }, style: { theme: 'report', toc: true, math: true, css: null } });
    const r = await quire(['export', doc, '--format', 'md', '--out', out, '--data-dir', data, '--json', '--overwrite', '--no-toc', '--toc', '--math', '--highlight', '--no-diagrams', '--diagrams', '--margins', '12.5']);
    expect(r.code, r.stderr).toBe(0);
    const spec = specOf(r.stdout);
    expect(spec.style).toMatchObject({ toc: true, math: true, highlight: true, diagrams: true });
    expect(spec.pdf.margins).toEqual({ top: 12.5, right: 12.5, bottom: 12.5, left: 12.5 });
  }, SLOW);

  it('a bad value exits 2 with one line naming the flag, and writes nothing', async () => {
    const { dir, doc, data, out } = workspace();
    const cases: Array<[string[], string]> = [
      [['--theme', 'fancy'], 'quire: --theme: "fancy" is not a theme; use github, book, report.'],
      [['--page-size', 'B5'], 'quire: --page-size: "B5" is not a page size; use A3, A4, A5, Letter, Legal, Tabloid.'],
      [['--margins', '10,10'], 'quire: --margins takes millimetres from 0 to 100: one number for every side ("15") or four, top,right,bottom,left ("20,15,20,15") (got "10,10").'],
      [['--margins', '200'], 'quire: --margins takes millimetres from 0 to 100'],
      [['--margins', 'wide'], 'quire: --margins takes millimetres'],
      [['--lang', 'en_US'], 'quire: --lang "en_US" is not a language tag such as en, de or zh-Hans.'],
      [['--keywords', Array.from({ length: 101 }, (_, i) => `k${i}`).join(',')], 'quire: --keywords has more than 100 keywords.'],
      [['--title', 'x'.repeat(501)], 'quire: --title is longer than 500 characters.'],
      [['--css', ''], 'quire: --css: is empty.'],
      [['--no-theme'], 'quire: unknown option --no-theme for "quire export".'],
      [['--no-tco'], 'quire: unknown option --no-tco for "quire export" (did you mean --no-toc?).'],
      [['--toc=yes'], 'quire: --toc takes no value (got "--toc=yes").'],
      [['--theme'], 'quire: --theme needs a value: --theme NAME.'],
    ];
    for (const [flags, message] of cases) {
      const r = await quire(['export', doc, '--out', out, '--data-dir', data, ...flags], dir);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0], flags.join(' ')).toContain(message);
      expect(r.stderr).toContain('Run "quire export --help" for usage.');
    }
    expect(fs.existsSync(data)).toBe(false);
    expect(fs.existsSync(out)).toBe(false);
  }, SLOW);

  it('--css naming a file that cannot be read is refused input: exit 1, the full path and the reason', async () => {
    const { dir, doc, data, out } = workspace();
    fs.mkdirSync(out);
    const missing = await quire(['export', doc, '--out', out, '--data-dir', data, '--css', 'styles/none.css'], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`quire: The CSS file ${path.join(dir, 'styles', 'none.css')} named by --css cannot be read: no such file.\nquire: nothing was exported (1 problem).\n`);
    const folder = await quire(['export', doc, '--out', out, '--data-dir', data, '--css', dir], dir);
    expect(folder.code).toBe(1);
    expect(folder.stderr).toContain(`The CSS file ${dir} named by --css cannot be read: it is a folder, not a file.`);
    const big = path.join(dir, 'big.css');
    fs.writeFileSync(big, Buffer.alloc(1_000_001, 0x20));
    const tooLarge = await quire(['export', doc, '--out', out, '--data-dir', data, '--css', big], dir);
    expect(tooLarge.code).toBe(1);
    expect(tooLarge.stderr).toContain(`The CSS file ${big} named by --css is too large (1,000,001 bytes; a CSS file may have at most 1,000,000).`);
    expect(fs.readdirSync(out)).toEqual([]);
    expect(fs.existsSync(data)).toBe(false);
  }, SLOW);
  it("front matter's css: is read relative to the document; one outside its folder refuses that document only (exit 1)", async () => {
    const { dir, data, out } = workspace();
    fs.mkdirSync(path.join(dir, 'docs'));
    fs.writeFileSync(path.join(dir, 'docs', 'look.css'), 'p { color: navy }');
    fs.writeFileSync(path.join(dir, 'outside.css'), 'p { color: red }');
    fs.writeFileSync(path.join(dir, 'docs', 'good.md'), '---\ncss: look.css\n---\n# Good\n');
    fs.writeFileSync(path.join(dir, 'docs', 'bad.md'), '---\ncss: ../outside.css\n---\n# Bad\n');
    const r = await quire(['export', 'docs/bad.md', 'docs/good.md', '--format', 'md', '--out', out, '--data-dir', data, '--json'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `quire: bad.md: The CSS file ../outside.css named by the document's front matter (css:) is outside the document's folder ${path.join(dir, 'docs')}; move it into that folder.\n`,
    );
    expect(specOf(r.stdout).style.css).toEqual({ path: path.join(fs.realpathSync(dir), 'docs', 'look.css'), from: 'frontMatter', text: 'p { color: navy }' });
    expect(fs.readdirSync(out)).toEqual(['good.md']);
  }, SLOW);
});
