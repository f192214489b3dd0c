/**
 * The desktop app end to end, through Playwright's `_electron`: a real Electron main
 * process, the sandboxed preload, IPC, the engine on a temp data folder and the Electron
 * PDF renderer. The page is driven through `window.quire` (the contract), so these tests
 * check the shell, whatever the renderer's markup is.
 *
 * Skipped (with the reason) where no Electron binary is installed.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { _electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { API_EVENTS, API_METHODS } from '../../engine/api/contract.ts';
import { APP_CSP } from '../../engine/host/app-protocol.ts';
import { ROOT, chromiumArgs, findElectronBinary, freshProfile, pdfPages, type PageGlobals } from './support.ts';

const binary = findElectronBinary();
test.skip(!binary.ok, `Electron E2E skipped: ${binary.ok ? '' : binary.reason}`);

const SOURCE = `# Quarterly Report\n\n${Array.from({ length: 30 }, (_, i) => `## Part ${i + 1}\n\n${'Numbers went up. '.repeat(40)}\n`).join('\n')}`;

const profiles: string[] = [];
function profile(): { dataDir: string; outDir: string } {
  const p = freshProfile();
  profiles.push(p.dataDir);
  return p;
}

/** Closes the app even with jobs running (answers the quit dialog with "Quit"). */
async function close(app: ElectronApplication): Promise<void> {
  await stubQuitDialog(app, 1).catch(() => undefined);
  await app.close();
}

/**
 * Waits until the preload has exposed window.quire. Polls with page.evaluate: waitForFunction
 * evaluates its predicate with eval inside the page, which the app's CSP forbids.
 */
async function waitForQuire(page: Page): Promise<void> {
  await expect.poll(() => page.evaluate(() => typeof (globalThis as unknown as PageGlobals).quire === 'object'), { timeout: 30_000 }).toBe(true);
}

interface Launched {
  app: ElectronApplication;
  page: Page;
}

async function launch(dataDir: string, env: Record<string, string> = {}): Promise<Launched> {
  if (!binary.ok) throw new Error('unreachable');
  const app = await _electron.launch({
    executablePath: binary.path,
    args: [...chromiumArgs(), ROOT],
    cwd: ROOT,
    env: { ...process.env, QUIRE_DATA_DIR: dataDir, QUIRE_TEST_STEP_DELAY_MS: '600', ELECTRON_ENABLE_LOGGING: '1', ...env } as Record<string, string>,
    timeout: 60_000,
  });
  const page = await app.firstWindow();
  await waitForQuire(page);
  return { app, page };
}

/** Starts an export of a new document from the page; its job events collect in globalThis.__jobs. */
async function startExport(page: Page, formats: string[]): Promise<string> {
  return page.evaluate(
    async ({ source, formats }) => {
      const g = globalThis as unknown as PageGlobals;
      g.__jobs = [];
      g.quire.onDidChangeJob((j) => g.__jobs!.push({ id: j.id, status: j.status, progress: j.progress, attempt: j.attempt }));
      const doc = await g.quire.createDocument({ title: 'Quarterly Report', source, format: 'md' });
      const { jobId } = await g.quire.startExport({ documentId: doc.id, stageId: 'export', options: { formats: formats as never } });
      return jobId;
    },
    { source: SOURCE, formats },
  );
}

const getJob = (page: Page, id: string) => page.evaluate((jobId) => (globalThis as unknown as PageGlobals).quire.getJob(jobId), id);

async function waitForJob(page: Page, id: string, predicate: (j: Awaited<ReturnType<typeof getJob>>) => boolean, timeout = 120_000) {
  let last: Awaited<ReturnType<typeof getJob>> | undefined;
  await expect
    .poll(async () => {
      last = await getJob(page, id);
      return predicate(last);
    }, { timeout, intervals: [200] })
    .toBe(true);
  return last!;
}

async function stubQuitDialog(app: ElectronApplication, response: number): Promise<void> {
  await app.evaluate(({ dialog }, response) => {
    const g = globalThis as unknown as { __quitAsked?: number };
    g.__quitAsked ??= 0;
    dialog.showMessageBox = (async () => {
      g.__quitAsked!++;
      return { response, checkboxChecked: false };
    }) as typeof dialog.showMessageBox;
  }, response);
}

