/**
 * Moves users and the builds domain make on tasks: cancel one (with everything depending on it)
 * and retry a failed or cancelled one. Both refresh the build's state.
 */
import type { Context } from '../context.ts';
import type { Task } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { withBuildRefresh } from './build-state.ts';
import { cancelDependents } from './dependencies.ts';
import { IllegalTransitionError } from './errors.ts';
import { hasRowLocks } from './transaction.ts';
import { transitionTask } from './transitions.ts';

async function lockedTask(ctx: Context, taskId: number): Promise<Task> {
  const task = await ctx.db.kysely
    .selectFrom('tasks')
    .selectAll()
    .where('id', '=', taskId)
    .$if(hasRowLocks(ctx), (q) => q.forUpdate())
    .executeTakeFirst();
  if (!task) throw new NotFoundError(`task ${taskId} does not exist`);
  return task;
}

/**
 * Cancels a blocked, queued or leased task (a node holding it gets lease_lost on its next call)
 * and, transitively, the tasks depending on it.
 * @throws IllegalTransitionError (409) for a task already final; NotFoundError.
 */
export function cancelTask(ctx: Context, taskId: number, reason: string, byNodeId: number | null = null): Promise<Task> {
  return withBuildRefresh(ctx, async (tx) => {
    const task = await lockedTask(tx, taskId);
    const cancelled = await transitionTask(tx, task, 'cancelled', { set: { failure_reason: reason }, event: { kind: 'cancelled', nodeId: byNodeId, message: `cancelled: ${reason}` } });
    if (!cancelled) throw new IllegalTransitionError(taskId, task.state, 'cancelled');
    await cancelDependents(tx, cancelled);
    return cancelled;
  });
}

/**
 * Retries a failed or cancelled task: it starts again at attempt 1, queued when its dependencies
 * have succeeded, else blocked until they do.
 * @throws IllegalTransitionError (409) for a task that is not failed or cancelled; NotFoundError.
 */
export function retryTask(ctx: Context, taskId: number): Promise<Task> {
  return withBuildRefresh(ctx, async (tx) => {
    const task = await lockedTask(tx, taskId);
    const unmet = await tx.db.kysely
      .selectFrom('task_dependencies as d')
      .innerJoin('tasks as p', 'p.id', 'd.depends_on')
      .select('p.id')
      .where('d.task_id', '=', taskId)
      .where('p.state', '<>', 'succeeded')
      .limit(1)
      .executeTakeFirst();
    const to = unmet ? 'blocked' : 'queued';
    const retried = await transitionTask(tx, task, to, {
      set: { attempt: 1, result: null },
      event: { kind: 'retried', message: unmet ? `retried: waits for task ${unmet.id}` : 'retried: queued' },
    });
    if (!retried) throw new IllegalTransitionError(taskId, task.state, to);
    return retried;
  });
}
