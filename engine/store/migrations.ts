/**
 * Versioned schema. Never edit a migration that has shipped: add the next one.
 * Each is tested by migrating to the one before, inserting rows, then migrating up.
 */
import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

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
};

export const LATEST_MIGRATION = Object.keys(MIGRATIONS).at(-1)!;
