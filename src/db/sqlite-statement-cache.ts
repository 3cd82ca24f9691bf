/**
 * The SQLite counterpart of prepared-client.ts: Kysely's SQLite driver calls `prepare(sql)` for
 * every query, and better-sqlite3 compiles the statement each time (about 60 µs, more than most of
 * our queries take to run). This wraps the database handle so that each statement text is
 * compiled once and its statement object reused.
 *
 * The cache holds at most MAX_CACHED texts (least recently used goes first), so statements whose
 * text varies (long IN lists) cannot grow it without bound. Reuse is safe because Kysely runs one
 * query at a time on its single SQLite connection (a streamed query holds the connection until it
 * ends), so a statement is never in use twice at once; SQLite recompiles a cached statement by
 * itself when a migration changes the schema under it.
 */
import type Sqlite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

const MAX_CACHED = 500;

export function cachingSqlite(handle: Sqlite.Database): SqliteDatabase {
  const cache = new Map<string, Sqlite.Statement>();
  const prepare = (sql: string): SqliteStatement => {
    const known = cache.get(sql);
    if (known !== undefined) {
      // Most recently used goes last.
      cache.delete(sql);
      cache.set(sql, known);
      return known as unknown as SqliteStatement;
    }
    const stmt = handle.prepare(sql);
    cache.set(sql, stmt);
    if (cache.size > MAX_CACHED) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    return stmt as unknown as SqliteStatement;
  };
  return {
    close: () => {
      cache.clear();
      handle.close();
    },
    prepare,
  };
}
