/**
 * Two documents with the same title never share an output file: each one's Download returns
 * the bytes its own job wrote — also the older job's, after the namesake exported into the
 * same folder. In real Chromium against `bin/quire serve`; files checked on disk through the
 * CLI's view of the jobs (`quire jobs --json`).
 */
import fs from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { QuireServer, chooseFormats, createDocument, openStage, quireJobs } from './support.ts';

let server: QuireServer;

test.beforeAll(async () => {
  server = await QuireServer.start();
});

test.afterAll(async () => {
  await server?.dispose();
});

async function exportDocument(page: Page): Promise<void> {
  await openStage(page, 'Export');
  await chooseFormats(page, ['html', 'md']);
  await page.getByRole('button', { name: /^(Start export|Export again)$/ }).click();
  await expect(page.getByTestId('job-status')).toHaveText('Completed', { timeout: 120_000 });
}

/** What the Markdown output's Download link of the open document serves. */
async function downloadMarkdown(page: Page): Promise<string> {
  const link = page.getByRole('link', { name: /^Download .*\.md$/ });
  const href = (await link.getAttribute('href'))!;
  const res = await page.request.get(new URL(href, server.url).href);
  expect(res.status()).toBe(200);
  return (await res.body()).toString('utf8');
}

test('two documents with the same title: each Download returns its own bytes', async ({ page }) => {
  await page.goto(server.url);
  const first = await createDocument(page, 'Typed note', '# Typed note\n\nThe first document’s own text.\n');
  await exportDocument(page);
  const second = await createDocument(page, 'Typed note', '# Typed note\n\nThe second document’s own text.\n');
  await exportDocument(page);
  const secondBytes = await downloadMarkdown(page);
  expect(secondBytes).toContain('The second document’s own text.');
  expect(secondBytes).not.toContain('The first document’s own text.');

  // Back to the first (older) job: its Download still serves the first document.
  await page.goto(`${server.url}#/documents/${encodeURIComponent(first)}/export`);
  await expect(page.getByTestId('job-status')).toHaveText('Completed');
  const firstBytes = await downloadMarkdown(page);
  expect(firstBytes).toContain('The first document’s own text.');
  expect(firstBytes).not.toContain('The second document’s own text.');

  // On disk: two different files, each with its own document's text.
  const jobs = await quireJobs(server.dataDir);
  const pathOf = (documentId: string) => jobs.find((j) => j.documentId === documentId)!.outputs.find((o) => o.format === 'md')!.path;
  expect(pathOf(first)).not.toBe(pathOf(second));
  expect(fs.readFileSync(pathOf(first), 'utf8')).toContain('The first document’s own text.');
  expect(fs.readFileSync(pathOf(second), 'utf8')).toContain('The second document’s own text.');
});
