/**
 * bin/quire as a user runs it: real child processes, real files, real data folders.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findChromium } from '../engine/pdf/find-chromium.ts';
import { CORPUS, jobRows, pdfinfo, pdftotext, rmrf, runQuire, spawnQuire, tempDir, waitFor } from './helpers.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach(rmrf));

function workspace() {
  const dir = tempDir('quire-cli-');
  dirs.push(dir);
  const data = path.join(dir, 'data');
  const out = path.join(dir, 'out');
  return { dir, data, out };
}

function parseJsonLines(s: string): any[] {
  return s
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l));
}

describe('quire export', () => {
  it('exports several files, prints one JSON line per job and lists them in `quire jobs`', async () => {
    const { dir, data, out } = workspace();
    const a = path.join(dir, 'alpha.md');
    const b = path.join(dir, 'beta.html');
    fs.writeFileSync(a, '# Alpha\n\nFirst document.\n\n## Section A\n');
    fs.writeFileSync(b, '<!doctype html><title>Beta page</title><h1>Beta</h1><p>Second <b>document</b>.</p><script>alert(1)</script>');
    const r = await runQuire(['export', a, b, '--format', 'pdf,md', '--out', out, '--data-dir', data, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = parseJsonLines(r.stdout);
    expect(lines).toHaveLength(2);
    for (const l of lines) {
      expect(l).toMatchObject({ status: 'completed' });
      expect(Object.keys(l).sort()).toEqual(['documentId', 'jobId', 'outputs', 'spec', 'status']);
      expect(l.outputs.map((o: any) => o.format)).toEqual(['pdf', 'md']);
      const p = l.outputs[0];
      expect(p.pages).toBeGreaterThan(0);
      expect(Number(pdfinfo(p.path).Pages)).toBe(p.pages);
      // The spec the job ran: the PDF's title is the spec's title.
      expect(l.spec).toMatchObject({ formats: ['pdf', 'md'], outDir: out, pdf: { pageSize: 'A4' }, metadata: {}, source: { revision: 1 } });
      expect(pdfinfo(p.path).Title).toBe(l.spec.title);
    }
    const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
    expect(lines.map((l) => [l.spec.title, l.spec.source.sha256, l.spec.source.format])).toEqual([
      ['Alpha', sha(a), 'md'],
      ['Beta page', sha(b), 'html'],
    ]);
    expect(fs.readdirSync(out).sort()).toEqual(['alpha.md', 'alpha.pdf', 'beta.md', 'beta.pdf']);
    expect(pdftotext(path.join(out, 'beta.pdf'))).toContain('Second document');
    expect(fs.readFileSync(path.join(out, 'beta.md'), 'utf8')).not.toContain('alert');

    const jobs = await runQuire(['jobs', '--json', '--data-dir', data]);
    expect(jobs.code).toBe(0);
    const listed = parseJsonLines(jobs.stdout);
    expect(listed.map((j) => j.jobId).sort()).toEqual(lines.map((l) => l.jobId).sort());
    for (const j of listed) expect(j).toMatchObject({ status: 'completed', progress: 100, step: 'done', attempt: 1, spec: lines.find((l) => l.jobId === j.jobId).spec });
    const human = await runQuire(['jobs', '--data-dir', data]);
    expect(human.stdout).toMatch(/completed\s+100%\s+attempt 1/);
  });

  it('watch streams a finished job and exits 0; unknown job ids get a clear error', async () => {
    const { dir, data, out } = workspace();
    const f = path.join(dir, 'w.md');
    fs.writeFileSync(f, '# W\n');
    const r = await runQuire(['export', f, '--format', 'html', '--out', out, '--data-dir', data, '--json']);
    const { jobId } = parseJsonLines(r.stdout)[0];
    const w = await runQuire(['watch', jobId, '--data-dir', data]);
    expect(w.code).toBe(0);
    expect(w.stdout).toMatch(/100%\s+completed/);
    const missing = await runQuire(['watch', 'no-such-job', '--data-dir', data]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Job no-such-job does not exist/);
    const cancelDone = await runQuire(['cancel', 'no-such-job', '--data-dir', data]);
    expect(cancelDone.code).toBe(1);
    expect(cancelDone.stderr).toMatch(/does not exist/);
  });
});

describe('quire export never replaces what Quire did not write for that file', () => {
  const md = (o: { path: string }) => fs.readFileSync(o.path, 'utf8');

  it('exporting notes.md to Markdown in its own folder keeps the source byte for byte', async () => {
    const { dir, data } = workspace();
    const folder = path.join(dir, 'notes');
    fs.mkdirSync(folder);
    const src = path.join(folder, 'notes.md');
    // Things turndown rewrites: table alignment, an HTML comment, trailing spaces.
    const original = Buffer.from('# Notes\n\n| left | right |\n|:-----|------:|\n| 1 | 2 |\n\n<!-- keep me -->\nline with break  \nnext\n');
    fs.writeFileSync(src, original);
    for (const extra of [[], ['--overwrite']]) {
      const r = await runQuire(['export', 'notes.md', '--format', 'md', '--data-dir', data, '--json', ...extra], { cwd: folder });
      expect(r.code, r.stderr).toBe(0);
      const [job] = parseJsonLines(r.stdout);
      expect(job.status).toBe('completed');
      expect(fs.readFileSync(src).equals(original)).toBe(true);
      expect(job.outputs.map((o: { path: string }) => path.basename(o.path))).toEqual(['notes (2).md']);
      expect(job.warnings).toEqual([expect.stringMatching(/^Saved as "notes \(2\)\.md": "notes\.md" already exists/)]);
    }
    expect(fs.readdirSync(folder).sort()).toEqual(['notes (2).md', 'notes.md']);
  });

  it('two different notes.md exported into one --out by separate runs keep both outputs, each with its own text', async () => {
    const { dir, data, out } = workspace();
    const files = ['a', 'b'].map((sub) => {
      fs.mkdirSync(path.join(dir, sub));
      const f = path.join(dir, sub, 'notes.md');
      fs.writeFileSync(f, `# Notes\n\nwritten in folder ${sub}\n`);
      return f;
    });
    const jobs = [];
    for (const f of files) {
      const r = await runQuire(['export', f, '--format', 'html,md', '--out', out, '--data-dir', data, '--json']);
      expect(r.code, r.stderr).toBe(0);
      jobs.push(parseJsonLines(r.stdout)[0]);
    }
    expect(fs.readdirSync(out).sort()).toEqual(['notes (2).html', 'notes (2).md', 'notes.html', 'notes.md']);
    expect(jobs[0].documentId).not.toBe(jobs[1].documentId);
    expect(md(jobs[0].outputs[0])).toContain('written in folder a');
    expect(md(jobs[1].outputs[0])).toContain('written in folder b');
    expect(path.basename(jobs[1].outputs[1].path)).toBe('notes (2).md');
  });

  it('the same file exported twice is one document: its output is replaced, never duplicated', async () => {
    const { dir, data, out } = workspace();
    const f = path.join(dir, 'notes.md');
    fs.writeFileSync(f, '# Notes\n\nfirst version\n');
    const first = await runQuire(['export', f, '--format', 'html', '--out', out, '--data-dir', data, '--json']);
    expect(first.code, first.stderr).toBe(0);
    fs.writeFileSync(f, '# Notes\n\nsecond version\n');
    const second = await runQuire(['export', f, '--format', 'html', '--out', out, '--data-dir', data, '--json']);
    expect(second.code, second.stderr).toBe(0);
    const [a, b] = [parseJsonLines(first.stdout)[0], parseJsonLines(second.stdout)[0]];
    expect(b.documentId).toBe(a.documentId);
    expect(fs.readdirSync(out)).toEqual(['notes.html']);
    expect(b.outputs[0].path).toBe(a.outputs[0].path);
    expect(fs.readFileSync(path.join(out, 'notes.html'), 'utf8')).toContain('second version');
  });

  it('a file of the user at the output path is kept; --overwrite replaces it', async () => {
    const { dir, data, out } = workspace();
    fs.mkdirSync(out);
    const mine = path.join(out, 'notes.html');
    fs.writeFileSync(mine, '<p>made by hand</p>');
    const f = path.join(dir, 'notes.md');
    fs.writeFileSync(f, '# Notes\n\nexported\n');
    const kept = await runQuire(['export', f, '--format', 'html', '--out', out, '--data-dir', data, '--json']);
    expect(kept.code, kept.stderr).toBe(0);
    expect(fs.readFileSync(mine, 'utf8')).toBe('<p>made by hand</p>');
    expect(path.basename(parseJsonLines(kept.stdout)[0].outputs[0].path)).toBe('notes (2).html');
    // The user is told why the output did not get the plain name.
    expect(kept.stderr).toContain('warning: Saved as "notes (2).html": "notes.html" already exists and is not Quire\'s output for this document');

    const replaced = await runQuire(['export', f, '--format', 'html', '--out', out, '--data-dir', data, '--json', '--overwrite']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(path.basename(parseJsonLines(replaced.stdout)[0].outputs[0].path)).toBe('notes.html');
    expect(fs.readFileSync(mine, 'utf8')).toContain('exported');
  });

  it('a file name Windows reserves gets a name that works everywhere', async () => {
    const { dir, data, out } = workspace();
    const f = path.join(dir, 'aux.md');
    fs.writeFileSync(f, '# Aux\n');
    const r = await runQuire(['export', f, '--format', 'md', '--out', out, '--data-dir', data]);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readdirSync(out)).toEqual(['aux_.md']);
  });
});

describe('quire export with images it cannot embed', () => {
  it('completes, names each problem on stderr, and lists them in --json', async () => {
    const { dir, data, out } = workspace();
    const f = path.join(dir, 'pictures.md');
    fs.writeFileSync(f, '# Pictures\n\n![chart](img/chart.png)\n');
    const r = await runQuire(['export', f, '--format', 'html', '--out', out, '--data-dir', data, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const warning = `image img/chart.png not found in ${dir} when the document was imported (put it there and export again, or add it in the Write stage)`;
    expect(r.stderr).toBe(`quire: pictures.md: warning: ${warning}\n`);
    expect(parseJsonLines(r.stdout)[0]).toMatchObject({ status: 'completed', warnings: [warning] });
    // The page still says where the picture was meant to be.
    expect(fs.readFileSync(path.join(out, 'pictures.html'), 'utf8')).toContain('img/chart.png');
  });
});

describe('quire export starts the browser early only when a PDF may be printed', () => {
  /** QUIRE_CHROMIUM pointing at a script that notes each launch in `log`, then runs the real browser. */
  function countingBrowser(dir: string): { env: NodeJS.ProcessEnv; launches: () => number } {
    const log = path.join(dir, 'launches.log');
    const script = path.join(dir, 'chromium.sh');
    fs.writeFileSync(script, `#!/bin/sh\necho launch >> '${log}'\nexec '${findChromium()}' "$@"\n`, { mode: 0o755 });
    return { env: { QUIRE_CHROMIUM: script }, launches: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0) };
  }

  it('formats unsaid and every front matter leaving PDF out: no browser; one file that prints: the browser starts', async () => {
    const { dir, data, out } = workspace();
    const browser = countingBrowser(dir);
    const notes = path.join(dir, 'notes.md');
    const page = path.join(dir, 'page.md');
    fs.writeFileSync(notes, '---\nformats: [html, md]\n---\n# Notes\n\nJust the web page.\n');
    fs.writeFileSync(page, '---\nformats: html\n---\n# Page\n');
    const r = await runQuire(['export', notes, page, '--out', out, '--data-dir', data], { env: browser.env });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['notes.html', 'notes.md', 'page.html']);
    expect(browser.launches()).toBe(0);

    // Control: the same with a file whose front matter says nothing prints a PDF, with the
    // browser the wrapper launches (the warm-up's and the job's are one).
    const report = path.join(dir, 'report.md');
    fs.writeFileSync(report, '# Report\n\nPrinted.\n');
    const again = await runQuire(['export', notes, report, '--out', out, '--data-dir', data], { env: browser.env });
    expect(again.code, again.stderr).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['notes.html', 'notes.md', 'page.html', 'report.html', 'report.md', 'report.pdf']);
    expect(browser.launches()).toBe(1);
  });
});

