/**
 * A document's images recorded at import: stored by content, missing, or refused with the
 * reason; re-derived when the source changes; added later by the user; removed from the data
 * folder once nothing needs them. Real files, real SQLite, a real engine (no job runner).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { rmrf, tempDir } from '../../tests/helpers.ts';
import type { DocumentAsset } from '../api/types.ts';
import { createEngine, type Engine } from '../engine.ts';
import { normaliseAssetRef, scanAssetRefs } from '../pipeline/asset-refs.ts';
import { sha256Of } from '../jobs/atomic-files.ts';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');
const PNG2 = Buffer.concat([PNG, Buffer.from('second version')]);
const GIF = Buffer.from('R0lGODlhAQABAAAAACw=', 'base64');

const dirs: string[] = [];
const engines: Engine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});
afterAll(() => dirs.forEach(rmrf));

async function setup() {
  const dir = tempDir('quire-doc-assets-');
  dirs.push(dir);
  const docDir = path.join(dir, 'notes');
  fs.mkdirSync(path.join(docDir, 'images'), { recursive: true });
  const engine = await createEngine({ dataDir: path.join(dir, 'data'), outputDir: path.join(dir, 'out'), runJobs: false });
  engines.push(engine);
  return { dir, docDir, engine };
}
const byRef = (assets: DocumentAsset[]) => Object.fromEntries(assets.map((a) => [a.ref, a]));

describe('normaliseAssetRef and scanAssetRefs', () => {
  it('spells a local ref one way and says remote ones are not assets', () => {
    expect(normaliseAssetRef('./images/my%20chart.png?v=2#x')).toBe('images/my chart.png');
    expect(normaliseAssetRef('images\\a.png')).toBe('images/a.png');
    expect(normaliseAssetRef('img/../images/./a.png')).toBe('images/a.png');
    expect(normaliseAssetRef('../x.png')).toBe('../x.png');
    expect(normaliseAssetRef('file:///docs/a%20b.png')).toBe('/docs/a b.png');
    for (const remote of ['https://example.com/a.png', 'http://x/y.png', '//cdn/x.png', 'data:image/png;base64,AA', 'javascript:alert(1)', '', '  ']) {
      expect(normaliseAssetRef(remote), remote).toBeNull();
    }
  });

  it('finds Markdown images, reference images and <img> in HTML, not code', () => {
    const md = [
      '![a](./a.png) ![b][r] <img src="b.svg"> ![dup](a.png)',
      '',
      '<div><img alt="c" src="images/c%20d.gif"></div>',
      '',
      '```',
      '![not](code.png)',
      '```',
      '',
      '    ![indented](code2.png)',
      '',
      '![web](https://example.com/w.png)',
      '',
      '[r]: <images/r.png> "title"',
    ].join('\n');
    expect(scanAssetRefs(md, 'md')).toEqual(['a.png', 'images/r.png', 'b.svg', 'images/c d.gif']);
    expect(scanAssetRefs('<p><img src="./x.png"><img src="https://e/y.png"><img></p><script>"<img src=z.png>"</script>', 'html')).toEqual(['x.png']);
  });
});

describe('importing a document records its images', () => {
  it('stored, missing, outside the folder, not an image and remote refs each get their status', async () => {
    const { dir, docDir, engine } = await setup();
    fs.writeFileSync(path.join(docDir, 'images', 'a.png'), PNG);
    fs.writeFileSync(path.join(docDir, 'images', 'fake.png'), 'just text');
    fs.writeFileSync(path.join(dir, 'x.png'), PNG);
    const file = path.join(docDir, 'notes.md');
    fs.writeFileSync(file, '# Notes\n\n![a](./images/a.png) ![m](images/gone.png) ![o](../x.png) ![f](images/fake.png) ![w](https://example.com/w.png)\n');

    const doc = await engine.importFile(file);
    const assets = byRef(doc.assets);
    expect(Object.keys(assets).sort()).toEqual(['../x.png', 'images/a.png', 'images/fake.png', 'images/gone.png']);
    expect(assets['images/a.png']).toEqual({ ref: 'images/a.png', status: 'stored', sha256: sha256Of(PNG), bytes: PNG.length, mediaType: 'image/png', problem: null });
    expect(assets['images/gone.png']).toMatchObject({ status: 'missing', sha256: null, problem: expect.stringMatching(/^not found in .*notes when the document was imported \(put it there and export again, or add it in the Write stage\)$/) });
    expect(assets['../x.png']).toMatchObject({ status: 'refused', sha256: null, problem: "image ../x.png is outside the document's folder and was not embedded" });
    expect(assets['images/fake.png']).toMatchObject({ status: 'refused', problem: expect.stringMatching(/is not a png, .* image \(its content is text\)/) });
    // The stored copy is in the data folder, and the host may serve it.
    expect(await engine.readAsset(sha256Of(PNG))).toEqual({ data: PNG, mediaType: 'image/png' });
    await expect(engine.readAsset(sha256Of(Buffer.from('never stored')))).rejects.toMatchObject({ code: 'ASSET_NOT_FOUND' });
    await expect(engine.readAsset('../../quire.db')).rejects.toMatchObject({ code: 'ASSET_NOT_FOUND' });
    expect(await engine.getDocument(doc.id)).toMatchObject({ assets: doc.assets });
  });

  it('re-importing after the refs were edited drops old refs, adds new ones and re-reads replaced files', async () => {
    const { docDir, engine } = await setup();
    fs.writeFileSync(path.join(docDir, 'images', 'a.png'), PNG);
    fs.writeFileSync(path.join(docDir, 'images', 'b.gif'), GIF);
    const file = path.join(docDir, 'notes.md');
    fs.writeFileSync(file, '# Notes\n\n![a](images/a.png) ![b](images/b.gif)\n');
    const first = await engine.importFile(file);
    expect(first.assets.map((a) => [a.ref, a.status])).toEqual([['images/a.png', 'stored'], ['images/b.gif', 'stored']]);

    fs.writeFileSync(path.join(docDir, 'images', 'a.png'), PNG2);
    fs.writeFileSync(file, '# Notes\n\n![a](images/a.png) ![c](images/c.png)\n');
    const second = await engine.importFile(file);
    expect(second.id).toBe(first.id);
    expect(second.assets.map((a) => [a.ref, a.status, a.sha256])).toEqual([
      ['images/a.png', 'stored', sha256Of(PNG2)],
      ['images/c.png', 'missing', null],
    ]);

    // The file vanished from the folder: the copy already stored is kept.
    fs.rmSync(path.join(docDir, 'images', 'a.png'));
    const third = await engine.importFile(file);
    expect(byRef(third.assets)['images/a.png']).toMatchObject({ status: 'stored', sha256: sha256Of(PNG2) });
  });

  it('a document from the UI (no folder) lists its local images as missing; the user adds them', async () => {
    const { engine } = await setup();
    const changes: string[] = [];
    engine.onDidChangeDocument((c) => changes.push(c.kind));
    const doc = await engine.createDocument({ title: 'T', source: '# T\n\n![a](images/a.png) ![b](b.png) ![w](https://e.org/w.png)\n', format: 'md' });
    expect(doc.assets).toEqual([
      { ref: 'b.png', status: 'missing', sha256: null, bytes: null, mediaType: null, problem: 'not found: it was not imported with the document (add it in the Write stage)' },
      { ref: 'images/a.png', status: 'missing', sha256: null, bytes: null, mediaType: null, problem: 'not found: it was not imported with the document (add it in the Write stage)' },
    ]);

    const added = await engine.addDocumentAssets(doc.id, [
      { path: './images/a.png', data: PNG.toString('base64') },
      { path: 'b.png', data: Buffer.from('not an image').toString('base64') },
      { path: 'unrelated.png', data: PNG.toString('base64') },
    ]);
    expect(byRef(added.assets)['images/a.png']).toMatchObject({ status: 'stored', sha256: sha256Of(PNG), mediaType: 'image/png' });
    expect(byRef(added.assets)['b.png']).toMatchObject({ status: 'refused', problem: expect.stringMatching(/^image b\.png is not a png/) });
    expect(added.assets).toHaveLength(2);
    expect(changes).toEqual(['created', 'updated']);

    // An edit keeps stored files by ref and lists new refs as missing; dropped refs go.
    const edited = await engine.updateDocument(doc.id, { source: '# T\n\n![a](./images/a.png) ![n](new.gif)\n' });
    expect(edited.assets.map((a) => [a.ref, a.status])).toEqual([['images/a.png', 'stored'], ['new.gif', 'missing']]);
  });

  it('an edit to a document imported from a file reads its new images from the folder', async () => {
    const { docDir, engine } = await setup();
    const file = path.join(docDir, 'notes.md');
    fs.writeFileSync(file, '# Notes\n');
    const doc = await engine.importFile(file);
    expect(doc.assets).toEqual([]);
    fs.writeFileSync(path.join(docDir, 'images', 'later.gif'), GIF);
    const edited = await engine.updateDocument(doc.id, { source: '# Notes\n\n![l](images/later.gif)\n' });
    expect(edited.assets).toMatchObject([{ ref: 'images/later.gif', status: 'stored', sha256: sha256Of(GIF), mediaType: 'image/gif' }]);
  });
});

describe('removeLeftovers and stored images', () => {
  it('removes old files no document and no queued job needs, keeps the rest', async () => {
    const { docDir, engine } = await setup();
    fs.writeFileSync(path.join(docDir, 'images', 'a.png'), PNG);
    const file = path.join(docDir, 'notes.md');
    fs.writeFileSync(file, '# Notes\n\n![a](images/a.png)\n');
    const doc = await engine.importFile(file);
    // A queued job (this engine runs none) started with the first version of the image.
    const { spec } = await engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['html'] } });
    expect(spec.assets).toEqual([{ ref: 'images/a.png', sha256: sha256Of(PNG), bytes: PNG.length }]);
    fs.writeFileSync(path.join(docDir, 'images', 'a.png'), PNG2);
    await engine.importFile(file);
    const other = await engine.createDocument({ title: 'O', source: '![g](g.gif)', format: 'md' });
    await engine.addDocumentAssets(other.id, [{ path: 'g.gif', data: GIF.toString('base64') }]);
    await engine.updateDocument(other.id, { source: 'no image now' });

    const assetsDir = path.join(engine.dataDir, 'assets');
    const fileOf = (data: Buffer) => path.join(assetsDir, sha256Of(data).slice(0, 2), sha256Of(data));
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
    for (const d of [PNG, PNG2, GIF]) fs.utimesSync(fileOf(d), old, old);

    await engine.removeLeftovers();
    expect(engine.assetsRemoved.files).toBe(1);
    expect(fs.existsSync(fileOf(GIF))).toBe(false); // no row, no job
    expect(fs.existsSync(fileOf(PNG))).toBe(true); // the queued job's
    expect(fs.existsSync(fileOf(PNG2))).toBe(true); // the document's

    // Once the job has ended, its image goes too.
    const jobs = await engine.listJobs({ documentId: doc.id });
    await engine.cancelExport(jobs[0]!.id);
    await engine.removeLeftovers();
    expect(fs.existsSync(fileOf(PNG))).toBe(false);
    expect(fs.existsSync(fileOf(PNG2))).toBe(true);
  });
});
