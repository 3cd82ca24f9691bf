/**
 * The first start: without any user there is nobody to create one, so the server creates the user
 * `admin` (role admin) and writes its token to DATA/admin.token (mode 0600, readable only by the
 * account running the server). Later starts change nothing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../context.ts';
import { isUniqueViolation } from '../platforms/errors.ts';
import { replaceFileSync } from '../util/atomic-file.ts';
import { insertToken } from './tokens.ts';

export const ADMIN_USER = 'admin';
export const ADMIN_TOKEN_FILE = 'admin.token';

export interface AdminBootstrap {
  /** True when this call created the admin user (and wrote the token file). */
  created: boolean;
  /** DATA/admin.token. */
  tokenFile: string;
  /** The new secret when created, else null. */
  token: string | null;
}

/** Creates user `admin` and DATA/admin.token when there is no user `admin` yet. */
export async function ensureAdmin(ctx: Context, dataDir: string): Promise<AdminBootstrap> {
  const tokenFile = join(dataDir, ADMIN_TOKEN_FILE);
  const existing = await ctx.db.kysely.selectFrom('users').select('id').where('name', '=', ADMIN_USER).executeTakeFirst();
  if (existing) return { created: false, tokenFile, token: null };
  try {
    const secret = await ctx.db.kysely.transaction().execute(async (trx) => {
      const user = await trx.insertInto('users').values({ name: ADMIN_USER, role: 'admin', created_at: ctx.now() }).returning('id').executeTakeFirstOrThrow();
      const t = await insertToken(ctx, trx, { userId: user.id });
      // Written before the commit: if it cannot be written, no admin exists and the next start retries.
      replaceFileSync(tokenFile, (tmp) => writeFileSync(tmp, `${t.secret}\n`, { mode: 0o600 }));
      return t.secret;
    });
    ctx.log.info({ tokenFile }, 'created user admin; its token is in the token file');
    return { created: true, tokenFile, token: secret };
  } catch (e) {
    // Another server replica (same PostgreSQL database) created it first.
    if (isUniqueViolation(e)) return { created: false, tokenFile, token: null };
    throw e;
  }
}
