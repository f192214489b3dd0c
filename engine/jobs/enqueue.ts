/**
 * Recording export jobs: one (startExport) or many (a CLI batch of files) in as few
 * transactions as the main thread allows. Each transaction plans its jobs in memory
 * (enqueue-plan.ts: resolved, deduplicated, given free output names as one startExport per job
 * would) and writes them together at its end; a batch shares its transactions (one fsync per
 * commit instead of one per job), and an item refused with a QuireError is returned as
 * `{ error }`, leaving nothing behind, while the others go on.
 *
 * @example
 * const one = await enqueueExport(db, input, ctx);
 * const many = await enqueueExports(db, inputs, ctx); // [{ row, created } | { error }, …]
 */
import type { Kysely } from 'kysely';
import type { StartExportRequest } from '../api/contract.ts';
import { isQuireError, type QuireError } from '../api/errors.ts';
import { immediate, relaxedDurability } from '../store/db.ts';
import type { Database } from '../store/schema.ts';
import { EnqueueMemo, EnqueuePlan, PREFETCH_DOCUMENTS, type EnqueueContext, type Enqueued } from './enqueue-plan.ts';
import { FolderNames } from './folder-names.ts';

export type { EnqueueContext, Enqueued } from './enqueue-plan.ts';

/**
 * A batch lets the event loop run after this long of planning and writing (or MAX_BATCH_ITEMS
 * items): better-sqlite3 is synchronous, so this is how long it holds the main thread at a
 * time. Measured during a 10,000-job batch (perf_hooks, 2 runs): event-loop delay p50 31 ms,
 * p99 51–54 ms, max 54–58 ms (a transaction's last slice and its commit). With a commit every
 * slice, as before MAX_TRANSACTION_MS, the max was 113–141 ms: SQLite's checkpoints.
 */
export const MAX_BATCH_MS = 30;
export const MAX_BATCH_ITEMS = 1_000;
/**
 * A batch commits after this long in one transaction, its slices of MAX_BATCH_MS apart. Each
 * commit writes every index page its jobs touched, and a job's random keys (its dedupe hash,
 * its document's id and source hash) land on a new page each: with a commit every slice, a
 * 10,000-job batch spent more time committing than inserting, each commit dearer as the
 * indexes grew (0.2 ms → 6.5 ms; issue #10, case 8). Meanwhile the connection is this batch's:
 * the engine's other statements (a runner's progress) wait for it, at most this long.
 */
export const MAX_TRANSACTION_MS = 250;

/** Records one export job in its own IMMEDIATE transaction. */
export async function enqueueExport(db: Kysely<Database>, input: StartExportRequest, ctx: EnqueueContext): Promise<Enqueued> {
  return immediate(db, async () => {
    const plan = new EnqueuePlan(ctx);
    const result = plan.add(input);
    plan.write();
    return result;
  });
}

/**
 * Records many export jobs, in order, in transactions of up to MAX_TRANSACTION_MS, which hold
 * the main thread MAX_BATCH_MS at a time; `onCommitted` is handed each transaction's results
 * once it committed (not yet synced: see below). An item refused with a QuireError (a missing
 * document, options its front matter gets wrong, an unwritable folder) is returned as
 * `{ error }` and leaves no row; any other error (the disk, the database) ends the batch and is
 * thrown, with the transactions before it committed.
 *
 * Durable when it returns (or throws), with one fsync for the batch: the transactions commit
 * without one (synchronous=NORMAL, 5–20 ms each saved on a busy disk) and a last FULL commit
 * syncs the write-ahead log, every earlier commit in it. Whatever acts on a job before that
 * (a runner's claim) is itself a FULL commit, which syncs them first.
 */
