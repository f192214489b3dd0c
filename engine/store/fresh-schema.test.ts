/**
 * A new database gets the latest schema in one exec (fresh-schema.ts): it must be the very file
 * the migrations make, table by table and index by index, with every migration recorded, so an
 * upgrade later (migration 0009 …) starts from the same place either way.
 */
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { rmrf, tempDir } from '../../tests/helpers.ts';
import { allMigrationsApplied, createMigrator, integrityCheck, openDatabase } from './db.ts';
import { FRESH_SCHEMA_AT } from './fresh-schema.ts';
import { LATEST_MIGRATION, MIGRATIONS } from './migrations.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach(rmrf));

function dir(): string {
  const d = tempDir('quire-fresh-schema-');
  dirs.push(d);
  return d;
}

type Entry = { type: string; name: string; tbl_name: string; sql: string | null };
const schemaOf = (sqlite: BetterSqlite3.Database) =>
  sqlite.prepare('select type, name, tbl_name, sql from sqlite_master order by type, name').all() as Entry[];

describe('the fresh schema', () => {
  it('is brought up to date with every new migration', () => {
    // When this fails: migrate a database to the latest (openDatabase with migrateTo), copy its
    // `select sql from sqlite_master` into FRESH_SCHEMA_SQL and set FRESH_SCHEMA_AT. Until then a
    // new database is migrated step by step (correct, only slower to start).
    expect(FRESH_SCHEMA_AT, 'fresh-schema.ts is behind the migrations').toBe(LATEST_MIGRATION);
  });

  it('makes the same database as running every migration, with all of them recorded', async () => {
    const d = dir();
    // migrateTo takes the migrator's path even for a new file.
    const migrated = await openDatabase(path.join(d, 'migrated.db'), { migrateTo: LATEST_MIGRATION });
    const fresh = await openDatabase(path.join(d, 'fresh.db'));
    try {
      const a = schemaOf(migrated.sqlite);
      const b = schemaOf(fresh.sqlite);
      expect(b.map((e) => e.name)).toEqual(a.map((e) => e.name));
      expect(b).toEqual(a);
      expect(a.filter((e) => e.type === 'index').length).toBeGreaterThan(10);
      for (const table of a.filter((e) => e.type === 'table')) {
        expect(fresh.sqlite.pragma(`table_xinfo("${table.name}")`), table.name).toEqual(migrated.sqlite.pragma(`table_xinfo("${table.name}")`));
        expect(fresh.sqlite.pragma(`foreign_key_list("${table.name}")`), table.name).toEqual(migrated.sqlite.pragma(`foreign_key_list("${table.name}")`));
      }
      // Rows a migration writes (store_syncs' one row), table by table; Kysely's timestamps aside.
      for (const table of a.filter((e) => e.type === 'table' && e.name !== 'kysely_migration')) {
        const rows = (s: BetterSqlite3.Database) => s.prepare(`select * from "${table.name}"`).all();
        expect(rows(fresh.sqlite), table.name).toEqual(rows(migrated.sqlite));
      }
      expect(fresh.sqlite.prepare('select n from store_syncs').pluck().all()).toEqual([0]);
      const applied = (s: BetterSqlite3.Database) => s.prepare('select name from kysely_migration order by name').pluck().all();
      expect(applied(fresh.sqlite)).toEqual(Object.keys(MIGRATIONS));
      expect(applied(fresh.sqlite)).toEqual(applied(migrated.sqlite));
      expect(fresh.sqlite.prepare('select id, is_locked from kysely_migration_lock').all()).toEqual(migrated.sqlite.prepare('select id, is_locked from kysely_migration_lock').all());
      expect(allMigrationsApplied(fresh.sqlite)).toBe(true);
      // Kysely's own view: nothing pending, nothing unknown.
      const migrations = await createMigrator(fresh.db).getMigrations();
      expect(migrations.map((m) => m.name)).toEqual(Object.keys(MIGRATIONS));
      expect(migrations.every((m) => m.executedAt instanceof Date && !Number.isNaN(m.executedAt.getTime()))).toBe(true);
      expect(await integrityCheck(fresh.sqlite)).toBe('ok');
      expect(fresh.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      await migrated.close();
      await fresh.close();
    }
  });

  it('is made once: a second connection to the new file finds it and changes nothing; rows written meanwhile stay', async () => {
    const file = path.join(dir(), 'q.db');
    // One after the other: in one thread, a second BEGIN IMMEDIATE would wait on the first synchronously.
    const a = await openDatabase(file);
    const b = await openDatabase(file);
    try {
      a.sqlite.prepare(`insert into documents (id, title, source, format, workflow_id, created_at, updated_at) values ('d1', 't', '#', 'md', 'report', 1, 1)`).run();
      const again = await openDatabase(file);
      expect(again.sqlite.prepare('select id from documents').pluck().all()).toEqual(['d1']);
      expect(again.sqlite.prepare('select count(*) from kysely_migration').pluck().get()).toBe(Object.keys(MIGRATIONS).length);
      await again.close();
      expect(b.sqlite.prepare('select count(*) from documents').pluck().get()).toBe(1);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
