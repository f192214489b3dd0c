/**
 * Where Quire keeps its data and puts outputs by default: the same folders Electron's
 * app.getPath('userData') and app.getPath('documents') give the desktop app, so the CLI and
 * the app share one job store.
 */
import os from 'node:os';
import path from 'node:path';

export const APP_NAME = 'Quire';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.QUIRE_DATA_DIR) return path.resolve(env.QUIRE_DATA_DIR);
  const home = os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_NAME);
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_NAME);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_NAME);
}

export function defaultOutputDir(): string {
  return path.join(os.homedir(), 'Documents', APP_NAME);
}
