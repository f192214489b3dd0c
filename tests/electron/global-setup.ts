/**
 * Before the Electron E2E run: build the app and rebuild better-sqlite3 for Electron's ABI.
 * Nothing happens when there is no Electron binary (the suite skips itself).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, findElectronBinary } from './support.ts';

export default function globalSetup(): void {
  const binary = findElectronBinary();
  if (!binary.ok) {
    console.warn(`\nElectron E2E: every test is skipped: ${binary.reason}\n`);
    return;
  }
  const run = (file: string, args: string[]) => execFileSync(file, args, { cwd: ROOT, stdio: 'inherit' });
  run(process.execPath, [path.join(ROOT, 'scripts', 'ensure-native.mjs'), 'electron']);
  run(process.execPath, [path.join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build']);
}
