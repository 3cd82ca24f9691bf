/**
 * What the node holding a lease may do with it: extend it (heartbeat), complete the task, fail it,
 * or refuse it (it goes back to the queue and is never offered to that node again). Each moves the
 * task with the guard `state = 'leased' AND leased_by = me` in the UPDATE itself; a node that lost
 * the lease gets LeaseLostError (409), the transaction rolls back, and nothing changes.
 */
import type { Context } from '../context.ts';
import type { Task, TaskKind } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { refreshAfterCommit, refreshesAfterCommit, withBuildRefresh } from './build-state.ts';
import { cancelDependents, queueReadyDependents } from './dependencies.ts';
import { LeaseLostError } from './errors.ts';
import { noteNodeSeen } from './nodes.ts';
import { hasRowLocks, inTransaction } from './transaction.ts';
import { transitionTask, transitionTasks } from './transitions.ts';

/** A task with the name of the node holding it. */
export interface HeldTask {
  task: Task;
  nodeName: string;
}

/** Why `task` is not held by `nodeId`, or null when it is. */
function whyNotHeld(task: Task, nodeId: number): string | null {
  if (task.state !== 'leased') return `the task is ${task.state}`;
  if (task.leased_by !== nodeId) return 'another node holds it now';
  return null;
}

/**
 * The task `taskId`, locked for the rest of the transaction, when `nodeId` holds its lease.
 * @throws NotFoundError, LeaseLostError
 */
export async function holdLease(ctx: Context, nodeId: number, taskId: number): Promise<HeldTask> {
  const row = await ctx.db.kysely
    .selectFrom('tasks as t')
    .leftJoin('nodes as n', 'n.id', 't.leased_by')
    .selectAll('t')
    .select('n.name as node_name')
    .where('t.id', '=', taskId)
    .$if(hasRowLocks(ctx), (q) => q.forUpdate('t'))
    .executeTakeFirst();
  if (!row) throw new NotFoundError(`task ${taskId} does not exist`);
  const { node_name, ...task } = row;
  const why = whyNotHeld(task, nodeId);
  if (why !== null) throw new LeaseLostError(taskId, nodeId, why);
  return { task, nodeName: node_name ?? `node ${nodeId}` };
}

/** Throws LeaseLostError (or NotFoundError) for a task `nodeId` does not hold; reads without locking. */
async function explainLostLease(ctx: Context, nodeId: number, taskId: number): Promise<never> {
  const task = await ctx.db.kysely.selectFrom('tasks').selectAll().where('id', '=', taskId).executeTakeFirst();
  if (!task) throw new NotFoundError(`task ${taskId} does not exist`);
  throw new LeaseLostError(taskId, nodeId, whyNotHeld(task, nodeId) ?? 'the lease changed meanwhile');
}

/**
 * Extends the lease of a task the node holds to now + leaseMs, and marks the node seen (a node
 * busy with long tasks asks for no work meanwhile: its heartbeats say it is alive).
 * @throws LeaseLostError (409) when the node does not hold it; NotFoundError.
 */
export async function heartbeat(ctx: Context, nodeId: number, taskId: number): Promise<{ leaseExpiresAt: number }> {
  const leaseExpiresAt = ctx.now() + ctx.settings.leaseMs;
  const row = await ctx.db.kysely
    .updateTable('tasks')
    .set({ lease_expires_at: leaseExpiresAt })
    .where('id', '=', taskId)
    .where('state', '=', 'leased')
    .where('leased_by', '=', nodeId)
    .returning('id')
    .executeTakeFirst();
  if (!row) return explainLostLease(ctx, nodeId, taskId);
  await noteNodeSeen(ctx, nodeId);
  return { leaseExpiresAt };
}

/** Hooks of a task's completion. */
export interface CompleteOptions {
  /** Runs before the completing transaction, on the task as the node holds it (checked without a
   * lock): slow checks go here, so the transaction (SQLite's one writer) stays short. It may throw
   * to refuse the completion; what it returns is handed to onSucceeded. `result` is the node's. */
  prepare?: (ctx: Context, task: Task, result: unknown) => Promise<unknown>;
  /** Runs inside the transaction after the task is marked succeeded and before dependents and the
   * build are updated (the builds domain creates an srpm task's rpm tasks here, so the build never
   * looks finished). `prepared` is what prepare returned (undefined without one). */
  onSucceeded?: (tx: Context, task: Task, prepared: unknown) => Promise<void>;
  /** Kinds of task for which prepare and onSucceeded do nothing (none when either is given and
   * this is not): they are not called for such a task (see {@link completeTask}). */
  hooklessKinds?: readonly TaskKind[];
}

/**
 * PostgreSQL, outside a caller's transaction: the completion as one statement (the task moved and
 * its event recorded, autocommitted) when nothing else would happen in its transaction: the task
 * is of a kind without completion hooks and no blocked task depends on it (else nothing moves).
 * @returns the task succeeded, or null when the statement moved nothing (the lease is not held,
 * or the completion needs the whole transaction).
 */