export async function enqueueExports(
  db: Kysely<Database>,
  inputs: readonly StartExportRequest[],
  ctx: EnqueueContext,
  limits: { maxBatchMs?: number; maxBatchItems?: number; maxTransactionMs?: number } = {},
  onCommitted?: (results: ReadonlyArray<Enqueued | { error: QuireError }>) => void,
): Promise<Array<Enqueued | { error: QuireError }>> {
  const maxMs = limits.maxBatchMs ?? MAX_BATCH_MS;
  const maxItems = limits.maxBatchItems ?? MAX_BATCH_ITEMS;
  const maxTransactionMs = limits.maxTransactionMs ?? MAX_TRANSACTION_MS;
  const results: Array<Enqueued | { error: QuireError }> = [];
  const memo = new EnqueueMemo();
  // What writing one planned job cost in the last transaction: planning stops in time for it.
  let writeMsPerJob = 0.05;
  let next = 0;

  /** One slice of a transaction's inputs, planned then written; returns its last job's id. */
  const planChunk = async (folderNames: FolderNames): Promise<string | undefined> => {
    const plan = new EnqueuePlan(ctx, memo, folderNames);
    const done: Array<Enqueued | { error: QuireError }> = [];
    const start = performance.now();
    const first = next;
    while (next < inputs.length && next - first < maxItems && (next === first || performance.now() - start + plan.size * writeMsPerJob < maxMs)) {
      if ((next - first) % PREFETCH_DOCUMENTS === 0) plan.prefetch(inputs.slice(next, next + PREFETCH_DOCUMENTS));
      try {
        done.push(plan.add(inputs[next]!));
      } catch (e) {
        if (!isQuireError(e)) throw e; // immediate() rolls the whole transaction back
        done.push({ error: e });
      }
      next++;
    }
    const writing = performance.now();
    plan.write();
    if (plan.size) writeMsPerJob = (performance.now() - writing) / plan.size;
    results.push(...done);
    return plan.lastJobId;
  };

  /** Slices until the inputs end or the transaction has run maxTransactionMs; the event loop runs between them. */
  const transaction = async (): Promise<string | undefined> => {
    const start = performance.now();
    const folderNames = new FolderNames();
    let last: string | undefined;
    for (;;) {
      last = (await planChunk(folderNames)) ?? last;
      if (next >= inputs.length || performance.now() - start >= maxTransactionMs) return last;
      await new Promise((r) => setImmediate(r));
    }
  };

  // A job written by a commit not synced yet.
  let unsynced: string | undefined;
  let committed = 0;
  const restoreCheckpoints = fewerCheckpoints(ctx.sqlite);
  try {
    while (next < inputs.length) {
      if (next > 0) await new Promise((r) => setImmediate(r)); // other callers get the connection between commits
      unsynced = (await relaxedDurability(db, (conn) => immediate(conn, transaction))) ?? unsynced;
      onCommitted?.(results.slice(committed));
      committed = results.length;
    }
  } catch (e) {
    restoreCheckpoints();
    // The transactions before the error stay committed, and durable.
    if (unsynced) await syncCommits(db, ctx).catch(() => undefined);
    throw e;
  }
  // Back to every ~4 MB before the last commit, so that commit checkpoints what the batch wrote.
  restoreCheckpoints();
  if (unsynced) await syncCommits(db, ctx);
  return results;
}

/**
 * The write-ahead log's pages a batch lets gather before SQLite copies them into the database
 * (a checkpoint): about 40 MB instead of SQLite's 1,000 pages (~4 MB). A 10,000-job batch wrote
 * ~100,000 pages to the log and checkpointed about 65 times, each with two fsyncs (even under
 * synchronous=NORMAL) and the same hot index pages copied again and again (issue #10). Not a
 * durability matter: the log is fsynced by the batch's last commit whatever its size; the
 * checkpoint only moves committed pages into the main file.
 */
export const BATCH_WAL_AUTOCHECKPOINT = 10_000;
/** SQLite's default, which openDatabase keeps. */
const WAL_AUTOCHECKPOINT = 1_000;
/** Batches under way per connection: the last one to end restores the default. */
const batchesUnderWay = new WeakMap<EnqueueContext['sqlite'], number>();

function fewerCheckpoints(sqlite: EnqueueContext['sqlite']): () => void {
  const n = batchesUnderWay.get(sqlite) ?? 0;
  batchesUnderWay.set(sqlite, n + 1);
  if (n === 0) sqlite.pragma(`wal_autocheckpoint = ${BATCH_WAL_AUTOCHECKPOINT}`);
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    const left = (batchesUnderWay.get(sqlite) ?? 1) - 1;
    batchesUnderWay.set(sqlite, left);
    if (left === 0 && sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT}`);
  };
}

/**
 * Makes the batch's commits durable: a FULL commit fsyncs the write-ahead log, and with it every
 * commit before it, but only when it writes a page; it bumps the store_syncs row (migration
 * 0009), which always changes (an unchanged row, as `update jobs set seq = seq` was, writes
 * nothing and syncs nothing). Followers do not see it: it is not a job.
 */
export async function syncCommits(db: Kysely<Database>, ctx: EnqueueContext): Promise<void> {
  await immediate(db, async () => {
    ctx.sqlite.prepare('insert into store_syncs (id, n) values (1, 1) on conflict (id) do update set n = n + 1').run();
  });
}
