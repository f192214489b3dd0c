// A note as authors write it (front matter, math, a diagram, footnotes, callouts, code, CJK)
// exported by the real CLI in every theme, then judged by validators nobody here wrote.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { THEMES } from '../engine/api/export-spec.ts';
import { vnuErrors } from '../engine/pipeline/test-support.ts';
import { ROOT, pdfinfo, pdftotext, rmrf, runQuire, tempDir } from './helpers.ts';

const NOTE = path.join(ROOT, 'tests', 'fixtures', 'authoring', 'field-notes.md');
let dir: string;
const outputs: Record<string, { pdf: string; html: string; md: string; warnings: string[] }> = {};

beforeAll(async () => {
  dir = tempDir('quire-authoring-');
  for (const theme of THEMES) {
    const out = path.join(dir, theme);
    const r = await runQuire(['export', NOTE, '--theme', theme, '--out', out, '--data-dir', path.join(dir, 'data'), '--json'], { timeoutMs: 240_000 });
    expect(r.code, r.stderr).toBe(0);
    const job = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { outputs: Array<{ format: string; path: string }>; warnings?: string[] };
    const of = (f: string) => job.outputs.find((o) => o.format === f)!.path;
    outputs[theme] = { pdf: of('pdf'), html: of('html'), md: of('md'), warnings: job.warnings ?? [] };
  }
}, 600_000);

afterAll(() => rmrf(dir));

describe.each(THEMES.map((t) => [t]))('field-notes.md in the %s theme', (theme) => {
  it('exports without a warning', () => {
    expect(outputs[theme]!.warnings).toEqual([]);
  });

  it('pdfinfo: the front matter is the PDF metadata, tagged', () => {
    const info = pdfinfo(outputs[theme]!.pdf);
    expect(info).toMatchObject({
      Title: 'Field notes: exporting with Quire',
      Author: 'Ada Lovelace, Grace Hopper',
      Subject: 'How a durable export job turns Markdown into PDF',
      Keywords: 'export, pdf, markdown',
      Creator: 'Quire',
      Tagged: 'yes',
      'Metadata Stream': 'yes',
    });
    const xmp = spawnSync('pdfinfo', ['-meta', outputs[theme]!.pdf], { encoding: 'utf8' }).stdout;
    expect(xmp).toContain('<dc:language>');
    expect(xmp).toMatch(/<rdf:li[^>]*>en<\/rdf:li>/);
  });

  // The book theme starts chapters on a new page: Chromium then doubled some outline titles
  // ("CodeCode"), which the PDF metadata step mends (pdf-metadata.ts fixedOutlineItems).
  it('qpdf: a sound file whose outline is the headings', () => {
    const pdf = outputs[theme]!.pdf;
    expect(spawnSync('qpdf', ['--check', pdf]).status).toBe(0);
    const json = JSON.parse(spawnSync('qpdf', ['--json', '--json-key=outlines', pdf], { encoding: 'utf8' }).stdout) as {
      outlines: Array<{ title: string; kids: Array<{ title: string }> }>;
    };
    const titles = json.outlines.flatMap((o) => [o.title, ...o.kids.map((k) => k.title)]);
    expect(titles).toEqual(['Why a job', 'The math', 'A diagram', 'Code', 'Other scripts']);
  });

  it('pdftotext: no front matter, raw TeX, footnote marker or mermaid source; the diagram labels and CJK text are there', () => {
    const text = pdftotext(outputs[theme]!.pdf);
    expect(text).not.toMatch(/title:|toc: true|keywords:/);
    expect(text).not.toMatch(/\$\$|\\frac|\\sum|\$e\^/);
    expect(text).not.toMatch(/\[\^durable\]/);
    expect(text).not.toMatch(/graph LR|-->/);
    for (const label of ['Queued', 'Running', 'Completed']) expect(text).toContain(label);
    expect(text).toContain('Prices such as $5 and $10 stay text.');
    expect(text).toContain('日本語の文章もそのまま印刷されます');
    expect(text).toContain('Recorded in SQLite before any work starts.');
  });

  it('pdffonts: every font embedded, a KaTeX math font, the bundled text face and a bundled CJK face', () => {
    const lines = spawnSync('pdffonts', [outputs[theme]!.pdf], { encoding: 'utf8' }).stdout.split('\n').slice(2).filter(Boolean);
    expect(lines.filter((l) => l.trim().split(/\s+/).at(-5) !== 'yes')).toEqual([]);
    const names = lines.map((l) => l.split(/\s+/)[0]!);
    expect(names.some((n) => /KaTeX_(Main|Math)/.test(n))).toBe(true);
    expect(names.some((n) => (theme === 'book' ? /SourceSerif/ : /Inter/).test(n))).toBe(true);
    expect(names.some((n) => /NotoSans(SC|JP|KR|TC)/.test(n))).toBe(true);
  });
});

describe('the standalone HTML and the Markdown', () => {
  it('the Nu HTML Checker reports no error on any theme; no script, nothing loaded from outside', async () => {
    const files = THEMES.map((t) => outputs[t]!.html);
    expect(await vnuErrors(files)).toEqual([]);
    for (const f of files) {
      const html = fs.readFileSync(f, 'utf8');
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/\ssrc=["']?(?:https?:)?\/\//i);
      expect(html).toContain('<math');
      expect(html).toMatch(/<svg[^>]*aria-roledescription="flowchart/);
    }
  });

  it('the .md is the note as written, its front matter holding the resolved metadata', () => {
    const md = fs.readFileSync(outputs.github!.md, 'utf8');
    const source = fs.readFileSync(NOTE, 'utf8');
    expect(md.slice(md.indexOf('# Why a job'))).toBe(source.slice(source.indexOf('# Why a job')));
    expect(md).toMatch(/^---\ntitle: "Field notes: exporting with Quire"\n/);
  });
});
