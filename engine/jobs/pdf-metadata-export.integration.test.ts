/**
 * A document's metadata reaching its PDF through a real export job: SQLite, Piscina workers,
 * Chromium. The Details stage and the front matter name the author, subject, keywords and
 * language; pdfinfo, pdfinfo -meta and qpdf read them back from the written file.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { pdfinfo, pdftotext, rmrf, tempDir } from '../../tests/helpers.ts';
import { createEngine, type Engine } from '../engine.ts';
import { ChromiumPdfRenderer } from '../pdf/chromium-pdf-renderer.ts';

const dirs: string[] = [];
const engines: Engine[] = [];
const renderer = new ChromiumPdfRenderer();

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});
afterAll(async () => {
  await renderer.close();
  dirs.forEach(rmrf);
});

async function newEngine(): Promise<Engine> {
  const dir = tempDir();
  dirs.push(dir);
  const engine = await createEngine({ dataDir: path.join(dir, 'data'), outputDir: path.join(dir, 'out'), pdfRenderer: renderer, maxThreads: 1 });
  engines.push(engine);
  return engine;
}

async function exportPdf(engine: Engine, documentId: string): Promise<string> {
  const { jobId } = await engine.startExport({ documentId, stageId: 'export', options: { formats: ['pdf'] } });
  const [final] = await engine.waitForJobs([jobId]);
  expect(final).toMatchObject({ status: 'completed', error: null });
  const out = final!.outputs.find((o) => o.format === 'pdf')!;
  expect(fs.statSync(out.path).size).toBe(out.bytes);
  expect(Number(pdfinfo(out.path).Pages)).toBe(out.pages);
  return out.path;
}

function run(tool: string, args: string[]): string {
  return execFileSync(tool, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
}

function outlineTitles(file: string): string[] {
  type Item = { title: string; kids: Item[] };
  const walk = (items: Item[]): string[] => items.flatMap((o) => [o.title, ...walk(o.kids)]);
  return walk(JSON.parse(run('qpdf', ['--json', '--json-key=outlines', file])).outlines);
}

function catalog(file: string): string {
  const [, n, g] = /\/Root (\d+) (\d+) R/.exec(run('qpdf', ['--show-object=trailer', file]))!;
  return run('qpdf', [`--show-object=${n},${g}`, file]);
}

const SOURCE = `# Tide Tables

How the sea moves, with a [chart site](https://example.com/tides).

## Spring tides

${'The moon and the sun pull together. '.repeat(30)}

## Neap tides

${'They pull at right angles. '.repeat(30)}
`;

describe('PDF metadata through an export job', () => {
  it('writes the Details stage’s author, subject, keywords and language into Info, XMP and /Lang', async () => {
    const engine = await newEngine();
    const doc = await engine.createDocument({ title: 'Tide Tables', source: SOURCE, format: 'md' });
    await engine.saveStageState(doc.id, 'details', {
      data: { title: 'Tide Tables — 潮汐表', author: 'Rachel Carson', subject: 'Tides for sailors', keywords: ['tides', 'moon', 'R&D'], lang: 'en-GB', date: '2026-06-21' },
    });
    const file = await exportPdf(engine, doc.id);

    const info = pdfinfo(file);
    expect(info).toMatchObject({
      Title: 'Tide Tables — 潮汐表',
      Author: 'Rachel Carson',
      Subject: 'Tides for sailors',
      Keywords: 'tides, moon, R&D',
      Creator: 'Quire',
      Tagged: 'yes',
      'Metadata Stream': 'yes',
      CreationDate: 'Sun Jun 21 00:00:00 2026 UTC',
    });
    expect(info.Producer).toMatch(/Skia\/PDF|Quire/);
    expect(run('qpdf', ['--check', file])).toContain('No syntax or stream encoding errors found');
    expect(outlineTitles(file)).toEqual(['Tide Tables', 'Spring tides', 'Neap tides']);
    const root = catalog(file);
    expect(root).toContain('/StructTreeRoot');
    expect(root).toContain('/Lang (en-GB)');
    expect(JSON.stringify(JSON.parse(run('qpdf', ['--json', '--json-key=qpdf', file])))).toContain('u:https://example.com/tides');
    expect(pdftotext(file)).toContain('The moon and the sun pull together.');

    const xmp = run('pdfinfo', ['-meta', file]);
    expect(xmp).toContain('<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Tide Tables — 潮汐表</rdf:li></rdf:Alt></dc:title>');
    expect(xmp).toContain('<dc:creator><rdf:Seq><rdf:li>Rachel Carson</rdf:li></rdf:Seq></dc:creator>');
    expect(xmp).toContain('<rdf:li xml:lang="x-default">Tides for sailors</rdf:li>');
    expect(xmp).toContain('<dc:subject><rdf:Bag><rdf:li>tides</rdf:li><rdf:li>moon</rdf:li><rdf:li>R&amp;D</rdf:li></rdf:Bag></dc:subject>');
    expect(xmp).toContain('<dc:language><rdf:Bag><rdf:li>en-GB</rdf:li></rdf:Bag></dc:language>');
    expect(xmp).toContain('<xmp:CreatorTool>Quire</xmp:CreatorTool>');
    expect(xmp).toContain('<xmp:CreateDate>2026-06-21T00:00:00Z</xmp:CreateDate>');
  });

  it('takes them from the front matter, the subtitle standing in for a missing subject', async () => {
    const engine = await newEngine();
    const source = `---\ntitle: Gezeiten\nauthor: Alfred Wegener\nsubtitle: Ebbe und Flut\nkeywords: [Meer, Mond]\nlang: de\n---\n${SOURCE}`;
    const doc = await engine.createDocument({ title: 'tides.md', source, format: 'md' });
    const file = await exportPdf(engine, doc.id);
    expect(pdfinfo(file)).toMatchObject({ Title: 'Gezeiten', Author: 'Alfred Wegener', Subject: 'Ebbe und Flut', Keywords: 'Meer, Mond', Tagged: 'yes' });
    expect(catalog(file)).toContain('/Lang (de)');
    expect(run('pdfinfo', ['-meta', file])).toContain('<dc:language><rdf:Bag><rdf:li>de</rdf:li></rdf:Bag></dc:language>');
  });
});
