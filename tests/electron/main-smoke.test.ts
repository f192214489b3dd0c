/**
 * The BUILT main process and preload (electron-vite output), run under plain Node with a
 * stand-in `electron` module (fake-electron/): the wiring of main/ — protocol, window
 * hardening, IPC with the sender check, settings in electron-store, the engine and its
 * bundled worker, reload handling, notifications, progress, the power blocker, the quit
 * dialog, the single-instance lock and resuming on start. Electron itself is not here (it
 * cannot run on this machine); tests/electron/app.e2e.ts covers it where it can.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_EVENTS, API_METHODS } from '../../engine/api/contract.ts';
import { APP_CSP, PDF_CSP } from '../../engine/host/app-protocol.ts';
import { ROOT, pdfinfo, pdftotext, rmrf, tempDir } from '../helpers.ts';

const FAKE = path.join(ROOT, 'tests', 'electron', 'fake-electron');
// Inside the checkout so the bundle's bare imports (kysely, better-sqlite3…) resolve.
const OUT = path.join(ROOT, 'out', `.smoke-${process.pid}`);
const home = tempDir('quire-main-smoke-');

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000, unset: string[] = []): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const childEnv = { ...process.env, ...env };
    for (const k of unset) delete childEnv[k];
    const child = spawn(cmd, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(args[args.length - 2] ?? cmd)} timed out\n${out}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

async function scenario(name: string, env: NodeJS.ProcessEnv = {}): Promise<Record<string, any>> {
  const r = await run(process.execPath, ['--import', path.join(FAKE, 'register.mjs'), path.join(FAKE, 'drive-main.mjs'), OUT, name], {
    FAKE_ELECTRON_HOME: home,
    FAKE_ELECTRON_APP_PATH: ROOT,
    // Even if the fake were bypassed, electron's index.js would not start a download.
    ELECTRON_OVERRIDE_DIST_PATH: path.join(home, 'no-electron'),
    ...env,
  }, 120_000, ['QUIRE_DATA_DIR', 'QUIRE_RESOURCES_DIR']);
  const line = r.out.split('\n').find((l) => l.startsWith('SMOKE '));
  if (r.code !== 0 || !line) throw new Error(`scenario ${name} failed (exit ${r.code}):\n${r.out}`);
  return JSON.parse(line.slice('SMOKE '.length));
}

beforeAll(async () => {
  const r = await run(process.execPath, [path.join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--outDir', OUT]);
  // The renderer build belongs to another folder; main and preload are what this suite needs.
  if (!fs.existsSync(path.join(OUT, 'main', 'index.js')) || !fs.existsSync(path.join(OUT, 'preload', 'index.cjs'))) {
    throw new Error(`electron-vite build did not produce main and preload (exit ${r.code}):\n${r.out}`);
  }
}, 180_000);

afterAll(() => {
  rmrf(OUT);
  rmrf(home);
});

describe('built main process (fake electron)', () => {
  let full: Record<string, any>;

  it('starts: privileged quire: scheme, one hardened window served over it with the CSP, window.quire only', async () => {
    full = await scenario('full', { QUIRE_TEST_STEP_DELAY_MS: '400' });
    expect(full.errors).toEqual([]);
    expect(full.privileged).toEqual([{ scheme: 'quire', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);
    expect(full.page).toMatchObject({ url: 'quire://app/index.html', csp: APP_CSP });
    if (fs.existsSync(path.join(OUT, 'renderer', 'index.html'))) expect(full.page.status).toBe(200);
    expect(full.missing).toBe(404);
    expect(full.prefs).toEqual({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, preload: path.join('preload', 'index.cjs') });
    expect(full.quireKeys).toEqual([...API_METHODS, ...API_EVENTS].sort());
    expect(full.frozen).toBe(true);
    expect(full.windowOpen).toEqual({ action: 'deny' });
    expect(full.navigationPrevented).toBe(true);
    expect(full.permission).toBe(false);
    expect(full.permissionCheck).toBe(false);
    expect(full.hostInfo).toMatchObject({ kind: 'electron', canOpenPath: true, canShowInFolder: true, downloadBase: null, version: '0.1.0' });
  }, 180_000);

  it('refuses IPC from frames that are not our page', () => {
    expect(full.intruderReplies).toEqual([
      { c: 'intruder', m: { t: 'result', id: 1, ok: false, error: { code: 'UNAUTHORIZED_SENDER', message: 'Refused a request from origin https://evil.example.' } } },
      { c: 'intruder', m: { t: 'result', id: 2, ok: false, error: { code: 'UNAUTHORIZED_SENDER', message: 'Refused a request from a subframe (quire://app/index.html).' } } },
    ]);
  });

  it('keeps settings in electron-store (validated) and exports with them', () => {
    expect(full.settings.outputDir).toBe(path.join(home, 'Documents', 'Quire'));
    expect(full.settingsFile).toEqual(full.updatedSettings);
    expect(full.updatedSettings).toMatchObject({ defaultFormats: ['html', 'md'], openFolderWhenDone: true });
    expect(full.badSettings).toEqual({ code: 'INVALID_PAYLOAD', name: 'QuireError', isError: false });
    expect(full.done.outputs).toEqual(['Smoke Report.html', 'Smoke Report.md']);
  });

  it('an export survives a reload: same attempt, events move to the new page, finished once', () => {
    expect(full.done).toMatchObject({ status: 'completed', attempt: full.before.attempt });
    expect(full.oldPageEventsAfterReload).toBe(0);
    expect(full.jobs).toBe(1);
  });

  it('tells the OS: progress while running, cleared at the end; sleep blocked only meanwhile; a notification that opens the result', () => {
    expect(full.sawProgress).toBe(true);
    expect(full.lastProgress).toMatchObject({ progress: -1, mode: 'none' });
    expect(full.blockersWhileRunning).toBe(1);
    expect(full.blockersAfter).toBe(0);
    expect(full.notifications).toEqual([{ title: 'Export finished', body: 'Smoke Report.html (HTML, MD) is ready.' }]);
    expect(full.revealed).toEqual(['Smoke Report.html']); // openFolderWhenDone
    expect(full.opened).toEqual(['Smoke Report.html', 'Smoke Report.html']); // notification click, then openOutput
    expect(full.openOther).toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('quitting with a job running asks; "Keep Exporting" keeps it running, "Quit" hands it back to the queue', () => {
    expect(full.afterDecline).toMatchObject({ quit: false, job: 'running' });
    expect(full.afterDecline.dialog).toMatchObject({ buttons: ['Keep Exporting', 'Quit'], message: 'An export is still running.' });
    expect(full.afterQuit).toEqual({ dialogs: 2, row: { status: 'queued', attempt: 1, owner_pid: null } });
  });

  it('asks the page to save before a reload and before quitting; asks the person when it cannot', async () => {
    const flush = await scenario('flush', { FAKE_ELECTRON_HOME: fs.mkdtempSync(path.join(home, 'flush-')) });
    expect(flush.errors).toEqual([]);
    // The page objected to the reload: main saved first, then reloaded (no dialog needed).
    expect(flush.reload).toEqual({ letThrough: false, flushes: ['# Typed\n\nline before the reload\n'], source: '# Typed\n\nline before the reload\n', dialogs: 0 });
    expect(flush.stayed.samePage).toBe(true);
    expect(flush.stayed.dialog).toMatchObject({ buttons: ['Stay', 'Reload Anyway'], message: 'Your latest changes are not saved yet.' });
    expect(flush.stayed.dialog.detail).toContain('Not connected to Quire right now.');
    // Quitting: the save reached the engine before it stopped.
    expect(flush.afterQuit).toEqual({ flushes: 2, dialogs: 1, source: '# Typed\n\nline before quitting\n' });
  }, 120_000);

  it('a second instance quits at once without opening the database', async () => {
    const second = await scenario('second-instance', { FAKE_ELECTRON_LOCK: '0', FAKE_ELECTRON_HOME: tempDir('quire-main-smoke-2-') });
    expect(second).toMatchObject({ windows: 0, database: false, ipcListeners: 0 });
    expect(second.quitRequests).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('the next start resumes the job the quit handed back, and it completes once', async () => {
    const resumed = await scenario('resume', { SMOKE_JOB_ID: full.secondJobId, QUIRE_TEST_STEP_DELAY_MS: '0' });
    expect(resumed.resumed).toEqual({ status: 'completed', attempt: 2, jobs: 2 });
    expect(resumed.dialogs).toBe(0); // nothing running: quits without asking
    expect(resumed.errors).toEqual([]);
  }, 120_000);
});

describe('ElectronPdfRenderer (source, fake electron printing with real Chromium)', () => {
  it('renders in a hidden JS-less sandboxed window of a private session, and cleans up on every outcome', async () => {
    const file = path.join(home, 'electron.pdf');
    const r = await run(process.execPath, ['--import', 'tsx', '--import', path.join(FAKE, 'register.mjs'), path.join(FAKE, 'drive-pdf.mjs'), file], {
      FAKE_ELECTRON_HOME: home,
      ELECTRON_OVERRIDE_DIST_PATH: path.join(home, 'no-electron'),
    });
    const line = r.out.split('\n').find((l) => l.startsWith('SMOKE '));
    if (r.code !== 0 || !line) throw new Error(`drive-pdf failed (exit ${r.code}):\n${r.out}`);
    const seen = JSON.parse(line.slice('SMOKE '.length));

    // The document: a real PDF with the page count the renderer reports.
    expect(seen.render.head).toBe('%PDF-');
    expect(seen.phases).toEqual(['printing']);
    expect(Number(pdfinfo(file).Pages)).toBe(seen.render.pages);
    expect(pdfinfo(file).Tagged).toBe('yes');
    expect(pdftotext(file)).toMatch(/Electron PDF[\s\S]*Section 40/);

    // Every window: hidden, JavaScript off, sandboxed, in one in-memory partition, loading quire://pdf/<token>.
    for (const w of seen.windows) {
      expect(w).toMatchObject({ javascript: false, sandbox: true, contextIsolation: true, nodeIntegration: false, show: false });
      expect(w.partition).toMatch(/^quire-pdf-/); // no "persist:" prefix: never written to disk
    }
    expect(seen.windows[0].url).toMatch(/^quire:\/\/pdf\/[0-9a-f-]{36}$/);
    expect(seen.windows[0].csp).toBe(PDF_CSP);
    expect(seen.session).toEqual({
      requests: {
        'https://example.com/x.png': true,
        'http://127.0.0.1:8080/': true,
        'file:///etc/passwd': true,
        'quire://app/index.html': true,
        'data:image/png;base64,AAAA': false,
        'quire://pdf/0b7f2c1e-9a7d-4a51-b2a4-3c1a0e0f6d11': false,
      },
      permission: false,
      servedAfter: 404, // the HTML is dropped from memory once rendered
    });

    expect(seen.timeout).toMatchObject({ code: 'PDF_TIMEOUT', windows: 0 });
    expect(seen.timeout.ms).toBeLessThan(5_000);
    expect(seen.cancel).toMatchObject({ code: 'JOB_CANCELLED', windows: 0 });
    expect(seen.preAborted).toMatchObject({ code: 'JOB_CANCELLED' });
    expect(seen.crash).toMatchObject({ code: 'CHROMIUM_FAILED', windows: 0 });
    expect(seen.parallel).toEqual([1, 1]);
    expect(seen.windowsAfterRender).toBe(0);
    expect(seen.windowsAtEnd).toBe(0);
  }, 120_000);
});