test('launches one hardened window on quire://app that sees only window.quire', async () => {
  const { dataDir } = profile();
  const { app, page } = await launch(dataDir);
  try {
    expect(page.url()).toMatch(/^quire:\/\/app\//);
    const seen = await page.evaluate(async () => {
      const g = globalThis as unknown as PageGlobals;
      return {
        keys: Object.keys(g.quire).sort(),
        require: typeof g.require,
        process: typeof g.process,
        ipcRenderer: typeof (g as unknown as { ipcRenderer?: unknown }).ipcRenderer,
        csp: (await g.fetch(g.location.href)).headers.get('content-security-policy'),
        popup: g.open('https://example.com/') === null,
      };
    });
    expect(seen.keys).toEqual([...API_METHODS, ...API_EVENTS].sort());
    expect(seen).toMatchObject({ require: 'undefined', process: 'undefined', ipcRenderer: 'undefined', csp: APP_CSP, popup: true });

    await page.evaluate(() => {
      (globalThis as unknown as PageGlobals).location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toMatch(/^quire:\/\/app\//);

    const urls = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((w) => w.webContents.getURL()));
    expect(urls).toEqual([expect.stringMatching(/^quire:\/\/app\//)]);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).quire.getHostInfo())).toMatchObject({ kind: 'electron', canOpenPath: true });
  } finally {
    await close(app);
  }
});

test('an export keeps going across a reload of the window, and finishes once with a real PDF', async () => {
  const { dataDir, outDir } = profile();
  const { app, page } = await launch(dataDir);
  try {
    const jobId = await startExport(page, ['pdf', 'html', 'md']);
    await waitForJob(page, jobId, (j) => j.status === 'running' && j.progress > 0);
    const before = await getJob(page, jobId);

    await page.reload();
    await waitForQuire(page);
    // The new page asks for the current state and subscribes again; it never restarts work.
    const afterReload = await getJob(page, jobId);
    expect(afterReload.attempt).toBe(before.attempt);
    expect(afterReload.progress).toBeGreaterThanOrEqual(before.progress);
    await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      g.__jobs = [];
      g.quire.onDidChangeJob((j) => g.__jobs!.push({ id: j.id, status: j.status, progress: j.progress, attempt: j.attempt }));
    });
    await expect.poll(() => page.evaluate((id) => (globalThis as unknown as PageGlobals).__jobs!.some((j) => j.id === id && j.status === 'completed'), jobId), { timeout: 120_000 }).toBe(true);

    const done = await getJob(page, jobId);
    expect(done).toMatchObject({ status: 'completed', attempt: before.attempt, error: null });
    const pdf = done.outputs.find((o) => o.format === 'pdf')!;
    expect(pdfPages(pdf.path)).toBe(pdf.pages);
    expect(pdf.pages).toBeGreaterThan(1);
    expect(fs.readdirSync(outDir).sort()).toEqual(['Quarterly Report.html', 'Quarterly Report.md', 'Quarterly Report.pdf']);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).quire.listJobs())).toHaveLength(1);
  } finally {
    await close(app);
  }
});

test('a note as authors write it: front matter, math and a Mermaid diagram drawn by the hidden diagram window, in the PDF and the preview', async () => {
  const { dataDir } = profile();
  const { app, page } = await launch(dataDir, { QUIRE_TEST_STEP_DELAY_MS: '0' });
  try {
    const source = fs.readFileSync(`${ROOT}/tests/fixtures/authoring/field-notes.md`, 'utf8');
    const { jobId, preview } = await page.evaluate(async (text) => {
      const g = globalThis as unknown as PageGlobals;
      const doc = await g.quire.createDocument({ title: 'Field notes', source: text, format: 'md' });
      const preview = await g.quire.previewDocument({ documentId: doc.id });
      const { jobId } = await g.quire.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['pdf', 'html'] } });
      return { jobId, preview };
    }, source);
    // The preview is the export's own pipeline: the diagram drawn, the front matter hidden.
    expect(preview.html).toContain('aria-roledescription="flowchart');
    expect(preview.html).not.toContain('toc: true');
    const done = await waitForJob(page, jobId, (j) => j.status === 'completed' || j.status === 'error');
    expect(done).toMatchObject({ status: 'completed', warnings: [] });
    const pdf = done.outputs.find((o) => o.format === 'pdf')!.path;
    const text = spawnSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }).stdout;
    for (const label of ['Queued', 'Running', 'Completed']) expect(text).toContain(label);
    expect(text).not.toMatch(/graph LR|\\frac|\[\^durable\]/);
    const info = spawnSync('pdfinfo', [pdf], { encoding: 'utf8' }).stdout;
    expect(info).toMatch(/Author:\s+Ada Lovelace, Grace Hopper/);
    expect(info).toMatch(/Tagged:\s+yes/);
  } finally {
    await close(app);
  }
});

