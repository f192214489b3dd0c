/**
 * Which output paths a document may write, against the database and the disk. A path is
 * free for document D when:
 *  - it is no document's source file (never, not even with overwrite);
 *  - no other active job has reserved it (two running exports never share a file);
 *  - nothing is there, or what is there is D's own recorded output with the bytes Quire wrote
 *    (size, then SHA-256), or the user asked to overwrite and it is a regular file.
 * Otherwise a numbered "name (n)": the document's own earlier one, else the next after the
 * highest number of that name in the folder (output-families.ts); one base must be free for
 * every format of a job, so notes.pdf/notes.html/notes.md stay one family. Every check is an
 * index lookup (output_files by path or family, documents by source_path), run inside the
 * caller's transaction.
 *
 * At write time publishOutput() checks again (a file may have appeared since), records the
 * bytes it is about to publish, publishes without replacing anything foreign (a hard link
 * fails if the name exists; rename only over our own output or with overwrite), then confirms.
 *
 * @example
 * const base = await chooseOutputBase(trx, { documentId, jobId: null, outDir, base: 'notes', formats, overwrite: false });
 * await reserveOutputs(trx, { documentId, jobId, outDir, base, formats });
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Kysely, Selectable } from 'kysely';
import { Errors, isQuireError } from '../api/errors.ts';
import type { ExportFormat } from '../api/types.ts';
import { immediate } from '../store/db.ts';
import type { Database, OutputFilesTable } from '../store/schema.ts';
import { fsyncDir, sha256Async, sha256Of, tempPathFor, toBuffer, writeSyncedTemp, type WrittenFile } from './atomic-files.ts';
import { outputKeyOf } from './output-keys.ts';
import { familyOfBase, nameFamilyOf } from './output-families.ts';
import { MAX_NAME_NUMBER, nthName } from '../api/output-names.ts';
import { pauseAt } from '../test-pause.ts';
import { holdsClaim } from '../store/job-store.ts';

type Db = Kysely<Database>;

/** How a free path is written: `new` may never replace anything; `replace` replaces a file we may replace. */
export type Verdict =
  | { free: true; mode: 'new' | 'replace'; holds?: { sha256: string; bytes: number } }
  | { free: false; reason: string };

export interface ClaimInput {
  documentId: string;
  /** The job asking (its own reservation is no obstacle); null before the job exists. */
  jobId: string | null;
  overwrite: boolean;
}

export function fileFor(outDir: string, base: string, format: ExportFormat): string {
  return path.join(outDir, `${base}.${format}`);
}

function hashFile(file: string): string {
  return sha256Of(fs.readFileSync(file));
}

/** Which of these recorded versions the file holds exactly, if any (size first: no hashing a stranger). */
function heldVersion(file: string, size: number, versions: Array<{ bytes: number | null; sha256: string | null }>): { sha256: string; bytes: number } | null {
  const candidates = versions.filter((v) => v.sha256 && v.bytes === size);
  if (candidates.length === 0) return null;
  const sha = hashFile(file);
  return candidates.some((v) => v.sha256 === sha) ? { sha256: sha, bytes: size } : null;
}

async function isSource(db: Db, key: string): Promise<boolean> {
  return !!(await db.selectFrom('documents').select('id').where('source_path', '=', key).executeTakeFirst());
}

/** The rules above for one path. */
export async function verdictFor(db: Db, file: string, who: ClaimInput): Promise<Verdict> {
  const key = outputKeyOf(file);
  if (await isSource(db, key)) return { free: false, reason: 'a document source' };
  const row = await db.selectFrom('output_files').selectAll().where('path', '=', key).executeTakeFirst();
  if (row && row.job_id !== who.jobId) {
    const holder = await db.selectFrom('jobs').select('status').where('id', '=', row.job_id).executeTakeFirst();
    if (holder && (holder.status === 'queued' || holder.status === 'running')) return { free: false, reason: 'reserved by another export' };
  }
  return diskVerdict(file, row, who);
}

/** What is recorded of a path, as verdictFor and the enqueue planner read it. */
type OutputFileRow = Pick<Selectable<OutputFilesTable>, 'document_id' | 'bytes' | 'sha256' | 'pending_bytes' | 'pending_sha256'>;

/**
 * The rules above past the database's (no source, no other export's reservation): what is on
 * disk at `file`, given the path's output_files row if any.
 */
