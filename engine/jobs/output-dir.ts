/**
 * Checks an output folder before anything is written to it, safely and quickly.
 *
 * `fs.mkdirSync(dir, { recursive: true })` never returns for a path under /proc: mkdir there
 * answers ENOENT although the parent exists, and Node's recursive mkdir retries for ever,
 * spinning a core in a call that no signal interrupts. So this module never mkdirs
 * recursively: it finds the nearest existing ancestor with stat, refuses system folders
 * (/proc, /sys, /dev, after resolving symlinks) and special file systems (statfs), creates
 * the missing levels one at a time, then writes and removes a probe file.
 *
 * Every call here is one bounded system call on a local disk, and the levels to create are
 * bounded by the path's depth; a deadline between calls turns a slow drive into a refusal.
 * A single call on a hung network mount cannot be interrupted from JavaScript (nor from a
 * worker thread); only a child process could bound it, at ≈100 ms per check, and the write
 * that follows would hang on that mount anyway, so we do not pay for one.
 *
 * @example
 * assertWritableDir('/proc/x');
 * // QuireError OUTPUT_NOT_WRITABLE: 'Cannot write to the output folder /proc/x (it is inside /proc, …)'
 */
import fs from 'node:fs';
import path from 'node:path';
import { Errors, QuireError } from '../api/errors.ts';
import { WRITE_PROBE_PREFIX, isDeadWriteProbe } from './atomic-files.ts';

/** The whole check (stat, mkdir, probe) must finish within this, or the folder is refused. */
export const OUTPUT_DIR_CHECK_LIMIT_MS = 1000;

const SYSTEM_ADVICE = 'Choose a folder for documents instead, for example one in your home folder.';

/** Folders of the operating system where no document belongs (POSIX), and why. */
const SYSTEM_FOLDERS: ReadonlyArray<{ dir: string; what: string }> = [
  { dir: '/proc', what: "the system's view of running processes, where no files can be saved" },
  { dir: '/sys', what: "the system's view of the kernel and its devices, where no files can be saved" },
  { dir: '/dev', what: 'which holds devices, not documents' },
];

/** Linux statfs f_type magic numbers (linux/magic.h) of file systems that hold no user files. */
const SPECIAL_FILE_SYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0xde5e81e4, 'efivarfs'],
  [0x62656570, 'configfs'],
  [0x65735543, 'fusectl'],
  [0x42494e4d, 'binfmt_misc'],
  [0x19800202, 'mqueue'],
  [0xf97cff8c, 'selinuxfs'],
  [0x6e736673, 'nsfs'],
  [0x958458f6, 'hugetlbfs'],
]);

interface Inspected {
  /** The folder as given, made absolute. */
  dir: string;
  /** The same folder with the symlinks of its existing part resolved. */
  real: string;
  /** Real paths of the levels still to create, outermost first. */
  missing: string[];
}

function reasonOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOSPC') return 'the disk is full';
  if (code === 'ELOOP') return 'too many symbolic links';
  if (code === 'ENAMETOOLONG') return 'the path is too long';
  if (code === 'ENOENT') return 'it cannot be created there';
  return code ?? (e as Error).message;
}

function kindOf(st: fs.Stats): string {
  return st.isFile() ? 'a file' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'a special file';
}

function isInside(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith('/') ? parent : `${parent}/`);
}

function systemFolderOf(p: string): { dir: string; what: string } | undefined {
  if (process.platform === 'win32') return undefined;
  return SYSTEM_FOLDERS.find((f) => isInside(p, f.dir));
}

/** The name of the special file system holding `existing` (Linux), or undefined. Exported for tests. */
export function specialFileSystemOf(existing: string): string | undefined {
  if (process.platform !== 'linux' || typeof fs.statfsSync !== 'function') return undefined;
  try {
    return SPECIAL_FILE_SYSTEMS.get(Number(fs.statfsSync(existing).type));
  } catch {
    return undefined;
  }
}

/** The error for a refused folder: OUTPUT_NOT_WRITABLE, or DATA_DIR_UNUSABLE for the data folder. */
type Refuse = (dir: string, reason: string, advice?: string) => QuireError;

function deadline(dir: string, refuse: Refuse): () => void {
  const end = Date.now() + OUTPUT_DIR_CHECK_LIMIT_MS;
  return () => {
    if (Date.now() > end) {
      throw refuse(dir, `it did not answer within ${OUTPUT_DIR_CHECK_LIMIT_MS / 1000} s`, 'A network or removable drive may be slow or gone; choose a folder on this computer.');
    }
  };
}

