/**
 * `quire serve`: the browser host. Runs the engine, serves the built renderer (out/web) and
 * the QuireApi over a token-checked WebSocket on 127.0.0.1, and prints the page's address as
 * the first line of stdout (tests read it). Stops on SIGINT/SIGTERM: running jobs go back to
 * the queue and resume at the next start.
 *
 *   quire serve [--port N] [--data-dir DIR] [--out DIR] [--token TOKEN]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Errors } from '../api/errors.ts';
import { formatBytes } from '../api/types.ts';
import { createEngine } from '../engine.ts';
import { engineOptions } from './engine-options.ts';
import { readVersion } from './commands.ts';
import { JsonSettingsStore, defaultSettings } from '../host/settings.ts';
import { assertUsableOutputDir } from '../jobs/output-dir.ts';
import { defaultOutputDir } from '../paths.ts';
import { createWebHostApi, loadOrCreateToken } from '../web-host/host.ts';
import { startWebHost } from '../web-host/server.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WEB_DIR = path.join(ROOT, 'out', 'web');
const DEFAULT_PORT = 7420;

interface Io {
  out: { write(s: string): unknown };
  err: { write(s: string): unknown };
}

/** What the web UI is built from: a change here makes out/web stale. */
const WEB_SOURCES = [path.join(ROOT, 'renderer'), path.join(ROOT, 'engine', 'api')];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (!/\.test\.tsx?$/.test(entry.name)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Builds out/web with vite when it is missing or older than its sources (a source checkout
 * after a pull); false if that is not possible.
 */
function ensureWebBuild(io: Io): boolean {
  const index = path.join(WEB_DIR, 'index.html');
  const built = fs.existsSync(index) ? fs.statSync(index).mtimeMs : 0;
  const sources = WEB_SOURCES.filter((d) => fs.existsSync(d));
  if (built && (sources.length === 0 || Math.max(...sources.map(newestMtime)) <= built)) return true;
  const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const config = path.join(ROOT, 'vite.web.config.ts');
  if (!fs.existsSync(vite) || !fs.existsSync(config)) return built > 0;
  io.err.write(`quire: the web UI is ${built ? 'older than its sources' : 'not built yet'}; building it (npm run build:web)…\n`);
  // vite's output goes to stderr: stdout's first line is reserved for the address.
  const r = spawnSync(process.execPath, [vite, 'build', '--config', config], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  return r.status === 0 && fs.existsSync(path.join(WEB_DIR, 'index.html'));
}


/** `values`: serve's options as main.ts parsed them against its table (commands.ts). */
export async function cmdServe({ values }: { values: { port?: string; 'data-dir'?: string; out?: string; token?: string; concurrency?: string } }, io: Io): Promise<number> {
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw Errors.invalidInput('--port must be a whole number from 0 to 65535 (0 picks a free port).');
  if (values.token !== undefined && !/^[A-Za-z0-9_-]{16,200}$/.test(values.token)) {
    throw Errors.invalidInput('--token must be 16 to 200 letters, digits, "-" or "_".');
  }
  const options = engineOptions(values);

  if (!ensureWebBuild(io)) {
    io.err.write(`quire: the web UI is not built (${WEB_DIR} is missing). Run "npm run build:web" first.\n`);
    return 1;
  }

  const { dataDir } = options;
  fs.mkdirSync(dataDir, { recursive: true });
  const settings = new JsonSettingsStore(path.join(dataDir, 'settings.json'), defaultSettings(defaultOutputDir()));
  if (values.out) {
    assertUsableOutputDir(values.out);
    settings.update({ outputDir: path.resolve(values.out) });
  }

  const engine = await createEngine({
    ...options,
    outputDir: settings.get().outputDir,
    // The user's settings sit under what a stage or a call asks for.
    exportDefaults: () => {
      const s = settings.get();
      return { outDir: s.outputDir, pdf: s.pdf, overwrite: s.overwriteOutputs };
    },
  });

  let host;
  try {
    host = await startWebHost({
      api: createWebHostApi(engine, settings, readVersion()),
      staticDir: WEB_DIR,
      token: values.token ?? loadOrCreateToken(dataDir),
      port,
      onError: (e) => io.err.write(`quire serve: ${(e as Error)?.stack ?? String(e)}\n`),
    });
  } catch (e) {
    await engine.close();
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      io.err.write(`quire: port ${port} is in use. Choose another with --port N, or --port 0 for a free one.\n`);
      return 1;
    }
    throw e;
  }

  // First stdout line: the address (tests and scripts read it). Details go to stderr.
  io.out.write(`${host.url}\n`);
  io.err.write(`quire: serving Quire at ${host.origin} (data: ${dataDir}). Open the address above; Ctrl-C stops.\n`);
  const { folders, bytes } = engine.leftoversRemoved;
  if (folders) io.err.write(`quire: removed ${folders} leftover folder${folders > 1 ? 's' : ''} (${formatBytes(bytes)}) from earlier runs.\n`);

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  io.err.write('quire: stopping; running exports resume at the next start.\n');
  await host.close();
  await engine.close();
  return 0;
}
