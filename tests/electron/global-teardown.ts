/** After the Electron E2E run: put better-sqlite3 back to Node's ABI so `npm test` works at once. */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, findElectronBinary } from './support.ts';

export default function globalTeardown(): void {
  if (!findElectronBinary().ok) return;
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'ensure-native.mjs'), 'node'], { cwd: ROOT, stdio: 'inherit' });
}
