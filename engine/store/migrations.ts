/**
 * Versioned schema. Never edit a migration that has shipped: add the next one.
 * Each is tested by migrating to the one before, inserting rows, then migrating up.
 * All pending ones run in one transaction (db.ts: a kill mid-migration leaves the file as it
 * was), so a migration cannot switch PRAGMA foreign_keys (a no-op inside a transaction).
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely, type Migration } from 'kysely';
import { outputKeyOf } from '../jobs/output-keys.ts';
import { nameFamilyOf } from '../jobs/output-families.ts';

export const MIGRATIONS: Record<string, Migration> = {
  '0001_documents_and_jobs': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('documents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull().check(sql`format in ('md', 'html')`))
        .addColumn('base_dir', 'text')
        .addColumn('workflow_id', 'text', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'integer', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('stage_states')
        .addColumn('document_id', 'text', (c) => c.notNull().references('documents.id').onDelete('cascade'))
        .addColumn('stage_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
        .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('export_job_id', 'text')
        .addColumn('updated_at', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('stage_states_pk', ['document_id', 'stage_id'])
        .execute();

      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('document_id', 'text', (c) => c.notNull().references('documents.id').onDelete('cascade'))
        .addColumn('stage_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status in ('queued', 'running', 'completed', 'error', 'cancelled')`),
        )
        .addColumn('progress', 'integer', (c) => c.notNull().defaultTo(0).check(sql`progress between 0 and 100`))
        .addColumn('step', 'text', (c) => c.notNull().defaultTo('queued'))
        .addColumn('message', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('claim_token', 'text')
        .addColumn('owner_id', 'text')
        .addColumn('owner_host', 'text')
        .addColumn('owner_pid', 'integer')
        .addColumn('heartbeat_at', 'integer')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'integer', (c) => c.notNull())
        .addColumn('started_at', 'integer')
        .addColumn('finished_at', 'integer')
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('options', 'text', (c) => c.notNull())
        .addColumn('outputs', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('output_base', 'text', (c) => c.notNull())
        .addColumn('doc_revision', 'integer', (c) => c.notNull())
        .addColumn('dedupe_key', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();

      await db.schema.createIndex('jobs_status_created').on('jobs').columns(['status', 'created_at']).execute();
      await db.schema.createIndex('jobs_document').on('jobs').column('document_id').execute();
      await db.schema.createIndex('jobs_updated').on('jobs').column('updated_at').execute();
      // At most one active job per (document revision, stage, options): the idempotent start.
      await sql`create unique index jobs_active_dedupe on jobs (dedupe_key) where status in ('queued', 'running')`.execute(db);
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('jobs').execute();
      await db.schema.dropTable('stage_states').execute();
      await db.schema.dropTable('documents').execute();
    },
  },

  // Checkpoints and cross-process cancel came with resumable jobs.
  '0002_checkpoints_and_cancel': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('job_checkpoints')
        .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
        .addColumn('step', 'text', (c) => c.notNull())
        .addColumn('artifact_path', 'text', (c) => c.notNull())
        .addColumn('bytes', 'integer', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('pages', 'integer')
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('job_checkpoints_pk', ['job_id', 'step'])
        .execute();
      await db.schema
        .alterTable('jobs')
        .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('job_checkpoints').execute();
      await db.schema.alterTable('jobs').dropColumn('cancel_requested').execute();
    },
  },

  // Other processes follow job changes by a number that grows in commit order (SQLite has one
  // writer at a time), not by timestamps: a write whose commit waited on a lock carries an
  // older updated_at than its commit time and could be missed.
  '0003_job_change_numbers': {
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('jobs')
        .addColumn('change_no', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await sql`UPDATE jobs SET change_no = rowid`.execute(db);
      await db.schema.createIndex('jobs_change_no').on('jobs').column('change_no').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('jobs_change_no').execute();
      await db.schema.alterTable('jobs').dropColumn('change_no').execute();
    },
  },

  // What the user should know about an export that still completed (an image not found, …).
  '0004_job_warnings': {
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('jobs')
        .addColumn('warnings', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('jobs').dropColumn('warnings').execute();
    },
  },

  // Outputs never replace what Quire did not write for that document (issue #7): which file a
  // document came from, and every output path Quire wrote or reserved, for whom, with what bytes.
  '0005_source_paths_and_output_files': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('documents').addColumn('source_path', 'text').execute();
      await sql`create unique index documents_source_path on documents (source_path) where source_path is not null`.execute(db);
      await db.schema
        .createTable('output_files')
        // outputKey(): the folder's real path + the name, case-folded where the file system is.
        .addColumn('path', 'text', (c) => c.primaryKey())
        .addColumn('document_id', 'text', (c) => c.notNull().references('documents.id').onDelete('cascade'))
        // The job that last reserved or wrote it (jobs of a deleted document go with it).
        .addColumn('job_id', 'text', (c) => c.notNull())
        // What Quire last put there, confirmed; null while only reserved.
        .addColumn('sha256', 'text')
        .addColumn('bytes', 'integer')
        // Set just before a publish, confirmed just after: a crash in between still knows the file.
        .addColumn('pending_sha256', 'text')
        .addColumn('pending_bytes', 'integer')
        .addColumn('updated_at', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('output_files_document').on('output_files').column('document_id').execute();
      await db.schema.createIndex('output_files_job').on('output_files').column('job_id').execute();
      // Outputs written before this migration are known too, so re-exporting a document replaces
      // its own file instead of adding "(2)". Later jobs win a path (finish order).
      const jobs = await db
        .selectFrom('jobs')
        .select(['id', 'document_id', 'outputs', 'finished_at'])
        .where('outputs', '!=', '[]')
        .orderBy('finished_at')
        .execute();
      const now = Date.now();
      for (const job of jobs as Array<{ id: string; document_id: string; outputs: string }>) {
        let outputs: Array<{ path?: unknown; bytes?: unknown; sha256?: unknown }>;
        try {
          outputs = JSON.parse(job.outputs);
        } catch {
          continue;
        }
        for (const o of Array.isArray(outputs) ? outputs : []) {
          if (typeof o.path !== 'string' || typeof o.sha256 !== 'string' || typeof o.bytes !== 'number') continue;
          const row = { path: outputKeyOf(o.path), document_id: job.document_id, job_id: job.id, sha256: o.sha256, bytes: o.bytes, updated_at: now };
          await db
            .insertInto('output_files')
            .values(row)
            .onConflict((oc) => oc.column('path').doUpdateSet({ document_id: row.document_id, job_id: row.job_id, sha256: row.sha256, bytes: row.bytes }))
            .execute();
        }
      }
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('output_files').execute();
      await db.schema.dropIndex('documents_source_path').execute();
      await db.schema.alterTable('documents').dropColumn('source_path').execute();
    },
  },

  // One resolved ExportSpec per job (issue #8): the job runs the spec and the exact source it
  // was started with (a content-addressed snapshot), and documents own their files (images).
  '0006_export_specs_and_assets': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('source_snapshots')
        .addColumn('sha256', 'text', (c) => c.primaryKey())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('bytes', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .execute();
      await sql`alter table jobs rename column options to spec`.execute(db);
      await db.schema.alterTable('jobs').addColumn('source_sha256', 'text').execute();
      await db.schema.createIndex('jobs_source_sha256').on('jobs').column('source_sha256').execute();
      await db.schema
        .createTable('document_assets')
        .addColumn('document_id', 'text', (c) => c.notNull().references('documents.id').onDelete('cascade'))
        // The reference exactly as the document writes it ("images/a.png").
        .addColumn('ref', 'text', (c) => c.notNull())
        // Null while the file is missing: the document says so and lets the user add it.
        .addColumn('sha256', 'text')
        .addColumn('bytes', 'integer')
        .addColumn('media_type', 'text')
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('stored', 'missing', 'refused')`))
        // Why it is missing or was refused (not found, outside the folder, not an image …).
        .addColumn('problem', 'text')
        .addColumn('updated_at', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('document_assets_pk', ['document_id', 'ref'])
        .execute();
      await db.schema.createIndex('document_assets_sha256').on('document_assets').column('sha256').execute();

      // Jobs recorded before: their options become a spec. A job still queued or running gets
      // a snapshot of its document as it is now (what it would have exported anyway).
      const now = Date.now();
      const jobs = (await db
        .selectFrom('jobs')
        .leftJoin('documents', 'documents.id', 'jobs.document_id')
        .select(['jobs.id', 'jobs.document_id', 'jobs.stage_id', 'jobs.status', 'jobs.spec', 'jobs.output_base', 'jobs.doc_revision', 'documents.title', 'documents.format', 'documents.source'])
        .execute()) as Array<Record<string, any>>;
      for (const job of jobs) {
        let options: Record<string, any> = {};
        try {
          options = JSON.parse(job.spec) ?? {};
        } catch {
          // A damaged row keeps an empty spec; the runner reports it by job id.
        }
        const active = job.status === 'queued' || job.status === 'running';
        let sha: string | null = null;
        if (active && typeof job.source === 'string') {
          sha = createHash('sha256').update(job.source, 'utf8').digest('hex');
          await db
            .insertInto('source_snapshots')
            .values({ sha256: sha, source: job.source, bytes: Buffer.byteLength(job.source, 'utf8'), created_at: now })
            .onConflict((oc) => oc.column('sha256').doNothing())
            .execute();
        }
        const spec = {
          version: 1,
          documentId: job.document_id,
          stageId: job.stage_id,
          formats: options.formats,
          outDir: options.outDir,
          fileBase: options.fileName ?? job.output_base,
          overwrite: !!options.overwrite,
          pdf: options.pdf,
          title: job.title ?? job.output_base,
          metadata: {},
          source: { revision: job.doc_revision, format: job.format ?? 'md', sha256: sha, bytes: typeof job.source === 'string' ? Buffer.byteLength(job.source, 'utf8') : 0 },
          assets: [],
          unavailableAssets: [],
        };
        await db.updateTable('jobs').set({ spec: JSON.stringify(spec), source_sha256: sha }).where('id', '=', job.id).execute();
      }
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('document_assets').execute();
      await db.schema.dropIndex('jobs_source_sha256').execute();
      await db.schema.alterTable('jobs').dropColumn('source_sha256').execute();
      await sql`alter table jobs rename column spec to options`.execute(db);
      await db.schema.dropTable('source_snapshots').execute();
    },
  },

  // Enqueue and listing at scale (issue #10): the next free "name (n)" of a family is an index
  // lookup (output-families.ts), not a probe of every earlier number; the jobs list is read a
  // page at a time, newest first, from an index (created_at, then rowid, which every index holds).
  '0007_output_name_families_and_job_pages': {
    async up(db: Kysely<any>) {
      // Null on rows nobody could parse: such a row is only no hint, never a wrong one.
      await db.schema.alterTable('output_files').addColumn('name_family', 'text').execute();
      await db.schema.alterTable('output_files').addColumn('name_number', 'integer').execute();
      const rows = (await db.selectFrom('output_files').select('path').execute()) as Array<{ path: string }>;
      for (const row of rows) {
        const { family, number } = nameFamilyOf(row.path);
        await db.updateTable('output_files').set({ name_family: family, name_number: number }).where('path', '=', row.path).execute();
      }
      await db.schema.createIndex('output_files_name_family').on('output_files').columns(['name_family', 'name_number']).execute();
      await db.schema.createIndex('output_files_document_family').on('output_files').columns(['document_id', 'name_family']).execute();
      await db.schema.createIndex('jobs_created').on('jobs').column('created_at').execute();
      await db.schema.createIndex('jobs_document_created').on('jobs').columns(['document_id', 'created_at']).execute();
      // Its prefix: one index less to update at every job write.
      await db.schema.dropIndex('jobs_document').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.createIndex('jobs_document').on('jobs').column('document_id').execute();
      await db.schema.dropIndex('jobs_document_created').execute();
      await db.schema.dropIndex('jobs_created').execute();
      await db.schema.dropIndex('output_files_document_family').execute();
      await db.schema.dropIndex('output_files_name_family').execute();
      await db.schema.alterTable('output_files').dropColumn('name_number').execute();
      await db.schema.alterTable('output_files').dropColumn('name_family').execute();
    },
  },

  // Enqueue writes every index of jobs and output_files (issue #10): these three serve no query
  // (EXPLAIN QUERY PLAN of every statement the engine runs): nothing reads jobs by updated_at;
  // output_files_document is the prefix of output_files_document_family (which the foreign key's
  // cascade and the name lookups use); output_files is only ever read by path, never by job_id.
  '0008_drop_unused_job_indexes': {
    async up(db: Kysely<any>) {
      await db.schema.dropIndex('jobs_updated').execute();
      await db.schema.dropIndex('output_files_document').execute();
      await db.schema.dropIndex('output_files_job').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.createIndex('output_files_job').on('output_files').column('job_id').execute();
      await db.schema.createIndex('output_files_document').on('output_files').column('document_id').execute();
      await db.schema.createIndex('jobs_updated').on('jobs').column('updated_at').execute();
    },
  },

  // A batch commits without fsyncs (synchronous=NORMAL) and is made durable by one last FULL
  // commit, which fsyncs the write-ahead log only if it writes a page. That commit rewrote a job
  // as it was (`update jobs set seq = seq`), and SQLite skips a row whose bytes do not change: it
  // wrote nothing and synced nothing, so an acknowledged batch could be lost in a power cut. This
  // row exists to be changed by such a commit (jobs/enqueue.ts syncCommits); nothing reads it.
  '0009_store_syncs': {
    async up(db: Kysely<any>) {
      await sql`create table store_syncs (id integer primary key check (id = 1), n integer not null)`.execute(db);
      await sql`insert into store_syncs (id, n) values (1, 0)`.execute(db);
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('store_syncs').execute();
    },
  },
};

export const LATEST_MIGRATION = Object.keys(MIGRATIONS).at(-1)!;
