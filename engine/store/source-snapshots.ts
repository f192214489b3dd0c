/**
 * The exact source an export was started with, kept by content (SHA-256) in the database, so
 * a job exports revision N even when the document is edited while the job waits, and a resumed
 * job reads the same bytes as the first attempt. Written in the transaction that records the
 * job; removed once no queued or running job needs it.
 *
 * @example
 * const { sha256, bytes } = await snapshotSource(trx, doc.source); // inside immediate()
 * const source = await readSnapshot(db, sha256);                   // in the runner
 */
import type { Kysely } from 'kysely';
import { Errors } from '../api/errors.ts';
import { sha256Of } from '../jobs/atomic-files.ts';
import { relaxedDurability } from './db.ts';
import type { Database } from './schema.ts';

/** Stores the text once by its hash (a second job on the same text shares it). */
export async function snapshotSource(db: Kysely<Database>, source: string): Promise<{ sha256: string; bytes: number }> {
  const sha256 = sha256Of(source);
  const bytes = Buffer.byteLength(source, 'utf8');
  await db
    .insertInto('source_snapshots')
    .values({ sha256, source, bytes, created_at: Date.now() })
    .onConflict((oc) => oc.column('sha256').doNothing())
    .execute();
  return { sha256, bytes };
}

/** The snapshot's text, checked against its hash. Throws JOB_SOURCE_MISSING (job id) when it is gone or damaged. */
export async function readSnapshot(db: Kysely<Database>, jobId: string, sha256: string | null): Promise<string> {
  const row = sha256 ? await db.selectFrom('source_snapshots').select('source').where('sha256', '=', sha256).executeTakeFirst() : undefined;
  if (!row || sha256Of(row.source) !== sha256) throw Errors.jobSourceMissing(jobId);
  return row.source;
}

/** A delete of the snapshots no queued or running job refers to (narrowed further by the caller). */
function deleteUnusedSnapshots(db: Kysely<Database>) {
  return db.deleteFrom('source_snapshots').where(({ not, exists, selectFrom }) =>
    not(
      exists(
        selectFrom('jobs')
          .select('jobs.id')
          .whereRef('jobs.source_sha256', '=', 'source_snapshots.sha256')
          .where('jobs.status', 'in', ['queued', 'running']),
      ),
    ),
  );
}

/** Drops snapshots no queued or running job refers to; returns how many. */
export async function removeUnusedSnapshots(db: Kysely<Database>): Promise<number> {
  const result = await deleteUnusedSnapshots(db).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Drops the snapshot `sha256` if no queued or running job refers to it (true if it did): what a
 * job's end calls, instead of removeUnusedSnapshots, which visits every snapshot (a batch's
 * queued jobs each hold one). Not synced (relaxedDurability): a removal lost in a power cut
 * leaves a snapshot that the next start's sweep removes, and the fsync cost each job's end
 * ≈ 1 ms on the main thread (100 chapters: 119 ms in all).
 */
export async function removeSnapshotIfUnused(db: Kysely<Database>, sha256: string | null): Promise<boolean> {
  if (!sha256) return false;
  const result = await relaxedDurability(db, (conn) => deleteUnusedSnapshots(conn).where('sha256', '=', sha256).executeTakeFirst());
  return Number(result.numDeletedRows) > 0;
}
