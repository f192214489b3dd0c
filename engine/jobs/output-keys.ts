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

/** The key of an output path: its folder resolved, its own name kept (it may be a symlink we must not follow). */
export function outputKeyOf(file: string): string {
  const abs = path.resolve(file);
  return foldKey(path.join(realOrResolved(path.dirname(abs)), path.basename(abs)));
}

/** The key of a source file: the file itself resolved (a symlink's target is the source). */
export function sourceKeyOf(file: string): string {
  return foldKey(realOrResolved(path.resolve(file)));
}
