/**
 * "Is anything at this path?" for the many names one enqueue transaction probes in one output
 * folder, answered from the folder's listing, read once, instead of an lstat each. An lstat of
 * a name that is not there cost 20–35 µs here, about a tenth of enqueueing a job (issue #10,
 * case 8); a listing of a few thousand names costs about as much as a hundred lstats.
 *
 * The listing only ever says "nothing there": a name it holds, or might hold, is still looked
 * at with diskVerdict's lstat. Names are compared folded (NFKC, case-folded both ways), so
 * "Notes.PDF" in the folder sends "notes.pdf" to the lstat even where names are told apart by
 * case. Like the lstat it replaces, the answer is for choosing a name only: a file that appears
 * later is caught when the output is published (publishOutput checks again and links without
 * replacing).
 *
 * A folder is listed only after `listAfter` probes in it within one transaction (a single
 * export into a folder of 100,000 files pays one lstat, not a listing), and never when it holds
 * more than `maxNames` entries (then every probe is an lstat).
 *
 * @example
 * const names = new FolderNames();
 * const v = names.verdict('/out/notes (7).pdf', row, who); // as diskVerdict answers
 */
import fs from 'node:fs';
import path from 'node:path';
import { diskVerdict, type ClaimInput, type Verdict } from './output-claims.ts';

export interface FolderNamesOptions {
  /** Probes in one folder answered by lstat before its listing is read. */
  listAfter: number;
  /** Entries read at most; a bigger folder is never listed. */
  maxNames: number;
}

export const FOLDER_NAMES_DEFAULTS: FolderNamesOptions = { listAfter: 32, maxNames: 4096 };

/** One name as every file system Quire runs on might confuse it with another: NFKC, then upper- and lower-cased ("ß" → "ss"). */
export function foldName(name: string): string {
  return name.normalize('NFKC').toUpperCase().toLowerCase();
}

export class FolderNames {
  readonly #options: FolderNamesOptions;
  readonly #probes = new Map<string, number>();
  /** Per folder: its folded names, or null when it was not listed (too big, unreadable). */
  readonly #names = new Map<string, Set<string> | null>();

  constructor(options: Partial<FolderNamesOptions> = {}) {
    this.#options = { ...FOLDER_NAMES_DEFAULTS, ...options };
  }

  /** diskVerdict's answer for `file`: "new" without a system call when its folder's listing rules it out. */
  verdict(file: string, row: Parameters<typeof diskVerdict>[1], who: ClaimInput): Verdict {
    const names = this.#listing(path.dirname(file));
    if (names && !names.has(foldName(path.basename(file)))) return { free: true, mode: 'new' };
    return diskVerdict(file, row, who);
  }

  #listing(dir: string): Set<string> | null {
    const known = this.#names.get(dir);
    if (known !== undefined) return known;
    const probes = (this.#probes.get(dir) ?? 0) + 1;
    this.#probes.set(dir, probes);
    if (probes <= this.#options.listAfter) return null;
    const names = readNames(dir, this.#options.maxNames);
    this.#names.set(dir, names);
    return names;
  }
}

/** The folder's folded names, or null if it has more than `max` or cannot be read. */
function readNames(dir: string, max: number): Set<string> | null {
  let handle: fs.Dir;
  try {
    handle = fs.opendirSync(dir, { bufferSize: 256 });
  } catch {
    return null;
  }
  try {
    const names = new Set<string>();
    let read = 0;
    for (let entry = handle.readSync(); entry; entry = handle.readSync()) {
      if (++read > max) return null;
      names.add(foldName(entry.name));
    }
    return names;
  } catch {
    return null;
  } finally {
    handle.closeSync();
  }
}