/**
 * Everything but writing: the folder is absolute, not a system folder, not a file, on an
 * ordinary file system; returns what is missing of it. Throws OUTPUT_NOT_WRITABLE.
 */
function inspect(dirIn: string, tick: () => void, refuseAs: Refuse): Inspected {
  const dir = path.resolve(dirIn);
  const refuse = (reason: string, advice?: string) => refuseAs(dir, reason, advice);
  // Walk up to the nearest level that exists; everything below it is to be created.
  const tail: string[] = [];
  let existing = dir;
  for (;;) {
    tick();
    let st: fs.Stats;
    try {
      st = fs.statSync(existing);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const parent = path.dirname(existing);
      // ENOTDIR: a level above is a file; keep walking up to name it.
      if ((code === 'ENOENT' || code === 'ENOTDIR') && parent !== existing) {
        tail.unshift(path.basename(existing));
        existing = parent;
        continue;
      }
      throw refuse(reasonOf(e));
    }
    if (!st.isDirectory()) {
      throw existing === dir ? refuse(`it is ${kindOf(st)}, not a folder`) : refuse(`${existing} is ${kindOf(st)}, not a folder`);
    }
    break;
  }
  const named = systemFolderOf(dir);
  if (named) throw refuse(`it is inside ${named.dir}, ${named.what}`, SYSTEM_ADVICE);

  let realExisting: string;
  try {
    realExisting = fs.realpathSync.native(existing);
  } catch (e) {
    throw refuse(reasonOf(e));
  }
  const real = path.join(realExisting, ...tail);
  // A symlink may lead into a system folder: judge where it really goes.
  const namedReal = systemFolderOf(real);
  if (namedReal) throw refuse(`it leads to ${real}, inside ${namedReal.dir}, ${namedReal.what}`, SYSTEM_ADVICE);
  tick();
  const fsType = specialFileSystemOf(realExisting);
  if (fsType) throw refuse(`it is on the ${fsType} file system, where no files can be saved`, SYSTEM_ADVICE);

  const missing: string[] = [];
  let level = realExisting;
  for (const name of tail) {
    level = path.join(level, name);
    missing.push(level);
  }
  return { dir, real, missing };
}

/**
 * Checks without creating or writing anything (e.g. when a folder is saved as a setting):
 * refuses system folders, files, special file systems and paths through a file.
 */
export function assertUsableOutputDir(dir: string): void {
  inspect(dir, deadline(path.resolve(dir), Errors.outputNotWritable), Errors.outputNotWritable);
}

/**
 * The same check for the data folder (--data-dir, QUIRE_DATA_DIR), before the database
 * creates it with a recursive mkdir: /proc, /sys, /dev, a file or a special file system is
 * refused with DATA_DIR_UNUSABLE instead of hanging.
 */
export function assertUsableDataDir(dir: string): void {
  inspect(dir, deadline(path.resolve(dir), Errors.dataDirUnusable), Errors.dataDirUnusable);
}

/**
 * Checks up front that a folder can take our outputs: creates its missing levels one at a
 * time, then writes and removes a probe file. Returns the folder's real path. Throws
 * OUTPUT_NOT_WRITABLE with the reason, within about OUTPUT_DIR_CHECK_LIMIT_MS.
 */
export function assertWritableDir(dirIn: string): string {
  const tick = deadline(path.resolve(dirIn), Errors.outputNotWritable);
  const { dir, real, missing } = inspect(dirIn, tick, Errors.outputNotWritable);
  try {
    for (const level of missing) {
      tick();
      try {
        fs.mkdirSync(level);
      } catch (e) {
        // Another process may have made it meanwhile; anything else is a refusal, never a retry.
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !fs.statSync(level).isDirectory()) throw e;
      }
    }
    tick();
    const probe = path.join(real, `${WRITE_PROBE_PREFIX}${process.pid}-${Date.now()}`);
    fs.writeFileSync(probe, '', { flag: 'wx' });
    fs.rmSync(probe, { force: true });
    // A process killed between those two lines left its probe: gone with it now.
    for (const name of fs.readdirSync(real)) if (isDeadWriteProbe(name)) fs.rmSync(path.join(real, name), { force: true });
    tick();
  } catch (e) {
    if (e instanceof QuireError) throw e;
    throw Errors.outputNotWritable(dir, reasonOf(e));
  }
  return real;
}