export function diskVerdict(file: string, row: OutputFileRow | undefined, who: ClaimInput): Verdict {
  let st: fs.Stats | undefined;
  try {
    // No exception for the usual answer (nothing there): building one cost more than the lstat.
    st = fs.lstatSync(file, { throwIfNoEntry: false });
  } catch (e) {
    // Not ENOENT (answered as undefined): ENOTDIR, EACCES, ELOOP… — not free, and why.
    return { free: false, reason: (e as NodeJS.ErrnoException).code ?? 'unreadable' };
  }
  if (!st) return { free: true, mode: 'new' };
  // A folder, a symlink (perhaps to a source), a device: never ours to replace.
  if (!st.isFile()) return { free: false, reason: 'not a regular file' };
  if (row && row.document_id === who.documentId) {
    const versions = [
      { bytes: row.bytes, sha256: row.sha256 },
      { bytes: row.pending_bytes, sha256: row.pending_sha256 },
    ];
    const holds = heldVersion(file, st.size, versions);
    if (holds) return { free: true, mode: 'replace', holds };
  }
  if (who.overwrite) return { free: true, mode: 'replace' };
  return { free: false, reason: 'a file Quire did not write for this document' };
}

/**
 * The first of base, "base (2)", … whose path is free for every format. Call inside the
 * enqueue transaction (`immediate`), then reserveOutputs() with the new job's id.
 */
export async function chooseOutputBase(
  db: Db,
  input: ClaimInput & { outDir: string; base: string; formats: readonly ExportFormat[] },
): Promise<string> {
  const isFree = async (n: number) => {
    for (const f of input.formats) {
      if (!(await verdictFor(db, fileFor(input.outDir, nthName(input.base, n), f), input)).free) return false;
    }
    return true;
  };
  if (await isFree(1)) return input.base;
  // Numbers are tried in an order that costs index lookups, not one probe per earlier namesake
  // (10,000 documents titled "notes" made enqueue quadratic): the document's own numbered names
  // first (exporting it again replaces its own files), then after the family's highest number.
  const family = familyOfBase(input.outDir, input.base);
  const own = await db
    .selectFrom('output_files')
    .select('name_number')
    // Both equalities, no range or order: SQLite then takes output_files_document_family (a
    // document's few rows), not the family's index (every namesake's rows).
    .where('document_id', '=', input.documentId)
    .where('name_family', '=', family)
    .execute();
  const ownNumbers = own.map((r) => r.name_number);
  const top = () =>
    db
      .selectFrom('output_files')
      .select((eb) => eb.fn.max('name_number').as('n'))
      .where('name_family', '=', family)
      .executeTakeFirst()
      .then((r) => Number(r?.n ?? 0));
  for (const n of laterNumbers(ownNumbers)) {
    if (n === TOP) {
      for (const m of numbersAfter(await top())) if (await isFree(m)) return nthName(input.base, m);
      break;
    }
    if (await isFree(n)) return nthName(input.base, n);
  }
  throw noFreeName(input);
}

/** Where laterNumbers hands over to numbersAfter (the family's highest number is read then). */
export const TOP = 0;

/**
 * The numbers tried after the base itself, in chooseOutputBase's order: the document's own
 * numbered names in the family (exporting it again replaces its own files), then TOP.
 */
export function* laterNumbers(own: ReadonlyArray<number | null>): Generator<number> {
  yield* [...new Set(own.map((n) => n ?? 0))].filter((n) => n >= 2 && n <= MAX_NAME_NUMBER).sort((a, b) => a - b);
  yield TOP;
}

/** After the family's highest number `top`: the numbers above it, then the gaps below it. */
export function* numbersAfter(top: number): Generator<number> {
  const after = Math.max(1, top);
  for (let n = after + 1; n <= MAX_NAME_NUMBER; n++) yield n;
  // The numbers after the highest are used up: the gaps below it, one by one.
  for (let n = 2; n <= Math.min(after, MAX_NAME_NUMBER); n++) yield n;
}

export function noFreeName(input: { outDir: string; base: string; formats: readonly ExportFormat[] }) {
  return Errors.outputWriteFailed(fileFor(input.outDir, input.base, input.formats[0]!), `no free name up to "(${MAX_NAME_NUMBER})"`);
}

/** The columns chooseOutputBase counts names by (migration 0007). */
export function familyCols(key: string): { name_family: string; name_number: number } {
  const { family, number } = nameFamilyOf(key);
  return { name_family: family, name_number: number };
}

