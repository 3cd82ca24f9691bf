/**
 * Platforms in the database: one row per platform, the validated definition kept whole as JSON.
 * Every function validates names first, so a path-like name is refused before any query.
 */
import type { Context } from '../context.ts';
import type { PlatformsTable } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { AlreadyExistsError, ConflictError, isUniqueViolation } from './errors.ts';
import { checkName } from './names.ts';
import { renameLegacyLifecycle } from './lifecycle.ts';
import type { Platform, PlatformLifecycle, StoredPlatform } from './types.ts';
import { parsePlatform } from './validate.ts';

/**
 * A row as a platform; optional lists default to empty (rows written by hand may leave them out),
 * and a lifecycle stored before `endOfSupport` was renamed reads with its new name.
 */
export function platformFromRow(row: PlatformsTable): StoredPlatform {
  const definition = JSON.parse(row.definition) as Partial<Platform>;
  return {
    arches: [],
    distTag: '',
    macros: {},
    repositories: [],
    ...definition,
    ...(definition.lifecycle !== undefined && { lifecycle: renameLegacyLifecycle(definition.lifecycle) as PlatformLifecycle }),
    name: row.name,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Every platform, by name. */
export async function listPlatforms(ctx: Context): Promise<StoredPlatform[]> {
  const rows = await ctx.db.kysely.selectFrom('platforms').selectAll().orderBy('name').execute();
  return rows.map(platformFromRow);
}

/** The platform called `name`, or null. @throws InvalidNameError */
export async function findPlatform(ctx: Context, name: string): Promise<StoredPlatform | null> {
  checkName('platform name', name);
  const row = await ctx.db.kysely.selectFrom('platforms').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? platformFromRow(row) : null;
}

/** The platform called `name`. @throws NotFoundError, InvalidNameError */
export async function getPlatform(ctx: Context, name: string): Promise<StoredPlatform> {
  const p = await findPlatform(ctx, name);
  if (!p) throw new NotFoundError(`no platform named "${name}"`);
  return p;
}

/** Stores a new platform. @throws PlatformDefinitionError, AlreadyExistsError */
export async function createPlatform(ctx: Context, input: unknown): Promise<StoredPlatform> {
  const p = parsePlatform(input);
  const now = ctx.now();
  try {
    await ctx.db.kysely
      .insertInto('platforms')
      .values({ name: p.name, definition: JSON.stringify(p), created_at: now, updated_at: now })
      .execute();
  } catch (e) {
    if (isUniqueViolation(e)) throw new AlreadyExistsError(`platform "${p.name}" already exists`);
    throw e;
  }
  return { ...p, createdAt: now, updatedAt: now };
}

/**
 * Stores `input` as the platform's definition, creating it when it does not exist.
 * @returns the stored platform and whether it was created.
 * @throws PlatformDefinitionError
 */
export async function savePlatform(ctx: Context, input: unknown): Promise<{ platform: StoredPlatform; created: boolean }> {
  const p = parsePlatform(input);
  try {
    return { platform: await createPlatform(ctx, p), created: true };
  } catch (e) {
    if (!(e instanceof AlreadyExistsError)) throw e;
  }
  const now = ctx.now();
  const row = await ctx.db.kysely
    .updateTable('platforms')
    .set({ definition: JSON.stringify(p), updated_at: now })
    .where('name', '=', p.name)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { platform: platformFromRow(row), created: false };
}

/** Removes a platform no build uses. @throws NotFoundError, ConflictError, InvalidNameError */
export async function deletePlatform(ctx: Context, name: string): Promise<void> {
  await getPlatform(ctx, name);
  const task = await ctx.db.kysely.selectFrom('tasks').select('id').where('platform', '=', name).limit(1).executeTakeFirst();
  const builds = await ctx.db.kysely.selectFrom('builds').select(['id', 'platforms']).where('platforms', 'like', `%"${name}"%`).execute();
  const build = builds.find((b) => (JSON.parse(b.platforms) as string[]).includes(name));
  if (task || build) throw new ConflictError(`platform "${name}" is used by build ${build?.id ?? 'tasks'}; it cannot be deleted`);
  await ctx.db.kysely.deleteFrom('platforms').where('name', '=', name).execute();
}
