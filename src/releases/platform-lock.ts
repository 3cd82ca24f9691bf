/**
 * One release operation of a platform at a time, across masters: the transactions that stage a
 * commit or revert a release lock the platform's row first (PostgreSQL; SQLite serialises
 * writers anyway), so two masters never both find no release publishing and both publish.
 */
import type { Context } from '../context.ts';
import { hasRowLocks } from '../scheduler/transaction.ts';

/** Locks the platform's row until the transaction `tx` ends. */
export async function lockPlatform(tx: Context, platform: string): Promise<void> {
  if (!hasRowLocks(tx)) return;
  await tx.db.kysely.selectFrom('platforms').select('name').where('name', '=', platform).forUpdate().executeTakeFirst();
}
