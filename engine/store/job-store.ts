/**
 * The jobs table is the queue. Every state change bumps `seq`; every write by a runner is
 * guarded by its claim token, so a runner whose claim was taken over cannot write a final
 * state (the update matches no row and throws CLAIM_LOST).
 *
 * @example
 * const jobs = new JobStore(store.db);
 * const claim = await jobs.claimNext(owner);           // BEGIN IMMEDIATE inside
 * if (claim) await jobs.update(claim.job.id, claim.token, { progress: 40, step: 'pdf' });
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable, type UpdateObject } from 'kysely';
import { Errors } from '../api/errors.ts';
import type { ExportSpec, JobError, JobOutput, JobSnapshot, JobStatus, JobStep } from '../api/types.ts';
import { immediate, relaxedDurability } from './db.ts';
import type { Database, JobsTable } from './schema.ts';
import { pauseAt } from '../test-pause.ts';

/**
 * Every write to a job row goes through this: `seq` orders one job's snapshots; `change_no`
 * orders all job writes, in commit order (SQLite runs one write transaction at a time and
 * the number is taken inside it), so a reader that remembers the highest number it saw never
 * misses a later write, however long that write waited for the lock.
 */
function bump() {
  return { seq: sql<number>`seq + 1`, change_no: NEXT_CHANGE_NO };
}
const NEXT_CHANGE_NO = sql<number>`(SELECT coalesce(max(change_no), 0) + 1 FROM jobs)`;

/**
 * A job's id: a UUID version 7 (RFC 9562: the millisecond, then a counter within it, then 62
 * random bits), so ids grow in creation order and a batch appends to the end of the primary-key
 * index instead of touching pages all over it (random v4 ids: every commit of a large batch
 * rewrote most of that index; issue #10). Unique by the random bits, as v4 ids were.
 *
 * @example
 * newJobId(); // '0193a4f2-7c1e-7000-9b2f-3d4e5f607182'
 */
export function newJobId(now = Date.now()): string {
  if (now > lastIdMs) {
    lastIdMs = now;
    idCounter = 0;
  } else if (++idCounter > 0xfff) {
    // 4,096 ids in one millisecond: borrow the next one, still in order.
    lastIdMs++;
    idCounter = 0;
  }
  const hex = lastIdMs.toString(16).padStart(12, '0');
  // randomUUID()'s last 17 characters: its variant bits and 62 random bits.
  return `${hex.slice(0, 8)}-${hex.slice(8)}-7${idCounter.toString(16).padStart(3, '0')}-${randomUUID().slice(19)}`;
}
let lastIdMs = 0;
let idCounter = 0;

export interface Owner {
  id: string;
  host: string;
  pid: number;
}

export interface Checkpoint {
  step: string;
  artifactPath: string;
  bytes: number;
  sha256: string;
  pages: number | null;
  attempt: number;
}

export interface NewJob {
  documentId: string;
  stageId: string;
  spec: ExportSpec;
  outputBase: string;
  dedupeKey: string;
  createdBy: string;
  maxAttempts: number;
}

export interface JobPatch {
  progress?: number;
  step?: JobStep;
  message?: string;
  outputs?: JobOutput[];
  warnings?: string[];
}

export type JobRow = Selectable<JobsTable>;

/** A job no runner holds: what release and recovery write. */
const UNCLAIMED = { claim_token: null, owner_id: null, owner_host: null, owner_pid: null, heartbeat_at: null } as const;

/** The job's row if `token` holds its claim (usable inside a caller's transaction). */
export function holdsClaim(db: Kysely<Database>, id: string, token: string) {
  return db.selectFrom('jobs').select('id').where('id', '=', id).where('claim_token', '=', token).where('status', '=', 'running').executeTakeFirst();
}

/** The row as the contract shows it; `spec` is row.spec parsed, when the caller has it already. */
export function toSnapshot(row: JobRow, spec?: ExportSpec): JobSnapshot {
  return {
    id: row.id,
    documentId: row.document_id,
    stageId: row.stage_id,
    status: row.status,
    progress: row.progress,
    step: row.step as JobStep,
    message: row.message,
    attempt: row.attempt,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
    // Checked where it is run (parseStoredSpec in the runner); a listing only shows it.
    spec: spec ?? (JSON.parse(row.spec) as ExportSpec),
    outputs: JSON.parse(row.outputs) as JobOutput[],
    warnings: JSON.parse(row.warnings) as string[],
    seq: row.seq,
  };
}

