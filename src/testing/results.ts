/**
 * Test results as signing and `build test` read them: for each succeeded rpm task of a build, its
 * newest test task (a test run again after a failure is a new task; only the newest counts), with
 * the package and arch it tests.
 */
import type { Context } from '../context.ts';
import type { TaskState } from '../db/schema.ts';
import { hasRowLocks } from '../scheduler/transaction.ts';

/** A built rpm task of a build and its newest test task (null: never tested). */
export interface TestedRpm {
  rpmTaskId: number;
  itemId: number;
  /** The source package (its item's name). */
  package: string | null;
  platform: string;
  arch: string;
  test: { id: number; state: TaskState; failureReason: string | null } | null;
}

/** States of a test task still to run. */
export const ACTIVE_STATES: readonly TaskState[] = ['blocked', 'queued', 'leased'];

/** `rpm.arch` with the package: "greeter x86_64". */
export function describeRpm(rpm: Pick<TestedRpm, 'package' | 'arch'>): string {
  return `${rpm.package ?? '?'} ${rpm.arch}`;
}

/**
 * The succeeded rpm tasks of build `buildId` (on `platform`, when given), each with its newest
 * test task, by rpm task id.
 */
export async function testedRpms(ctx: Context, buildId: number, platform?: string): Promise<TestedRpm[]> {
  const db = ctx.db.kysely;
  const [rpms, tests] = await Promise.all([
    db
      .selectFrom('tasks as t')
      .innerJoin('build_items as i', 'i.id', 't.item_id')
      .select(['t.id', 't.item_id', 'i.name', 't.platform', 't.arch'])
      .where('t.build_id', '=', buildId)
      .where('t.kind', '=', 'rpm')
      .where('t.state', '=', 'succeeded')
      .$if(platform !== undefined, (q) => q.where('t.platform', '=', platform ?? ''))
      .orderBy('t.id')
      .$narrowType<{ item_id: number }>()
      .execute(),
    db
      .selectFrom('tasks as t')
      .innerJoin('task_dependencies as d', 'd.task_id', 't.id')
      .select(['t.id', 't.state', 't.failure_reason', 'd.depends_on'])
      .where('t.build_id', '=', buildId)
      .where('t.kind', '=', 'test')
      .orderBy('t.id')
      .execute(),
  ]);
  const newest = new Map<number, TestedRpm['test']>();
  for (const t of tests) newest.set(t.depends_on, { id: t.id, state: t.state, failureReason: t.failure_reason });
  return rpms.map((r) => ({ rpmTaskId: r.id, itemId: r.item_id, package: r.name, platform: r.platform, arch: r.arch, test: newest.get(r.id) ?? null }));
}

/**
 * Locks the test tasks `ids` (PostgreSQL: a test ending meanwhile waits for the caller's commit,
 * and then sees what the caller made depend on it) and reads their states afresh.
 */
export async function lockTestStates(ctx: Context, ids: readonly number[]): Promise<Map<number, TaskState>> {
  if (ids.length === 0) return new Map();
  const rows = await ctx.db.kysely
    .selectFrom('tasks')
    .select(['id', 'state'])
    .where('id', 'in', ids)
    .orderBy('id')
    .$if(hasRowLocks(ctx), (q) => q.forUpdate())
    .execute();
  return new Map(rows.map((r) => [r.id, r.state]));
}
