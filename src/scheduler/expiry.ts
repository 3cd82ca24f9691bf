/**
 * Expired leases: a node that stops heart-beating (crashed, killed, cut off) loses its task when
 * the lease runs out. The task goes back to the queue with attempt + 1, keeping its place; when
 * that would exceed max_attempts it fails with the reason, and its dependents are cancelled. The
 * server runs `expireLeases` periodically (`startLeaseReaper`).
 */
import type { Context } from '../context.ts';
import { refreshBuildState, refreshesAfterCommit, settleBuilds } from './build-state.ts';
import { cancelDependents } from './dependencies.ts';
import { hasRowLocks, inTransaction } from './transaction.ts';
import { transitionTask } from './transitions.ts';

/** Tasks handled per run; the next run takes the rest. */
const BATCH = 500;

/** What expiring one lease did: nothing (no longer due), requeued, or failed (its build to settle). */
type Expiry = { outcome: 'none' } | { outcome: 'requeued' } | { outcome: 'failed'; buildId: number | null };

/** Expires one task's lease if it is still leased and past due. */
function expireInTransaction(ctx: Context, taskId: number, now: number, refreshInside: boolean): Promise<Expiry> {
  return inTransaction(ctx, async (tx) => {
    const row = await tx.db.kysely
      .selectFrom('tasks as t')
      .leftJoin('nodes as n', 'n.id', 't.leased_by')
      .selectAll('t')
      .select('n.name as node_name')
      .where('t.id', '=', taskId)
      .where('t.state', '=', 'leased')
      .where('t.lease_expires_at', '<', now)
      .$if(hasRowLocks(tx), (q) => q.forUpdate('t'))
      .executeTakeFirst();
    if (!row) return { outcome: 'none' };
    const { node_name, ...task } = row;
    const nodeName = node_name ?? `node ${task.leased_by ?? '?'}`;
    const nodeId = task.leased_by;
    if (task.attempt + 1 > task.max_attempts) {
      const reason = `lease expired ${task.attempt} times (last node ${nodeName})`;
      const failed = await transitionTask(tx, task, 'failed', { set: { failure_reason: reason }, event: { kind: 'expired', nodeId, message: reason } });
      if (!failed) return { outcome: 'none' };
      await cancelDependents(tx, failed);
      if (refreshInside && failed.build_id !== null) await refreshBuildState(tx, failed.build_id);
      tx.log.warn({ taskId, buildId: task.build_id, nodeId }, reason);
      return { outcome: 'failed', buildId: failed.build_id };
    }
    const message = `lease expired (node ${nodeName} stopped heart-beating); queued again for attempt ${task.attempt + 1} of ${task.max_attempts}`;
    const queued = await transitionTask(tx, task, 'queued', { set: { attempt: task.attempt + 1 }, event: { kind: 'expired', nodeId, message } });
    tx.log.warn({ taskId, buildId: task.build_id, nodeId }, message);
    return queued ? { outcome: 'requeued' } : { outcome: 'none' };
  });
}

/** Expires one lease; true when it did. A failed task's build is refreshed as withBuildRefresh does. */
async function expireOne(ctx: Context, taskId: number, now: number): Promise<boolean> {
  const afterCommit = refreshesAfterCommit(ctx);
  const expiry = await expireInTransaction(ctx, taskId, now, !afterCommit);
  if (expiry.outcome === 'failed' && afterCommit && expiry.buildId !== null) await refreshBuildState(ctx, expiry.buildId);
  return expiry.outcome !== 'none';
}

/**
 * Returns every task whose lease has run out to the queue (attempt + 1), or fails it when it has
 * used up max_attempts.
 * @returns how many leases expired.
 */
export async function expireLeases(ctx: Context): Promise<number> {
  const now = ctx.now();
  let expired = 0;
  for (;;) {
    const due = await ctx.db.kysely
      .selectFrom('tasks')
      .select('id')
      .where('state', '=', 'leased')
      .where('lease_expires_at', '<', now)
      .orderBy('lease_expires_at')
      .limit(BATCH)
      .execute();
    for (const { id } of due) if (await expireOne(ctx, id, now)) expired++;
    if (due.length < BATCH) return expired;
  }
}

/**
 * Runs expireLeases every `intervalMs`, then settleBuilds (never two runs at once; errors are
 * logged, not thrown).
 * @returns a function that stops it.
 */
export function startLeaseReaper(ctx: Context, intervalMs: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    expireLeases(ctx)
      .then(async (n) => {
        if (n > 0) ctx.log.info({ expired: n }, 'leases expired');
        const settled = await settleBuilds(ctx);
        if (settled > 0) ctx.log.info({ settled }, 'builds settled');
      })
      .catch((e: unknown) => ctx.log.error({ err: e }, 'expiring leases failed'))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
