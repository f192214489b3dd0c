/**
 * Nothing typed is lost, in real Chromium against `bin/quire serve`: a line typed and the
 * page reloaded at once is there after the reload and in the engine; a save that never
 * reaches the engine (the page's last WebSocket message dropped) is made at the next load;
 * an export started right after typing exports the line; the status says Saving… / Saved /
 * Not saved with a Retry, and leaving with unsaved changes asks first.
 *
 * The engine's copy is read over the host's own WebSocket API (a separate client with the
 * page's token), never from the page that typed.
 */
import fs from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import WebSocket from 'ws';
import type { QuireDocument } from '../../engine/api/types.ts';
import { QuireServer, chooseFormats, createDocument, expectAccessible, openStage, quireJobs, shot } from './support.ts';

let server: QuireServer;

test.beforeAll(async () => {
  server = await QuireServer.start();
});

test.afterAll(async () => {
  await server?.dispose();
});

/** The document as the engine holds it, through a fresh API connection. */
async function engineCopy(documentId: string): Promise<QuireDocument> {
  const url = new URL(server.url);
  const ws = new WebSocket(`ws://${url.host}/rpc?token=${encodeURIComponent(url.searchParams.get('token') ?? '')}`, { headers: { Origin: url.origin } });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const reply = new Promise<{ ok: boolean; value?: QuireDocument; error?: { message: string } }>((resolve, reject) => {
      ws.on('message', (data) => {
        const m = JSON.parse(String(data)) as { t?: string; id?: number };
        if (m.t === 'result' && m.id === 1) resolve(m as never);
      });
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ t: 'call', id: 1, method: 'getDocument', args: [documentId] }));
    const r = await reply;
    if (!r.ok) throw new Error(`getDocument failed: ${r.error?.message}`);
    return r.value!;
  } finally {
    ws.close();
  }
}

const saveStatus = (page: Page) => page.getByTestId('save-status');
const sourceBox = (page: Page) => page.getByLabel('Markdown source');

/** Types at the end of the source, as a person would (one key at a time). */
async function typeAtEnd(page: Page, text: string): Promise<void> {
  await sourceBox(page).focus();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(text);
}

/** Accepts "Leave site?/Reload site?" (the person insists) and remembers what was asked. */
function acceptDialogs(page: Page): string[] {
  const seen: string[] = [];
  page.on('dialog', (d) => {
    seen.push(d.type());
    void d.accept();
  });
  return seen;
}

test('a line typed and reloaded at once is there after the reload, and in the engine', async ({ page }) => {
  await page.goto(server.url);
  const id = await createDocument(page, 'Typed note', '# Typed note\n\nFirst line.\n');
  acceptDialogs(page);
  const line = '\nA line typed just before the reload.';
  await typeAtEnd(page, line);
  await page.reload(); // at once: no wait for the save

  await expect(sourceBox(page)).toHaveValue(`# Typed note\n\nFirst line.\n${line}`);
  await expect.poll(async () => (await engineCopy(id)).source, { timeout: 20_000 }).toContain('A line typed just before the reload.');
  // The page that reloaded says so only once the engine has it.
  await expect(saveStatus(page)).toHaveText(/^(Saved)?$/);

  // A second reload shows the engine's copy (nothing left to put back).
  await page.reload();
  await expect(sourceBox(page)).toHaveValue(`# Typed note\n\nFirst line.\n${line}`);
  expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('quire:unsaved:')))).toEqual([]);
});

