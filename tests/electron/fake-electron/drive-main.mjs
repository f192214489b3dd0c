/**
 * Runs the built main process (argv[2] = the electron-vite out dir) against the fake
 * electron module and plays one scenario (argv[3]); prints what it observed as JSON on the
 * last line for tests/electron/main-smoke.test.ts to check.
 *
 *   node --import ./register.mjs drive-main.mjs <outDir> full|resume|second-instance|flush
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const [outDir, scenario] = process.argv.slice(2);
const electron = await import('electron');
if (!electron.__fake) throw new Error('the real electron module was loaded');
const { state, app, BrowserWindow, session } = electron;
const userData = path.join(process.env.FAKE_ELECTRON_HOME, 'userData');
const seen = {};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(fn, what, ms = 60_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
const mainWindow = () => BrowserWindow.getAllWindows()[0];
const quire = () => until(() => mainWindow()?.webContents.page?.window.quire, 'window.quire');
/** Resolves with the job once it has completed; fails at once if it ended any other way. */
async function completed(q, jobId, what) {
  return until(async () => {
    const j = await q.getJob(jobId);
    if (['error', 'cancelled'].includes(j.status)) throw new Error(`${what}: job ${j.status}: ${j.error?.message}`);
    return j.status === 'completed' && j;
  }, what);
}
const errorOf = (p) => p.then(() => null, (e) => ({ code: e.code, name: e.name, isError: e instanceof Error }));

await import(pathToFileURL(path.join(outDir, 'main', 'index.js')).href);

