/**
 * A build's state follows its building (srpm and rpm) tasks: `refreshBuildState` works it out after any task of the build
 * moved (the scheduler calls it after every final state; the builds domain after creating or
 * cancelling tasks).
 *
 * - any task blocked, queued or leased: `running` (a build nothing of which has started yet stays
 *   `pending`);
 * - otherwise (every task final): `failed` if any failed, else `cancelled` if any was cancelled,
 *   else `succeeded`;
 * - a build without tasks keeps its state (e.g. failed at submit with a reason).
 */
import type { ExpressionBuilder } from 'kysely';
import type { Context } from '../context.ts';
import type { BuildState, Database, TaskKind, TaskState } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { hasRowLocks, inTransaction } from './transaction.ts';

/** The kinds of task a build's state follows: its test and sign tasks have their own results. */
const BUILDING_KINDS: TaskKind[] = ['srpm', 'rpm'];

type Has = (eb: ExpressionBuilder<Database, never>, states: TaskState[]) => ReturnType<ExpressionBuilder<Database, never>['exists']>;

/** Whether the build has tasks in these states: each an index probe on (build_id, state). */
function hasFor(buildId: number): Has {
  return (eb, states) => eb.exists(eb.selectFrom('tasks').select('id').where('build_id', '=', buildId).where('state', 'in', states).where('kind', 'in', BUILDING_KINDS));
}

/**
 * The state the build's tasks put it in (null when it has none), asking only what decides it: one
 * query while tasks are still to run (the common case), a second one at the end.
 */
async function stateFromTasks(ctx: Context, buildId: number): Promise<{ current: BuildState | null; next: BuildState | null }> {
  const has = hasFor(buildId);
  const first = await ctx.db.kysely
    .selectNoFrom((eb) => [
      eb.selectFrom('builds').select('state').where('id', '=', buildId).as('state'),
      has(eb, ['blocked', 'queued', 'leased']).as('active'),
    ])
    .executeTakeFirstOrThrow();
  const current = first.state;
  if (current === null) return { current, next: null };
  // The flags are 0/1 on SQLite and booleans on PostgreSQL: only their truth is used.
  if (first.active && current !== 'pending') return { current, next: 'running' };
  const rest = await ctx.db.kysely
    .selectNoFrom((eb) => [
      has(eb, ['leased', 'succeeded', 'failed', 'cancelled']).as('started'),
      has(eb, ['failed']).as('failed'),
      has(eb, ['cancelled']).as('cancelled'),
      has(eb, ['succeeded']).as('succeeded'),
    ])
    .executeTakeFirstOrThrow();
  if (first.active) return { current, next: rest.started ? 'running' : 'pending' };
  if (rest.failed) return { current, next: 'failed' };
  if (rest.cancelled) return { current, next: 'cancelled' };
  if (rest.succeeded) return { current, next: 'succeeded' };
  return { current, next: null };
}

/** The refresh itself: a read, and an update when the state changes. */
async function refreshOnce(ctx: Context, buildId: number): Promise<BuildState> {
  const { current, next } = await stateFromTasks(ctx, buildId);
  if (current === null) throw new NotFoundError(`build ${buildId} does not exist`);
  if (next === null || next === current) return current;
  const final = next === 'succeeded' || next === 'failed' || next === 'cancelled';
  await ctx.db.kysely
    .updateTable('builds')
    .set({ state: next, finished_at: final ? ctx.now() : null })
    .where('id', '=', buildId)
    .execute();
  ctx.log.info({ buildId, from: current, to: next }, 'build state changed');
  return next;
}

/**
 * Updates the build's state from its tasks' states (and `finished_at`) and returns it; joins the
 * caller's transaction (call it in the one that moved the tasks).
 * @throws NotFoundError when there is no such build.
 */
export function refreshBuildState(ctx: Context, buildId: number): Promise<BuildState> {
  return inTransaction(ctx, (tx) => refreshOnce(tx, buildId));
}

/**
 * Whether a task-ending operation started with `ctx` refreshes its build after the commit (true:
 * PostgreSQL, not inside a caller's transaction) or inside its transaction (SQLite, or a caller's
 * transaction, whose commit is the caller's). Why after the commit on PostgreSQL: two
 * transactions ending the last two tasks of a build at the same moment each see the other's task
 * still leased, so a refresh inside either would leave the build running; the refresh after the
 * later commit sees both. (Locking the build row instead would serialise every completion of a
 * build.) SQLite runs one writer at a time. A refresh lost to a crash is made by settleBuilds.
 */
export function refreshesAfterCommit(ctx: Context): boolean {
  return hasRowLocks(ctx) && !ctx.db.kysely.isTransaction;
}

/** Runs `op`, which ends a task, in a transaction and refreshes the task's build (a release's
 * task has none) where {@link refreshesAfterCommit} says. */
export async function withBuildRefresh<T extends { build_id: number | null }>(ctx: Context, op: (tx: Context) => Promise<T>): Promise<T> {
  const afterCommit = refreshesAfterCommit(ctx);
  const result = await inTransaction(ctx, async (tx) => {
    const r = await op(tx);
    if (!afterCommit && r.build_id !== null) await refreshOnce(tx, r.build_id);
    return r;
  });
  if (afterCommit && result.build_id !== null) await refreshOnce(ctx, result.build_id);
  return result;
}

/** After a statement that ended `task` on its own (autocommitted, PostgreSQL): refreshes its build
 * as {@link withBuildRefresh} does after its commit. */
export async function refreshAfterCommit(ctx: Context, task: { build_id: number | null }): Promise<void> {
  if (task.build_id !== null) await refreshOnce(ctx, task.build_id);
}

/**
 * Builds still marked pending or running although every task has finished (a refresh lost to a
 * crash between commit and refresh): refreshes them. The lease reaper runs it.
 * @returns how many builds changed state.
 */
export async function settleBuilds(ctx: Context): Promise<number> {
  const stale = await ctx.db.kysely
    .selectFrom('builds as b')
    .select('b.id')
    .where('b.state', 'in', ['pending', 'running'])
    .where(({ exists, not, selectFrom }) =>
      exists(selectFrom('tasks as t').select('t.id').whereRef('t.build_id', '=', 'b.id')).and(
        not(exists(selectFrom('tasks as t').select('t.id').whereRef('t.build_id', '=', 'b.id').where('t.state', 'in', ['blocked', 'queued', 'leased']))),
      ),
    )
    .execute();
  let changed = 0;
  for (const { id } of stale) {
    const before = await ctx.db.kysely.selectFrom('builds').select('state').where('id', '=', id).executeTakeFirst();
    if (before && (await refreshBuildState(ctx, id)) !== before.state) changed++;
  }
  return changed;
}

/** Marks a pending build running (its first task was leased); a no-op otherwise. */
export async function markBuildStarted(ctx: Context, buildId: number): Promise<void> {
  await ctx.db.kysely.updateTable('builds').set({ state: 'running' }).where('id', '=', buildId).where('state', '=', 'pending').execute();
}
