/**
 * Kysely's SQLite driver prepares every query anew (better-sqlite3 `prepare` per call): about a
 * fifth of the CPU of recording a job (issue #10's profile). This hands it the same
 * `Database` with `prepare` answered from a bounded cache of statements by SQL text; a
 * statement still iterating (a streamed query) is never handed out twice.
 *
 * @example
 * const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
 */
import type BetterSqlite3 from 'better-sqlite3';

/** Distinct SQL texts kept; kysely's queries are few, `in (…)` lists of other lengths add some. */
export const STATEMENT_CACHE_SIZE = 500;

export function withStatementCache(sqlite: BetterSqlite3.Database, max = STATEMENT_CACHE_SIZE): BetterSqlite3.Database {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepare = (source: string): BetterSqlite3.Statement => {
    const held = cache.get(source);
    if (held && !held.busy) {
      // Most recently used last: the first key is the one to drop.
      cache.delete(source);
      cache.set(source, held);
      return held;
    }
    const statement = sqlite.prepare(source);
    if (!held) {
      cache.set(source, statement);
      if (cache.size > max) cache.delete(cache.keys().next().value!);
    }
    return statement;
  };
  return new Proxy(sqlite, {
    get(target, key) {
      if (key === 'prepare') return prepare;
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
