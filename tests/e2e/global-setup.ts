/** Builds the renderer for the browser host once per run (never a stale bundle) and clears old screenshots. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { ROOT, SCREENSHOT_DIR } from './support.ts';

export default function globalSetup(): void {
  fs.rmSync(SCREENSHOT_DIR, { recursive: true, force: true });
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const r = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'vite.web.config.ts', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('npm run build:web failed; the E2E tests need out/web.');
}
