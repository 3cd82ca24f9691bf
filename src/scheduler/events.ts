/**
 * Task events: every state change and scheduling decision, with who made it and why, kept where
 * the API and the UI can show them (`taskEvents`).
 */
import type { Selectable } from 'kysely';
import type { Context } from '../context.ts';
import type { TaskEventsTable } from '../db/schema.ts';

export type TaskEvent = Selectable<TaskEventsTable>;

/** What an event says; `at` is ctx.now() when it is recorded. */
export interface TaskEventInput {
  taskId: number;
  kind: string;
  nodeId?: number | null;
  message: string;
}

/** Rows per INSERT: below SQLite's bound-parameter limit. */
const CHUNK = 1000;

/** Records events (in one or a few INSERTs). */
export async function recordTaskEvents(ctx: Context, events: readonly TaskEventInput[]): Promise<void> {
  const at = ctx.now();
  for (let i = 0; i < events.length; i += CHUNK) {
    const rows = events.slice(i, i + CHUNK).map((e) => ({ task_id: e.taskId, at, kind: e.kind, node_id: e.nodeId ?? null, message: e.message }));
    await ctx.db.kysely.insertInto('task_events').values(rows).execute();
  }
}

/** The events of a task, oldest first. */
export async function taskEvents(ctx: Context, taskId: number): Promise<TaskEvent[]> {
  return ctx.db.kysely.selectFrom('task_events').selectAll().where('task_id', '=', taskId).orderBy('id').execute();
}
