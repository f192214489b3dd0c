/**
 * The `.md` export of a Markdown document through a real engine (SQLite, worker pool, runner):
 * the author's text with resolved front matter, images copied beside it when the output folder
 * is not the document's, and never a file written over that Quire did not write for it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { rmrf, tempDir } from '../../tests/helpers.ts';
import { createEngine, type Engine, type EngineOptions } from '../engine.ts';
import { parseFrontMatter } from '../api/front-matter.ts';
import { markdownDestination } from '../pipeline/markdown-output.ts';
import { tempPathFor } from './atomic-files.ts';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');
const PNG2 = Buffer.concat([PNG, Buffer.from('second revision')]);

const SOURCE = [
  '---',
  'title: Field notes',
  'author: Someone',
  'permalink: /notes/ # kept as written',
  '---',
  '# Field notes',
  '',
  'A chart: ![chart](./images/chart.png "The chart")',
  '',
  '```md',
  '![chart](./images/chart.png)',
  '```',
  '',
  'Math $e^{i\\pi}+1=0$ and a note[^1].',
  '',
  '> [!NOTE]',
  '> <img src="images/chart.png" width="40">',
  '',
  '[^1]: The note.',
  '',
].join('\n');

const dirs: string[] = [];
const engines: Engine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});
afterAll(() => dirs.forEach(rmrf));

/** A document folder with notes.md and images/chart.png, and an output folder elsewhere. */
function workspace() {
  const dir = tempDir();
  dirs.push(dir);
  const doc = path.join(dir, 'doc');
  fs.mkdirSync(path.join(doc, 'images'), { recursive: true });
  fs.writeFileSync(path.join(doc, 'images', 'chart.png'), PNG);
  fs.writeFileSync(path.join(doc, 'notes.md'), SOURCE);
  return { dir, doc, file: path.join(doc, 'notes.md'), out: path.join(dir, 'out') };
}

async function open(dir: string, options: Partial<EngineOptions> = {}): Promise<Engine> {
  const engine = await createEngine({ dataDir: path.join(dir, 'data'), outputDir: path.join(dir, 'out'), maxThreads: 1, ...options });
  engines.push(engine);
  return engine;
}

async function exportMd(engine: Engine, documentId: string, options: Record<string, unknown> = {}) {
  const { jobId } = await engine.startExport({ documentId, stageId: 'export', options: { formats: ['md'], ...options } });
  const [job] = await engine.waitForJobs([jobId]);
  expect(job).toMatchObject({ status: 'completed' });
  const md = job!.outputs.find((o) => o.format === 'md')!.path;
  return { job: job!, md, text: fs.readFileSync(md, 'utf8') };
}

/** The image references of the exported text, outside code. */
const imageRefs = (text: string) => [...text.matchAll(/!\[chart\]\(([^ )]+)|<img src="([^"]+)"/g)].map((m) => m[1] ?? m[2]!);