describe('quire cancel from another process', () => {
  it('stops a running export: the exporting process exits 1 reporting cancelled; only finished outputs stay, no temp file', async () => {
    const { dir, data, out } = workspace();
    const f = path.join(dir, 'slow.md');
    fs.writeFileSync(f, '# Slow\n\ntext\n');
    const exporting = runQuire(['export', f, '--out', out, '--data-dir', data, '--json'], { env: { QUIRE_TEST_STEP_DELAY_MS: '4000' } });
    // Find the job from outside once it runs, then cancel it from a second process.
    const jobId = (await waitFor(() => jobRows(data).find((j) => j.status === 'running'), { timeoutMs: 60_000, what: 'a running job' })).id;
    const c = await runQuire(['cancel', jobId!, '--data-dir', data, '--json']);
    expect(c.code, c.stderr).toBe(0);
    expect(parseJsonLines(c.stdout)[0]).toMatchObject({ jobId, status: 'cancelled' });
    const r = await exporting;
    expect(r.code).toBe(1);
    const final = parseJsonLines(r.stdout)[0];
    expect(final).toMatchObject({ jobId, status: 'cancelled' });
    // Steps that finished before the cancel keep their (whole) files and are listed; the rest never appear.
    expect(final.outputs.length).toBeLessThan(3);
    const listed = final.outputs.map((o: { path: string }) => path.basename(o.path)).sort();
    expect(fs.existsSync(out) ? fs.readdirSync(out).sort() : []).toEqual(listed);
  });
});

