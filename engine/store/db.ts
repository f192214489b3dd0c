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
import { Kysely, Migrator, SqliteDialect, sql, type MigrationResultSet } from 'kysely';
import { MIGRATIONS } from './migrations.ts';
import type { Database } from './schema.ts';

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
  return new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
}

function throwOnMigrationError(result: MigrationResultSet, file: string): void {
  if (result.error) {
    const reason = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`Could not upgrade the Quire database ${file}: ${reason}`);
  }
}

export async function openDatabase(file: string, options: OpenDatabaseOptions = {}): Promise<QuireDb> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new BetterSqlite3(file, { timeout: 15_000 });
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 15000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const migrator = createMigrator(db);
  try {
    const result = options.migrateTo ? await migrator.migrateTo(options.migrateTo) : await migrator.migrateToLatest();
    throwOnMigrationError(result, file);
  } catch (e) {
    await db.destroy();
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
      await db.destroy();
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

export async function integrityCheck(sqlite: BetterSqlite3.Database): Promise<string> {
  const rows = sqlite.pragma('integrity_check') as Array<{ integrity_check: string }>;
  return rows.map((r) => r.integrity_check).join('\n');
}
