// @vitest-environment jsdom
/**
 * The UI against a REAL engine over the in-memory transport: a person's clicks and typing,
 * checked on screen and in the engine.
 */
import fs from 'node:fs';
import path from 'node:path';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { QuireApi } from '../../../engine/api/contract.ts';
import { closeWindow, openWindow, startRealQuire, until, type RealQuire } from '../test-support/real-quire.ts';
import { boot } from '../store/boot.ts';
import { navigate } from '../store/routing.ts';
import { flushSaves } from '../store/saving.ts';
import { useQuireStore } from '../store/store.ts';
import { App } from './App.tsx';

let q: RealQuire;
let client: QuireApi & { dispose(): void };
const LONG = { timeout: 30_000 };

beforeAll(async () => {
  q = await startRealQuire({ engine: { stepDelayMs: 250 } });
});

afterAll(async () => {
  await q.close();
});

beforeEach(async () => {
  client = await openWindow(q);
});

afterEach(() => {
  cleanup();
  closeWindow(client);
});

async function renderApp() {
  render(<App />);
  await screen.findByRole('heading', { name: 'Library', level: 1 });
}

async function openExportStage(title: string, source = `# ${title}\n\nSome text.\n`): Promise<string> {
  const doc = await q.engine.createDocument({ title, source, format: 'md' });
  await act(async () => navigate({ name: 'document', documentId: doc.id, stageId: 'export' }));
  await screen.findByRole('heading', { name: 'Export', level: 1 });
  return doc.id;
}

function setFormats(formats: string[]) {
  for (const [label, f] of [
    ['PDF', 'pdf'],
    ['HTML', 'html'],
    ['Markdown', 'md'],
  ] as const) {
    const box = screen.getByRole('checkbox', { name: new RegExp(`^${label} —`) }) as HTMLInputElement;
    if (box.checked !== formats.includes(f)) fireEvent.click(box);
  }
}

