/** Users: creating them, finding them, changing their role. */
import type { Context } from '../context.ts';
import type { Role, User } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { AlreadyExistsError, ConflictError, isUniqueViolation } from '../platforms/errors.ts';
import { checkName } from '../platforms/names.ts';
import { checkRole } from './errors.ts';
import { adminRemains } from './last-admin.ts';
import type { UserInfo } from './types.ts';

/** The API shape of a user row. */
export function userInfo(row: User): UserInfo {
  return { id: row.id, name: row.name, role: row.role, createdAt: row.created_at };
}

/** Creates a user. @throws InvalidNameError, InvalidValueError, AlreadyExistsError */
export async function createUser(ctx: Context, name: string, role: Role): Promise<UserInfo> {
  checkName('user name', name);
  checkRole(role);
  try {
    const row = await ctx.db.kysely
      .insertInto('users')
      .values({ name, role, created_at: ctx.now() })
      .returningAll()
      .executeTakeFirstOrThrow();
    return userInfo(row);
  } catch (e) {
    if (isUniqueViolation(e)) throw new AlreadyExistsError(`user "${name}" already exists`);
    throw e;
  }
}

/** The user called `name`, or null. @throws InvalidNameError */
export async function findUser(ctx: Context, name: string): Promise<UserInfo | null> {
  checkName('user name', name);
  const row = await ctx.db.kysely.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? userInfo(row) : null;
}

/** The user called `name`. @throws NotFoundError, InvalidNameError */
export async function getUser(ctx: Context, name: string): Promise<UserInfo> {
  const u = await findUser(ctx, name);
  if (!u) throw new NotFoundError(`no user named "${name}"`);
  return u;
}

/** Every user, by name. */
export async function listUsers(ctx: Context): Promise<UserInfo[]> {
  const rows = await ctx.db.kysely.selectFrom('users').selectAll().orderBy('name').execute();
  return rows.map(userInfo);
}

/**
 * Changes a user's role. The last admin with a working token cannot be demoted: nobody could
 * administer the server any more.
 * @throws NotFoundError, InvalidNameError, InvalidValueError, ConflictError (409)
 */
export async function setUserRole(ctx: Context, name: string, role: Role): Promise<UserInfo> {
  checkRole(role);
  const user = await getUser(ctx, name);
  return ctx.db.kysely.transaction().execute(async (trx) => {
    if (role !== 'admin' && user.role === 'admin' && !(await adminRemains(ctx, trx, { userId: user.id }))) {
      throw new ConflictError(`user "${name}" is the last admin with a working token; make another user admin and give them a token before changing this one's role`);
    }
    const row = await trx.updateTable('users').set({ role }).where('name', '=', name).returningAll().executeTakeFirstOrThrow();
    return userInfo(row);
  });
}
