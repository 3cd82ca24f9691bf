/**
 * What users do to a running or finished build: cancel it (every task not yet finished is
 * cancelled; a node still working on one is told at its next heartbeat, which gets 409) and retry
 * it (failed and cancelled tasks go back to blocked with their attempts reset, and are queued as
 * soon as what they depend on has succeeded). Rebuild is in submit.ts (it is a new submit).
 */
import type { Context } from '../context.ts';
import type { TaskState } from '../db/schema.ts';
import { enqueueReadyTasks } from '../scheduler/dependencies.ts';
import { inTransaction } from '../scheduler/transaction.ts';
import { transitionTasks } from '../scheduler/transitions.ts';
import { BuildStateError } from './errors.ts';
import { fanOutPending, hasPendingFanout } from './fan-out.ts';
import { buildsDb } from './schema.ts';
import { getBuildRow } from './view.ts';

async function taskIdsIn(ctx: Context, buildId: number, state: TaskState): Promise<number[]> {
  const rows = await ctx.db.kysely.selectFrom('tasks').select('id').where('build_id', '=', buildId).where('state', '=', state).orderBy('id').execute();
  return rows.map((r) => r.id);
}

/**
 * Cancels build `buildId`: its blocked, queued and leased tasks become cancelled, and the build
 * cancelled. @returns how many tasks were cancelled.
 * @throws NotFoundError; BuildStateError when the build has already ended.
 */
export async function cancelBuild(ctx: Context, buildId: number, by: string): Promise<number> {
  const build = await getBuildRow(ctx, buildId);
  const ended = build.state === 'succeeded' || build.state === 'failed' || build.state === 'cancelled';
  if (build.state === 'cancelled' || (ended && !(await hasPendingFanout(ctx, buildId)))) {
    throw new BuildStateError(`build ${buildId} has already ended (${build.state}); nothing to cancel`);
  }
  const reason = `cancelled by ${by}`;
  const count = await inTransaction(ctx, async (tx) => {
    let n = 0;
    for (const from of ['blocked', 'queued', 'leased'] as const) {
      const ids = await taskIdsIn(tx, buildId, from);
      const moved = await transitionTasks(tx, ids, from, 'cancelled', { set: { failure_reason: reason }, event: { kind: 'cancelled', message: `build ${reason}` } });
      n += moved.length;
    }
    await buildsDb(tx).updateTable('builds').set({ state: 'cancelled', finished_at: tx.now() }).where('id', '=', buildId).execute();
    return n;
  });
  ctx.log.info({ buildId, tasks: count, by }, 'build cancelled');
  return count;
}

/**
 * Retries build `buildId`: its failed and cancelled tasks go back to blocked (attempt 1, no
 * failure reason, no result) and are queued when their dependencies have succeeded; a cancelled
 * build whose SRPMs were built but not yet fanned out resumes too. @returns how many tasks.
 * @throws NotFoundError; BuildStateError when there is nothing to retry.
 */
export async function retryBuild(ctx: Context, buildId: number, by: string): Promise<number> {
  await getBuildRow(ctx, buildId);
  const failed = await taskIdsIn(ctx, buildId, 'failed');
  const cancelled = await taskIdsIn(ctx, buildId, 'cancelled');
  const resumable = await hasPendingFanout(ctx, buildId);
  if (failed.length + cancelled.length === 0 && !resumable) {
    throw new BuildStateError(`build ${buildId} has no failed or cancelled tasks to retry`);
  }
  const count = await inTransaction(ctx, async (tx) => {
    const set = { attempt: 1, result: null, started_at: null };
    const event = { kind: 'retried', message: `retried by ${by}` };
    const moved = [
      ...(await transitionTasks(tx, failed, 'failed', 'blocked', { set, event })),
      ...(await transitionTasks(tx, cancelled, 'cancelled', 'blocked', { set, event })),
    ];
    // A retried task starts afresh: what its earlier run uploaded and logged goes (its events
    // stay), so the new run's log is not mistaken for chunks already received.
    const ids = moved.map((t) => t.id);
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      await tx.db.kysely.deleteFrom('artifacts').where('task_id', 'in', chunk).execute();
      await tx.db.kysely.deleteFrom('task_logs').where('task_id', 'in', chunk).execute();
    }
    await buildsDb(tx).updateTable('builds').set({ state: 'running', finished_at: null, failure_reason: null }).where('id', '=', buildId).execute();
    await enqueueReadyTasks(tx, buildId);
    return moved.length;
  });
  if (resumable) await fanOutPending(ctx, buildId);
  ctx.log.info({ buildId, tasks: count, by }, 'build retried');
  return count;
}
