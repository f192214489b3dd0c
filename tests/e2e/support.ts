/**
 * E2E support: `bin/quire serve` as a real child process on a temp data folder, the CLI's
 * view of the jobs (`quire jobs --json`), axe-core checks, screenshots and a few UI steps.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, type Page } from '@playwright/test';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const QUIRE_BIN = path.join(ROOT, 'bin', 'quire');
/** Stable folder for the screenshots of every state (kept as test artifacts). */
export const SCREENSHOT_DIR = path.join(ROOT, 'test-results', 'screenshots');

const STARTUP_TIMEOUT_MS = 90_000;

export interface ServerOptions {
  /** QUIRE_TEST_STEP_DELAY_MS: each job step pauses this long, so a test can act mid-export. */
  stepDelayMs?: number;
}

/**
 * `quire serve --port N --data-dir D --out O --concurrency 1`, started and stopped as a real
 * process. One job at a time on any machine, so "Queued" can be seen the same way everywhere.
 */
export class QuireServer {
  readonly dir: string;
  readonly dataDir: string;
  readonly outDir: string;
  url = '';
  port = 0;
  stderr = '';
  #child: ChildProcess | null = null;
  readonly #options: ServerOptions;

  private constructor(options: ServerOptions) {
    this.#options = options;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-e2e-'));
    this.dataDir = path.join(this.dir, 'data');
    this.outDir = path.join(this.dir, 'out');
  }

  static async start(options: ServerOptions = {}): Promise<QuireServer> {
    const server = new QuireServer(options);
    await server.start(0);
    return server;
  }

  get running(): boolean {
    return this.#child !== null;
  }

  /** Starts the server (port 0: a free one) and reads the address from its first stdout line. */
  async start(port = this.port): Promise<void> {
    if (this.#child) throw new Error('the server is already running');
    const child = spawn(process.execPath, [QUIRE_BIN, 'serve', '--port', String(port), '--data-dir', this.dataDir, '--out', this.outDir, '--concurrency', '1'], {
      cwd: ROOT,
      env: { ...process.env, QUIRE_TEST_STEP_DELAY_MS: String(this.#options.stepDelayMs ?? 0) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    child.stderr!.on('data', (d) => (this.stderr += d));
    child.once('exit', () => {
      if (this.#child === child) this.#child = null;
    });
    this.url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => fail(new Error(`quire serve printed no address in ${STARTUP_TIMEOUT_MS} ms\n${this.stderr}`)), STARTUP_TIMEOUT_MS);
      const onData = (d: Buffer) => {
        out += d;
        const nl = out.indexOf('\n');
        if (nl < 0) return;
        cleanup();
        resolve(out.slice(0, nl).trim());
      };
      const onExit = (code: number | null) => fail(new Error(`quire serve exited (${code}) before printing its address\n${this.stderr}`));
      const cleanup = () => {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.off('exit', onExit);
      };
      const fail = (e: Error) => {
        cleanup();
        reject(e);
      };
      child.stdout!.on('data', onData);
      child.once('exit', onExit);
    });
    this.port = Number(new URL(this.url).port);
  }

  /** Sends the signal to our own child and waits until it has exited. */
  async kill(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<void> {
    const child = this.#child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
    this.#child = null;
  }

  async dispose(): Promise<void> {
    await this.kill('SIGTERM');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface CliJob {
  jobId: string;
  documentId: string;
  status: string;
  progress: number;
  attempt: number;
  outputs: Array<{ format: string; path: string; bytes: number; pages?: number }>;
  error?: { code: string; message: string };
  /** What the job ran (engine/api/export-spec.ts ExportSpec), as `quire jobs --json` prints it. */
  spec?: { title: string; style: { theme: string; toc: boolean }; metadata: Record<string, unknown> };
}

/** What `bin/quire jobs --json --data-dir DIR` reports (a separate process reading the same SQLite). */
export async function quireJobs(dataDir: string): Promise<CliJob[]> {
  const child = spawn(process.execPath, [QUIRE_BIN, 'jobs', '--json', '--data-dir', dataDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`quire jobs failed (${code}): ${err}`);
  return out
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as CliJob);
}

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core in the page and fails on any serious or critical violation. The source is
 * evaluated through the DevTools protocol: the page's CSP (rightly) refuses inline scripts.
 * The preview iframe holds the user's own document (and runs no scripts), so it is skipped.
 */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: unknown }> }> }> } }).axe;
    const result = await axe.run(document, { iframes: false, resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 5) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad, `axe: serious/critical violations on "${screen}":\n${JSON.stringify(bad, null, 2)}`).toEqual([]);
}

/** A full-page screenshot in test-results/screenshots/<name>.png. */
export async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true, animations: 'disabled' });
}

/** The document id in the page's address (#/documents/<id>/…). */
export function documentIdOf(page: Page): string {
  const m = /#\/documents\/([^/]+)/.exec(page.url());
  if (!m) throw new Error(`not on a document page: ${page.url()}`);
  return decodeURIComponent(m[1]!);
}

/** Creates a document from the Library form and types its source; returns its id. */
export async function createDocument(page: Page, title: string, source?: string): Promise<string> {
  await page.getByRole('link', { name: 'Library', exact: true }).first().click();
  await expect(page.getByRole('heading', { name: 'Library', level: 1 })).toBeVisible();
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByRole('button', { name: 'Create document' }).click();
  await expect(page.getByRole('heading', { name: 'Write', level: 1 })).toBeVisible();
  if (source !== undefined) {
    await page.getByLabel('Markdown source').fill(source);
    await expect(page.getByTestId('save-status')).toHaveText('Saved');
  }
  return documentIdOf(page);
}

export async function openStage(page: Page, title: 'Write' | 'Details' | 'Export'): Promise<void> {
  await page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: new RegExp(`^\\S*\\s*${title}`) }).click();
  await expect(page.getByRole('heading', { name: title, level: 1 })).toBeVisible();
}

const FORMAT_LABELS = { pdf: 'PDF', html: 'HTML', md: 'Markdown' } as const;

export async function chooseFormats(page: Page, formats: Array<keyof typeof FORMAT_LABELS>): Promise<void> {
  for (const [f, label] of Object.entries(FORMAT_LABELS)) {
    const box = page.getByRole('checkbox', { name: new RegExp(`^${label} —`) });
    await box.setChecked(formats.includes(f as keyof typeof FORMAT_LABELS));
  }
}

export function progressValue(page: Page): Promise<number> {
  return page
    .getByRole('progressbar', { name: 'Export progress' })
    .getAttribute('aria-valuenow')
    .then((v) => Number(v));
}

/** Waits until the export card shows a running job at or past `min` percent; returns that value. */
export async function waitForProgress(page: Page, min: number): Promise<number> {
  let value = -1;
  await expect
    .poll(
      async () => {
        const card = page.getByTestId('job-card');
        if ((await card.getAttribute('data-status').catch(() => null)) !== 'running') return -1;
        value = await progressValue(page).catch(() => -1);
        return value;
      },
      { timeout: 90_000, intervals: [100, 200, 250] },
    )
    .toBeGreaterThanOrEqual(min);
  return value;
}