if (scenario === 'second-instance') {
  await sleep(500);
  Object.assign(seen, {
    windows: BrowserWindow.getAllWindows().length,
    quitRequests: state.quitRequests,
    database: fs.existsSync(path.join(userData, 'quire.db')),
    ipcListeners: electron.ipcMain.eventNames().length,
  });
} else if (scenario === 'full') {
  let q = await quire();
  const win = mainWindow();
  const wc = win.webContents;
  const page = wc.page;
  const nav = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
  wc.emit('will-navigate', nav, 'https://example.com/');
  let permission;
  session.defaultSession.permissionRequest(wc, 'media', (ok) => (permission = ok), {});
  Object.assign(seen, {
    privileged: state.privileged,
    page: { url: page.url, status: page.status, csp: page.headers['content-security-policy'], html: page.body.slice(0, 200) },
    missing: (await session.defaultSession.handlers.get('quire')(new Request('quire://app/../package.json'))).status,
    quireKeys: Object.keys(q).sort(),
    frozen: Object.isFrozen(q),
    prefs: (({ contextIsolation, sandbox, nodeIntegration, webSecurity, preload }) => ({ contextIsolation, sandbox, nodeIntegration, webSecurity, preload: path.relative(outDir, preload) }))(wc.preferences),
    windowOpen: wc.windowOpenHandler({ url: 'https://example.com/' }),
    navigationPrevented: nav.defaultPrevented,
    permission,
    permissionCheck: session.defaultSession.permissionCheck(wc, 'notifications'),
    hostInfo: await q.getHostInfo(),
    settings: await q.getSettings(),
  });

  // A frame in our window on an origin we never serve: its call is refused. Main answers
  // through webContents.send, so the reply shows up on the page's channel.
  const replies = [];
  page.events.on('quire:rpc:to-renderer', (_e, env) => env.c === 'intruder' && replies.push(env));
  electron.foreignFrame(wc, 'https://evil.example/').send('quire:rpc:to-main', { c: 'intruder', m: { t: 'call', id: 1, method: 'listDocuments', args: [] } });
  electron.foreignFrame(wc, 'quire://app/index.html', { subframe: true }).send('quire:rpc:to-main', { c: 'intruder', m: { t: 'call', id: 2, method: 'listDocuments', args: [] } });
  await sleep(100);
  seen.intruderReplies = replies;

  const outputDir = path.join(process.env.FAKE_ELECTRON_HOME, 'exports');
  fs.mkdirSync(outputDir, { recursive: true });
  seen.updatedSettings = await q.updateSettings({ outputDir, defaultFormats: ['html', 'md'], openFolderWhenDone: true });
  seen.settingsFile = JSON.parse(fs.readFileSync(path.join(userData, 'settings.json'), 'utf8'));
  seen.badSettings = await errorOf(q.updateSettings({ concurrency: 99 }));

  // Export, reload mid-export, see it finish once.
  const oldEvents = [];
  q.onDidChangeJob((j) => oldEvents.push(j));
  const doc = await q.createDocument({ title: 'Smoke Report', source: '# Smoke Report\n\nHello.\n', format: 'md' });
  const { jobId } = await q.startExport({ documentId: doc.id, stageId: 'export' });
  await until(() => oldEvents.some((j) => j.id === jobId && j.status === 'running'), 'the job to run');
  seen.blockersWhileRunning = state.blockers.size;
  const before = await q.getJob(jobId);
  await wc.reload();
  q = await until(() => wc.page !== page && wc.page.window.quire, 'the reloaded page');
  const newEvents = [];
  q.onDidChangeJob((j) => newEvents.push(j));
  const oldCount = oldEvents.length;
  const done = await completed(q, jobId, 'the job to complete');
  await until(() => newEvents.some((j) => j.id === jobId && j.status === 'completed'), 'the completed event on the new page');
  await sleep(50);
  Object.assign(seen, {
    before: { attempt: before.attempt, progress: before.progress },
    done: { status: done.status, attempt: done.attempt, outputs: done.outputs.map((o) => path.relative(outputDir, o.path)) },
    oldPageEventsAfterReload: oldEvents.length - oldCount,
    jobs: (await q.listJobs()).length,
    notifications: state.notifications.map(({ title, body }) => ({ title, body })),
    revealed: state.revealed.map((p) => path.relative(outputDir, p)),
    lastProgress: state.progress.at(-1),
    sawProgress: state.progress.some((p) => p.mode === 'normal' && p.progress > 0 && p.progress < 1),
    blockersAfter: state.blockers.size,
  });
  state.notifications.at(-1).click();
  await q.openOutput(done.outputs[0].path);
  seen.opened = state.opened.map((p) => path.relative(outputDir, p));
  seen.openOther = await errorOf(q.openOutput('/etc/passwd'));

  // Quit while a job runs: declining keeps it running; confirming hands it back to the queue.
  const doc2 = await q.createDocument({ title: 'Long Job', source: '# Long\n', format: 'md' });
  const second = await q.startExport({ documentId: doc2.id, stageId: 'export' });
  await until(async () => (await q.getJob(second.jobId)).status === 'running', 'the second job to run');
  state.dialogResponses.push(0);
  app.quit();
  await until(() => state.dialogs.length === 1, 'the quit dialog');
  await sleep(200);
  seen.afterDecline = { quit: state.quit, dialog: state.dialogs[0], job: (await q.getJob(second.jobId)).status };
  state.dialogResponses.push(1);
  app.quit();
  await until(() => state.quit, 'the app to quit');
  const Database = createRequire(import.meta.url)('better-sqlite3');
  const db = new Database(path.join(userData, 'quire.db'), { readonly: true });
  seen.afterQuit = { dialogs: state.dialogs.length, row: db.prepare('select status, attempt, owner_pid from jobs where id = ?').get(second.jobId) };
  db.close();
  seen.secondJobId = second.jobId;
} else if (scenario === 'flush') {
  // The page's flush (renderer/src/store/actions.ts flushBeforeLeaving), played here: the
  // save it still had pending goes to the engine over the window's own IPC connection.
  let q = await quire();
  const wc = mainWindow().webContents;
  const doc = await q.createDocument({ title: 'Typed', source: '# Typed\n', format: 'md' });
  const flushes = [];
  const pageSaves = (api, text) => async () => {
    flushes.push(text);
    await api.saveDocument(doc.id, { source: text });
    return { saved: true };
  };
  const unloadEvent = () => ({ defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } });

  // Ctrl+R while the page's beforeunload objects (unsaved edits): Electron emits will-prevent-unload.
  let page = wc.page;
  page.window.quireShell.onFlushRequest(pageSaves(q, '# Typed\n\nline before the reload\n'));
  const reloadEvent = unloadEvent();
  wc.emit('will-prevent-unload', reloadEvent);
  q = await until(() => wc.page !== page && wc.page.window.quire, 'the reload after the flush');
  seen.reload = { letThrough: reloadEvent.defaultPrevented, flushes: [...flushes], source: (await q.getDocument(doc.id)).source, dialogs: state.dialogs.length };

  // The page cannot save: main asks; "Stay" keeps the page.
  page = wc.page;
  page.window.quireShell.onFlushRequest(async () => ({ saved: false, message: 'Not connected to Quire right now.' }));
  state.dialogResponses.push(0);
  wc.emit('will-prevent-unload', unloadEvent());
  await until(() => state.dialogs.length === 1, 'the unsaved-changes dialog');
  await sleep(200);
  seen.stayed = { samePage: wc.page === page, dialog: state.dialogs[0] };

  // Quit: the page saves before the engine stops.
  page.window.quireShell.onFlushRequest(pageSaves(q, '# Typed\n\nline before quitting\n'));
  app.quit();
  await until(() => state.quit, 'the app to quit');
  const Database = createRequire(import.meta.url)('better-sqlite3');
  const db = new Database(path.join(userData, 'quire.db'), { readonly: true });
  seen.afterQuit = { flushes: flushes.length, dialogs: state.dialogs.length, source: db.prepare('select source from documents where id = ?').get(doc.id).source };
  db.close();
} else if (scenario === 'resume') {
  const q = await quire();
  const jobId = process.env.SMOKE_JOB_ID;
  const done = await completed(q, jobId, 'the resumed job to complete');
  seen.resumed = { status: done.status, attempt: done.attempt, jobs: (await q.listJobs()).length };
  app.quit();
  await until(() => state.quit, 'the app to quit');
  seen.dialogs = state.dialogs.length;
}

seen.errors = state.errors;
process.stdout.write(`\nSMOKE ${JSON.stringify(seen)}\n`);
process.exit(0);
