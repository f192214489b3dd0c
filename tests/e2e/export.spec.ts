/**
 * The export stage and the jobs panel in real Chromium against `bin/quire serve` with slow
 * steps (QUIRE_TEST_STEP_DELAY_MS): progress that moves, every output listed and downloadable,
 * a reload mid-export that re-attaches to the same job, cancel, an error with Retry, a
 * second tab following the same job live. What the UI shows is checked against the CLI's
 * own view of the jobs (`quire jobs --json`, a separate process on the same data folder).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import {
  QuireServer,
  chooseFormats,
  createDocument,
  expectAccessible,
  openStage,
  progressValue,
  quireJobs,
  shot,
  waitForProgress,
} from './support.ts';

let server: QuireServer;

test.beforeAll(async () => {
  server = await QuireServer.start({ stepDelayMs: 1500 });
});

test.afterAll(async () => {
  await server?.dispose();
});

const LONG_SOURCE = [
  '# Annual summary',
  '',
  'An overview of the year.',
  '',
  ...Array.from({ length: 12 }, (_, i) => [`## Section ${i + 1}`, '', 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(12), ''].join('\n')),
].join('\n');

const status = (page: Page) => page.getByTestId('job-status');

async function jobsOf(documentId: string) {
  return (await quireJobs(server.dataDir)).filter((j) => j.documentId === documentId);
}

test('exports PDF, HTML and Markdown: progress moves, each output is listed and downloadable', async ({ page }) => {
  await page.goto(server.url);
  // A picture the browser host cannot resolve (a typed document has no folder): the export
  // completes and says so.
  const id = await createDocument(page, 'Annual summary', `${LONG_SOURCE}\n![Org chart](org-chart.png)\n`);
  await openStage(page, 'Details');
  await page.getByLabel('Author').fill('Ada Lovelace');
  // The metadata fields: a bad language tag gets the model's message at the field.
  await page.getByLabel('Subject').fill('The year in numbers');
  await page.getByLabel('Keywords').fill('annual, summary');
  await page.getByLabel('Language').fill('en_GB');
  await expect(page.getByTestId('lang-error')).toHaveText('Language is not a language tag such as en, de or zh-Hans.');
  await page.getByLabel('Language').fill('en-GB');
  await expect(page.getByTestId('lang-error')).toHaveCount(0);
  await expect(page.getByTestId('save-status')).toHaveText('Saved');
  await shot(page, '09-details-metadata');
  await page.getByRole('button', { name: /Next: Export/ }).click();
  await chooseFormats(page, ['pdf', 'html', 'md']);
  // The look: a theme and a table of contents, saved with the export stage's options.
  await page.getByLabel('Theme').selectOption('book');
  await page.getByLabel('Table of contents').check();
  await expect(page.getByTestId('theme-help')).toHaveText(/^Serif text/);
  await shot(page, '09-export-look');

  await page.getByRole('button', { name: 'Start export' }).click();
  await expect(status(page)).toHaveText(/^(Queued|Processing: \d+% — .+)$/);
  const first = await waitForProgress(page, 0);
  const later = await waitForProgress(page, first + 1);
  expect(later).toBeGreaterThan(first);
  await expect(page.getByRole('button', { name: 'Start export' })).toBeDisabled();
  await expect(page.getByRole('progressbar', { name: 'Export progress' })).toHaveAttribute('aria-valuetext', /^Processing: \d+% — /);
  await shot(page, '10-export-running');
  await expectAccessible(page, 'export running');

  // The PDF step is the last one: "Processing: NN% — Rendering PDF".
  await expect(status(page)).toHaveText(/^Processing: \d+% — Rendering PDF$/, { timeout: 120_000 });
  await shot(page, '11-export-rendering-pdf');

  await expect(status(page)).toHaveText('Completed', { timeout: 120_000 });
  await expect(page.getByRole('progressbar', { name: 'Export progress' })).toHaveAttribute('aria-valuenow', '100');
  const rows = page.getByTestId('output-row');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toHaveAttribute('data-format', 'pdf');
  await expect(rows.nth(0)).toContainText('Annual summary.pdf');
  await expect(rows.nth(0)).toContainText(/\d+(\.\d)? KB · \d+ pages?/);
  await expect(rows.nth(1)).toContainText('Annual summary.html');
  await expect(rows.nth(2)).toContainText('Annual summary.md');
  await expect(page.getByTestId('job-warnings')).toContainText('1 warning');
  await expect(page.getByTestId('job-warnings')).toContainText('image org-chart.png not found');
  await shot(page, '12-export-completed');
  await expectAccessible(page, 'export completed');

  // The browser cannot open files: each output is a download, token-checked by the host.
  for (const [format, name, head] of [
    ['pdf', 'Annual summary.pdf', '%PDF-'],
    ['html', 'Annual summary.html', '<!DOCTYPE html>'],
    // A Markdown source's .md carries its resolved metadata as front matter (issue #9).
    ['md', 'Annual summary.md', '---\ntitle: Annual summary'],
  ] as const) {
    const link = page.getByRole('link', { name: `Download ${name}` });
    const href = (await link.getAttribute('href'))!;
    expect(href).toMatch(new RegExp(`^/download/[^/]+/${format}\\?token=`));
    const res = await page.request.get(new URL(href, server.url).href);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent(name)}`);
    const body = await res.body();
    expect(body.subarray(0, head.length).toString('utf8').toLowerCase()).toBe(head.toLowerCase());
    expect(body.length).toBe(fs.statSync(path.join(server.outDir, name)).size);
  }
  // A real click downloads it, named as on disk.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download Annual summary.md' }).click()]);
  expect(download.suggestedFilename()).toBe('Annual summary.md');

  const jobs = await jobsOf(id);
  expect(jobs).toHaveLength(1);
  expect(jobs[0]!.status).toBe('completed');
  expect(jobs[0]!.outputs.map((o) => o.format)).toEqual(['pdf', 'html', 'md']);
  expect(jobs[0]!.outputs[0]!.pages).toBeGreaterThanOrEqual(2);
  // What the forms chose is what the job ran.
  expect(jobs[0]!.spec!.style).toMatchObject({ theme: 'book', toc: true });
  expect(jobs[0]!.spec!.metadata).toMatchObject({ author: 'Ada Lovelace', subject: 'The year in numbers', keywords: ['annual', 'summary'], lang: 'en-GB' });
});

test('a reload mid-export re-attaches to the same job, which completes once', async ({ page }) => {
  await page.goto(server.url);
  const id = await createDocument(page, 'Reload during export', LONG_SOURCE);
  await openStage(page, 'Export');
  await chooseFormats(page, ['pdf', 'html', 'md']);
  await page.getByRole('button', { name: 'Start export' }).click();
  const before = await waitForProgress(page, 20);
  const jobId = await page.getByTestId('job-card').getAttribute('data-job-id');

  await page.reload();
  const card = page.getByTestId('job-card');
  await expect(card).toHaveAttribute('data-job-id', jobId!);
  // It continues from where it was: never back to 0.
  const after = await progressValue(page);
  expect(after).toBeGreaterThanOrEqual(before);
  await shot(page, '13-export-after-reload');
  await expect(status(page)).toHaveText('Completed', { timeout: 120_000 });
  await expect(card).toHaveAttribute('data-job-id', jobId!);

  const jobs = await jobsOf(id);
  expect(jobs).toHaveLength(1);
  // A reload only re-attaches: the job ran in one go (attempt 1), never restarted.
  expect(jobs[0]).toMatchObject({ jobId, status: 'completed', attempt: 1 });
});

test('cancel while running', async ({ page }) => {
  await page.goto(server.url);
  const id = await createDocument(page, 'Cancel me', LONG_SOURCE);
  await openStage(page, 'Export');
  await page.getByRole('button', { name: 'Start export' }).click();
  await waitForProgress(page, 0);
  await page.getByRole('button', { name: 'Cancel export' }).click();
  await expect(status(page)).toHaveText('Cancelled');
  await expect(page.getByRole('button', { name: 'Start again' })).toBeVisible();
  await shot(page, '14-export-cancelled');
  await expectAccessible(page, 'export cancelled');
  const jobs = await jobsOf(id);
  expect(jobs).toHaveLength(1);
  expect(jobs[0]!.status).toBe('cancelled');
});

test('an export that fails shows its message, and Retry completes', async ({ page }) => {
  await page.goto(server.url);
  const id = await createDocument(page, 'Broken export', '# Broken export\n\nText.');
  const outDir = path.join(server.dir, 'blocked');
  const blocker = path.join(outDir, 'Broken export.html');
  await openStage(page, 'Export');
  await chooseFormats(page, ['html', 'md']);
  await page.getByLabel('Output folder').fill(outDir);
  await page.getByRole('button', { name: 'Start export' }).click();
  // The output folder becomes a file while the job is in its first step (each step pauses
  // 1.5 s here): the write fails inside the job. A file merely sitting at the output path no
  // longer fails an export; it is kept and the output takes the next free name.
  await expect(page.getByTestId('job-card')).toBeVisible();
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.writeFileSync(outDir, 'not a folder');

  await expect(status(page)).toHaveText('Error', { timeout: 120_000 });
  const alert = page.getByTestId('job-card').getByRole('alert');
  await expect(alert).toContainText('The export failed.');
  await expect(alert).toContainText(`Could not write ${blocker}: the output folder is no longer a folder`);
  await expect(alert).toContainText('OUTPUT_WRITE_FAILED');
  await shot(page, '15-export-error');
  await expectAccessible(page, 'export error');

  fs.rmSync(outDir);
  await page.getByRole('button', { name: 'Retry' }).click();
  await expect(status(page)).toHaveText('Completed', { timeout: 120_000 });
  expect(fs.existsSync(path.join(outDir, 'Broken export.html'))).toBe(true);
  const jobs = await jobsOf(id);
  expect(jobs.map((j) => j.status).sort()).toEqual(['completed', 'error']);
  expect(jobs.find((j) => j.status === 'error')!.error).toMatchObject({ code: 'OUTPUT_WRITE_FAILED' });
});

test('a second tab sees the same job live', async ({ page, context }) => {
  await page.goto(server.url);
  await createDocument(page, 'Two tabs', LONG_SOURCE);
  await openStage(page, 'Export');
  const other = await context.newPage();
  await other.goto(page.url());
  await expect(other.getByRole('heading', { name: 'Export', level: 1 })).toBeVisible();
  await expect(other.getByText('No export yet.')).toBeVisible();

  await page.getByRole('button', { name: 'Start export' }).click();
  const jobId = await page.getByTestId('job-card').getAttribute('data-job-id');
  // The other tab learns of the job by itself (document and job events), and follows it.
  await expect(other.getByTestId('job-card')).toHaveAttribute('data-job-id', jobId!);
  await waitForProgress(other, 1);
  await expect(other.getByRole('button', { name: 'Start export' })).toBeDisabled();
  await shot(other, '16-second-tab-running');
  await expect(status(other)).toHaveText('Completed', { timeout: 120_000 });
  await expect(status(page)).toHaveText('Completed');
  await expect(other.getByTestId('output-row')).toHaveCount(3);
  await other.close();
});

test('jobs panel: active and recent jobs across documents, live, with re-run', async ({ page }) => {
  await page.goto(server.url);
  const a = await createDocument(page, 'Panel first', LONG_SOURCE);
  await openStage(page, 'Export');
  await page.getByRole('button', { name: 'Start export' }).click();
  await expect(page.getByTestId('job-card')).toBeVisible();
  const b = await createDocument(page, 'Panel second', '# Panel second\n\nShort.');
  await openStage(page, 'Export');
  await chooseFormats(page, ['html', 'md']);
  await page.getByRole('button', { name: 'Start export' }).click();
  // One job runs at a time here: this one waits for the first.
  await expect(status(page)).toHaveText('Queued');
  await expect(page.getByRole('progressbar', { name: 'Export progress' })).toHaveAttribute('aria-valuenow', '0');
  await shot(page, '19-export-queued');
  await expectAccessible(page, 'export queued');

  await page.getByRole('link', { name: /^Jobs/ }).click();
  await expect(page.getByRole('heading', { name: 'Jobs', level: 1 })).toBeVisible();
  const active = page.getByRole('list', { name: 'Active jobs' });
  // One runs, the other waits its turn (one job at a time on this machine).
  await expect(active.getByTestId('job-row')).toHaveCount(2);
  await expect(active.getByTestId('job-row').filter({ hasText: 'Panel second' })).toContainText(/Queued|Processing/);
  await expect(active.getByTestId('job-row').filter({ hasText: 'Panel first' })).toContainText(/Processing: \d+%/);
  await shot(page, '17-jobs-panel-active');
  await expectAccessible(page, 'jobs panel (active)');

  const history = page.getByRole('list', { name: 'Finished jobs' });
  await expect(history.getByTestId('job-row').filter({ hasText: 'Panel second' })).toHaveAttribute('data-status', 'completed', { timeout: 120_000 });
  await expect(history.getByTestId('job-row').filter({ hasText: 'Panel first' })).toHaveAttribute('data-status', 'completed', { timeout: 120_000 });
  await expect(page.getByText('No export is running.')).toBeVisible();

  // Run one again from the history; it appears and completes.
  const row = history.getByTestId('job-row').filter({ hasText: 'Panel second' });
  await row.getByRole('button', { name: 'Run again: Panel second' }).click();
  await expect(history.getByTestId('job-row').filter({ hasText: 'Panel second' })).toHaveCount(2, { timeout: 120_000 });
  await expect(history.getByTestId('job-row').filter({ hasText: 'Panel second' }).nth(0)).toHaveAttribute('data-status', 'completed');
  await row.first().getByRole('button', { name: /files of Panel second/ }).click();
  await expect(row.first().getByTestId('output-row')).toHaveCount(2);
  await shot(page, '18-jobs-panel-history');
  await expectAccessible(page, 'jobs panel (history)');

  expect((await jobsOf(a)).map((j) => j.status)).toEqual(['completed']);
  expect((await jobsOf(b)).map((j) => j.status)).toEqual(['completed', 'completed']);
});
