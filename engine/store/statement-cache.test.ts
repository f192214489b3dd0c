import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { rmrf, tempDir } from '../../tests/helpers.ts';
import { withStatementCache } from './statement-cache.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach(rmrf));

describe('withStatementCache', () => {
  it('hands out one statement per SQL text, a fresh one while it iterates, and drops the least recent', () => {
    const dir = tempDir();
    dirs.push(dir);
    const sqlite = new BetterSqlite3(path.join(dir, 'c.db'));
    try {
      const db = withStatementCache(sqlite, 2);
      db.exec('create table t (n integer)');
      const insert = db.prepare('insert into t (n) values (?)');
      expect(db.prepare('insert into t (n) values (?)')).toBe(insert);
      for (let i = 0; i < 3; i++) insert.run(i);
      const select = db.prepare('select n from t order by n');
      const it = select.iterate();
      it.next();
      // Still iterating: a second query with the same text gets its own statement.
      const other = db.prepare('select n from t order by n');
      expect(other).not.toBe(select);
      expect(other.all()).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
      it.return?.();
      db.prepare('select 1');
      db.prepare('select 2');
      // Two newer texts pushed the insert out: it is prepared again.
      expect(db.prepare('insert into t (n) values (?)')).not.toBe(insert);
      // Everything else is the database itself.
      expect(db.open).toBe(true);
      expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    } finally {
      sqlite.close();
    }
  });
});
