/**
 * Documents own their images, in the browser host: a folder imported by the folder picker
 * brings each document's images along (the preview shows them, the export embeds them and
 * warns only about the one remote image); a .md imported alone lists what it is missing,
 * and "Add images…" (files, or a folder matched by name) makes them stored.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { zipSync } from 'fflate';
import { QuireServer, chooseFormats, documentIdOf, expectAccessible, openStage, quireJobs, shot } from './support.ts';

const PRIMER = '/work/shared/corpus/system-design-primer';
const README = fs.readFileSync(path.join(PRIMER, 'README.md'), 'utf8');
/** Every image the README refers to, as written (<img src> and ![](…)). */
const IMAGE_REFS = [...README.matchAll(/<img[^>]*\ssrc="([^"]+)"|!\[[^\]]*\]\(([^)\s]+)/g)].map((m) => m[1] ?? m[2]!);
const LOCAL_IMAGES = new Set(IMAGE_REFS.filter((r) => !/^https?:/.test(r)));
const REMOTE_IMAGES = new Set(IMAGE_REFS.filter((r) => /^https?:/.test(r)));

let server: QuireServer;

test.beforeAll(async () => {
  server = await QuireServer.start();
});

test.afterAll(async () => {
  await server?.dispose();
});

/**
 * How many <img> in the preview have loaded real pixels. The preview's document is replaced
 * whenever the engine renders it again (a stored image changed): a count taken while that
 * happens is -1, and expect.poll asks again.
 */
async function loadedPreviewImages(page: Page): Promise<number> {
  try {
    const frame = await (await page.getByTestId('preview').elementHandle())!.contentFrame();
    return await frame!.evaluate(() => [...document.images].filter((i) => i.complete && i.naturalWidth > 0).length);
  } catch (e) {
    if (/Execution context was destroyed|detached|Target closed/i.test(String(e))) return -1;
    throw e;
  }
}

