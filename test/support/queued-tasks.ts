/**
 * A build and its tasks written straight to the database, for node API tests that queue the tasks
 * a node should (or should not) lease without going through a submit.
 *
 * ```ts
 * const item = await insertBuildItem(server.ctx, ownerId, 'example-el9');
 * const taskId = await insertQueuedTask(server.ctx, item, 'srpm', 'src');
 * ```
 */
import type { Context } from '../../src/context.ts';
import type { TaskKind } from '../../src/db/schema.ts';

/** A pending public build of one git item (hello, at a fixed commit). */
export interface BuildItemRef {
  buildId: number;
  itemId: number;
  ownerId: number;
  platform: string;
}

/** Inserts a pending public build of `ownerId` for `platform` with one git item. */
export async function insertBuildItem(ctx: Context, ownerId: number, platform: string): Promise<BuildItemRef> {
  const db = ctx.db.kysely;
  const build = await db
    .insertInto('builds')
    .values({ owner_id: ownerId, state: 'pending', priority: 0, platforms: JSON.stringify([platform]), explicit_order: 0, public: 1, created_at: ctx.now() })
    .returning('id')
    .executeTakeFirstOrThrow();
  const item = await db
    .insertInto('build_items')
    .values({ build_id: build.id, position: 0, kind: 'git', git_url: 'https://git.example/hello.git', git_ref: 'main', git_commit: 'c'.repeat(40), name: 'hello' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { buildId: build.id, itemId: item.id, ownerId, platform };
}

/** Inserts a queued task of `kind` for `arch` of the item; returns its id. */
export async function insertQueuedTask(ctx: Context, item: BuildItemRef, kind: TaskKind, arch: string): Promise<number> {
  const now = ctx.now();
  const row = await ctx.db.kysely
    .insertInto('tasks')
    .values({
      build_id: item.buildId, item_id: item.itemId, kind, platform: item.platform, arch, state: 'queued', priority: 0,
      owner_id: item.ownerId, attempt: 1, max_attempts: 3, created_at: now, queued_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
