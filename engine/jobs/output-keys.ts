/**
 * One spelling per file, so "is this path a source?" and "did Quire write this path?" are
 * index lookups: the folder's real path (symlinks resolved) plus the name, case-folded and
 * NFC-normalized where the usual file system ignores case (Windows, macOS).
 *
 * @example
 * outputKeyOf('/home/me/notes/../out/Notes.pdf'); // '/home/me/out/Notes.pdf' on Linux
 */
import fs from 'node:fs';
import path from 'node:path';

const CASE_INSENSITIVE = process.platform === 'win32' || process.platform === 'darwin';

export function foldKey(p: string): string {
  return CASE_INSENSITIVE ? p.normalize('NFC').toLowerCase() : p;
}

function realOrResolved(p: string): string {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * The key of an output path: its folder resolved, its own name kept (it may be a symlink we must
 * not follow). `realDirs` keeps folders resolved already, for many keys in one folder at once
 * (one enqueue transaction), not for longer: a folder may be moved.
 */
export function outputKeyOf(file: string, realDirs?: Map<string, string>): string {
  const abs = path.resolve(file);
  const dir = path.dirname(abs);
  let real = realDirs?.get(dir);
  if (real === undefined) {
    real = realOrResolved(dir);
    realDirs?.set(dir, real);
  }
  return foldKey(path.join(real, path.basename(abs)));
}

/** The key of a source file: the file itself resolved (a symlink's target is the source). */
export function sourceKeyOf(file: string): string {
  return foldKey(realOrResolved(path.resolve(file)));
}