export interface ListJobsOptions {
  documentId?: string;
  statuses?: JobStatus[];
  limit?: number;
}

/** The largest page listPage returns; the default is JOB_PAGE_DEFAULT. */
export const JOB_PAGE_MAX = 1_000;
export const JOB_PAGE_DEFAULT = 100;

export interface JobPageOptions {
  documentId?: string;
  statuses?: JobStatus[];
  /** Jobs per page: 1 to JOB_PAGE_MAX (default JOB_PAGE_DEFAULT). */
  limit?: number;
  /** The `nextCursor` of the page before; absent for the newest page. */
  cursor?: string | null;
}

export interface JobPage {
  jobs: JobSnapshot[];
  /** Where the next (older) page starts; null when this is the last. */
  nextCursor: string | null;
}

/** A page's position: the last job's created_at and rowid, opaque to callers. */
function encodeCursor(createdAt: number, rowid: number): string {
  return Buffer.from(`${createdAt}:${rowid}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: number; rowid: number } {
  const m = /^(\d{1,16}):(\d{1,16})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw Errors.invalidInput('The jobs list cursor is not one a listing returned; list again from the first page.', { cursor });
  return { createdAt: Number(m[1]), rowid: Number(m[2]) };
}

export class JobStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Inserts a queued job; call inside `immediate()` together with the stage-state write. */
  static async insert(trx: Kysely<Database>, job: NewJob): Promise<JobRow> {
    const row = JobStore.newRow(job, 0);
    return trx.insertInto('jobs').values({ ...row, change_no: NEXT_CHANGE_NO }).returningAll().executeTakeFirstOrThrow();
  }

  /**
   * The row insert() writes, with `changeNo` (the highest change number + 1 at its write), for
   * a caller that inserts many at once (jobs/enqueue-plan.ts). `specJson` is JSON.stringify(spec).
   */
  static newRow(job: NewJob, changeNo: number, specJson = JSON.stringify(job.spec)): JobRow {
    const now = Date.now();
    return {
      id: newJobId(now),
      document_id: job.documentId,
      stage_id: job.stageId,
      status: 'queued',
      progress: 0,
      step: 'queued',
      message: 'Waiting to start',
      attempt: 0,
      max_attempts: job.maxAttempts,
      claim_token: null,
      owner_id: null,
      owner_host: null,
      owner_pid: null,
      heartbeat_at: null,
      cancel_requested: 0,
      created_by: job.createdBy,
      created_at: now,
      updated_at: now,
      started_at: null,
      finished_at: null,
      error_code: null,
      error_message: null,
      spec: specJson,
      source_sha256: job.spec.source.sha256,
      outputs: '[]',
      warnings: '[]',
      output_base: job.outputBase,
      doc_revision: job.spec.source.revision,
      dedupe_key: job.dedupeKey,
      seq: 1,
      change_no: changeNo,
    };
  }

  static async findActiveByDedupeKey(trx: Kysely<Database>, dedupeKey: string): Promise<JobRow | undefined> {
    return trx
      .selectFrom('jobs')
      .selectAll()
      .where('dedupe_key', '=', dedupeKey)
      // Literal statuses: only then can SQLite use the partial index jobs_active_dedupe (its
      // WHERE must be implied by the query's); bound values scanned every queued job (quadratic).
      .where(sql<boolean>`status in ('queued', 'running')`)
      .executeTakeFirst();
  }

  async getRow(id: string): Promise<JobRow> {
    const row = await this.#db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw Errors.jobNotFound(id);
    return row;
  }

  async get(id: string): Promise<JobSnapshot> {
    return toSnapshot(await this.getRow(id));
  }

  async list(options: ListJobsOptions = {}): Promise<JobSnapshot[]> {
    let q = this.#db.selectFrom('jobs').selectAll().orderBy('created_at', 'desc').orderBy(sql`rowid`, 'desc');
    if (options.documentId) q = q.where('document_id', '=', options.documentId);
    if (options.statuses?.length) q = q.where('status', 'in', options.statuses);
    if (options.limit) q = q.limit(options.limit);
    return (await q.execute()).map((r) => toSnapshot(r));
  }

  /**
   * One page of jobs, newest first, by keyset (created_at, rowid) on the jobs_created and
   * jobs_document_created indexes: the same cost for the first page as for the hundredth, and a
   * job recorded meanwhile never shifts a page (it lands before the first).
   *
   * @example
   * let page = await jobs.listPage({ limit: 100 });
   * while (page.nextCursor) page = await jobs.listPage({ limit: 100, cursor: page.nextCursor });
   */
  async listPage(options: JobPageOptions = {}): Promise<JobPage> {
    const limit = Math.max(1, Math.min(JOB_PAGE_MAX, Math.floor(options.limit ?? JOB_PAGE_DEFAULT)));
    let q = this.#db
      .selectFrom('jobs')
      .selectAll()
      .select(sql<number>`rowid`.as('row_id'))
      .orderBy('created_at', 'desc')
      .orderBy(sql`rowid`, 'desc')
      .limit(limit + 1);
    if (options.documentId) q = q.where('document_id', '=', options.documentId);
    if (options.statuses?.length) q = q.where('status', 'in', options.statuses);
    if (options.cursor) {
      const c = decodeCursor(options.cursor);
      q = q.where(sql<boolean>`(created_at, rowid) < (${c.createdAt}, ${c.rowid})`);
    }
    const rows = await q.execute();
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page.at(-1);
    return { jobs: page.map((r) => toSnapshot(r)), nextCursor: more && last ? encodeCursor(last.created_at, last.row_id) : null };
  }

  /** The highest change number written so far (0 for none): where a follower starts. */
  async lastChangeNo(): Promise<number> {
    const r = await this.#db
      .selectFrom('jobs')
      .select((eb) => eb.fn.max<number | null>('change_no').as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n ?? 0);
  }

  /**
   * Which jobs were written after change number `after`: id, seq and change number only, oldest
   * write first. A follower reads the whole row (rowsByIds) only of those it has not seen.
   */
  async changesAfter(after: number): Promise<Array<Pick<JobRow, 'id' | 'seq' | 'change_no'>>> {
    return this.#db.selectFrom('jobs').select(['id', 'seq', 'change_no']).where('change_no', '>', after).orderBy('change_no').execute();
  }

  /** These jobs' rows as they are now, oldest write first (missing ids left out). */
  async rowsByIds(ids: readonly string[]): Promise<JobRow[]> {
    if (ids.length === 0) return [];
    return this.#db
      .selectFrom('jobs')
      .selectAll()
      .where('id', 'in', sql<string>`(select value from json_each(${JSON.stringify(ids)}))`)
      .orderBy('change_no')
      .execute();
  }

  async countByStatus(statuses: JobStatus[]): Promise<number> {
    const row = await this.#db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', 'in', statuses)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Atomically takes the oldest queued job: status running, attempt+1, a fresh claim token. */
  async claimNext(owner: Owner): Promise<{ row: JobRow; token: string } | null> {
    return immediate(this.#db, async (trx) => {
      const next = await trx
        .selectFrom('jobs')
        .select(['id'])
        .where('status', '=', 'queued')
        .orderBy('created_at')
        // Insertion order breaks ties: jobs started in the same millisecond run first-come.
        .orderBy(sql`rowid`)
        .limit(1)
        .executeTakeFirst();
      if (!next) return null;
      const token = randomUUID();
      const now = Date.now();
      const row = await trx
        .updateTable('jobs')
        .set({
          status: 'running',
          attempt: sql`attempt + 1`,
          claim_token: token,
          owner_id: owner.id,
          owner_host: owner.host,
          owner_pid: owner.pid,
          heartbeat_at: now,
          started_at: sql`coalesce(started_at, ${now})`,
          message: 'Starting',
          updated_at: now,
          ...bump(),
        })
        .where('id', '=', next.id)
        .where('status', '=', 'queued')
        .returningAll()
        .executeTakeFirstOrThrow();
      return { row, token };
    });
  }

  /** A write by the runner holding the claim; refused (CLAIM_LOST) when the claim is no longer ours. */
  async #updateClaimed(id: string, token: string, set: UpdateObject<Database, 'jobs'>, db: Kysely<Database> = this.#db): Promise<JobRow> {
    // RETURNING: the row as this statement left it, in one statement instead of an update and a select.
    const row = await db.updateTable('jobs').set(set).where('id', '=', id).where('claim_token', '=', token).where('status', '=', 'running').returningAll().executeTakeFirst();
    if (!row) throw Errors.claimLost(id);
    return row;
  }

  /** Whether this token still holds the job's claim (read only: no event, no heartbeat). */
  async holdsClaim(id: string, token: string): Promise<boolean> {
    return !!(await holdsClaim(this.#db, id, token));
  }

  /**
   * Refuses (CLAIM_LOST) a runner whose job was taken over, before it touches files the new
   * owner uses: its database writes are refused by the token anyway, the file system is not.
   */
  async assertClaim(id: string, token: string): Promise<void> {
    if (!(await this.holdsClaim(id, token))) throw Errors.claimLost(id);
  }

  /**
   * A runner's progress write. Progress only goes up (MAX in SQL, so even a resume cannot lower it).
   * Not fsynced: the checkpoint or final write that follows makes it durable (relaxedDurability).
   */
  async update(id: string, token: string, patch: JobPatch): Promise<JobRow> {
    const now = Date.now();
    return relaxedDurability(this.#db, (db) => this.#updateClaimed(id, token, {
      ...(patch.progress !== undefined ? { progress: sql`max(progress, ${Math.min(100, Math.floor(patch.progress))})` } : {}),
      ...(patch.step !== undefined ? { step: patch.step } : {}),
      ...(patch.message !== undefined ? { message: patch.message } : {}),
      ...(patch.outputs !== undefined ? { outputs: JSON.stringify(patch.outputs) } : {}),
      ...(patch.warnings !== undefined ? { warnings: JSON.stringify(patch.warnings) } : {}),
      heartbeat_at: now,
      updated_at: now,
      ...bump(),
    }, db));
  }

  /** The final write of a run; refused (CLAIM_LOST) when the claim is no longer ours. */
  async finish(
    id: string,
    token: string,
    final: { status: 'completed' | 'error' | 'cancelled'; outputs?: JobOutput[]; error?: JobError | null; message: string },
  ): Promise<JobRow> {
    const now = Date.now();
    return this.#updateClaimed(id, token, {
      status: final.status,
      ...(final.status === 'completed' ? { progress: 100, step: 'done' } : {}),
      message: final.message,
      ...(final.outputs ? { outputs: JSON.stringify(final.outputs) } : {}),
      error_code: final.error?.code ?? null,
      error_message: final.error?.message ?? null,
      claim_token: null,
      heartbeat_at: null,
      finished_at: now,
      updated_at: now,
      ...bump(),
    });
  }

  /** Gives a running job back to the queue (the host is shutting down); the next start resumes it. */
  async release(id: string, token: string): Promise<JobRow> {
    const now = Date.now();
    return this.#updateClaimed(id, token, {
      status: 'queued',
      message: 'Paused; resumes when Quire starts again',
      ...UNCLAIMED,
      updated_at: now,
      ...bump(),
    });
  }

  /**
   * Keeps our running jobs' leases fresh; returns the ids of ours whose cancel was
   * requested (possibly by another process).
   */
  async heartbeat(ownerId: string): Promise<string[]> {
    const now = Date.now();
    // A lease lost in a power cut is expired anyway: no fsync for it.
    await relaxedDurability(this.#db, (db) =>
      db.updateTable('jobs').set({ heartbeat_at: now }).where('owner_id', '=', ownerId).where('status', '=', 'running').execute(),
    );
    const rows = await this.#db
      .selectFrom('jobs')
      .select('id')
      .where('owner_id', '=', ownerId)
      .where('status', '=', 'running')
      .where('cancel_requested', '=', 1)
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Cancel: a queued job ends at once; a running one is flagged and its runner (in this or
   * another process) aborts it. Returns the status after the call.
   */
  async requestCancel(id: string): Promise<{ status: JobStatus; row: JobRow }> {
    return immediate(this.#db, async (trx) => {
      const row = await trx.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw Errors.jobNotFound(id);
      const now = Date.now();
      if (row.status === 'queued') {
        await trx
          .updateTable('jobs')
          .set({
            status: 'cancelled',
            message: 'Cancelled',
            error_code: null,
            error_message: null,
            finished_at: now,
            updated_at: now,
            ...bump(),
          })
          .where('id', '=', id)
          .execute();
      } else if (row.status === 'running' && row.cancel_requested === 0) {
        await trx
          .updateTable('jobs')
          .set({ cancel_requested: 1, message: 'Cancelling…', updated_at: now, ...bump() })
          .where('id', '=', id)
          .execute();
      }
      const after = await trx.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      return { status: after.status, row: after };
    });
  }

  /**
   * Jobs left running by a runner that is gone go back to the queue (or end in error once
   * they have used all their attempts, or cancelled if a cancel was pending).
   */
  async recoverStale(isGone: (row: JobRow) => boolean): Promise<JobRow[]> {
    return immediate(this.#db, async (trx) => {
      const running = await trx.selectFrom('jobs').selectAll().where('status', '=', 'running').execute();
      const changed: JobRow[] = [];
      const now = Date.now();
      for (const row of running) {
        if (!isGone(row)) continue;
        const base = { ...UNCLAIMED, updated_at: now, ...bump() };
        if (row.cancel_requested) {
          await trx
            .updateTable('jobs')
            .set({ ...base, status: 'cancelled', message: 'Cancelled', finished_at: now })
            .where('id', '=', row.id)
            .execute();
        } else if (row.attempt >= row.max_attempts) {
          const err = Errors.jobInterrupted(row.attempt);
          await trx
            .updateTable('jobs')
            .set({ ...base, status: 'error', error_code: err.code, error_message: err.message, message: err.message, finished_at: now })
            .where('id', '=', row.id)
            .execute();
        } else {
          await trx
            .updateTable('jobs')
            .set({ ...base, status: 'queued', message: 'Interrupted; resuming' })
            .where('id', '=', row.id)
            .execute();
        }
        changed.push(await trx.selectFrom('jobs').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow());
      }
      return changed;
    });
  }

  async getCheckpoints(jobId: string): Promise<Checkpoint[]> {
    const rows = await this.#db.selectFrom('job_checkpoints').selectAll().where('job_id', '=', jobId).execute();
    return rows.map((r) => ({
      step: r.step,
      artifactPath: r.artifact_path,
      bytes: r.bytes,
      sha256: r.sha256,
      pages: r.pages,
      attempt: r.attempt,
    }));
  }

  /** Records a finished step; guarded by the claim token like every runner write. */
  async putCheckpoint(jobId: string, token: string, cp: Checkpoint): Promise<void> {
    await immediate(this.#db, async (trx) => {
      const row = await trx
        .selectFrom('jobs')
        .select('id')
        .where('id', '=', jobId)
        .where('claim_token', '=', token)
        .where('status', '=', 'running')
        .executeTakeFirst();
      if (!row) throw Errors.claimLost(jobId);
      await trx
        .insertInto('job_checkpoints')
        .values({
          job_id: jobId,
          step: cp.step,
          artifact_path: cp.artifactPath,
          bytes: cp.bytes,
          sha256: cp.sha256,
          pages: cp.pages,
          attempt: cp.attempt,
          created_at: Date.now(),
        })
        .onConflict((oc) =>
          oc.columns(['job_id', 'step']).doUpdateSet({
            artifact_path: cp.artifactPath,
            bytes: cp.bytes,
            sha256: cp.sha256,
            pages: cp.pages,
            attempt: cp.attempt,
            created_at: Date.now(),
          }),
        )
        .execute();
      await pauseAt(`checkpoint-write:${cp.step}`); // crash-window tests only: killed before the commit
    });
  }

  async deleteCheckpoint(jobId: string, step: string): Promise<void> {
    await this.#db.deleteFrom('job_checkpoints').where('job_id', '=', jobId).where('step', '=', step).execute();
  }
}