test('a folder imported with its images: the preview shows them and the export warns only about the remote one', async ({ page }) => {
  expect(LOCAL_IMAGES.size).toBeGreaterThan(30);
  expect(REMOTE_IMAGES.size).toBe(1);
  await page.goto(server.url);
  await expect(page.getByRole('heading', { name: 'Library', level: 1 })).toBeVisible();

  const started = Date.now();
  await page.getByLabel('Import a folder (documents and their images)').setInputFiles(PRIMER);
  // Three documents (README, -ja, -zh-Hans); LICENSE.txt and unreferenced files are ignored without a word.
  const notice = page.locator('.notice-info').filter({ hasText: 'Imported ' });
  await expect(notice).toContainText(`README.md with ${LOCAL_IMAGES.size} images`, { timeout: 120_000 });
  await expect(notice).toContainText('README-ja.md with');
  console.log(`folder import (3 documents, ${LOCAL_IMAGES.size} images each): ${Date.now() - started} ms`);
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(page.getByTestId('document-row')).toHaveCount(3);

  await page.getByRole('link', { name: 'The System Design Primer', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Write', level: 1 })).toBeVisible();
  const documentId = documentIdOf(page);
  await expect(page.getByTestId('missing-assets')).toHaveCount(0);
  // The stored images load from the host (the first screens' worth at least: the iframe is lazy about none of them).
  await expect.poll(() => loadedPreviewImages(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(LOCAL_IMAGES.size);
  await page.frameLocator('[data-testid=preview]').locator('img').first().scrollIntoViewIfNeeded();
  await shot(page, 'assets-01-preview-with-images');
  await expectAccessible(page, 'write stage, imported folder');

  await openStage(page, 'Export');
  // PDF too: about 15 s more here, and it is where a missing image would be a placeholder on paper.
  await chooseFormats(page, ['html', 'pdf']);
  const exportStarted = Date.now();
  await page.getByRole('button', { name: 'Start export' }).click();
  await expect(page.getByTestId('job-status')).toHaveText('Completed', { timeout: 120_000 });
  console.log(`HTML and PDF export of the README with its images: ${Date.now() - exportStarted} ms`);

  const [job] = (await quireJobs(server.dataDir)).filter((j) => j.documentId === documentId);
  const warnings = (job as unknown as { warnings: string[] }).warnings;
  // The one remote image is not downloaded (Quire works offline); no local one is "not found".
  expect(warnings.length, warnings.join('\n')).toBeGreaterThanOrEqual(1);
  for (const w of warnings) expect(w).toContain([...REMOTE_IMAGES][0]!);
  const html = fs.readFileSync(job!.outputs.find((o) => o.format === 'html')!.path, 'utf8');
  expect(html.match(/<img[^>]*src="data:image\//g)?.length ?? 0).toBeGreaterThanOrEqual(LOCAL_IMAGES.size);
  const pdf = job!.outputs.find((o) => o.format === 'pdf')!;
  expect(pdf.pages).toBeGreaterThan(10);
  // 36 embedded screenshots and diagrams make it megabytes; placeholders would leave it small.
  expect(pdf.bytes).toBeGreaterThan(4 * 1024 * 1024);
});

test('a .md imported alone lists its missing images; "Add images…" by file, then by folder, stores them', async ({ page }) => {
  const source = '# Field notes\n\n![Load balancer](images/h81n9iK.png)\n\n<img src="./images/OfVllex.png" alt="Scaling">\n\n![Gone](pics/nowhere.png)\n';
  await page.goto(server.url);
  await page.getByLabel('Import files (.md, .html)').setInputFiles({ name: 'field-notes.md', mimeType: 'text/markdown', buffer: Buffer.from(source) });
  await page.getByRole('link', { name: 'Field notes', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Write', level: 1 })).toBeVisible();

  const missing = page.getByTestId('missing-assets');
  await expect(missing.getByRole('heading')).toHaveText('3 images are missing');
  await expect(missing.getByTestId('missing-asset')).toHaveText([/^images\/OfVllex\.png — not found: it was not imported with the document/, /^images\/h81n9iK\.png — /, /^pics\/nowhere\.png — /]);
  // Missing images are a labelled placeholder in the preview, never a request for the bare path.
  const frame = page.frameLocator('[data-testid=preview]');
  await expect(frame.locator('.quire-image-missing')).toHaveCount(3);
  await shot(page, 'assets-02-write-missing-list');
  await expectAccessible(page, 'write stage, missing images');

  // One file, matched by its name.
  await missing.getByLabel('Add images…').setInputFiles(path.join(PRIMER, 'images', 'h81n9iK.png'));
  await expect(missing.getByRole('heading')).toHaveText('2 images are missing');
  await expect.poll(() => loadedPreviewImages(page)).toBe(1);

  // A whole folder: only the file a reference names is sent; the rest are ignored.
  await missing.getByLabel('Add a folder of images…').setInputFiles(path.join(PRIMER, 'images'));
  await expect(missing.getByRole('heading')).toHaveText('1 image is missing');
  await expect(missing.getByTestId('missing-asset')).toHaveText([/^pics\/nowhere\.png — /]);
  await expect.poll(() => loadedPreviewImages(page)).toBe(2);
  await expect(frame.locator('.quire-image-missing')).toHaveCount(1);
  await shot(page, 'assets-03-write-after-adding');

  // A file with the right name that is not an image: refused, and the list says why.
  await missing.getByLabel('Add images…').setInputFiles({ name: 'nowhere.png', mimeType: 'image/png', buffer: Buffer.from('just text, not a picture') });
  await expect(missing.getByTestId('missing-asset')).toHaveAttribute('data-status', 'refused');
  await expect(page.getByRole('alert').filter({ hasText: /^Not added: pics\/nowhere\.png \(.+\)/ })).toBeVisible();

  // A file that names no missing image is refused with the names it should have.
  await missing.getByLabel('Add images…').setInputFiles(path.join(PRIMER, 'images', 'jj3A5N8.png'));
  await expect(page.getByRole('alert').filter({ hasText: 'None of the chosen files is one of the missing images (pics/nowhere.png)' })).toBeVisible();
});

test('a .zip dropped on the library is opened like a folder', async ({ page }) => {
  // "Compress folder" style: one top folder holding a document, its image in a subfolder, and a stray file.
  const zip = zipSync({
    'trip/trip.md': Uint8Array.from(Buffer.from('# Trip report\n\n![Map](img/map.png)\n')),
    'trip/img/map.png': Uint8Array.from(fs.readFileSync(path.join(PRIMER, 'images', 'h81n9iK.png'))),
    'trip/notes.txt': Uint8Array.from(Buffer.from('not a document')),
  });
  await page.goto(server.url);
  const dataTransfer = await page.evaluateHandle((b64) => {
    const dt = new DataTransfer();
    dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'trip.zip', { type: 'application/zip' }));
    return dt;
  }, Buffer.from(zip).toString('base64'));
  await page.getByTestId('library').dispatchEvent('drop', { dataTransfer });
  await expect(page.locator('.notice-info').filter({ hasText: 'Imported ' })).toContainText('trip.md with 1 image');
  await page.getByRole('link', { name: 'Trip report', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Write', level: 1 })).toBeVisible();
  await expect(page.getByTestId('missing-assets')).toHaveCount(0);
  await expect.poll(() => loadedPreviewImages(page)).toBe(1);
});
