/**
 * The task state machine: the one place that moves tasks between states. It rejects moves the
 * machine does not have (IllegalTransitionError), applies each move with a guard on the current
 * state (so a concurrent change makes it a no-op instead of a double move), sets the columns each
 * target state implies, and records one event per task moved.
 *
 * ```
 * blocked ─deps met─▶ queued ─lease─▶ leased ─complete─▶ succeeded
 *                        ▲               │ ─fail / expired too often─▶ failed
 *                        └─expire/refuse─┘
 * blocked | queued | leased ─cancel─▶ cancelled;   failed | cancelled ─retry─▶ queued | blocked
 * ```
 * (leaseTask moves queued → leased itself, in its single UPDATE, after checking the edge here.)
 */
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Context } from '../context.ts';
import type { Database, Task, TaskState, TaskUpdate } from '../db/schema.ts';
import { IllegalTransitionError } from './errors.ts';
import { recordTaskEvents } from './events.ts';
import { hasRowLocks } from './transaction.ts';

/** Every allowed move: from → the states it may go to. */
export const TASK_TRANSITIONS: Readonly<Record<TaskState, readonly TaskState[]>> = {
  blocked: ['queued', 'cancelled'],
  queued: ['leased', 'cancelled'],
  leased: ['queued', 'succeeded', 'failed', 'cancelled'],
  succeeded: [],
  failed: ['queued', 'blocked'],
  cancelled: ['queued', 'blocked'],
};

/** States a task never leaves on its own (only a retry moves failed and cancelled on). */
export const FINAL_TASK_STATES: readonly TaskState[] = ['succeeded', 'failed', 'cancelled'];

/** Whether the state machine has the edge from → to. */
export function canTransition(from: TaskState, to: TaskState): boolean {
  return TASK_TRANSITIONS[from].includes(to);
}

/** @throws IllegalTransitionError when the machine has no edge from → to. */
export function assertTaskTransition(from: TaskState, to: TaskState, taskId: number | null = null): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(taskId, from, to);
}

export interface TransitionOptions {
  /** Columns to set besides those the target state implies. */
  set?: TaskUpdate;
  /** Move only while this node holds the lease. */
  leasedBy?: number;
  /** Move only the tasks that also meet this (tested by the moving UPDATE itself). */
  where?: (eb: ExpressionBuilder<Database, 'tasks'>) => Expression<SqlBool>;
  /** The event recorded for each task moved. */
  event: { kind: string; nodeId?: number | null; message: string | ((task: Task) => string) };
}

/** Columns a move into `to` implies (leases dropped, times set). */
function impliedColumns(from: TaskState, to: TaskState, now: number): TaskUpdate {
  switch (to) {
    case 'queued':
      // A task returning from a lease keeps its place in the queue; a new or retried one joins it now.
      return { leased_by: null, lease_expires_at: null, finished_at: null, ...(from === 'leased' ? {} : { queued_at: now, failure_reason: null }) };
    case 'blocked':
      return { leased_by: null, lease_expires_at: null, finished_at: null, queued_at: null, failure_reason: null };
    case 'succeeded':
    case 'failed':
    case 'cancelled':
      return { lease_expires_at: null, finished_at: now };
    case 'leased':
      return {};
  }
}

/** Ids per UPDATE: below SQLite's bound-parameter limit. */
const CHUNK = 1000;

/**
 * Moves the tasks `ids` that are in state `from` (and, with `leasedBy`, leased by that node) to
 * `to`, and records an event for each. Tasks no longer in `from` are left alone.
 * @returns the tasks moved, in id order.
 * @throws IllegalTransitionError when from → to is not an edge of the machine.
 */
export async function transitionTasks(ctx: Context, ids: readonly number[], from: TaskState, to: TaskState, options: TransitionOptions): Promise<Task[]> {
  assertTaskTransition(from, to, ids.length === 1 ? (ids[0] ?? null) : null);
  const set: TaskUpdate = { ...impliedColumns(from, to, ctx.now()), ...options.set, state: to };
  const { kind, message } = options.event;
  const nodeId = options.event.nodeId ?? null;
  const moved: Task[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const update = ctx.db.kysely
      .updateTable('tasks')
      .set(set)
      .where('id', 'in', ids.slice(i, i + CHUNK))
      .where('state', '=', from)
      .$if(options.leasedBy !== undefined, (q) => q.where('leased_by', '=', options.leasedBy ?? -1))
      .$if(options.where !== undefined, (q) => q.where((eb) => options.where?.(eb) ?? eb.lit(true)))
      .returningAll();
    if (hasRowLocks(ctx) && typeof message === 'string') {
      // PostgreSQL: the events are inserted by the same statement (one round trip).
      const rows = await ctx.db.kysely
        .with('moved', () => update)
        .with('events', (db) =>
          db
            .insertInto('task_events')
            .columns(['task_id', 'at', 'kind', 'node_id', 'message'])
            .expression((eb) =>
              eb
                .selectFrom('moved')
                .select(['moved.id', sql<number>`${ctx.now()}::bigint`.as('at'), sql<string>`${kind}::text`.as('kind'), sql<number | null>`${nodeId}::integer`.as('node_id'), sql<string>`${message}::text`.as('message')]),
            ),
        )
        .selectFrom('moved')
        .selectAll()
        .execute();
      moved.push(...rows);
    } else {
      const rows = await update.execute();
      await recordTaskEvents(ctx, rows.map((t) => ({ taskId: t.id, kind, nodeId, message: typeof message === 'string' ? message : message(t) })));
      moved.push(...rows);
    }
  }
  return moved.sort((a, b) => a.id - b.id);
}

/**
 * Moves one task from the state it is in (`task.state`, as the caller read it) to `to`.
 * @returns the task after the move, or null when it was no longer in that state.
 * @throws IllegalTransitionError
 */
export async function transitionTask(ctx: Context, task: Pick<Task, 'id' | 'state'>, to: TaskState, options: TransitionOptions): Promise<Task | null> {
  assertTaskTransition(task.state, to, task.id);
  const [moved] = await transitionTasks(ctx, [task.id], task.state, to, options);
  return moved ?? null;
}
