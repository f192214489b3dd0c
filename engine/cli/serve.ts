/**
 * `quire serve`: the browser host. Runs the engine, serves the built renderer (out/web, made
 * by `npm run build:web`) and the QuireApi over a token-checked WebSocket on 127.0.0.1, and
 * prints the page's address as the first line of stdout (tests read it). Stops on
 * SIGINT/SIGTERM: running jobs go back to the queue and resume at the next start.
 *
 *   quire serve [--port N] [--data-dir DIR] [--out DIR] [--token TOKEN]
 */
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
import { createWebHostApi, loadOrCreateToken, webHostAssetReader } from '../web-host/host.ts';
import { startWebHost } from '../web-host/server.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WEB_DIR = path.join(ROOT, 'out', 'web');
const DEFAULT_PORT = 7420;

interface Io {
  out: { write(s: string): unknown };
  err: { write(s: string): unknown };
}

/**
 * What to tell the user when `webDir` holds no built UI, else null. Building it is the build
 * step's job (`npm run build:web`, vite.web.config.ts): serve only needs its output.
 */
export function missingWebBuild(webDir: string, projectDir: string): string | null {
  const index = path.join(webDir, 'index.html');
  if (fs.existsSync(index)) return null;
  return `the web UI is not built (${index} is missing). Run "npm run build:web" in ${projectDir}, then start "quire serve" again.`;
}

/** `values`: serve's options as main.ts parsed them against its table (commands.ts). */
export async function cmdServe({ values }: { values: { port?: string; 'data-dir'?: string; out?: string; token?: string; concurrency?: string } }, io: Io): Promise<number> {
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw Errors.invalidInput('--port must be a whole number from 0 to 65535 (0 picks a free port).');
  if (values.token !== undefined && !/^[A-Za-z0-9_-]{16,200}$/.test(values.token)) {
    throw Errors.invalidInput('--token must be 16 to 200 letters, digits, "-" or "_".');
  }
  const options = engineOptions(values);

  const missing = missingWebBuild(WEB_DIR, ROOT);
  if (missing) {
    io.err.write(`quire: ${missing}\n`);
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
    // The user's settings: their layer of resolveExport (engine/api/export-spec.ts).
    settings: () => settings.get(),
  });

  let host;
  try {
    host = await startWebHost({
      api: createWebHostApi(engine, settings, readVersion()),
      readAsset: webHostAssetReader(engine),
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
