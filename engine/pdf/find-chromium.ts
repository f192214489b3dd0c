/**
 * Where the system Chromium (or Chrome/Edge) lives. Quire never downloads a browser: it uses
 * the one the user installed, or the one QUIRE_CHROMIUM names.
 *
 * @example
 * const executablePath = findChromium(); // '/usr/bin/chromium' on Debian
 * findChromium({ QUIRE_CHROMIUM: '/opt/chrome/chrome' }); // that path, if it is executable
 */
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import path from 'node:path';
import { Errors, QuireError } from '../api/errors.ts';

/**
 * Flags every headless Chromium we start gets (the PDF renderer and the E2E browser):
 * no sandbox (root in CI containers), no GPU, and none of the background connections that a
 * closed network refuses many at a time.
 */
export const HEADLESS_CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface FindChromiumOptions {
  /** Defaults to `process.platform`; tests pass another to check the candidate lists. */
  platform?: NodeJS.Platform;
  /** Defaults to a real file-system check; tests pass a fake. */
  isExecutable?: (file: string) => boolean;
}

/**
 * Path of a Chromium-family browser: QUIRE_CHROMIUM when set, else the first usual install
 * location that holds an executable. Throws QuireError CHROMIUM_NOT_FOUND otherwise.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env, options: FindChromiumOptions = {}): string {
  const isExecutable = options.isExecutable ?? isExecutableFile;
  const override = env.QUIRE_CHROMIUM?.trim();
  // An explicit choice that is wrong must not silently fall back to another browser.
  if (override) return checkChromiumPath(override, 'QUIRE_CHROMIUM', isExecutable);
  const tried = chromiumCandidates(options.platform ?? process.platform, env);
  const found = tried.find((candidate) => isExecutable(candidate));
  if (found) return found;
  throw Errors.chromiumNotFound(tried);
}

/**
 * Returns `file` when it is an executable, else throws CHROMIUM_NOT_FOUND naming it, where
 * it came from (`source`, e.g. QUIRE_CHROMIUM) and why it cannot be used.
 */
export function checkChromiumPath(file: string, source: string, isExecutable: (file: string) => boolean = isExecutableFile): string {
  if (isExecutable(file)) return file;
  throw new QuireError(
    'CHROMIUM_NOT_FOUND',
    `${source} is set to "${file}", but ${whyNotExecutable(file)}. Point it at the Chromium or Chrome executable, or unset it to use an installed Chromium.`,
    { path: file },
  );
}

/** The usual install locations, most likely first. */
export function chromiumCandidates(platform: NodeJS.Platform, env: NodeJS.ProcessEnv = process.env): string[] {
  if (platform === 'darwin') {
    const apps = [
      'Google Chrome.app/Contents/MacOS/Google Chrome',
      'Chromium.app/Contents/MacOS/Chromium',
      'Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
    ];
    const roots = ['/Applications', ...(env.HOME ? [path.posix.join(env.HOME, 'Applications')] : [])];
    return roots.flatMap((root) => apps.map((app) => path.posix.join(root, app)));
  }
  if (platform === 'win32') {
    const roots = [env.PROGRAMFILES ?? 'C:\\Program Files', env['PROGRAMFILES(X86)'] ?? 'C:\\Program Files (x86)', env.LOCALAPPDATA];
    const apps = ['Google\\Chrome\\Application\\chrome.exe', 'Chromium\\Application\\chrome.exe', 'Microsoft\\Edge\\Application\\msedge.exe'];
    // A 32-bit process sees the same folder under both names; list it once.
    const unique = [...new Set(roots.filter((root): root is string => !!root))];
    return apps.flatMap((app) => unique.map((root) => path.win32.join(root, app)));
  }
  return [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/snap/bin/chromium',
  ];
}

function isExecutableFile(file: string): boolean {
  try {
    // X_OK is only an existence check on Windows, which is what we want there.
    accessSync(file, fsConstants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function whyNotExecutable(file: string): string {
  try {
    const stat = statSync(file);
    return stat.isDirectory() ? 'that is a folder, not a program' : 'that file is not executable';
  } catch {
    return 'no file exists there';
  }
}
