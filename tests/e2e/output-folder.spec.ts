/**
 * An output folder that cannot hold documents (/proc, a file) typed in the app is refused at
 * its field, quickly, and starts nothing; the page and the server stay responsive (before,
 * the server's check spun a core inside /proc and every page load timed out).
 */
import { expect, test } from '@playwright/test';
import { QuireServer, createDocument, expectAccessible, openStage, quireJobs, shot } from './support.ts';

let server: QuireServer;

test.beforeAll(async () => {
  server = await QuireServer.start();
});

test.afterAll(async () => {
  await server?.dispose();
});

test('a folder under /proc is refused at the Output folder field, and nothing starts', async ({ page }) => {
  await page.goto(server.url);
  const id = await createDocument(page, 'Proc folder', '# Proc folder\n\nText.');
  await openStage(page, 'Export');
  const field = page.getByLabel('Output folder');
  await field.fill('/proc/x');
  const started = Date.now();
  await page.getByRole('button', { name: 'Start export' }).click();
  const error = page.getByTestId('out-dir-error');
  await expect(error).toContainText('Cannot write to the output folder /proc/x', { timeout: 10_000 });
  await expect(error).toContainText('inside /proc');
  expect(Date.now() - started).toBeLessThan(5_000);
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await shot(page, '50-output-folder-refused');
  await expectAccessible(page, 'output folder refused');
  expect((await quireJobs(server.dataDir)).filter((j) => j.documentId === id)).toEqual([]);

  // The server still answers at once: a reload loads the page.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Export', level: 1 })).toBeVisible({ timeout: 10_000 });
});
