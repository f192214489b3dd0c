// @vitest-environment jsdom
/**
 * Folder import and "Add images…" against a REAL engine over the in-memory transport: which
 * files reach the engine (only the ones a document names, by its own folder), what the user
 * is told, and the preview's addresses for what got stored.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { QuireApi } from '../../../engine/api/contract.ts';
import type { FolderFile } from '../lib/folder-import.ts';
import { closeWindow, openWindow, startRealQuire, type RealQuire } from '../test-support/real-quire.ts';
import { zipSync } from 'fflate';
import { addImages, importChosenFiles, importFolder, previewImageUrl } from './asset-actions.ts';
import { requestPreview } from './preview-actions.ts';
import { shutdown } from './boot.ts';
import { useQuireStore } from './store.ts';

const PNG = Uint8Array.from(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==', 'base64'));
const GIF = Uint8Array.from(Buffer.from('R0lGODlhAQABAAAAACw=', 'base64'));
const S = () => useQuireStore.getState();

let q: RealQuire;
let client: QuireApi & { dispose(): void };

function entry(path: string, bytes: Uint8Array | string): FolderFile {
  const data = typeof bytes === 'string' ? Uint8Array.from(Buffer.from(bytes)) : bytes;
  return { path, size: data.byteLength, read: async () => data };
}

beforeAll(async () => {
  q = await startRealQuire({ host: { assetBase: '/document-assets' } });
});

afterAll(async () => {
  shutdown();
  await q.close();
});

beforeEach(async () => {
  client = await openWindow(q, { downloadToken: 'tok' });
});

afterEach(() => {
  closeWindow(client);
});

describe('importing a folder', () => {
  it('imports each document and sends the files it names from its own folder, ignoring the rest', async () => {
    const ids = await importFolder([
      entry('guide/intro.md', '# Intro\n\n![a](../shared/a.png) ![b](img/b%20c.gif) ![c](img/gone.png)\n'),
      entry('shared/a.png', PNG),
      entry('guide/img/b c.gif', GIF),
      entry('guide/img/unused.png', PNG),
      entry('LICENSE.txt', 'MIT'),
      entry('.git/HEAD.md', '# not a document'),
    ]);
    expect(ids).toHaveLength(1);
    const doc = await q.engine.getDocument(ids[0]!);
    expect(doc.assets.map((a) => [a.ref, a.status])).toEqual([
      ['../shared/a.png', 'stored'],
      ['img/b c.gif', 'stored'],
      ['img/gone.png', 'missing'],
    ]);
    expect(S().notices.map((n) => n.text)).toEqual(['Imported guide/intro.md with 2 images (1 not found: img/gone.png).']);

    // The engine's preview points each stored image at the host's address, by the reference as the source writes it.
    expect(previewImageUrl()).toBe('/document-assets/{sha256}?token=tok');
    const { html } = await requestPreview(ids[0]!, '![a](./../shared/a.png?v=2) ![b](img/b%20c.gif) ![c](img/gone.png)', 'md');
    const srcs = [...new DOMParser().parseFromString(html, 'text/html').querySelectorAll('main img')].map((i) => i.getAttribute('src'));
    expect(srcs).toEqual([`/document-assets/${doc.assets[0]!.sha256}?token=tok`, `/document-assets/${doc.assets[1]!.sha256}?token=tok`]);
  });

  it('says plainly when a folder has no document', async () => {
    expect(await importFolder([entry('a.png', PNG), entry('notes.txt', 'x')])).toEqual([]);
    expect(S().notices.at(-1)).toMatchObject({ kind: 'error', text: 'That folder has no Markdown (.md) or HTML (.html) document to import.' });
  });
});

describe('importing chosen files', () => {
  it('opens a .zip like a folder, and says which images a lone .md lacks', async () => {
    const zip = zipSync({ 'pack/doc.md': Uint8Array.from(Buffer.from('# Zipped\n\n![p](p.png)\n')), 'pack/p.png': PNG });
    const ids = await importChosenFiles([
      new File(['# Alone\n\n![p](p.png)\n'], 'alone.md', { type: 'text/markdown' }),
      new File([zip], 'pack.zip', { type: 'application/zip' }),
    ]);
    expect(ids).toHaveLength(2);
    const [alone, zipped] = await Promise.all(ids.map((id) => q.engine.getDocument(id)));
    expect(alone!.assets.map((a) => a.status)).toEqual(['missing']);
    expect(zipped!.assets.map((a) => a.status)).toEqual(['stored']);
    const texts = S().notices.map((n) => n.text);
    expect(texts).toContain('“Alone” refers to 1 image Quire does not have: open it to add them, or import its folder or a .zip instead.');
    expect(texts).toContain('Imported doc.md with 1 image.');
  });

  it('names a .zip it cannot open', async () => {
    await importChosenFiles([new File(['not a zip'], 'broken.zip')]);
    expect(S().notices.at(-1)).toMatchObject({ kind: 'error' });
    expect(S().notices.at(-1)!.text).toMatch(/^broken\.zip: could not be opened as a \.zip archive/);
  });
});

describe('adding missing images', () => {
  it('matches chosen files by path, else by unique name; a wrong one is refused with the reason', async () => {
    const doc = await client.importDocument({ fileName: 'pics.md', content: '# Pics\n\n![x](a/x.png) ![y](b/y.png) ![z](z.png)\n' });
    S().setDocument(doc);
    await addImages(doc.id, [entry('a/x.png', PNG), entry('elsewhere/y.png', GIF), entry('unrelated.png', PNG)]);
    expect(S().docs[doc.id]!.assets.map((a) => a.status)).toEqual(['stored', 'stored', 'missing']);
    expect(S().notices.at(-1)).toMatchObject({ kind: 'info', text: 'Added a/x.png, b/y.png. 1 image still missing.' });

    await addImages(doc.id, [entry('z.png', 'not an image at all')]);
    const z = S().docs[doc.id]!.assets.find((a) => a.ref === 'z.png')!;
    expect(z.status).toBe('refused');
    expect(S().notices.at(-1)!.kind).toBe('error');
    expect(S().notices.at(-1)!.text).toMatch(/^Not added: z\.png \(.+\)\.$/);

    await addImages(doc.id, [entry('other.png', PNG)]);
    expect(S().notices.at(-1)!.text).toBe('None of the chosen files is one of the missing images (z.png). Choose files with those names.');
  });
});
