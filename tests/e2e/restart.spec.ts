/**
 * The browser host killed (SIGKILL) and started again mid-export: the page shows
 * "Reconnecting…", reconnects by itself with the same token, fetches the job again, and the
 * job — recovered by the new engine from SQLite — completes once.
 */
import { expect, test } from '@playwright/test';
import { QuireServer, chooseFormats, createDocument, expectAccessible, openStage, progressValue, quireJobs, shot, waitForProgress } from './support.ts';

let server: QuireServer;

test.beforeAll(async () => {
  server = await QuireServer.start({ stepDelayMs: 1500 });
});

test.afterAll(async () => {
  await server?.dispose();
});

test('SIGKILL and restart the server mid-export: the page reconnects and the job completes once', async ({ page }) => {
  await page.goto(server.url);
  const source = ['# Survives a crash', '', ...Array.from({ length: 8 }, (_, i) => `## Part ${i + 1}\n\n${'Text of the part. '.repeat(30)}\n`)].join('\n');
  const id = await createDocument(page, 'Survives a crash', source);
  await openStage(page, 'Export');
  await chooseFormats(page, ['pdf', 'html', 'md']);
  await page.getByRole('button', { name: 'Start export' }).click();
  const before = await waitForProgress(page, 20);
  const card = page.getByTestId('job-card');
  const jobId = (await card.getAttribute('data-job-id'))!;

  const { port, url } = server;
  await server.kill('SIGKILL');
  const banner = page.getByTestId('connection-banner');
  await expect(banner).toBeVisible();
  await expect(banner).toContainText('Reconnecting');
  // What was on screen stays there while away.
  await expect(card).toHaveAttribute('data-job-id', jobId);
  await shot(page, '20-reconnecting-banner');
  await expectAccessible(page, 'reconnecting');

  // Same port, same data folder: the token is kept there, so the page's address still works.
  await server.start(port);
  expect(server.url).toBe(url);
  await expect(banner).toBeHidden({ timeout: 60_000 });
  await expect(card).toHaveAttribute('data-job-id', jobId);
  expect(await progressValue(page).catch(() => 100)).toBeGreaterThanOrEqual(before);
  await expect(page.getByTestId('job-status')).toHaveText('Completed', { timeout: 120_000 });
  await expect(page.getByTestId('output-row')).toHaveCount(3);
  await shot(page, '21-completed-after-restart');

  const jobs = (await quireJobs(server.dataDir)).filter((j) => j.documentId === id);
  expect(jobs).toHaveLength(1);
  expect(jobs[0]).toMatchObject({ jobId, status: 'completed' });
  // The second process ran it again from its checkpoints (attempt 2), not from scratch as a new job.
  expect(jobs[0]!.attempt).toBeGreaterThanOrEqual(2);

  // And the page still works against the new server: a reload shows the same result.
  await page.reload();
  await expect(page.getByTestId('job-card')).toHaveAttribute('data-job-id', jobId);
  await expect(page.getByTestId('job-status')).toHaveText('Completed');
});
