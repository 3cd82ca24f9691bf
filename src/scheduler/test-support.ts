/**
 * Builders for the scheduler tests: a context on a real database (the caller passes the URL from
 * test/support/db.ts, so the suite runs on SQLite and PostgreSQL) with a clock the test moves, and
 * rows for users, nodes, builds and tasks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Context } from '../context.ts';
import { openDatabase } from '../db/connection.ts';
import type { NewTask, Task, TaskKind } from '../db/schema.ts';
import { LocalStore } from '../storage/local-store.ts';

export interface Fixture {
  ctx: Context;
  /** Moves the clock forward. */
  advance(ms: number): void;
  close(): Promise<void>;
}

/** A context on the database at `url`, its store in a temporary directory, time starting at 1,000,000. */
export async function openFixture(url: string, settings: Partial<Context['settings']> = {}): Promise<Fixture> {
  const db = await openDatabase(url);
  const dataDir = mkdtempSync(join(tmpdir(), 'distforge-sched-'));
  let now = 1_000_000;
  const ctx: Context = {
    db,
    store: new LocalStore(join(dataDir, 'store')),
    log: pino({ level: 'silent' }),
    now: () => now,
    settings: { publicUrl: 'http://127.0.0.1:9', dataDir, leaseMs: 60_000, maxAttempts: 3, ...settings },
  };
  return {
    ctx,
    advance: (ms) => {
      now += ms;
    },
    close: async () => {
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function addUser(ctx: Context, name: string): Promise<number> {
  const row = await ctx.db.kysely.insertInto('users').values({ name, role: 'maintainer', created_at: ctx.now() }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function addNode(ctx: Context, name: string, arches: string[], maxConcurrency = 4): Promise<{ id: number; arches: string[]; maxConcurrency: number }> {
  const row = await ctx.db.kysely
    .insertInto('nodes')
    .values({ name, arches: JSON.stringify(arches), capabilities: '["build"]', max_concurrency: maxConcurrency, enabled: 1, created_at: ctx.now() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, arches, maxConcurrency };
}

/** A build of one git item on platform `p1`. */
export async function addBuild(ctx: Context, ownerId: number, priority = 0): Promise<{ buildId: number; itemId: number; ownerId: number; priority: number }> {
  const build = await ctx.db.kysely
    .insertInto('builds')
    .values({ owner_id: ownerId, state: 'pending', priority, platforms: '["p1"]', explicit_order: 0, public: 1, created_at: ctx.now() })
    .returning('id')
    .executeTakeFirstOrThrow();
  const item = await ctx.db.kysely
    .insertInto('build_items')
    .values({ build_id: build.id, position: 0, kind: 'git', git_url: 'https://git.example/hello.git', git_ref: 'main', git_commit: 'a'.repeat(40), name: 'hello' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { buildId: build.id, itemId: item.id, ownerId, priority };
}

export interface TaskSpec {
  arch?: string;
  kind?: TaskKind;
  state?: 'blocked' | 'queued';
  maxAttempts?: number;
}

/**
 * Inserts `count` tasks into `build` (queued by default, queued_at = now) in batches.
 * @returns their ids, in insertion order.
 */
export async function addTasks(
  ctx: Context,
  build: { buildId: number; itemId: number; ownerId: number; priority: number },
  count: number,
  spec: TaskSpec = {},
): Promise<number[]> {
  const state = spec.state ?? 'queued';
  const row = (): NewTask => ({
    build_id: build.buildId,
    item_id: build.itemId,
    kind: spec.kind ?? 'rpm',
    platform: 'p1',
    arch: spec.arch ?? 'x86_64',
    state,
    priority: build.priority,
    owner_id: build.ownerId,
    attempt: 1,
    max_attempts: spec.maxAttempts ?? ctx.settings.maxAttempts,
    created_at: ctx.now(),
    queued_at: state === 'queued' ? ctx.now() : null,
  });
  const ids: number[] = [];
  for (let i = 0; i < count; i += 500) {
    const rows = Array.from({ length: Math.min(500, count - i) }, row);
    const inserted = await ctx.db.kysely.insertInto('tasks').values(rows).returning('id').execute();
    ids.push(...inserted.map((r) => r.id).sort((a, b) => a - b));
  }
  return ids;
}

export async function addTask(ctx: Context, build: Parameters<typeof addTasks>[1], spec: TaskSpec = {}): Promise<number> {
  const [id] = await addTasks(ctx, build, 1, spec);
  if (id === undefined) throw new Error('no task inserted');
  return id;
}

/** Task `taskId` waits for each of `dependsOn`. */
export async function addDependencies(ctx: Context, taskId: number, ...dependsOn: number[]): Promise<void> {
  await ctx.db.kysely
    .insertInto('task_dependencies')
    .values(dependsOn.map((d) => ({ task_id: taskId, depends_on: d })))
    .execute();
}

export async function getTask(ctx: Context, id: number): Promise<Task> {
  return ctx.db.kysely.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export async function buildState(ctx: Context, buildId: number): Promise<string> {
  const row = await ctx.db.kysely.selectFrom('builds').select('state').where('id', '=', buildId).executeTakeFirstOrThrow();
  return row.state;
}

/** Cancels whatever is queued or leased, so that a test starts from an empty queue. */
export async function clearQueue(ctx: Context): Promise<void> {
  await ctx.db.kysely.updateTable('tasks').set({ state: 'cancelled' }).where('state', 'in', ['queued', 'leased']).execute();
}
