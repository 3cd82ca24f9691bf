/**
 * Tokens: issuing (the secret is returned once), looking up by secret, listing and revoking.
 */
import type { Kysely } from 'kysely';
import type { Context } from '../context.ts';
import type { Database, Role } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { ConflictError } from '../platforms/errors.ts';
import { checkRole } from './errors.ts';
import { adminRemains } from './last-admin.ts';
import { hashSecret, newSecret } from './secrets.ts';
import { forgetTokens, rememberedNodeToken, rememberNodeToken } from './token-cache.ts';
import type { IssuedToken, TokenInfo, TokenOwner, UserInfo } from './types.ts';
import { createUser, findUser } from './users.ts';

type Owner = { userId: number; nodeId?: never } | { nodeId: number; userId?: never };

/** Inserts a token for a user or a node (inside `db`, which may be a transaction). */
export async function insertToken(ctx: Context, db: Kysely<Database>, owner: Owner): Promise<{ id: number; secret: string; createdAt: number }> {
  const secret = newSecret();
  const createdAt = ctx.now();
  const row = await db
    .insertInto('tokens')
    .values({
      token_hash: hashSecret(secret),
      kind: owner.userId !== undefined ? 'user' : 'node',
      user_id: owner.userId ?? null,
      node_id: owner.nodeId ?? null,
      created_at: createdAt,
      revoked_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, secret, createdAt };
}

/** Issues a new API token for an existing user id; the secret is returned once. */
export async function createToken(ctx: Context, user: UserInfo): Promise<IssuedToken> {
  const t = await insertToken(ctx, ctx.db.kysely, { userId: user.id });
  return { token: { id: t.id, kind: 'user', user: user.name, node: null, createdAt: t.createdAt, revokedAt: null }, secret: t.secret };
}

/**
 * Issues an API token for the user `name`, creating the user with `role` when they do not exist.
 * For an existing user, `role` may be omitted or must be their role (roles change with
 * setUserRole, never as a side effect).
 * @throws InvalidNameError, InvalidValueError, ConflictError
 */
export async function issueUserToken(ctx: Context, name: string, role?: Role): Promise<IssuedToken & { userInfo: UserInfo }> {
  if (role !== undefined) checkRole(role);
  let user = await findUser(ctx, name);
  if (user && role !== undefined && user.role !== role) {
    throw new ConflictError(`user "${name}" has the role ${user.role}, not ${role}; change it with PATCH /api/v1/users/${name}`);
  }
  if (!user) {
    if (role === undefined) throw new NotFoundError(`no user named "${name}"; give a role to create it`);
    user = await createUser(ctx, name, role);
  }
  return { ...(await createToken(ctx, user)), userInfo: user };
}

/** Who the secret belongs to, or null for an unknown or revoked token; a node token found valid is
 * remembered for a moment (token-cache.ts: a revocation through another master takes up to
 * NODE_TOKEN_MEMORY_MS). */
export async function lookupToken(ctx: Context, secret: string): Promise<TokenOwner | null> {
  const hash = hashSecret(secret);
  const remembered = rememberedNodeToken(ctx, hash);
  if (remembered) return remembered;
  const row = await ctx.db.kysely
    .selectFrom('tokens')
    .leftJoin('users', 'users.id', 'tokens.user_id')
    .leftJoin('nodes', 'nodes.id', 'tokens.node_id')
    .select(['tokens.id as tokenId', 'tokens.kind', 'users.id as userId', 'users.name as userName', 'users.role', 'nodes.id as nodeId', 'nodes.name as nodeName', 'nodes.enabled'])
    .where('tokens.token_hash', '=', hash)
    .where('tokens.revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  if (row.kind === 'user' && row.userId !== null && row.userName !== null && row.role !== null) {
    return { kind: 'user', tokenId: row.tokenId, userId: row.userId, name: row.userName, role: row.role };
  }
  if (row.kind === 'node' && row.nodeId !== null && row.nodeName !== null) {
    const owner = { kind: 'node' as const, tokenId: row.tokenId, nodeId: row.nodeId, name: row.nodeName, enabled: row.enabled === 1 };
    rememberNodeToken(ctx, hash, owner);
    return owner;
  }
  return null;
}

function tokenQuery(ctx: Context) {
  return ctx.db.kysely
    .selectFrom('tokens')
    .leftJoin('users', 'users.id', 'tokens.user_id')
    .leftJoin('nodes', 'nodes.id', 'tokens.node_id')
    .select(['tokens.id', 'tokens.kind', 'users.name as user', 'nodes.name as node', 'tokens.created_at as createdAt', 'tokens.revoked_at as revokedAt']);
}

/** Every token (never the secrets), newest first; only those of `userId` when given. */
export async function listTokens(ctx: Context, userId?: number): Promise<TokenInfo[]> {
  let q = tokenQuery(ctx).orderBy('tokens.id', 'desc');
  if (userId !== undefined) q = q.where('tokens.user_id', '=', userId);
  return (await q.execute()).map((r) => ({ ...r }));
}

/** One token. @throws NotFoundError */
export async function getToken(ctx: Context, id: number): Promise<TokenInfo> {
  const row = await tokenQuery(ctx).where('tokens.id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError(`no token with id ${id}`);
  return { ...row };
}

/**
 * Revokes a token (it stops working at once). Revoking a revoked token changes nothing. The last
 * working token of the last admin cannot be revoked: that would lock everyone out.
 * @throws NotFoundError, ConflictError
 */
export async function revokeToken(ctx: Context, id: number): Promise<TokenInfo> {
  const token = await getToken(ctx, id);
  if (token.revokedAt !== null) return token;
  const revokedAt = ctx.now();
  await ctx.db.kysely.transaction().execute(async (trx) => {
    if (token.kind === 'user') {
      const mine = await trx.selectFrom('tokens').innerJoin('users', 'users.id', 'tokens.user_id').select('users.role').where('tokens.id', '=', id).executeTakeFirst();
      if (mine?.role === 'admin' && !(await adminRemains(ctx, trx, { tokenId: id }))) {
        throw new ConflictError(`token ${id} is the last working admin token; create another admin token before revoking it`);
      }
    }
    await trx.updateTable('tokens').set({ revoked_at: revokedAt }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  });
  forgetTokens(ctx);
  return { ...token, revokedAt };
}