describe('quire watch on a job another process runs', () => {
  it('streams its progress live (never backwards) until it completes', async () => {
    const { dir, data, out } = workspace();
    const f = path.join(dir, 'watched.md');
    fs.writeFileSync(f, '# Watched\n\ntext\n');
    const exporting = runQuire(['export', f, '--format', 'html,md', '--out', out, '--data-dir', data], { env: { QUIRE_TEST_STEP_DELAY_MS: '4000' } });
    const jobId = (
      await waitFor(() => jobRows(data).find((j) => j.status === 'running' || j.status === 'queued'), { timeoutMs: 60_000, what: 'the export to be queued or running' })
    ).id;
    // The export's outcome says why a watch would wait in vain (a runner that died).
    const w = await runQuire(['watch', jobId!, '--data-dir', data, '--json'], { timeoutMs: 100_000 }).catch(async (e: Error) => {
      const r = await exporting;
      throw new Error(`${e.message}\nthe export exited ${r.code}: ${r.stderr}`);
    });
    expect(w.code, w.stderr).toBe(0);
    const events = parseJsonLines(w.stdout);
    expect(events.at(-1)).toMatchObject({ status: 'completed', progress: 100 });
    expect(events.length).toBeGreaterThan(2);
    for (let i = 1; i < events.length; i++) {
      expect(events[i].progress).toBeGreaterThanOrEqual(events[i - 1].progress);
      expect(events[i].seq).toBeGreaterThan(events[i - 1].seq);
    }
    expect(new Set(events.map((e) => e.step))).toContain('md');
    expect((await exporting).code).toBe(0);
  }, 180_000);
});