/** Records the job's claim on a path: kept by the same document's earlier bytes, taken over otherwise. */
async function reservePath(
  db: Db,
  key: string,
  documentId: string,
  jobId: string,
  pending?: { sha256: string; bytes: number },
  holds?: { sha256: string; bytes: number },
): Promise<void> {
  const now = Date.now();
  const row = await db.selectFrom('output_files').select(['document_id']).where('path', '=', key).executeTakeFirst();
  // What is on disk now becomes the confirmed version before the next write is announced,
  // so two crashes in a row still leave the file recognisable.
  const versionCols = {
    ...(holds ? { sha256: holds.sha256, bytes: holds.bytes } : {}),
    ...(pending ? { pending_sha256: pending.sha256, pending_bytes: pending.bytes } : {}),
  };
  if (!row) {
    await db
      .insertInto('output_files')
      .values({ path: key, document_id: documentId, job_id: jobId, sha256: null, bytes: null, pending_sha256: null, pending_bytes: null, updated_at: now, ...familyCols(key), ...versionCols })
      .execute();
  } else if (row.document_id === documentId) {
    await db.updateTable('output_files').set({ job_id: jobId, updated_at: now, ...versionCols }).where('path', '=', key).execute();
  } else {
    // Free although another document's: its file is gone, or the user asked to overwrite.
    await db
      .updateTable('output_files')
      .set({ document_id: documentId, job_id: jobId, sha256: null, bytes: null, pending_sha256: null, pending_bytes: null, updated_at: now, ...versionCols })
      .where('path', '=', key)
      .execute();
  }
}

/** Reserves base.<format> for the job (same transaction as chooseOutputBase). */
export async function reserveOutputs(
  db: Db,
  input: { documentId: string; jobId: string; outDir: string; base: string; formats: readonly ExportFormat[] },
): Promise<void> {
  for (const f of input.formats) await reservePath(db, outputKeyOf(fileFor(input.outDir, input.base, f)), input.documentId, input.jobId);
}

export interface PublishInput extends ClaimInput {
  jobId: string;
  outDir: string;
  /** The job's reserved base first; its unnumbered name and the numbered ones follow. */
  bases: { reserved: string; plain: string };
  format: ExportFormat;
  data: Uint8Array | string;
  /** The runner's claim token: the write is refused (CLAIM_LOST) once the job was taken over. */
  claimToken?: string;
}

/** Refuses a runner whose job was requeued to another (lease ran out): it must not replace the new owner's files. */
async function assertClaim(db: Db, jobId: string, token: string | undefined): Promise<void> {
  if (token !== undefined && !(await holdsClaim(db, jobId, token))) throw Errors.claimLost(jobId);
}

function* candidates(bases: PublishInput['bases']): Generator<string> {
  yield bases.reserved;
  for (let n = 1; n <= MAX_NAME_NUMBER; n++) {
    const name = nthName(bases.plain, n);
    if (name !== bases.reserved) yield name;
  }
}

/** Without hard links (FAT, some shares): check, then rename (a tiny race instead of none). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'ENOSYS', 'EMLINK', 'EACCES']);

async function publishNew(tmp: string, final: string): Promise<boolean> {
  try {
    await fsp.link(tmp, final);
    await fsp.rm(tmp, { force: true });
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return false;
    if (!NO_HARD_LINKS.has(code)) throw e;
  }
  try {
    await fsp.lstat(final);
    return false;
  } catch {
    await fsp.rename(tmp, final);
    return true;
  }
}

/**
 * Writes one output whole (temp file, fsync) and publishes it at the first free candidate
 * path: never over a source, a foreign file or another export's reservation. Returns where
 * it went, with its size and hash (the job records them).
 */
export async function publishOutput(db: Db, input: PublishInput): Promise<WrittenFile> {
  const buf = toBuffer(input.data);
  const written = { bytes: buf.byteLength, sha256: await sha256Async(buf) };
  const first = fileFor(input.outDir, input.bases.reserved, input.format);
  const tmp = tempPathFor(first, input.jobId);
  let target = first;
  // Checked before the temp file too: it has the same name as the new owner's, left alone then.
  await assertClaim(db, input.jobId, input.claimToken);
  try {
    await writeSyncedTemp(tmp, buf);
    for (const base of candidates(input.bases)) {
      target = fileFor(input.outDir, base, input.format);
      const key = outputKeyOf(target);
      // Check and record the bytes about to land in one transaction: another process cannot
      // pick the same path meanwhile, and a crash right after the publish still knows the file.
      const verdict = await immediate(db, async (trx) => {
        await assertClaim(trx, input.jobId, input.claimToken);
        const v = await verdictFor(trx, target, input);
        if (v.free) await reservePath(trx, key, input.documentId, input.jobId, written, v.holds);
        return v;
      });
      if (!verdict.free) continue;
      const placed = verdict.mode === 'replace' ? (await fsp.rename(tmp, target), true) : await publishNew(tmp, target);
      if (!placed) {
        // Someone else's file landed between the check and the link: keep it, try the next name.
        await clearPending(db, key, input.jobId);
        continue;
      }
      await fsyncDir(input.outDir);
      await pauseAt('output-renamed'); // crash-window tests only (engine/test-pause.ts)
      await recordWritten(db, key, input.jobId, written);
      return { path: target, ...written };
    }
    throw Errors.outputWriteFailed(first, `no free name up to "(${MAX_NAME_NUMBER})"`);
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    if (isQuireError(e)) throw e;
    const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw Errors.outputWriteFailed(target, String(reason));
  }
}

