/**
 * Opens (and migrates) a Quire SQLite file: WAL, foreign keys on, synchronous=FULL so a
 * finished step survives a power cut, and a busy timeout so two processes can share it.
 *
 * @example
 * const store = await openDatabase('/tmp/quire/quire.db');
 * await store.db.selectFrom('jobs').selectAll().execute();
 * await store.close();
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { DEFAULT_MIGRATION_TABLE, Kysely, Migrator, SqliteDialect, sql, type MigrationResultSet } from 'kysely';
import { FRESH_SCHEMA_AT, createFreshSchema } from './fresh-schema.ts';
import { LATEST_MIGRATION, MIGRATIONS } from './migrations.ts';
import type { Database } from './schema.ts';
import { withStatementCache } from './statement-cache.ts';
import { pauseAt } from '../test-pause.ts';

/** Bytes the write-ahead log keeps on disk after a checkpoint (SQLite's normal pace fills ~4 MB). */
export const WAL_SIZE_LIMIT = 8 * 1024 * 1024;

export interface OpenDatabaseOptions {
  /** Migrate to this migration instead of the latest (tests of migrations only). */
  migrateTo?: string;
  readonly?: boolean;
}

export interface QuireDb {
  db: Kysely<Database>;
  sqlite: BetterSqlite3.Database;
  path: string;
  close(): Promise<void>;
}

export function createMigrator(db: Kysely<any>): Migrator {
  // Each up() may stop at a test pause point (crash-window tests); inert otherwise.
  const migrations = Object.fromEntries(
    Object.entries(MIGRATIONS).map(([name, m]) => [name, { ...m, up: async (d: Kysely<any>) => (await m.up(d), await pauseAt(`migration:${name}`)) }]),
  );
  return new Migrator({ db, provider: { getMigrations: async () => migrations } });
}

function throwOnMigrationError(result: MigrationResultSet, file: string): void {
  if (result.error) {
    const reason = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`Could not upgrade the Quire database ${file}: ${reason}`);
  }
}

/**
 * Every migration already applied, from one query: Kysely's own check (getMigrations) first
 * inspects every table, a query each, at every start. Anything unsure (no table yet, a file
 * that is not a database) says no and the migrator decides, as before.
 */
export function allMigrationsApplied(sqlite: BetterSqlite3.Database): boolean {
  try {
    const applied = new Set(sqlite.prepare(`SELECT name FROM "${DEFAULT_MIGRATION_TABLE}"`).pluck().all());
    return Object.keys(MIGRATIONS).every((name) => applied.has(name));
  } catch {
    return false;
  }
}

/** No table, no index: a file SQLite just made (or an empty one). */
function isEmpty(sqlite: BetterSqlite3.Database): boolean {
  return sqlite.prepare('select count(*) from sqlite_master').pluck().get() === 0;
}

/**
 * A new database gets the latest schema in one transaction (fresh-schema.ts). IMMEDIATE, then
 * checked again: a second process starting at the same moment waits, then finds the schema made
 * and goes on (the migrator finds nothing pending). A kill before the commit leaves an empty file.
 */
async function freshSchema(sqlite: BetterSqlite3.Database): Promise<void> {
  sqlite.exec('begin immediate');
  try {
    if (isEmpty(sqlite)) {
      createFreshSchema(sqlite);
      await pauseAt('migration:fresh-schema');
    }
    sqlite.exec('commit');
  } catch (e) {
    if (sqlite.inTransaction) sqlite.exec('rollback');
    throw e;
  }
}

/**
 * Kysely's SqliteDriver closes the connection only if a query through Kysely opened it: a store
 * opened and closed without one (a new file given its schema raw, an up-to-date one only read
 * raw) kept its handle, and with it the write-ahead log un-checkpointed, until garbage collection.
 */
async function closeAll(db: Kysely<Database>, sqlite: BetterSqlite3.Database): Promise<void> {
  try {
    await db.destroy();
  } finally {
    if (sqlite.open) sqlite.close();
  }
}

export async function openDatabase(file: string, options: OpenDatabaseOptions = {}): Promise<QuireDb> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new BetterSqlite3(file, { timeout: 15_000 });
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 15000');
  // Statement journals (the pages a multi-row statement changes, kept to undo that statement
  // alone) in memory instead of a temp file under /var/tmp: a 10,000-job enqueue batch wrote
  // ~170 MB to such files (213 MB written in all, 48 MB with this; strace, issue #10 case 8).
  // Temp tables and sorts without an index would be held in memory too: Quire makes no temp
  // tables, and its biggest sort (every job) is a few MB at 10,000 jobs.
  sqlite.pragma('temp_store = MEMORY');
  // A large enqueue batch lets the write-ahead log grow to ~40 MB (jobs/enqueue.ts); once
  // checkpointed, the log is cut back to this size instead of keeping that space until close.
  sqlite.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  const migrator = createMigrator(db);
  try {
    if (!options.migrateTo && FRESH_SCHEMA_AT === LATEST_MIGRATION && isEmpty(sqlite)) await freshSchema(sqlite);
    // Kysely runs SQLite migrations outside any transaction (SqliteAdapter.supportsTransactionalDdl
    // is false): a process killed between two statements left a half-made schema that the next
    // start could not migrate ("table … already exists"). SQLite's DDL is transactional, so all
    // pending migrations commit together or not at all; IMMEDIATE also makes a second process
    // starting at the same moment wait instead of migrating alongside.
    // An up-to-date file is only read (no write lock taken just to open it).
    const pending = options.migrateTo || (!allMigrationsApplied(sqlite) && (await migrator.getMigrations()).some((m) => !m.executedAt));
    if (pending) {
      await sql`begin immediate`.execute(db);
      try {
        const result = options.migrateTo ? await migrator.migrateTo(options.migrateTo) : await migrator.migrateToLatest();
        throwOnMigrationError(result, file);
        await sql`commit`.execute(db);
      } catch (e) {
        await sql`rollback`.execute(db).catch(() => undefined);
        throw e;
      }
    }
  } catch (e) {
    await closeAll(db, sqlite);
    throw e;
  }
  let closed = false;
  return {
    db,
    sqlite,
    path: file,
    async close() {
      if (closed) return;
      closed = true;
      await closeAll(db, sqlite);
    },
  };
}

/**
 * Runs `fn` inside BEGIN IMMEDIATE on the single connection, so no other process can write
 * between our read and our write (the claim of a job, the idempotent start).
 */
export async function immediate<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await fn(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (e) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw e;
    }
  });
}

/**
 * Runs `fn` on the single connection with synchronous=NORMAL instead of FULL: its commit is
 * not fsynced (≈3 ms saved, on the main thread). Only for writes whose loss in a power cut
 * costs nothing (progress, heartbeats): in WAL mode the next FULL commit syncs every frame
 * before it, so a later checkpoint or final state still makes them durable, in order.
 */
export async function relaxedDurability<T>(db: Kysely<Database>, fn: (conn: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    // Set outside any transaction (SQLite refuses to change it inside one).
    await sql`pragma synchronous = NORMAL`.execute(conn);
    try {
      return await fn(conn);
    } finally {
      await sql`pragma synchronous = FULL`.execute(conn).catch(() => undefined);
    }
  });
}

export async function integrityCheck(sqlite: BetterSqlite3.Database): Promise<string> {
  const rows = sqlite.pragma('integrity_check') as Array<{ integrity_check: string }>;
  return rows.map((r) => r.integrity_check).join('\n');
}
