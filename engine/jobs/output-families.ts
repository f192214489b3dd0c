/**
 * Name families of output files: "notes.pdf", "notes (2).html", "notes (3).md" in one folder
 * are family "<folder>/notes" with numbers 1, 2, 3. output_files keeps each path's family and
 * number (migration 0007) under an index, so the next free "(n)" for a title that hundreds of
 * documents share is one index lookup, not a probe of every earlier number.
 *
 * @example
 * nameFamilyOf('/out/notes (2).pdf');   // { family: '/out/notes', number: 2 }
 * nameFamilyOf('/out/notes.pdf');       // { family: '/out/notes', number: 1 }
 * familyOfBase('/out', 'notes');        // '/out/notes': where "notes (n)" are counted
 */
import path from 'node:path';
import { outputKeyOf } from './output-keys.ts';

const NUMBERED = /^(.*) \((\d{1,9})\)$/s;

/**
 * The family and number of an output key (outputKeyOf): its name without the extension, and
 * without a trailing " (n)", which is the number. Only a hint for picking names: a title that
 * itself ends in " (2)" lands in a family too, and at worst a number is skipped.
 */
export function nameFamilyOf(key: string): { family: string; number: number } {
  const dir = path.dirname(key);
  const name = path.basename(key);
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const m = NUMBERED.exec(stem);
  if (m && Number(m[2]) >= 2) return { family: path.join(dir, m[1]!), number: Number(m[2]) };
  return { family: path.join(dir, stem), number: 1 };
}

/**
 * The family a job's numbered candidates "base (2)", "base (3)", … fall in: the folder's key
 * plus the base as given (not parsed: a base that ends in " (2)" numbers on from itself).
 */
export function familyOfBase(outDir: string, base: string, realDirs?: Map<string, string>): string {
  // outputKeyOf resolves the folder and case-folds like the keys it is compared with.
  const key = outputKeyOf(path.join(outDir, `${base} (2).x`), realDirs);
  return nameFamilyOf(key).family;
}
