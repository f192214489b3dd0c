/**
 * The schema (and rows) every migration up to FRESH_SCHEMA_AT leaves, made at once in a new database:
 * a first start runs one exec instead of the migrations one by one through Kysely (each
 * statement built, each DDL re-reading the schema), which cost a first start with a new data
 * folder about 25 ms before its first job was queued. The text is what SQLite stores in
 * sqlite_master after the migrations, so both paths make the same file; fresh-schema.test.ts
 * compares them. A new migration makes FRESH_SCHEMA_AT stale: openDatabase then migrates a new
 * database step by step, as before, until this file is brought up to date (the test says so).
 *
 * @example
 * if (FRESH_SCHEMA_AT === LATEST_MIGRATION) createFreshSchema(sqlite); // inside BEGIN IMMEDIATE
 */
import type BetterSqlite3 from 'better-sqlite3';
import { DEFAULT_MIGRATION_LOCK_TABLE, DEFAULT_MIGRATION_TABLE, MIGRATION_LOCK_ID } from 'kysely';
import { MIGRATIONS } from './migrations.ts';

/** The last migration this schema includes. */
export const FRESH_SCHEMA_AT = '0009_store_syncs';

/** Kysely's own tables, as its Migrator makes them, then ours in the order the migrations made them. */
export const FRESH_SCHEMA_SQL = [
  `CREATE TABLE "${DEFAULT_MIGRATION_TABLE}" ("name" varchar(255) not null primary key, "timestamp" varchar(255) not null)`,
  `CREATE TABLE "${DEFAULT_MIGRATION_LOCK_TABLE}" ("id" varchar(255) not null primary key, "is_locked" integer default 0 not null)`,
  `CREATE TABLE "documents" ("id" text primary key, "title" text not null, "source" text not null, "format" text not null check (format in ('md', 'html')), "base_dir" text, "workflow_id" text not null, "revision" integer default 1 not null, "created_at" integer not null, "updated_at" integer not null, "source_path" text)`,
  `CREATE TABLE "stage_states" ("document_id" text not null references "documents" ("id") on delete cascade, "stage_id" text not null, "status" text default 'pending' not null, "data" text default '{}' not null, "export_job_id" text, "updated_at" integer not null, constraint "stage_states_pk" primary key ("document_id", "stage_id"))`,
  `CREATE TABLE "jobs" ("id" text primary key, "document_id" text not null references "documents" ("id") on delete cascade, "stage_id" text not null, "status" text not null check (status in ('queued', 'running', 'completed', 'error', 'cancelled')), "progress" integer default 0 not null check (progress between 0 and 100), "step" text default 'queued' not null, "message" text default '' not null, "attempt" integer default 0 not null, "max_attempts" integer not null, "claim_token" text, "owner_id" text, "owner_host" text, "owner_pid" integer, "heartbeat_at" integer, "created_by" text not null, "created_at" integer not null, "updated_at" integer not null, "started_at" integer, "finished_at" integer, "error_code" text, "error_message" text, "spec" text not null, "outputs" text default '[]' not null, "output_base" text not null, "doc_revision" integer not null, "dedupe_key" text not null, "seq" integer default 1 not null, "cancel_requested" integer default 0 not null, "change_no" integer default 0 not null, "warnings" text default '[]' not null, "source_sha256" text)`,
  `CREATE INDEX "jobs_status_created" on "jobs" ("status", "created_at")`,
  `CREATE UNIQUE INDEX jobs_active_dedupe on jobs (dedupe_key) where status in ('queued', 'running')`,
  `CREATE TABLE "job_checkpoints" ("job_id" text not null references "jobs" ("id") on delete cascade, "step" text not null, "artifact_path" text not null, "bytes" integer not null, "sha256" text not null, "pages" integer, "attempt" integer not null, "created_at" integer not null, constraint "job_checkpoints_pk" primary key ("job_id", "step"))`,
  `CREATE INDEX "jobs_change_no" on "jobs" ("change_no")`,
  `CREATE UNIQUE INDEX documents_source_path on documents (source_path) where source_path is not null`,
  `CREATE TABLE "output_files" ("path" text primary key, "document_id" text not null references "documents" ("id") on delete cascade, "job_id" text not null, "sha256" text, "bytes" integer, "pending_sha256" text, "pending_bytes" integer, "updated_at" integer not null, "name_family" text, "name_number" integer)`,
  `CREATE TABLE "source_snapshots" ("sha256" text primary key, "source" text not null, "bytes" integer not null, "created_at" integer not null)`,
  `CREATE INDEX "jobs_source_sha256" on "jobs" ("source_sha256")`,
  `CREATE TABLE "document_assets" ("document_id" text not null references "documents" ("id") on delete cascade, "ref" text not null, "sha256" text, "bytes" integer, "media_type" text, "status" text not null check (status in ('stored', 'missing', 'refused')), "problem" text, "updated_at" integer not null, constraint "document_assets_pk" primary key ("document_id", "ref"))`,
  `CREATE INDEX "document_assets_sha256" on "document_assets" ("sha256")`,
  `CREATE INDEX "output_files_name_family" on "output_files" ("name_family", "name_number")`,
  `CREATE INDEX "output_files_document_family" on "output_files" ("document_id", "name_family")`,
  `CREATE INDEX "jobs_created" on "jobs" ("created_at")`,
  `CREATE INDEX "jobs_document_created" on "jobs" ("document_id", "created_at")`,
  `CREATE TABLE store_syncs (id integer primary key check (id = 1), n integer not null)`,
  // Migration 0009's row.
  `INSERT INTO store_syncs (id, n) VALUES (1, 0)`,
].join(';\n');

/**
 * Creates the whole schema in an empty database, inside the caller's transaction, and records
 * every migration up to FRESH_SCHEMA_AT as applied, as Kysely's Migrator would have.
 */
export function createFreshSchema(sqlite: BetterSqlite3.Database): void {
  sqlite.exec(FRESH_SCHEMA_SQL);
  sqlite.prepare(`insert into "${DEFAULT_MIGRATION_LOCK_TABLE}" ("id", "is_locked") values (?, 0)`).run(MIGRATION_LOCK_ID);
  const names = Object.keys(MIGRATIONS);
  const record = sqlite.prepare(`insert into "${DEFAULT_MIGRATION_TABLE}" ("name", "timestamp") values (?, ?)`);
  const now = new Date().toISOString();
  for (const name of names.slice(0, names.indexOf(FRESH_SCHEMA_AT) + 1)) record.run(name, now);
}
