/**
 * Library and wizard in real Chromium against `bin/quire serve`: create, import (file input
 * and drag and drop), rename, delete; the steps with saving as you go and a preview that
 * runs nothing; keyboard use; axe on every screen.
 */
import { expect, test } from '@playwright/test';
import { QuireServer, createDocument, expectAccessible, openStage, shot } from './support.ts';

let server: QuireServer;

test.beforeAll(async () => {
  server = await QuireServer.start();
});

test.afterAll(async () => {
  await server?.dispose();
});

test('library: create, import by file input and by drag and drop, rename, delete', async ({ page }) => {
  await page.goto(server.url);
  await expect(page.getByRole('heading', { name: 'Library', level: 1 })).toBeVisible();
  await expect(page.getByText('No documents yet.')).toBeVisible();
  await shot(page, '01-library-empty');
  await expectAccessible(page, 'library (empty)');

  // The file input.
  await page.getByLabel('Import files (.md, .html)').setInputFiles([
    { name: 'minutes.md', mimeType: 'text/markdown', buffer: Buffer.from('# Team minutes\n\n- one\n- two\n') },
    { name: 'page.html', mimeType: 'text/html', buffer: Buffer.from('<html><head><title>Web page</title></head><body><h1>Web page</h1></body></html>') },
  ]);
  await expect(page.getByRole('link', { name: 'Team minutes' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Web page' })).toBeVisible();

  // Drag and drop: a real DataTransfer with a File, dispatched as the browser would.
  const dataTransfer = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['# Dropped notes\n\nFrom the desktop.'], 'dropped.md', { type: 'text/markdown' }));
    return dt;
  });
  const library = page.getByTestId('library');
  await library.dispatchEvent('dragenter', { dataTransfer });
  await expect(library).toHaveClass(/is-dragging/);
  await library.dispatchEvent('dragover', { dataTransfer });
  await library.dispatchEvent('drop', { dataTransfer });
  await expect(page.getByRole('link', { name: 'Dropped notes' })).toBeVisible();
  await expect(library).not.toHaveClass(/is-dragging/);

  // An unsupported file is refused with its name.
  await page.getByLabel('Import files (.md, .html)').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: Buffer.from([0x89, 0x50]) });
  await expect(page.getByRole('alert').filter({ hasText: 'photo.png: unsupported file type' })).toBeVisible();
  await shot(page, '02-library-documents');
  await expectAccessible(page, 'library (documents, notices)');

  // Rename with the keyboard: Enter saves.
  await page.getByRole('button', { name: 'Rename Team minutes' }).click();
  const field = page.getByLabel('New title for “Team minutes”');
  await expect(field).toBeFocused();
  await field.fill('Minutes, March');
  await field.press('Enter');
  await expect(page.getByRole('link', { name: 'Minutes, March' })).toBeVisible();

  // Delete asks first; Keep is focused so Enter does not delete.
  await page.getByRole('button', { name: 'Delete Web page' }).click();
  const confirm = page.getByRole('group', { name: 'Confirm deleting Web page' });
  await expect(confirm.getByRole('button', { name: 'Keep' })).toBeFocused();
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByRole('link', { name: 'Web page' })).toHaveCount(0);

  // All of it is in the engine: a reload shows the same list.
  await page.reload();
  await expect(page.getByRole('link', { name: 'Minutes, March' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Dropped notes' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Web page' })).toHaveCount(0);
});

