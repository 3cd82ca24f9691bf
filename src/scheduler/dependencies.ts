/**
 * Dependencies between the tasks of a build (task_dependencies: `task_id` waits for `depends_on`):
 * a blocked task is queued once every task it depends on has succeeded; when a task fails or is
 * cancelled, everything that depends on it (transitively) is cancelled with the reason.
 *
 * On PostgreSQL each dependent is locked before its dependencies are checked, so when its last two
 * dependencies succeed at the same moment the second transaction waits for the first and sees it.
 */
import type { Context } from '../context.ts';
import type { Task, TaskState } from '../db/schema.ts';
import { refreshBuildState } from './build-state.ts';
import { hasRowLocks, inTransaction } from './transaction.ts';
import { transitionTask, transitionTasks } from './transitions.ts';

/** Ids of the tasks that depend directly on any of `ids` and are in one of `states`, ascending. */
async function dependentsIn(ctx: Context, ids: readonly number[], states: readonly TaskState[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await ctx.db.kysely
    .selectFrom('task_dependencies as d')
    .innerJoin('tasks as t', 't.id', 'd.task_id')
    .select('t.id')
    .distinct()
    .where('d.depends_on', 'in', ids)
    .where('t.state', 'in', states)
    .orderBy('t.id')
    .execute();
  return rows.map((r) => r.id);
}

/** Whether every dependency of task `id` has succeeded (read after the task is locked). */
async function dependenciesMet(ctx: Context, id: number): Promise<boolean> {
  const unmet = await ctx.db.kysely
    .selectFrom('task_dependencies as d')
    .innerJoin('tasks as p', 'p.id', 'd.depends_on')
    .select('p.id')
    .where('d.task_id', '=', id)
    .where('p.state', '<>', 'succeeded')
    .limit(1)
    .executeTakeFirst();
  return unmet === undefined;
}

/** Locks (PostgreSQL) and reads a task. */
async function lockTask(ctx: Context, id: number): Promise<Task | undefined> {
  return ctx.db.kysely
    .selectFrom('tasks')
    .selectAll()
    .where('id', '=', id)
    .$if(hasRowLocks(ctx), (q) => q.forUpdate())
    .executeTakeFirst();
}

/**
 * After `task` succeeded: queues its blocked dependents whose dependencies have all succeeded.
 * @returns the tasks queued.
 */
export async function queueReadyDependents(ctx: Context, task: Pick<Task, 'id'>): Promise<Task[]> {
  const queued: Task[] = [];
  for (const id of await dependentsIn(ctx, [task.id], ['blocked'])) {
    const dependent = await lockTask(ctx, id);
    if (dependent?.state !== 'blocked' || !(await dependenciesMet(ctx, id))) continue;
    const moved = await transitionTask(ctx, dependent, 'queued', { event: { kind: 'queued', message: 'queued: dependencies met' } });
    if (moved) queued.push(moved);
  }
  return queued;
}

/**
 * After `task` failed or was cancelled: cancels every task that depends on it, transitively, with
 * the failure reason "dependency task ID failed" (or "… was cancelled").
 * @returns the tasks cancelled.
 */
export async function cancelDependents(ctx: Context, task: Pick<Task, 'id' | 'state'>): Promise<Task[]> {
  const reason = `dependency task ${task.id} ${task.state === 'cancelled' ? 'was cancelled' : 'failed'}`;
  const cancelled: Task[] = [];
  let frontier = [task.id];
  const seen = new Set(frontier);
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const id of await dependentsIn(ctx, frontier, ['blocked', 'queued', 'leased'])) {
      if (seen.has(id)) continue;
      seen.add(id);
      const dependent = await lockTask(ctx, id);
      if (!dependent || !['blocked', 'queued', 'leased'].includes(dependent.state)) continue;
      const moved = await transitionTask(ctx, dependent, 'cancelled', { set: { failure_reason: reason }, event: { kind: 'cancelled', message: reason } });
      if (moved) {
        cancelled.push(moved);
        next.push(moved.id);
      }
    }
    frontier = next;
  }
  return cancelled;
}

/**
 * After a build's tasks were inserted (state `blocked`): queues those without unmet dependencies,
 * then refreshes the build's state.
 * @returns how many tasks were queued.
 */
export function enqueueReadyTasks(ctx: Context, buildId: number): Promise<number> {
  return inTransaction(ctx, async (tx) => {
    const ready = await tx.db.kysely
      .selectFrom('tasks as t')
      .select('t.id')
      .where('t.build_id', '=', buildId)
      .where('t.state', '=', 'blocked')
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('task_dependencies as d')
              .innerJoin('tasks as p', 'p.id', 'd.depends_on')
              .select('p.id')
              .whereRef('d.task_id', '=', 't.id')
              .where('p.state', '<>', 'succeeded'),
          ),
        ),
      )
      .orderBy('t.id')
      .execute();
    const moved = await transitionTasks(
      tx,
      ready.map((r) => r.id),
      'blocked',
      'queued',
      { event: { kind: 'queued', message: 'queued: no unmet dependencies' } },
    );
    await refreshBuildState(tx, buildId);
    return moved.length;
  });
}
