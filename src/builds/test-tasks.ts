/**
 * The test system's tasks: once a build on a platform with `tests` has finished building
 * (succeeded, or failed with some packages built), each of its succeeded rpm tasks gets one test
 * task (kind `test`, the rpm task's arch) depending on it, so a test node installs and tests
 * exactly those packages (src/node/test-task.ts) with the whole build's repository available for
 * their dependencies. The builds loop makes them (advanceBuilds). Test results never change a
 * build's state; the platform's `tests.gate` makes signing wait for them.
 */
import { sql } from 'kysely';
import type { Context } from '../context.ts';
import { findPlatform } from '../platforms/index.ts';
import { enqueueReadyTasks } from '../scheduler/dependencies.ts';
import { recordTaskEvents } from '../scheduler/events.ts';
import { blockedTask } from '../scheduler/new-task.ts';
import { inTransaction } from '../scheduler/transaction.ts';

/** How far back finished builds are looked at. */
const WINDOW_MS = 24 * 3600_000;

/** Makes the missing test tasks of recently finished builds; returns how many. */
export async function createTestTasks(ctx: Context): Promise<number> {
  const since = ctx.now() - WINDOW_MS;
  const untested = await ctx.db.kysely
    .selectFrom('tasks as t')
    .innerJoin('builds as b', 'b.id', 't.build_id')
    .innerJoin('platforms as p', 'p.name', 't.platform')
    .selectAll('t')
    .where('t.kind', '=', 'rpm')
    .where('t.state', '=', 'succeeded')
    .where('b.state', 'in', ['succeeded', 'failed'])
    .where('b.finished_at', '>=', since)
    // Only builds that finished while their platform tested packages.
    .where(sql<boolean>`b.finished_at >= p.updated_at`)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('task_dependencies as d').innerJoin('tasks as x', 'x.id', 'd.task_id').select('x.id').whereRef('d.depends_on', '=', 't.id').where('x.kind', '=', 'test'))),
    )
    .orderBy('t.id')
    .limit(500)
    .$narrowType<{ build_id: number; item_id: number }>()
    .execute();
  let made = 0;
  const tests = new Map<string, boolean>();
  for (const rpm of untested) {
    let on = tests.get(rpm.platform);
    if (on === undefined) {
      on = Boolean((await findPlatform(ctx, rpm.platform).catch(() => null))?.tests);
      tests.set(rpm.platform, on);
    }
    if (!on) continue;
    await inTransaction(ctx, async (tx) => {
      const row = await tx.db.kysely
        .insertInto('tasks')
        .values(blockedTask({ buildId: rpm.build_id, itemId: rpm.item_id, kind: 'test', platform: rpm.platform, arch: rpm.arch, priority: rpm.priority, ownerId: rpm.owner_id, maxAttempts: rpm.max_attempts, now: tx.now() }))
        .returning('id')
        .executeTakeFirstOrThrow();
      await tx.db.kysely.insertInto('task_dependencies').values({ task_id: row.id, depends_on: rpm.id }).execute();
      await recordTaskEvents(tx, [{ taskId: row.id, kind: 'created', message: `test task for the packages of rpm task ${rpm.id} (${rpm.arch})` }]);
      await enqueueReadyTasks(tx, rpm.build_id);
    });
    made++;
  }
  return made;
}
