/**
 * The test system's tasks: when an rpm task of a platform with `tests` succeeds, one test task
 * (kind `test`, the rpm task's arch) is made in the same transaction, depending on it, so a test
 * node installs and tests exactly those packages (src/node/test-task.ts). Test results never
 * change a build's state; the platform's `tests.gate` makes signing wait for them.
 */
import type { Context } from '../context.ts';
import type { Task } from '../db/schema.ts';
import { findPlatform } from '../platforms/index.ts';
import { recordTaskEvents } from '../scheduler/events.ts';
import { blockedTask } from '../scheduler/new-task.ts';

/** Makes the test task of a succeeded rpm task when its platform tests packages; returns its id. */
export async function createTestTask(ctx: Context, rpmTask: Task): Promise<number | null> {
  if (rpmTask.kind !== 'rpm' || rpmTask.state !== 'succeeded') return null;
  const platform = await findPlatform(ctx, rpmTask.platform).catch(() => null);
  if (!platform?.tests) return null;
  const row = await ctx.db.kysely
    .insertInto('tasks')
    .values(blockedTask({ buildId: rpmTask.build_id, itemId: rpmTask.item_id, kind: 'test', platform: rpmTask.platform, arch: rpmTask.arch, priority: rpmTask.priority, ownerId: rpmTask.owner_id, maxAttempts: rpmTask.max_attempts, now: ctx.now() }))
    .returning('id')
    .executeTakeFirstOrThrow();
  await ctx.db.kysely.insertInto('task_dependencies').values({ task_id: row.id, depends_on: rpmTask.id }).execute();
  await recordTaskEvents(ctx, [{ taskId: row.id, kind: 'created', message: `test task for the packages of rpm task ${rpmTask.id} (${rpmTask.arch})` }]);
  return row.id;
}
