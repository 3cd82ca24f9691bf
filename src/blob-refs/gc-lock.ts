/**
 * One garbage collection of the artifact store at a time, for the whole farm: on PostgreSQL a
 * session advisory lock (`pg_try_advisory_lock`) on a connection of its own, held while the
 * collection runs, so two masters on one database never collect at once and a master that dies
 * releases it with its connection; on SQLite (one master) a mark on the open database. A second
 * collection is refused at once rather than queued: the first one does the work.
 *
 * The lock's key is the first 8 bytes of sha256("store-gc") as a signed 64-bit integer, the
 * scheme the cluster locks of several masters use, so they never collide with it.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Context } from '../context.ts';
import { StoreGcRunningError } from './errors.ts';

const LOCK_NAME = 'store-gc';

/** Databases (by their Kysely instance) a collection of this process is running on. */
const running = new WeakSet<object>();

/** The advisory lock key of `name`: a signed 64-bit integer, as text (PostgreSQL's bigint). */
function lockKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
}

/** Runs `fn` holding the store's garbage collection lock. @throws StoreGcRunningError when another holds it */
export async function withStoreGcLock<T>(ctx: Context, fn: () => Promise<T>): Promise<T> {
  const db = ctx.db.kysely;
  if (running.has(db)) throw new StoreGcRunningError();
  running.add(db);
  try {
    if (ctx.db.dialect !== 'postgres') return await fn();
    const key = lockKey(LOCK_NAME);
    return await db.connection().execute(async (conn) => {
      const got = await sql<{ ok: boolean }>`SELECT pg_try_advisory_lock(${key}::bigint) AS ok`.execute(conn);
      if (got.rows[0]?.ok !== true) throw new StoreGcRunningError();
      try {
        return await fn();
      } finally {
        await sql`SELECT pg_advisory_unlock(${key}::bigint)`.execute(conn);
      }
    });
  } finally {
    running.delete(db);
  }
}