describe('library', () => {
  it('creates a document from the form and opens its first step', async () => {
    await renderApp();
    fireEvent.change(screen.getByLabelText('Title'), { target: { value: 'Annual report' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create document' }));
    await screen.findByRole('heading', { name: 'Write', level: 1 });
    const steps = within(screen.getByRole('navigation', { name: 'Steps' })).getAllByRole('button');
    expect(steps.map((b) => b.textContent)).toEqual([
      expect.stringContaining('Write'),
      expect.stringContaining('Details'),
      expect.stringContaining('Export'),
    ]);
    expect(steps[0]).toHaveProperty('ariaCurrent', 'step');
    const docs = await q.engine.listDocuments();
    expect(docs.some((d) => d.title === 'Annual report')).toBe(true);
  });

  it('renames and deletes from the list', async () => {
    const doc = await q.engine.createDocument({ title: 'Rename me', source: '# x', format: 'md' });
    await renderApp();
    await act(async () => navigate({ name: 'library' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Rename Rename me' }));
    fireEvent.change(screen.getByLabelText('New title for “Rename me”'), { target: { value: 'Renamed' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByRole('link', { name: 'Renamed' });
    expect((await q.engine.getDocument(doc.id)).title).toBe('Renamed');

    fireEvent.click(screen.getByRole('button', { name: 'Delete Renamed' }));
    const confirm = screen.getByRole('group', { name: 'Confirm deleting Renamed' });
    fireEvent.click(within(confirm).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(screen.queryByRole('link', { name: 'Renamed' })).toBeNull());
    await expect(q.engine.getDocument(doc.id)).rejects.toMatchObject({ code: 'DOCUMENT_NOT_FOUND' });
  });

  it('imports a file chosen in the file input and one dropped on the page', async () => {
    await renderApp();
    const input = screen.getByLabelText('Import files (.md, .html)') as HTMLInputElement;
    const chosen = new File(['# Chosen file\n\nHello'], 'chosen.md', { type: 'text/markdown' });
    fireEvent.change(input, { target: { files: [chosen] } });
    await screen.findByRole('link', { name: 'Chosen file' }, LONG);

    const dropped = new File(['<h1>Dropped page</h1><p>x</p>'], 'dropped.html', { type: 'text/html' });
    fireEvent.drop(screen.getByTestId('library'), { dataTransfer: { files: [dropped], types: ['Files'] } });
    await screen.findByRole('link', { name: 'Dropped page' }, LONG);
    const titles = (await q.engine.listDocuments()).map((d) => d.title);
    expect(titles).toEqual(expect.arrayContaining(['Chosen file', 'Dropped page']));
  });
});

describe('wizard', () => {
  it('saves the source as you type and shows the engine\'s sanitized preview of it', async () => {
    const doc = await q.engine.createDocument({ title: 'Preview', source: '', format: 'md' });
    await renderApp();
    await act(async () => navigate({ name: 'document', documentId: doc.id, stageId: 'write' }));
    const source = await screen.findByLabelText('Markdown source');
    fireEvent.change(source, {
      target: {
        value:
          '---\nauthor: Front Matter Author\n---\n# Hello\n\n**bold** text\n\n<script>window.__pwned = 1</script>\n<img src="x.png" onerror="window.__pwned = 2" alt="x">\n[link](javascript:alert(1))',
      },
    });
    const frame = screen.getByTitle('Preview of the document') as HTMLIFrameElement;
    await waitFor(() => expect(frame.getAttribute('srcdoc')).toContain('<strong>bold</strong>'), LONG);
    const srcdoc = frame.getAttribute('srcdoc')!;
    // The export's pipeline: front matter out of the body, heading ids, the theme's styles
    // taken out of the markup (put back through the CSSOM once loaded: preview-frame.ts).
    expect(new DOMParser().parseFromString(srcdoc, 'text/html').querySelector('main')!.textContent).not.toContain('author:');
    expect(srcdoc).toMatch(/<h1 id="hello">Hello<\/h1>/);
    expect(srcdoc).not.toMatch(/<style|\sstyle=/i);
    expect(srcdoc).not.toMatch(/<script/i);
    expect(srcdoc).not.toMatch(/onerror/i);
    expect(srcdoc).not.toMatch(/href="javascript:/i);
    expect(frame.getAttribute('sandbox')).toBe('allow-same-origin');
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
    await until(async () => (await q.engine.getDocument(doc.id)).source.includes('**bold** text'), 'the source to be saved');
  });

  it('keeps the last preview while a newer one is pending or fails, and says why in a line', async () => {
    const doc = await q.engine.createDocument({ title: 'Preview errors', source: '# First version', format: 'md' });
    await renderApp();
    await act(async () => navigate({ name: 'document', documentId: doc.id, stageId: 'write' }));
    const source = await screen.findByLabelText('Markdown source');
    const frame = screen.getByTitle('Preview of the document') as HTMLIFrameElement;
    await waitFor(() => expect(frame.getAttribute('srcdoc')).toContain('First version'), LONG);
    fireEvent.change(source, { target: { value: `# Too long\n\n${'a'.repeat(10 * 1024 * 1024)}` } });
    // Pending (the debounce), then refused: the first version stays.
    expect(frame.getAttribute('srcdoc')).toContain('First version');
    const alert = await screen.findByTestId('preview-error', undefined, LONG);
    expect(alert.textContent).toBe('The text is too long to preview (more than 10 MB); the preview shows the last text that fit.');
    expect(frame.getAttribute('srcdoc')).toContain('First version');
    fireEvent.change(source, { target: { value: '# Second version' } });
    await waitFor(() => expect(frame.getAttribute('srcdoc')).toContain('Second version'), LONG);
    expect(screen.queryByTestId('preview-error')).toBeNull();
  });

  it('keeps details and page options per stage and marks steps done with Next', async () => {
    const doc = await q.engine.createDocument({ title: 'Details', source: '# d', format: 'md' });
    await renderApp();
    await act(async () => navigate({ name: 'document', documentId: doc.id, stageId: 'details' }));
    await screen.findByRole('heading', { name: 'Details', level: 1 });
    fireEvent.change(screen.getByLabelText('Author'), { target: { value: 'Grace Hopper' } });
    fireEvent.change(screen.getByLabelText('Date'), { target: { value: '2024-06-30' } });
    fireEvent.change(screen.getByLabelText('Page size'), { target: { value: 'Letter' } });
    fireEvent.click(screen.getByLabelText('Landscape'));
    fireEvent.click(screen.getByRole('button', { name: /Next: Export/ }));
    await screen.findByRole('heading', { name: 'Export', level: 1 });
    await act(() => flushSaves(doc.id));
    const states = await q.engine.getStageStates(doc.id);
    const details = states.find((s) => s.stageId === 'details')!;
    expect(details.status).toBe('done');
    expect(details.data).toMatchObject({ author: 'Grace Hopper', date: '2024-06-30' });
    expect(states.find((s) => s.stageId === 'export')!.data.exportOptions).toMatchObject({ pdf: { pageSize: 'Letter', landscape: true } });
  });

  it('moving on through the step list marks the stage left done; going back does not', async () => {
    const doc = await q.engine.createDocument({ title: 'Steps', source: '# s', format: 'md' });
    await renderApp();
    await act(async () => navigate({ name: 'document', documentId: doc.id, stageId: 'write' }));
    await screen.findByRole('heading', { name: 'Write', level: 1 });
    fireEvent.click(screen.getByRole('button', { name: /^Export, step 3 of 3/ }));
    await screen.findByRole('heading', { name: 'Export', level: 1 });
    fireEvent.click(screen.getByRole('button', { name: /^Details, step 2 of 3/ }));
    await screen.findByRole('heading', { name: 'Details', level: 1 });
    await act(() => flushSaves(doc.id));
    const status = Object.fromEntries((await q.engine.getStageStates(doc.id)).map((s) => [s.stageId, s.status]));
    expect(status.write).toBe('done');
    // Export was left backwards, Details never left: neither is done.
    expect(status.export).not.toBe('done');
    expect(status.details).not.toBe('done');
    expect(screen.getByRole('button', { name: /^Write, step 1 of 3, done/ })).toBeTruthy();
  });
});

describe('export stage', () => {
  it('goes Queued/Processing → Completed with a progress bar and lists each output', async () => {
    await renderApp();
    const id = await openExportStage('UI export');
    setFormats(['html', 'md']);
    fireEvent.click(screen.getByRole('button', { name: 'Start export' }));
    const bar = await screen.findByRole('progressbar', { name: 'Export progress' }, LONG);
    expect(Number(bar.getAttribute('aria-valuenow'))).toBeGreaterThanOrEqual(0);
    await screen.findByText(/^Processing: \d+% — /, undefined, LONG);
    await waitFor(() => expect(screen.getByTestId('job-status').textContent).toBe('Completed'), LONG);
    expect(screen.getByRole('progressbar', { name: 'Export progress' }).getAttribute('aria-valuenow')).toBe('100');
    const rows = screen.getAllByTestId('output-row');
    expect(rows.map((r) => r.getAttribute('data-format'))).toEqual(['html', 'md']);
    expect(rows[0]!.textContent).toContain('UI export.html');
    expect(rows[0]!.textContent).toMatch(/\d+(\.\d)? (B|KB)/);
    // Neither open nor download on this host: the path is shown instead.
    expect(within(rows[0]!).getByText(path.join(q.outDir, 'UI export.html'))).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Export again' })).toBeTruthy();
    const jobs = await q.engine.listJobs({ documentId: id });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.status).toBe('completed');
  });

  it('lists the warnings of an export that completed without some images', async () => {
    await renderApp();
    await openExportStage('Missing picture', '# Missing picture\n\n![chart](chart.png)\n');
    setFormats(['html']);
    fireEvent.click(screen.getByRole('button', { name: 'Start export' }));
    await waitFor(() => expect(screen.getByTestId('job-status').textContent).toBe('Completed'), LONG);
    const box = screen.getByTestId('job-warnings');
    expect(box.textContent).toContain('1 warning');
    expect(within(box).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'image chart.png not found: it was not imported with the document (add it in the Write stage)',
    ]);

    // The jobs panel counts them on the row and lists them with the files.
    await act(async () => navigate({ name: 'jobs' }));
    const row = await waitFor(() => screen.getAllByTestId('job-row').find((r) => r.textContent?.includes('Missing picture'))!, LONG);
    expect(row.textContent).toContain('Completed · 1 warning');
    fireEvent.click(within(row).getByRole('button', { name: 'Show files of Missing picture' }));
    expect(within(row).getByTestId('job-warnings').textContent).toContain('image chart.png not found');
  });

  it('cancels while running', async () => {
    await renderApp();
    const id = await openExportStage('UI cancel');
    setFormats(['html', 'md']);
    fireEvent.click(screen.getByRole('button', { name: 'Start export' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel export' }, LONG));
    await waitFor(() => expect(screen.getByTestId('job-status').textContent).toBe('Cancelled'), LONG);
    expect(screen.getByRole('button', { name: 'Start again' })).toBeTruthy();
    expect((await q.engine.listJobs({ documentId: id }))[0]!.status).toBe('cancelled');
  });

  it('shows an error with its message, and Retry completes', async () => {
    await renderApp();
    const outDir = path.join(q.dir, 'ui-blocked');
    await openExportStage('UI error');
    setFormats(['md']);
    fireEvent.change(screen.getByLabelText('Output folder'), { target: { value: outDir } });
    fireEvent.click(screen.getByRole('button', { name: 'Start export' }));
    // The output folder becomes a file while the job waits in its first step: the write fails.
    await screen.findByTestId('job-card', undefined, LONG);
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.writeFileSync(outDir, 'not a folder');
    const alert = await screen.findByText(/Could not write .*UI error\.md/, undefined, LONG);
    expect(alert.closest('[role="alert"]')).toBeTruthy();
    expect(screen.getByTestId('job-status').textContent).toBe('Error');
    expect(screen.getByText('Error code: OUTPUT_WRITE_FAILED')).toBeTruthy();
    fs.rmSync(outDir);
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(screen.getByTestId('job-status').textContent).toBe('Completed'), LONG);
    expect(fs.existsSync(path.join(outDir, 'UI error.md'))).toBe(true);
  });

  it('re-attaches to a running job after a reload without starting another', async () => {
    await renderApp();
    const id = await openExportStage('UI reload');
    setFormats(['html', 'md']);
    fireEvent.click(screen.getByRole('button', { name: 'Start export' }));
    const card = await screen.findByTestId('job-card', undefined, LONG);
    const jobId = card.getAttribute('data-job-id')!;
    // Reload: unmount, new store, new connection, same route.
    cleanup();
    closeWindow(client);
    client = await openWindow(q);
    render(<App />);
    await act(async () => navigate({ name: 'document', documentId: id, stageId: 'export' }));
    const again = await screen.findByTestId('job-card', undefined, LONG);
    expect(again.getAttribute('data-job-id')).toBe(jobId);
    await waitFor(() => expect(screen.getByTestId('job-status').textContent).toBe('Completed'), LONG);
    expect(await q.engine.listJobs({ documentId: id })).toHaveLength(1);
  });
});

describe('jobs panel', () => {
  it('lists jobs across documents live and runs one again', async () => {
    const a = await q.engine.createDocument({ title: 'Jobs A', source: '# a', format: 'md' });
    const b = await q.engine.createDocument({ title: 'Jobs B', source: '# b', format: 'md' });
    const ja = await q.engine.startExport({ documentId: a.id, stageId: 'export', options: { formats: ['md'] } });
    await renderApp();
    await act(async () => navigate({ name: 'jobs' }));
    await screen.findByRole('heading', { name: 'Jobs', level: 1 });
    // A job started elsewhere shows up by itself (events), not only after a refresh.
    await q.engine.startExport({ documentId: b.id, stageId: 'export', options: { formats: ['md'] } });
    await waitFor(() => expect(screen.getAllByTestId('job-row').some((r) => r.textContent?.includes('Jobs B'))).toBe(true), LONG);
    await waitFor(() => {
      const rows = screen.getAllByTestId('job-row').filter((r) => /Jobs [AB]/.test(r.textContent ?? ''));
      expect(rows.map((r) => r.getAttribute('data-status'))).toEqual(['completed', 'completed']);
    }, LONG);
    const rowA = screen.getAllByTestId('job-row').find((r) => r.getAttribute('data-job-id') === ja.jobId)!;
    fireEvent.click(within(rowA).getByRole('button', { name: 'Run again: Jobs A' }));
    await waitFor(async () => expect(await q.engine.listJobs({ documentId: a.id })).toHaveLength(2), LONG);
    await waitFor(() => {
      const rows = screen.getAllByTestId('job-row').filter((r) => r.textContent?.includes('Jobs A'));
      expect(rows).toHaveLength(2);
      expect(rows.every((r) => r.getAttribute('data-status') === 'completed')).toBe(true);
    }, LONG);
    expect(useQuireStore.getState().jobsLoaded).toBe(true);
  });
});

describe('what the export form shows is what the engine runs', () => {
  /** The values the Export stage (and the page layout) show, read off the screen. */
  function shown() {
    const checked = (name: RegExp) => (screen.getByRole('checkbox', { name }) as HTMLInputElement).checked;
    const formats = (['pdf', 'html', 'md'] as const).filter((f) => checked(new RegExp(`^${{ pdf: 'PDF', html: 'HTML', md: 'Markdown' }[f]} —`)));
    return {
      formats,
      headerFooter: checked(/Header with the title/),
      outline: checked(/Bookmarks from the headings/),
      tagged: checked(/Tagged PDF/),
      printBackground: checked(/Print background/),
      outDir: (screen.getByLabelText('Output folder') as HTMLInputElement).placeholder,
    };
  }
  const expected = (spec: Awaited<ReturnType<QuireApi['resolveExport']>>) => ({
    formats: spec.formats,
    headerFooter: spec.pdf.headerFooter,
    outline: spec.pdf.outline,
    tagged: spec.pdf.tagged,
    printBackground: spec.pdf.printBackground,
    outDir: spec.outDir,
  });

  it('for each workflow, with the built-in settings and with changed ones', async () => {
    await renderApp();
    const report = await openExportStage('Shown report');
    expect(shown()).toEqual(expected(await client.resolveExport({ documentId: report, stageId: 'export' })));

    const before = await client.getSettings();
    try {
      // Settings that name no default formats: each workflow's own (this host's test settings name html, md).
      await act(async () => {
        await client.updateSettings({ defaultFormats: null });
        await boot(client);
      });
      const noteDoc = await q.engine.createDocument({ title: 'Shown note', source: '# n', format: 'md', workflowId: 'note' });
      await act(async () => navigate({ name: 'document', documentId: noteDoc.id, stageId: 'export' }));
      await screen.findByRole('heading', { name: 'Export', level: 1 });
      const noteSpec = await client.resolveExport({ documentId: noteDoc.id, stageId: 'export' });
      expect(noteSpec.formats).toEqual(['pdf']); // the quick note's own default
      await waitFor(() => expect(shown()).toEqual(expected(noteSpec)));
      // The quick note has no Details stage: its page layout is on the Export stage.
      expect((screen.getByLabelText('Page size') as HTMLSelectElement).value).toBe(noteSpec.pdf.pageSize);
      expect((screen.getByLabelText('Top') as HTMLInputElement).valueAsNumber).toBe(noteSpec.pdf.margins.top);

      await act(async () => {
        await client.updateSettings({ defaultFormats: ['html', 'md'], pdf: { ...before.pdf, pageSize: 'Letter', outline: false, margins: { ...before.pdf.margins, top: 31 } } });
        await boot(client); // the settings screen's reload of the basics
      });
      await act(async () => navigate({ name: 'document', documentId: noteDoc.id, stageId: 'export' }));
      await screen.findByRole('heading', { name: 'Export', level: 1 });
      const changed = await client.resolveExport({ documentId: noteDoc.id, stageId: 'export' });
      expect(changed).toMatchObject({ formats: ['html', 'md'], pdf: { pageSize: 'Letter', outline: false, margins: { top: 31 } } });
      await waitFor(() => expect(shown()).toEqual(expected(changed)));
      expect((screen.getByLabelText('Page size') as HTMLSelectElement).value).toBe('Letter');
      expect((screen.getByLabelText('Top') as HTMLInputElement).valueAsNumber).toBe(31);

      // A choice made on the stage shows, is saved, and is what the engine resolves too.
      fireEvent.click(screen.getByRole('checkbox', { name: /^PDF —/ }));
      await waitFor(() => expect(shown().formats).toEqual(['pdf', 'html', 'md']));
      await act(() => flushSaves(noteDoc.id));
      const chosen = await client.resolveExport({ documentId: noteDoc.id, stageId: 'export' });
      expect(chosen.formats).toEqual(['pdf', 'html', 'md']);
      expect(shown()).toEqual(expected(chosen));
    } finally {
      await client.updateSettings(before);
    }
  }, 60_000);
});