describe('quire watch on a job whose runner was killed', () => {
  it('says how to finish it, then follows "quire resume" to the end', async () => {
    const { dir, data, out } = workspace();
    const f = path.join(dir, 'orphan.md');
    fs.writeFileSync(f, '# Orphan\n\ntext\n');
    // Slow steps while it is killed (it must still be running), quick ones for the resume.
    const exporter = spawnQuire(['export', f, '--format', 'html,md', '--out', out, '--data-dir', data], { env: { QUIRE_TEST_STEP_DELAY_MS: '10000' } });
    const exited = new Promise((r) => exporter.once('exit', r));
    const running = await waitFor(() => jobRows(data).find((j) => j.status === 'running' && j.owner_pid === exporter.pid), { timeoutMs: 60_000, what: 'a running job' });
    exporter.kill('SIGKILL');
    await exited;

    const watcher = spawnQuire(['watch', running.id, '--data-dir', data, '--json']);
    let stdout = '';
    let stderr = '';
    watcher.stdout!.on('data', (d) => (stdout += d));
    watcher.stderr!.on('data', (d) => (stderr += d));
    const watched = new Promise<number | null>((r) => watcher.once('exit', r));
    await waitFor(() => /the process running this job \(pid \d+\) has stopped\. Run "quire resume"/.test(stderr), { timeoutMs: 30_000, what: 'the hint' });

    const resumed = await runQuire(['resume', '--data-dir', data], { env: { QUIRE_TEST_STEP_DELAY_MS: '300' } });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await watched).toBe(0);
    expect(parseJsonLines(stdout).at(-1)).toMatchObject({ jobId: running.id, status: 'completed', progress: 100 });
    expect(fs.readdirSync(out).sort()).toEqual(['orphan.html', 'orphan.md']);
  }, 180_000);
});