test('wizard: steps saved as you go, a preview that runs nothing, keyboard reachable', async ({ page }) => {
  // Whatever the app page's CSP refuses is reported in the console: the preview must need none of it.
  const refused: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) refused.push(m.text());
  });
  await page.goto(server.url);
  const hostile =
    '---\ntitle: Quarterly report\nauthor: Ada Lovelace\nkeywords: [finance, q1]\n---\n# Quarterly report\n\nRevenue **grew**.\n\n' +
    '<script>window.__pwned = 1</script>\n\n<img src="nope.png" alt="x" onerror="window.__pwned = 2">\n\n| Q | Revenue |\n|---|---|\n| 1 | 10 |\n\n' +
    '```ts\nconst total: number = sum([1, 2, 3]);\n```\n\n```mermaid\nflowchart LR\n  Draft --> Review --> Publish\n```\n';
  const id = await createDocument(page, 'Quarterly report', hostile);

  // The engine's export pipeline renders the preview: front matter hidden, ids, the theme.
  const preview = page.frameLocator('iframe[title="Preview of the document"]');
  await expect(preview.getByRole('heading', { name: 'Quarterly report' })).toBeVisible();
  await expect(preview.getByRole('heading', { name: 'Quarterly report' })).toHaveAttribute('id', 'quarterly-report');
  await expect(preview.locator('strong')).toHaveText('grew');
  await expect(preview.locator('table')).toBeVisible();
  await expect(preview.locator('pre code')).toContainText('const total');
  await expect(preview.locator('main')).not.toContainText('keywords:');
  // The theme's stylesheet applies, though the page's CSP refuses inline <style> (put back through the CSSOM).
  const frameHandle = (await page.getByTestId('preview').elementHandle())!;
  const themed = await (await frameHandle.contentFrame())!.evaluate(() => ({
    sheets: document.adoptedStyleSheets.length,
    font: getComputedStyle(document.body).fontFamily,
    styleElements: document.querySelectorAll('style').length,
    // Style attributes came back through the CSSOM (element.style), so they apply.
    attributes: [...document.querySelectorAll<HTMLElement>('[data-quire-style]')].every((el) => el.getAttribute('style') !== null),
  }));
  expect(themed.sheets).toBeGreaterThan(0);
  expect(themed.font).not.toMatch(/^"?Times New Roman"?$/);
  expect(themed.styleElements).toBe(0);
  expect(themed.attributes).toBe(true);
  // The diagram is drawn (the engine's browser, as for an export) and its labels show.
  await expect(preview.locator('.quire-diagram svg')).toBeVisible();
  await expect(preview.locator('.quire-diagram svg')).toContainText('Review');
  await preview.locator('pre code').scrollIntoViewIfNeeded();
  await shot(page, '03b-wizard-write-preview-code-table-diagram');
  expect(refused).toEqual([]);
  await preview.locator('h1').first().scrollIntoViewIfNeeded();
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  const srcdoc = (await page.getByTestId('preview').getAttribute('srcdoc'))!;
  expect(srcdoc).not.toMatch(/<script|onerror/i);
  await shot(page, '03-wizard-write');
  await expectAccessible(page, 'wizard: write');

  // Details, typed and then reloaded: it was saved.
  await page.getByRole('button', { name: /Next: Details/ }).click();
  await expect(page.getByRole('heading', { name: 'Details', level: 1 })).toBeFocused();
  await page.getByLabel('Author').fill('Ada Lovelace');
  await page.getByLabel('Date').fill('2024-03-31');
  await page.getByLabel('Page size').selectOption('Letter');
  await page.getByLabel('Landscape').check();
  await expect(page.getByTestId('save-status')).toHaveText('Saved');
  await shot(page, '04-wizard-details');
  await expectAccessible(page, 'wizard: details');
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Details', level: 1 })).toBeVisible();
  await expect(page.getByLabel('Author')).toHaveValue('Ada Lovelace');
  await expect(page.getByLabel('Date')).toHaveValue('2024-03-31');
  await expect(page.getByLabel('Page size')).toHaveValue('Letter');
  await expect(page.getByLabel('Landscape')).toBeChecked();

  // Keyboard only: Tab reaches Next, Enter goes on; focus is always visible.
  const next = page.getByRole('button', { name: /Next: Export/ });
  await next.focus();
  const outline = await next.evaluate((el) => getComputedStyle(el).outlineStyle);
  expect(outline).not.toBe('none');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Export', level: 1 })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('checkbox', { name: /^PDF —/ })).toBeFocused();
  await page.keyboard.press('Space');
  await expect(page.getByRole('checkbox', { name: /^PDF —/ })).not.toBeChecked();
  await page.keyboard.press('Space');
  await expect(page.getByRole('checkbox', { name: /^PDF —/ })).toBeChecked();
  await shot(page, '05-wizard-export-options');
  await expectAccessible(page, 'wizard: export (before start)');

  // The step states are stored: Write and Details are done.
  await page.reload();
  const steps = page.getByRole('navigation', { name: 'Steps' });
  await expect(steps.getByRole('button', { name: /^Write.*done/ })).toBeVisible();
  await expect(steps.getByRole('button', { name: /^Details.*done/ })).toBeVisible();
  await expect(steps.getByRole('button', { name: /^Export/ })).toHaveAttribute('aria-current', 'step');
  expect(page.url()).toContain(`#/documents/${id}/export`);

  // Larger windows work too.
  await page.setViewportSize({ width: 1440, height: 900 });
  await openStage(page, 'Write');
  await shot(page, '06-wizard-write-1440');
});
