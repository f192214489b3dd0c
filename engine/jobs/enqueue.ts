/**
 * Recording export jobs: one (startExport) or many (a CLI batch of files) in as few
 * transactions as the main thread allows. Each job is resolved, deduplicated, given free
 * output names (output-claims.ts) and reserved in the transaction that inserts it; a batch
 * shares its transactions (one fsync per commit instead of one per job) and each of its items
 * runs under a savepoint, so an item refused with a QuireError leaves nothing behind and the
 * others go on.
 *
 * @example
 * const one = await immediate(db, (trx) => enqueueExport(trx, input, ctx));
 * const many = await enqueueExports(db, inputs, ctx); // [{ row, created } | { error }, …]
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { StartExportRequest } from '../api/contract.ts';
import { isQuireError, type QuireError } from '../api/errors.ts';
import type { Settings } from '../api/export-spec.ts';
import { immediate } from '../store/db.ts';
import { saveStageStateRow } from '../store/document-store.ts';
import { JobStore, type JobRow } from '../store/job-store.ts';
import type { Database } from '../store/schema.ts';
import { resolveJobSpec } from './job-spec.ts';
import { chooseOutputBase, reserveOutputs } from './output-claims.ts';
import { assertWritableDir } from './output-dir.ts';

export interface EnqueueContext {
  settings?: Settings;
  /** The host's default output folder, under every layer. */
  defaultOutDir: string;
  createdBy: string;
  maxAttempts: number;
}

export interface Enqueued {
  row: JobRow;
  /** False when the same export was already queued or running: `row` is that job. */
  created: boolean;
}

/**
 * A batch commits and lets the event loop run after this long in one transaction (or
 * MAX_BATCH_ITEMS items): better-sqlite3 is synchronous, and other callers wait for the
 * connection meanwhile, yet each commit costs an fsync (3–10 ms here).
 */
export const MAX_BATCH_MS = 40;
export const MAX_BATCH_ITEMS = 1_000;

/** Records one export job inside the caller's IMMEDIATE transaction. */
export async function enqueueExport(trx: Kysely<Database>, input: StartExportRequest, ctx: EnqueueContext): Promise<Enqueued> {
  const spec = await resolveJobSpec(trx, input, { snapshot: true, settings: ctx.settings, defaultOutDir: ctx.defaultOutDir });
  assertWritableDir(spec.outDir);
  const dedupeKey = createHash('sha256').update(JSON.stringify(spec)).digest('hex');
  const existing = await JobStore.findActiveByDedupeKey(trx, dedupeKey);
  if (existing) return { row: existing, created: false };
  // Never a source, a foreign file or another active export's file: else " (2)", " (3)", …
  const claim = { documentId: spec.documentId, outDir: spec.outDir, formats: spec.formats, overwrite: spec.overwrite };
  const outputBase = await chooseOutputBase(trx, { ...claim, jobId: null, base: spec.fileBase });
  const row = await JobStore.insert(trx, {
    documentId: spec.documentId,
    stageId: spec.stageId,
    spec,
    outputBase,
    dedupeKey,
    createdBy: ctx.createdBy,
    maxAttempts: ctx.maxAttempts,
  });
  await reserveOutputs(trx, { ...claim, jobId: row.id, base: outputBase });
  await saveStageStateRow(trx, spec.documentId, spec.stageId, { exportJobId: row.id, status: 'in_progress' });
  return { row, created: true };
}

/**
 * Records many export jobs, in order, in transactions of up to MAX_BATCH_MS each. An item
 * refused with a QuireError (a missing document, options its front matter gets wrong, an
 * unwritable folder) is returned as `{ error }` and leaves no row; any other error (the disk,
 * the database) ends the batch and is thrown, with the transactions before it committed.
 */
export async function enqueueExports(
  db: Kysely<Database>,
  inputs: readonly StartExportRequest[],
  ctx: EnqueueContext,
  limits: { maxBatchMs?: number; maxBatchItems?: number } = {},
): Promise<Array<Enqueued | { error: QuireError }>> {
  const maxMs = limits.maxBatchMs ?? MAX_BATCH_MS;
  const maxItems = limits.maxBatchItems ?? MAX_BATCH_ITEMS;
  const results: Array<Enqueued | { error: QuireError }> = [];
  let next = 0;
  while (next < inputs.length) {
    if (next > 0) await new Promise((r) => setImmediate(r)); // other callers get the connection between commits
    await immediate(db, async (trx) => {
      const start = performance.now();
      const first = next;
      while (next < inputs.length && next - first < maxItems && (next === first || performance.now() - start < maxMs)) {
        await sql`savepoint enqueue_item`.execute(trx);
        try {
          results.push(await enqueueExport(trx, inputs[next]!, ctx));
          await sql`release enqueue_item`.execute(trx);
        } catch (e) {
          await sql`rollback to enqueue_item`.execute(trx);
          await sql`release enqueue_item`.execute(trx);
          if (!isQuireError(e)) throw e; // immediate() rolls the whole transaction back
          results.push({ error: e });
        }
        next++;
      }
    });
  }
  return results;
}