describe('bad input: a message naming the file and the problem, non-zero exit, nothing written', () => {
  async function expectRefused(args: (ws: ReturnType<typeof workspace>) => string[], message: RegExp) {
    const ws = workspace();
    const r = await runQuire(args(ws), { timeoutMs: 60_000 });
    expect(r.code, r.stderr).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stdout).toBe('');
    // Nothing partial: no outputs, and no job or document recorded.
    expect(fs.existsSync(ws.out) ? fs.readdirSync(ws.out) : []).toEqual([]);
    expect(fs.existsSync(path.join(ws.data, 'quire.db'))).toBe(false);
    return { ws, r };
  }

  it('missing file', async () => {
    await expectRefused(({ dir, out, data }) => ['export', path.join(dir, 'nope.md'), '--out', out, '--data-dir', data], /nope\.md: no such file/);
  });

  it('a folder', async () => {
    await expectRefused(({ dir, out, data }) => ['export', dir, '--out', out, '--data-dir', data], /is a folder, not a document/);
  });

  it('a binary file', async () => {
    await expectRefused(({ dir, out, data }) => {
      fs.writeFileSync(path.join(dir, 'pic.md'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
      return ['export', path.join(dir, 'pic.md'), '--out', out, '--data-dir', data];
    }, /pic\.md: looks like a binary file/);
  });

  it('invalid UTF-8', async () => {
    await expectRefused(({ dir, out, data }) => {
      fs.writeFileSync(path.join(dir, 'latin1.md'), Buffer.concat([Buffer.from('# Caf'), Buffer.from([0xe9]), Buffer.from(' au lait\n')]));
      return ['export', path.join(dir, 'latin1.md'), '--out', out, '--data-dir', data];
    }, /latin1\.md: is not valid UTF-8 \(first bad byte at offset 5\)/);
  });

  it('an empty file (and one of only whitespace)', async () => {
    await expectRefused(({ dir, out, data }) => {
      fs.writeFileSync(path.join(dir, 'empty.md'), '');
      return ['export', path.join(dir, 'empty.md'), '--out', out, '--data-dir', data];
    }, /empty\.md: is empty/);
    await expectRefused(({ dir, out, data }) => {
      fs.writeFileSync(path.join(dir, 'blank.md'), ' \n\n\t\n');
      return ['export', path.join(dir, 'blank.md'), '--out', out, '--data-dir', data];
    }, /blank\.md: is empty/);
  });

  it('a 20 MB file fails fast and clearly', async () => {
    const t0 = Date.now();
    await expectRefused(({ dir, out, data }) => {
      const para = '## Heading\n\nSome text that repeats to make a very large document. '.repeat(20) + '\n\n';
      fs.writeFileSync(path.join(dir, 'huge.md'), para.repeat(Math.ceil((20 * 1024 * 1024) / para.length)));
      return ['export', path.join(dir, 'huge.md'), '--out', out, '--data-dir', data];
    }, /huge\.md: is 20\.0 MB; Quire exports documents up to 10\.0 MB/);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it('an unwritable --out (a file where the folder should be)', async () => {
    await expectRefused(({ dir, data }) => {
      fs.writeFileSync(path.join(dir, 'ok.md'), '# OK\n');
      fs.writeFileSync(path.join(dir, 'blocker'), 'I am a file');
      return ['export', path.join(dir, 'ok.md'), '--out', path.join(dir, 'blocker', 'sub'), '--data-dir', data];
    }, /Cannot write to the output folder .*blocker/);
  });

  it('an unknown format', async () => {
    const { r } = await expectRefused(({ dir, out, data }) => {
      fs.writeFileSync(path.join(dir, 'ok.md'), '# OK\n');
      return ['export', path.join(dir, 'ok.md'), '--format', 'pdf,docx', '--out', out, '--data-dir', data];
    }, /--format: "docx" is not an export format; use pdf, html or md\./);
    expect(r.code).toBe(2);
  });

  it('one bad file among good ones: nothing is exported at all', async () => {
    await expectRefused(({ dir, out, data }) => {
      fs.writeFileSync(path.join(dir, 'good.md'), '# Good\n');
      return ['export', path.join(dir, 'good.md'), path.join(dir, 'missing.md'), '--out', out, '--data-dir', data];
    }, /missing\.md: no such file[\s\S]*nothing was exported/);
  });

  it('an unsupported file type', async () => {
    await expectRefused(({ dir, out, data }) => {
      fs.writeFileSync(path.join(dir, 'notes.docx.txt.csv'), 'a,b\n1,2\n');
      return ['export', path.join(dir, 'notes.docx.txt.csv'), '--out', out, '--data-dir', data];
    }, /notes\.docx\.txt\.csv: unsupported file type/);
  });

  it('usage errors exit 2 with help', async () => {
    const r = await runQuire(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command "frobnicate"[\s\S]*Usage: quire/);
    const noFiles = await runQuire(['export']);
    expect(noFiles.code).toBe(2);
    expect(noFiles.stderr).toMatch(/export needs at least one file/);
  });
});

describe('the corpus', () => {
  it('exports the CJK translation of the system-design-primer with its text intact', async () => {
    const { data, out } = workspace();
    const file = path.join(CORPUS, 'system-design-primer', 'README-zh-Hans.md');
    const r = await runQuire(['export', file, '--format', 'pdf', '--out', out, '--data-dir', data, '--json'], { timeoutMs: 180_000 });
    expect(r.code, r.stderr).toBe(0);
    const [job] = parseJsonLines(r.stdout);
    const text = pdftotext(job.outputs[0].path);
    expect(text).toContain('系统设计');
    expect(job.outputs[0].pages).toBeGreaterThan(20);
  }, 200_000);
});