test('text whose save never reached the engine is saved at the next load', async ({ page }) => {
  // The page's WebSocket passes everything but saveDocument, which is held: the save the
  // page sends before it unloads never arrives (the worst case of a reload or a close).
  let holdSaves = true;
  await page.routeWebSocket(/\/rpc/, (ws) => {
    const upstream = ws.connectToServer();
    ws.onMessage((m) => {
      if (holdSaves && typeof m === 'string' && (JSON.parse(m) as { method?: string }).method === 'saveDocument') return;
      upstream.send(m);
    });
    upstream.onMessage((m) => ws.send(m));
  });
  await page.goto(server.url);
  const id = await createDocument(page, 'Held note');
  await typeAtEnd(page, 'Typed while saves are held.');
  await expect(saveStatus(page)).toHaveText('Saving…');
  await expect(saveStatus(page)).toHaveAttribute('data-state', 'saving');
  await shot(page, '40-save-status-saving');

  // Leaving now asks first; staying keeps the page and the text.
  const dialogs: string[] = [];
  page.once('dialog', (d) => {
    dialogs.push(d.type());
    void d.dismiss();
  });
  await page.reload({ timeout: 5_000 }).catch(() => undefined); // dismissed: the reload does not happen
  expect(dialogs).toEqual(['beforeunload']);
  await expect(sourceBox(page)).toHaveValue(/Typed while saves are held\.$/);

  // Leave anyway: the save is lost on the way, the text is not.
  acceptDialogs(page);
  await page.reload();
  expect((await engineCopy(id)).source).not.toContain('Typed while saves are held.');
  holdSaves = false;
  await page.reload();
  await expect(sourceBox(page)).toHaveValue(/Typed while saves are held\.$/);
  await expect.poll(async () => (await engineCopy(id)).source, { timeout: 20_000 }).toContain('Typed while saves are held.');
  await expect(saveStatus(page)).toHaveText('Saved');
  await shot(page, '41-save-status-saved');
});

test('an export started right after typing exports the line', async ({ page }) => {
  // Saves reach the engine 1.5 s late (a slow disk, a busy engine): Start must wait for them,
  // or its call overtakes the save and the job exports the older text.
  let delaySaves = false;
  await page.routeWebSocket(/\/rpc/, (ws) => {
    const upstream = ws.connectToServer();
    ws.onMessage((m) => {
      const isSave = typeof m === 'string' && (JSON.parse(m) as { method?: string }).method === 'saveDocument';
      if (delaySaves && isSave) setTimeout(() => upstream.send(m), 1_500);
      else upstream.send(m);
    });
    upstream.onMessage((m) => ws.send(m));
  });
  await page.goto(server.url);
  const id = await createDocument(page, 'Export at once', '# Export at once\n\nBefore.\n');
  delaySaves = true;
  await typeAtEnd(page, '\nTyped and exported at once.');
  await openStage(page, 'Export');
  await chooseFormats(page, ['html', 'md']);
  await page.getByRole('button', { name: 'Start export' }).click();
  await expect(page.getByTestId('job-status')).toHaveText('Completed', { timeout: 120_000 });

  const job = (await quireJobs(server.dataDir)).find((j) => j.documentId === id)!;
  const md = job.outputs.find((o) => o.format === 'md')!;
  const html = job.outputs.find((o) => o.format === 'html')!;
  expect(fs.readFileSync(md.path, 'utf8')).toContain('Typed and exported at once.');
  expect(fs.readFileSync(html.path, 'utf8')).toContain('Typed and exported at once.');
});

test('Not saved while the engine is away, with a Retry that saves once it is back', async ({ page }) => {
  await page.goto(server.url);
  const id = await createDocument(page, 'Offline note', '# Offline note\n');
  const port = server.port;
  await server.kill('SIGTERM');
  await expect(page.getByTestId('connection-banner')).toContainText('Reconnecting');

  await typeAtEnd(page, '\nTyped while Quire was away.');
  await expect(saveStatus(page)).toHaveText('Not saved');
  const retry = page.getByRole('button', { name: 'Retry saving' });
  await expect(retry).toBeVisible();
  await shot(page, '42-save-status-not-saved');
  await expectAccessible(page, 'save status: not saved');
  await retry.click(); // still away: still honest
  await expect(saveStatus(page)).toHaveText('Not saved');

  await server.start(port);
  await expect(page.getByTestId('connection-banner')).toHaveCount(0, { timeout: 30_000 });
  // Back: failed saves are sent again on their own; Retry does it at once.
  if (await retry.isVisible()) await retry.click().catch(() => undefined);
  await expect(saveStatus(page)).toHaveText('Saved');
  await expect(retry).toHaveCount(0);
  expect((await engineCopy(id)).source).toContain('Typed while Quire was away.');
});
