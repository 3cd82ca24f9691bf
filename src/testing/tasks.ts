/**
 * Making test tasks. Once a build on a platform with `tests` has finished building (succeeded, or
 * failed with some packages built), each of its succeeded rpm tasks gets one test task (kind
 * `test`, the rpm task's arch) depending on it, so a test node installs and tests exactly those
 * packages (src/node/test-task.ts) with the whole build's repository available for their
 * dependencies. The builds loop makes them ({@link createTestTasks}); a sign request makes those
 * the loop is about to make; `build test` makes them for builds the loop passed over and again
 * for packages whose newest test failed (requests.ts). Test results never change a build's state.
 */
import { sql } from 'kysely';
import type { Context } from '../context.ts';
import { type BuildTask } from '../scheduler/index.ts';
import { findPlatform } from '../platforms/index.ts';
import { blockedTask, enqueueReadyTasks, inTransaction, recordTaskEvents } from '../scheduler/index.ts';
import { hasRowLocks } from '../scheduler/transaction.ts';

/** How far back finished builds are looked at. */
const WINDOW_MS = 24 * 3600_000;

/** Which rpm tasks get a test task: those never tested, or also those whose newest test failed or was cancelled. */
export type TestWhen = 'untested' | 'untested-or-failed';

/** What a new test task is made for and why (its `created` event). */
export interface NewTest {
  rpm: Pick<BuildTask, 'id' | 'build_id' | 'item_id' | 'platform' | 'arch' | 'priority' | 'owner_id' | 'max_attempts'>;
  when: TestWhen;
  /** Added to the event: who asked, or why. */
  why: string;
}

/**
 * Makes a test task for `t.rpm` unless `t.when` says it needs none; joins the caller's
 * transaction. The rpm task's row is locked first (PostgreSQL), so two callers never both test it.
 * @returns the new task's id and the test task it runs again, or null when none was made.
 */
export async function addTestTask(ctx: Context, t: NewTest): Promise<{ id: number; again: number | null } | null> {
  return inTransaction(ctx, async (tx) => {
    const db = tx.db.kysely;
    await db.selectFrom('tasks').select('id').where('id', '=', t.rpm.id).$if(hasRowLocks(tx), (q) => q.forUpdate()).executeTakeFirst();
    const newest = await db
      .selectFrom('tasks as x')
      .innerJoin('task_dependencies as d', 'd.task_id', 'x.id')
      .select(['x.id', 'x.state'])
      .where('d.depends_on', '=', t.rpm.id)
      .where('x.kind', '=', 'test')
      .orderBy('x.id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const again = newest && (newest.state === 'failed' || newest.state === 'cancelled') ? newest.id : null;
    if (newest && (t.when === 'untested' || again === null)) return null;
    const { rpm } = t;
    const row = await db
      .insertInto('tasks')
      .values(blockedTask({ buildId: rpm.build_id, itemId: rpm.item_id, kind: 'test', platform: rpm.platform, arch: rpm.arch, priority: rpm.priority, ownerId: rpm.owner_id, maxAttempts: rpm.max_attempts, now: tx.now() }))
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('task_dependencies').values({ task_id: row.id, depends_on: rpm.id }).execute();
    const message = `test task for the packages of rpm task ${rpm.id} (${rpm.arch})${again === null ? '' : `, again after test task ${again} ${newest?.state === 'failed' ? 'failed' : 'was cancelled'}`}: ${t.why}`;
    await recordTaskEvents(tx, [{ taskId: row.id, kind: 'created', message }]);
    await enqueueReadyTasks(tx, rpm.build_id);
    return { id: row.id, again };
  });
}

/**
 * Makes the missing test tasks of recently finished builds (of build `buildId` only, when given)
 * that finished while their platform tested packages; returns how many.
 */
export async function createTestTasks(ctx: Context, options: { buildId?: number } = {}): Promise<number> {
  const since = ctx.now() - WINDOW_MS;
  const untested = await ctx.db.kysely
    .selectFrom('tasks as t')
    .innerJoin('builds as b', 'b.id', 't.build_id')
    .innerJoin('platforms as p', 'p.name', 't.platform')
    .selectAll('t')
    .$narrowType<{ build_id: number; item_id: number }>()
    .where('t.kind', '=', 'rpm')
    .where('t.state', '=', 'succeeded')
    .$if(options.buildId !== undefined, (q) => q.where('t.build_id', '=', options.buildId ?? -1))
    .where('b.state', 'in', ['succeeded', 'failed'])
    .where('b.finished_at', '>=', since)
    // Only builds that finished while their platform tested packages (others: `build test`).
    .where(sql<boolean>`b.finished_at >= p.updated_at`)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('task_dependencies as d').innerJoin('tasks as x', 'x.id', 'd.task_id').select('x.id').whereRef('d.depends_on', '=', 't.id').where('x.kind', '=', 'test'))),
    )
    .orderBy('t.id')
    .limit(500)
    .execute();
  let made = 0;
  const tests = new Map<string, boolean>();
  for (const rpm of untested) {
    let on = tests.get(rpm.platform);
    if (on === undefined) {
      on = Boolean((await findPlatform(ctx, rpm.platform).catch(() => null))?.tests);
      tests.set(rpm.platform, on);
    }
    if (on && (await addTestTask(ctx, { rpm, when: 'untested', why: 'the build has finished building' }))) made++;
  }
  return made;
}