/** The write this job announced at `key` did not happen: nothing is pending there any more. */
function clearPending(db: Db, key: string, jobId: string) {
  return db.updateTable('output_files').set({ pending_sha256: null, pending_bytes: null }).where('path', '=', key).where('job_id', '=', jobId).execute();
}

/** The file at `key` now holds what this job wrote: recorded, so a later export knows it as ours. */
function recordWritten(db: Db, key: string, jobId: string, written: { sha256: string; bytes: number }) {
  return db
    .updateTable('output_files')
    .set({ sha256: written.sha256, bytes: written.bytes, pending_sha256: null, pending_bytes: null, updated_at: Date.now() })
    .where('path', '=', key)
    .where('job_id', '=', jobId)
    .execute();
}

/**
 * Writes a file that goes with an output (an image the Markdown export refers to) at exactly
 * `file`, by publishOutput's rules and recorded the same way in output_files, never with
 * overwrite: returns null when the path is not free, and the caller picks another name. A file
 * that already holds these bytes as this document's recorded output is left as it is.
 */
export async function publishFileAt(db: Db, input: { documentId: string; jobId: string; file: string; data: Uint8Array | string; claimToken?: string }): Promise<WrittenFile | null> {
  const buf = toBuffer(input.data);
  const written = { bytes: buf.byteLength, sha256: await sha256Async(buf) };
  const who: ClaimInput = { documentId: input.documentId, jobId: input.jobId, overwrite: false };
  const key = outputKeyOf(input.file);
  const tmp = tempPathFor(input.file, input.jobId);
  try {
    const before = await verdictFor(db, input.file, who);
    if (!before.free) return null;
    if (before.holds?.sha256 === written.sha256) {
      await immediate(db, (trx) => reservePath(trx, key, input.documentId, input.jobId, undefined, before.holds));
      return { path: input.file, ...written };
    }
    await assertClaim(db, input.jobId, input.claimToken);
  } catch (e) {
    if (isQuireError(e)) throw e;
    throw Errors.outputWriteFailed(input.file, String((e as NodeJS.ErrnoException).code ?? (e as Error).message));
  }
  try {
    await writeSyncedTemp(tmp, buf);
    const verdict = await immediate(db, async (trx) => {
      await assertClaim(trx, input.jobId, input.claimToken);
      const v = await verdictFor(trx, input.file, who);
      if (v.free) await reservePath(trx, key, input.documentId, input.jobId, written, v.holds);
      return v;
    });
    const placed = verdict.free && (verdict.mode === 'replace' ? (await fsp.rename(tmp, input.file), true) : await publishNew(tmp, input.file));
    if (!placed) {
      await fsp.rm(tmp, { force: true });
      await clearPending(db, key, input.jobId);
      return null;
    }
    await fsyncDir(path.dirname(input.file));
    await recordWritten(db, key, input.jobId, written);
    return { path: input.file, ...written };
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    if (isQuireError(e)) throw e;
    throw Errors.outputWriteFailed(input.file, String((e as NodeJS.ErrnoException).code ?? (e as Error).message));
  }
}

/**
 * The bytes of a job's output, only if they are still the ones the job wrote (size, then
 * SHA-256): Download and Open never hand over a file that changed or was replaced since.
 * Throws OUTPUT_MISSING or OUTPUT_CHANGED, naming the file.
 */
export async function readIntactOutput(output: { path: string; bytes: number; sha256: string }): Promise<Buffer> {
  const name = path.basename(output.path);
  let data: Buffer;
  try {
    const st = await fsp.stat(output.path);
    if (!st.isFile()) throw Errors.outputMissing(name);
    if (st.size !== output.bytes) throw Errors.outputChanged(name);
    data = await fsp.readFile(output.path);
  } catch (e) {
    if (isQuireError(e)) throw e;
    throw Errors.outputMissing(name);
  }
  if (data.byteLength !== output.bytes || (await sha256Async(data)) !== output.sha256) throw Errors.outputChanged(name);
  return data;
}

