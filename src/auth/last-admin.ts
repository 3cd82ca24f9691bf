/**
 * Someone must always be able to administer the server: the last admin holding a working token can
 * neither be demoted nor lose that token (409). The check runs inside the transaction that makes
 * the change, with the admins' rows locked on PostgreSQL (SQLite runs one writer at a time), so two
 * concurrent changes cannot each leave the other as the last admin.
 */
import type { Kysely } from 'kysely';
import type { Context } from '../context.ts';
import type { Database } from '../db/schema.ts';

/** What is about to stop counting as an admin's working token: a user's role, or one token. */
export type LeavingAdmin = { userId: number; tokenId?: never } | { tokenId: number; userId?: never };

/**
 * Whether an admin keeps a working token once `leaving` is gone. Locks the admins' rows until the
 * transaction `trx` ends (PostgreSQL), so call it before the change, in the same transaction.
 */
export async function adminRemains(ctx: Context, trx: Kysely<Database>, leaving: LeavingAdmin): Promise<boolean> {
  if (ctx.db.dialect === 'postgres') await trx.selectFrom('users').select('id').where('role', '=', 'admin').forUpdate().execute();
  let others = trx
    .selectFrom('tokens')
    .innerJoin('users', 'users.id', 'tokens.user_id')
    .select('tokens.id')
    .where('users.role', '=', 'admin')
    .where('tokens.revoked_at', 'is', null);
  others = leaving.userId !== undefined ? others.where('users.id', '!=', leaving.userId) : others.where('tokens.id', '!=', leaving.tokenId);
  return (await others.limit(1).executeTakeFirst()) !== undefined;
}