describe('Markdown export of a Markdown document', () => {
  it('is the source as written, with resolved front matter and its images copied beside it', async () => {
    const { dir, file, out } = workspace();
    const engine = await open(dir);
    const doc = await engine.importFile(file);
    await engine.saveStageState(doc.id, 'details', { data: { author: 'Ada Lovelace', date: '2026-11-28', keywords: ['notes', 'field'] } });
    const { job, md, text } = await exportMd(engine, doc.id);

    expect(path.dirname(md)).toBe(out);
    expect(job.warnings).toEqual([]);
    const fm = parseFrontMatter(text);
    expect(fm.data).toEqual({ title: 'Field notes', author: 'Ada Lovelace', permalink: '/notes/', date: '2026-11-28', keywords: ['notes', 'field'] });
    expect(fm.raw).toContain('permalink: /notes/ # kept as written');
    // The body is the author's, byte for byte, except the image references outside code.
    const base = path.basename(md, '.md');
    const ref = markdownDestination(`${base}.assets/chart.png`);
    expect(fm.body).toBe(parseFrontMatter(SOURCE).body.replace('](./images/chart.png "The', `](${ref} "The`).replace('src="images/chart.png"', `src="${ref}"`));
    expect(fm.body).toContain('```md\n![chart](./images/chart.png)\n```');
    expect(imageRefs(text)).toEqual([ref, './images/chart.png', ref]);
    // The file is where the Markdown says, with the bytes the job was started with.
    expect(fs.readFileSync(path.resolve(out, decodeURIComponent(ref))).equals(PNG)).toBe(true);
    expect(fs.readdirSync(path.join(out, `${base}.assets`))).toEqual(['chart.png']);
  });

  it('a second export replaces its own copies, never a file the user put or changed there', async () => {
    const { dir, file, out } = workspace();
    const engine = await open(dir);
    const doc = await engine.importFile(file);
    const first = await exportMd(engine, doc.id);
    const assets = path.join(out, `${path.basename(first.md, '.md')}.assets`);
    expect(fs.readFileSync(path.join(assets, 'chart.png')).equals(PNG)).toBe(true);

    // A new revision of the image: the next export replaces Quire's own copy in place.
    fs.writeFileSync(path.join(path.dirname(file), 'images', 'chart.png'), PNG2);
    await engine.importFile(file);
    const second = await exportMd(engine, doc.id);
    expect(second.md).toBe(first.md);
    expect(imageRefs(second.text)[0]).toBe(markdownDestination(`${path.basename(assets)}/chart.png`));
    expect(fs.readFileSync(path.join(assets, 'chart.png')).equals(PNG2)).toBe(true);

    // The user edits that copy: it is theirs now, and the next export takes another name.
    fs.writeFileSync(path.join(assets, 'chart.png'), 'edited by the user');
    const third = await exportMd(engine, doc.id);
    expect(fs.readFileSync(path.join(assets, 'chart.png'), 'utf8')).toBe('edited by the user');
    expect(imageRefs(third.text)[0]).toBe(markdownDestination(`${path.basename(assets)}/chart (2).png`));
    expect(fs.readFileSync(path.join(assets, 'chart (2).png')).equals(PNG2)).toBe(true);
  });

  it('never writes over a file that was there before the first export', async () => {
    const { dir, file, out } = workspace();
    fs.mkdirSync(path.join(out, 'Field notes.assets'), { recursive: true });
    fs.writeFileSync(path.join(out, 'Field notes.assets', 'chart.png'), 'the user’s own file');
    const engine = await open(dir);
    const doc = await engine.importFile(file);
    const { md, text } = await exportMd(engine, doc.id, { fileName: 'Field notes' });
    expect(path.basename(md)).toBe('Field notes.md');
    expect(fs.readFileSync(path.join(out, 'Field notes.assets', 'chart.png'), 'utf8')).toBe('the user’s own file');
    expect(imageRefs(text)[0]).toBe('Field%20notes.assets/chart%20%282%29.png');
    expect(fs.readFileSync(path.join(out, 'Field notes.assets', 'chart (2).png')).equals(PNG)).toBe(true);
  });

  it('keeps references as written when exported into the document’s own folder', async () => {
    const { dir, doc: docDir, file } = workspace();
    const engine = await open(dir);
    const doc = await engine.importFile(file);
    const { md, text } = await exportMd(engine, doc.id, { outDir: docDir });
    expect(path.dirname(md)).toBe(docDir);
    expect(fs.readFileSync(file, 'utf8')).toBe(SOURCE); // the source is never the output
    expect(imageRefs(text)).toEqual(['./images/chart.png', './images/chart.png', 'images/chart.png']);
    expect(fs.readdirSync(docDir).filter((n) => n.endsWith('.assets'))).toEqual([]);
  });

  it('a resumed job removes a half-copied image a killed attempt left and copies it whole', async () => {
    const { dir, file, out } = workspace();
    const ui = await open(dir, { runJobs: false });
    const doc = await ui.importFile(file);
    const { jobId } = await ui.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['md'], fileName: 'notes' } });
    await ui.close();
    // What a kill in the middle of the copy leaves: the temp file, never the final name.
    const half = tempPathFor(path.join(out, 'notes.assets', 'chart.png'), jobId);
    fs.mkdirSync(path.dirname(half), { recursive: true });
    fs.writeFileSync(half, PNG.subarray(0, 10));

    const runner = await open(dir);
    await runner.runUntilIdle();
    const job = await runner.getJob(jobId);
    expect(job).toMatchObject({ status: 'completed' });
    expect(fs.readdirSync(path.join(out, 'notes.assets'))).toEqual(['chart.png']);
    expect(fs.readFileSync(path.join(out, 'notes.assets', 'chart.png')).equals(PNG)).toBe(true);
  });
});