test('SIGKILL mid-export, relaunch: the job resumes and completes exactly once', async () => {
  const { dataDir, outDir } = profile();
  const first = await launch(dataDir);
  const jobId = await startExport(first.page, ['html', 'md']);
  await waitForJob(first.page, jobId, (j) => j.status === 'running');
  const pid = first.app.process().pid!;
  const exited = new Promise((resolve) => first.app.process().once('exit', resolve));
  process.kill(pid, 'SIGKILL');
  await exited;

  const second = await launch(dataDir);
  try {
    const done = await waitForJob(second.page, jobId, (j) => j.status === 'completed');
    expect(done.attempt).toBe(2);
    const jobs = await second.page.evaluate(() => (globalThis as unknown as PageGlobals).quire.listJobs());
    expect(jobs.map((j) => j.id)).toEqual([jobId]);
    expect(fs.readdirSync(outDir).sort()).toEqual(['Quarterly Report.html', 'Quarterly Report.md']);
  } finally {
    await close(second.app);
  }
});

test('quitting with an export running asks; declining keeps exporting, confirming resumes it next launch', async () => {
  const { dataDir, outDir } = profile();
  const first = await launch(dataDir, { QUIRE_TEST_STEP_DELAY_MS: '1500' });
  const jobId = await startExport(first.page, ['html', 'md']);
  await waitForJob(first.page, jobId, (j) => j.status === 'running');

  await stubQuitDialog(first.app, 0); // "Keep Exporting"
  await first.app.evaluate(({ app }) => app.quit());
  await expect.poll(() => first.app.evaluate(() => (globalThis as unknown as { __quitAsked?: number }).__quitAsked ?? 0)).toBe(1);
  const kept = await waitForJob(first.page, jobId, (j) => j.progress > 0);
  expect(kept.status).toBe('running');

  await stubQuitDialog(first.app, 1); // "Quit"
  const exited = new Promise((resolve) => first.app.process().once('exit', resolve));
  await first.app.evaluate(({ app }) => app.quit()).catch(() => undefined);
  await exited;

  const second = await launch(dataDir, { QUIRE_TEST_STEP_DELAY_MS: '0' });
  try {
    const done = await waitForJob(second.page, jobId, (j) => j.status === 'completed');
    expect(done.attempt).toBe(2);
    expect(fs.readdirSync(outDir).sort()).toEqual(['Quarterly Report.html', 'Quarterly Report.md']);
  } finally {
    await close(second.app);
  }
});

test('a second launch hands over to the first and exits without opening the database', async () => {
  const { dataDir } = profile();
  const { app } = await launch(dataDir);
  try {
    const second = spawn(binary.ok ? binary.path : '', [...chromiumArgs(), ROOT], { cwd: ROOT, env: { ...process.env, QUIRE_DATA_DIR: dataDir }, stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
    expect(code).toBe(0);
    const windows = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().filter((w) => w.isVisible()).length);
    expect(windows).toBe(1);
  } finally {
    await close(app);
  }
});

test('closing the last window on macOS keeps jobs running; reopening lists them', async () => {
  test.skip(process.platform !== 'darwin', 'macOS only: elsewhere closing the last window quits');
  const { dataDir } = profile();
  const { app, page } = await launch(dataDir);
  try {
    const jobId = await startExport(page, ['html', 'md']);
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().forEach((w) => w.close()));
    expect(await getJob(page, jobId).catch(() => null)).toBeNull(); // the page is gone…
    const reopening = app.waitForEvent('window');
    await app.evaluate(({ app }) => app.emit('activate'));
    const reopened = await reopening;
    await waitForQuire(reopened);
    const done = await waitForJob(reopened, jobId, (j) => j.status === 'completed');
    expect(done.attempt).toBe(1);
  } finally {
    await close(app);
  }
});

test.afterAll(() => {
  for (const dir of profiles) fs.rmSync(dir, { recursive: true, force: true });
});
