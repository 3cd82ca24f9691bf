/**
 * Running scheduler operations atomically: `inTransaction` gives the callback a context whose
 * database handle is the transaction (or the caller's transaction when there already is one), so
 * the operations compose and every query of one operation commits or rolls back together.
 *
 * SQLite serialises writers (one connection, Kysely's mutex); on PostgreSQL the operations lock
 * the rows they change (`FOR UPDATE`, always tasks before their build) to stay correct under
 * concurrent requests.
 */
import type { Context } from '../context.ts';

/** Runs `fn` in a transaction (joining the one `ctx` is already in). */
export async function inTransaction<T>(ctx: Context, fn: (tx: Context) => Promise<T>): Promise<T> {
  if (ctx.db.kysely.isTransaction) return fn(ctx);
  return ctx.db.kysely.transaction().execute((trx) => fn({ ...ctx, db: { ...ctx.db, kysely: trx } }));
}

/** True when row locks (`FOR UPDATE`, `SKIP LOCKED`) exist: PostgreSQL. */
export function hasRowLocks(ctx: Context): boolean {
  return ctx.db.dialect === 'postgres';
}
