/**
 * Reading a build's logs as they grow: the chunks of one task after a sequence number, or of every
 * task of the build after a cursor (`TASK:SEQ,…`, as the previous answer returned it), so that
 * `distforge build logs --follow` can poll without reading anything twice.
 *
 * Terminology:
 * - cursor: for each task, the last sequence number already read; tasks not named start at the
 *   beginning.
 */
import type { Context } from '../context.ts';
import type { TaskKind, TaskState } from '../db/schema.ts';
import { NotFoundError, UsageError } from '../errors.ts';
import { buildsDb } from './schema.ts';
import { effectiveState } from './view.ts';

export interface LogChunk {
  taskId: number;
  seq: number;
  at: number;
  text: string;
}

export interface LogTask {
  id: number;
  package: string | null;
  platform: string;
  arch: string;
  kind: TaskKind;
  state: TaskState;
}

export interface LogPage {
  buildState: string;
  tasks: LogTask[];
  chunks: LogChunk[];
  /** Pass as `after` to get only what comes next. */
  cursor: string;
  /** More chunks are waiting (the page was full): ask again at once. */
  more: boolean;
}

const PAGE = 2000;

/** Largest task id or sequence number a cursor may name (they are 32-bit integers in the database). */
const MAX_CURSOR_NUMBER = 2_147_483_647;

/** A sequence number of a cursor: -1 (nothing read yet) up to the largest one stored. @throws UsageError */
function cursorNumber(text: string, min: number, after: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > MAX_CURSOR_NUMBER) {
    throw new UsageError(`bad log cursor "${after.length > 60 ? `${after.slice(0, 60)}…` : after}": ${text.slice(0, 20)} is not a number from ${min} to ${MAX_CURSOR_NUMBER}`);
  }
  return n;
}

/** Parses `after`: a number (with a task) or a `TASK:SEQ,…` cursor, each number bounded. @throws UsageError */
export function parseCursor(after: string | undefined, taskId: number | undefined): Map<number, number> {
  const cursor = new Map<number, number>();
  if (after === undefined || after === '') return cursor;
  if (/^-?\d+$/.test(after)) {
    if (taskId === undefined) throw new UsageError('after=SEQ needs task=ID (or give the cursor a previous answer returned)');
    cursor.set(taskId, cursorNumber(after, -1, after));
    return cursor;
  }
  for (const part of after.split(',')) {
    const m = /^(\d+):(-?\d+)$/.exec(part);
    if (!m) throw new UsageError(`bad log cursor "${after.length > 60 ? `${after.slice(0, 60)}…` : after}": expected SEQ or TASK:SEQ,…`);
    cursor.set(cursorNumber(m[1] ?? '', 1, after), cursorNumber(m[2] ?? '', -1, after));
  }
  return cursor;
}

/**
 * The log chunks of build `buildId` (only task `taskId` when given) after `after`.
 * @throws NotFoundError (no such build, or the task is not one of its tasks), UsageError
 */
export async function buildLogs(ctx: Context, buildId: number, options: { taskId?: number; after?: string }): Promise<LogPage> {
  const db = buildsDb(ctx);
  const build = await db.selectFrom('builds').select(['id', 'state']).where('id', '=', buildId).executeTakeFirst();
  if (!build) throw new NotFoundError(`no build ${buildId}`);
  let q = db
    .selectFrom('tasks as t')
    .innerJoin('build_items as i', 'i.id', 't.item_id')
    .select(['t.id', 'i.name as package', 't.platform', 't.arch', 't.kind', 't.state'])
    .where('t.build_id', '=', buildId);
  if (options.taskId !== undefined) q = q.where('t.id', '=', options.taskId);
  const tasks = await q.orderBy('t.id').execute();
  if (options.taskId !== undefined && tasks.length === 0) throw new NotFoundError(`build ${buildId} has no task ${options.taskId}`);
  const cursor = parseCursor(options.after, options.taskId);
  const chunks: LogChunk[] = [];
  let more = false;
  for (const t of tasks) {
    const left = PAGE - chunks.length;
    if (left <= 0) {
      more = true;
      break;
    }
    const rows = await db
      .selectFrom('task_logs')
      .select(['seq', 'at', 'chunk'])
      .where('task_id', '=', t.id)
      .where('seq', '>', cursor.get(t.id) ?? -1)
      .orderBy('seq')
      .limit(left + 1)
      .execute();
    if (rows.length > left) more = true;
    for (const r of rows.slice(0, left)) {
      chunks.push({ taskId: t.id, seq: r.seq, at: r.at, text: r.chunk });
      cursor.set(t.id, r.seq);
    }
  }
  return {
    buildState: await effectiveState(ctx, build),
    tasks,
    chunks,
    cursor: [...cursor].map(([t, s]) => `${t}:${s}`).join(','),
    more,
  };
}