async function completeAlone(ctx: Context, nodeId: number, taskId: number, result: unknown, options: CompleteOptions): Promise<Task | null> {
  const hooked = options.prepare !== undefined || options.onSucceeded !== undefined;
  const kinds = hooked ? (options.hooklessKinds ?? []) : null;
  if (kinds?.length === 0) return null;
  const [done] = await transitionTasks(ctx, [taskId], 'leased', 'succeeded', {
    leasedBy: nodeId,
    set: { result: JSON.stringify(result ?? null) },
    event: { kind: 'succeeded', nodeId, message: 'succeeded' },
    where: (eb) =>
      eb.and([
        ...(kinds ? [eb('kind', 'in', kinds)] : []),
        eb.not(
          eb.exists(
            eb.selectFrom('task_dependencies as d').innerJoin('tasks as w', 'w.id', 'd.task_id').select('d.task_id').where('d.depends_on', '=', taskId).where('w.state', '=', 'blocked'),
          ),
        ),
      ]),
  });
  if (!done) return null;
  await refreshAfterCommit(ctx, done);
  ctx.log.debug({ taskId, buildId: done.build_id, nodeId }, 'task succeeded');
  return done;
}

/**
 * The node finished the task: it succeeds with the node's `result` (JSON), dependents whose
 * dependencies have now all succeeded are queued, and the build's state is refreshed. On
 * PostgreSQL a completion with nothing to do but move the task is one statement (completeAlone):
 * most are, and each round trip is CPU on both sides.
 * @throws LeaseLostError (409) when the node does not hold the lease; nothing changes then.
 */
export async function completeTask(ctx: Context, nodeId: number, taskId: number, result: unknown, options: CompleteOptions = {}): Promise<Task> {
  if (refreshesAfterCommit(ctx)) {
    const done = await completeAlone(ctx, nodeId, taskId, result, options);
    if (done) return done;
  }
  let prepared: unknown;
  const hooked = (task: Task): boolean => !options.hooklessKinds?.includes(task.kind);
  if (options.prepare) {
    const held = await ctx.db.kysely.selectFrom('tasks').selectAll().where('id', '=', taskId).executeTakeFirst();
    if (!held || whyNotHeld(held, nodeId) !== null) return explainLostLease(ctx, nodeId, taskId);
    if (hooked(held)) prepared = await options.prepare(ctx, held, result);
  }
  return withBuildRefresh(ctx, async (tx) => {
    const done = await transitionTask(tx, { id: taskId, state: 'leased' }, 'succeeded', {
      leasedBy: nodeId,
      set: { result: JSON.stringify(result ?? null) },
      event: { kind: 'succeeded', nodeId, message: 'succeeded' },
    });
    if (!done) return explainLostLease(tx, nodeId, taskId);
    if (hooked(done)) await options.onSucceeded?.(tx, done, prepared);
    await queueReadyDependents(tx, done);
    tx.log.debug({ taskId, buildId: done.build_id, nodeId }, 'task succeeded');
    return done;
  });
}

/**
 * The node could not do the task: it fails with `reason` (and the node's `result`, if any), every
 * task depending on it is cancelled, and the build's state is refreshed.
 * @throws LeaseLostError (409) when the node does not hold the lease.
 */
export function failTask(ctx: Context, nodeId: number, taskId: number, reason: string, result?: unknown): Promise<Task> {
  return withBuildRefresh(ctx, async (tx) => {
    const failed = await transitionTask(tx, { id: taskId, state: 'leased' }, 'failed', {
      leasedBy: nodeId,
      set: { failure_reason: reason, result: result === undefined ? null : JSON.stringify(result) },
      event: { kind: 'failed', nodeId, message: `failed: ${reason}` },
    });
    if (!failed) return explainLostLease(tx, nodeId, taskId);
    await cancelDependents(tx, failed);
    tx.log.info({ taskId, buildId: failed.build_id, nodeId, reason }, 'task failed');
    return failed;
  });
}

/**
 * The node will not do the task (e.g. it lacks a capability the task needs): the task goes back to
 * the queue, keeping its place and attempt, and is never offered to this node again.
 * @throws LeaseLostError (409) when the node does not hold the lease.
 */
export function refuseTask(ctx: Context, nodeId: number, taskId: number, reason: string): Promise<Task> {
  return inTransaction(ctx, async (tx) => {
    const queued = await transitionTask(tx, { id: taskId, state: 'leased' }, 'queued', {
      leasedBy: nodeId,
      event: { kind: 'refused', nodeId, message: `refused: ${reason}; not offered to this node again` },
    });
    if (!queued) return explainLostLease(tx, nodeId, taskId);
    await tx.db.kysely
      .insertInto('task_refusals')
      .values({ task_id: taskId, node_id: nodeId, at: tx.now(), reason })
      .onConflict((oc) => oc.columns(['task_id', 'node_id']).doUpdateSet({ at: tx.now(), reason }))
      .execute();
    tx.log.info({ taskId, buildId: queued.build_id, nodeId, reason }, 'task refused');
    return queued;
  });
}
