/**
 * The fan-out: when an item's srpm task has succeeded, one rpm task per target arch of the SRPM
 * (BuildArch, ExcludeArch, ExclusiveArch against the platform's arches; noarch once). Each rpm
 * task depends on its srpm task (the node gets the SRPM from it) and on the rpm tasks of the items
 * it builds against, same platform: the same arch and noarch, or every arch for a noarch task.
 *
 * Which items it builds against comes from the build's order on the platform (build-graph.ts:
 * from the facts the srpm tasks reported, once all of them ended; or the explicit order). An item
 * fans out only after the items it depends on have (their rpm tasks must exist to be waited for). Fan-out happens once per srpm task (a build_fanouts row, inserted first, decides
 * between concurrent callers) and is triggered two ways: {@link onTaskCompleted} for the scheduler
 * to call when a task succeeds, and {@link advanceBuilds}, which the server runs every second and
 * which catches everything the first missed, so that either alone is enough.
 */
import type { Context } from '../context.ts';
import { tryClusterLock } from '../db/cluster-lock.ts';
import type { Task, TaskKind } from '../db/schema.ts';
import { srpmArchInfo, targetArches } from '../platforms/arches.ts';
import { buildArches, findPlatform } from '../platforms/index.ts';
import { enqueueReadyTasks } from '../scheduler/dependencies.ts';
import { recordTaskEvents } from '../scheduler/events.ts';
import { inTransaction } from '../scheduler/transaction.ts';
import { blockedTask, failedTask } from '../scheduler/new-task.ts';
import { ofBuild, type BuildTask } from '../scheduler/build-task.ts';
import { platformGraph, recordItemFacts } from './build-graph.ts';
import { createTestTasks } from '../testing/index.ts';
import { autoSignTestedBuilds } from '../signing/index.ts';
import { transitionTasks } from '../scheduler/transitions.ts';
import { syncRunningBuildRepos } from './build-repo.ts';
import { buildsDb, jsonArray } from './schema.ts';
import { withLocalBlob } from '../storage/blob-files.ts';

type SrpmTask = Pick<BuildTask, 'id' | 'build_id' | 'item_id' | 'platform' | 'result' | 'priority' | 'owner_id' | 'max_attempts'>;

/**
 * The arches the node reported for the SRPM, or those worked out from its header, within the
 * platform's and, when the build was asked for some arches only, those (noarch always).
 */
async function archesOf(ctx: Context, task: SrpmTask): Promise<{ arches: string[]; why: string }> {
  const platform = await findPlatform(ctx, task.platform);
  const asked = await buildsDb(ctx).selectFrom('builds').select('arches').where('id', '=', task.build_id).executeTakeFirst();
  const only = asked?.arches == null ? null : jsonArray<string>(asked.arches);
  const platformArches = platform
    ? [...buildArches(platform).filter((a) => only === null || only.includes(a)), ...(platform.arches.includes('noarch') ? ['noarch'] : [])]
    : [];
  const found = await reportedOrHeaderArches(ctx, task, platformArches);
  return only === null ? found : { ...found, why: `${found.why}; asked for ${only.join(', ')}` };
}

async function reportedOrHeaderArches(ctx: Context, task: SrpmTask, platformArches: string[]): Promise<{ arches: string[]; why: string }> {
  let reported: unknown;
  try {
    reported = task.result === null ? undefined : (JSON.parse(task.result) as { arches?: unknown }).arches;
  } catch {
    reported = undefined;
  }
  if (Array.isArray(reported) && reported.every((a) => typeof a === 'string')) {
    // Trust the node only within the platform's arches (noarch is always accepted).
    const arches = (reported as string[]).filter((a) => a === 'noarch' || platformArches.includes(a));
    return { arches: [...new Set(arches)], why: 'arches reported by the node' };
  }
  const srpm = await ctx.db.kysely.selectFrom('artifacts').select('sha256').where('task_id', '=', task.id).where('kind', '=', 'srpm').executeTakeFirst();
  if (!srpm) return { arches: [], why: 'the srpm task uploaded no SRPM' };
  let info;
  try {
    info = await withLocalBlob(ctx.store, srpm.sha256, (path) => srpmArchInfo(path));
  } catch (e) {
    return { arches: [], why: `cannot read the SRPM: ${(e as Error).message}` };
  }
  const parts = [
    info.buildArchs.length ? `BuildArch ${info.buildArchs.join(' ')}` : '',
    info.excludeArch.length ? `ExcludeArch ${info.excludeArch.join(' ')}` : '',
    info.exclusiveArch.length ? `ExclusiveArch ${info.exclusiveArch.join(' ')}` : '',
  ].filter((p) => p !== '');
  return { arches: targetArches(info, platformArches), why: parts.length ? parts.join(', ') : `the platform's arches` };
}

/** What stops `task`'s item from fanning out now: null (go), 'wait' (a dependency has not yet), or 'never' (a dependency's srpm task failed or was cancelled). */
async function readiness(ctx: Context, task: SrpmTask, dependsOn: number[]): Promise<null | 'wait' | 'never'> {
  if (dependsOn.length === 0) return null;
  const deps = await buildsDb(ctx)
    .selectFrom('tasks as t')
    .leftJoin('build_fanouts as f', 'f.task_id', 't.id')
    .select(['t.id', 't.state', 'f.task_id as fanned'])
    .where('t.build_id', '=', task.build_id)
    .where('t.kind', '=', 'srpm')
    .where('t.platform', '=', task.platform)
    .where('t.item_id', 'in', dependsOn)
    .execute();
  if (deps.some((d) => d.state === 'failed' || d.state === 'cancelled')) return 'never';
  return deps.every((d) => d.fanned !== null) ? null : 'wait';
}

/** The item's waits merged into what it already shows (build_items.depends_on: every platform's). */
function mergedDependsOn(current: string, more: readonly number[]): string {
  return JSON.stringify([...new Set([...jsonArray<number>(current), ...more])].sort((a, b) => a - b));
}

/**
 * Creates the rpm tasks of a succeeded srpm task (once), when the build's order on its platform
 * is known and the items it waits for have fanned out. An item on a dependency cycle gets its rpm
 * tasks failed, naming the cycle. Returns how many were created, or null when it did not fan out
 * (already done, or not yet possible).
 */
export async function fanOut(ctx: Context, task: SrpmTask): Promise<number | null> {
  const db = buildsDb(ctx);
  const graph = await platformGraph(ctx, task.build_id, task.platform);
  if (!graph.known) return null;
  const item = await db.selectFrom('build_items').select(['name', 'depends_on']).where('id', '=', task.item_id).executeTakeFirstOrThrow();
  const cycle = graph.cycles.get(task.item_id);
  const dependsOn = cycle ? [] : (graph.deps.get(task.item_id) ?? []);
  if ((await readiness(ctx, task, dependsOn)) !== null) return null;
  const { arches, why } = await archesOf(ctx, task);
  const depTasks = dependsOn.length
    ? await db
        .selectFrom('tasks')
        .select(['id', 'arch', 'state'])
        .where('build_id', '=', task.build_id)
        .where('kind', '=', 'rpm')
        .where('platform', '=', task.platform)
        .where('item_id', 'in', dependsOn)
        .execute()
    : [];
  return inTransaction(ctx, async (tx) => {
    const txDb = buildsDb(tx);
    const claimed = await txDb.insertInto('build_fanouts').values({ task_id: task.id, at: tx.now() }).onConflict((oc) => oc.column('task_id').doNothing()).returning('task_id').executeTakeFirst();
    if (!claimed) return null;
    const now = tx.now();
    const cycleReason = cycle ? `dependency cycle: ${cycle.join(' → ')} (each needs another to be built first; submit them with an explicit order)` : null;
    const doomed: { id: number; reason: string }[] = [];
    for (const arch of arches) {
      const waitsFor = depTasks.filter((d) => arch === 'noarch' || d.arch === arch || d.arch === 'noarch');
      const fields = { buildId: task.build_id, itemId: task.item_id, kind: 'rpm' as const, platform: task.platform, arch, priority: task.priority, ownerId: task.owner_id, maxAttempts: task.max_attempts, now };
      const row = await txDb
        .insertInto('tasks')
        .values(cycleReason ? failedTask(fields, cycleReason) : blockedTask(fields))
        .returning('id')
        .executeTakeFirstOrThrow();
      await txDb.insertInto('task_dependencies').values([task.id, ...waitsFor.map((d) => d.id)].map((d) => ({ task_id: row.id, depends_on: d }))).execute();
      const waits = waitsFor.length ? `; waits for tasks ${waitsFor.map((d) => d.id).join(', ')} of the packages it builds against` : '';
      await recordTaskEvents(tx, [{ taskId: row.id, kind: 'created', message: `rpm task for ${item.name ?? '?'} ${arch} on ${task.platform} from SRPM task ${task.id}${waits}` }]);
      if (cycleReason) await recordTaskEvents(tx, [{ taskId: row.id, kind: 'failed', message: cycleReason }]);
      const dead = waitsFor.find((d) => d.state === 'failed' || d.state === 'cancelled');
      if (dead) doomed.push({ id: row.id, reason: `dependency task ${dead.id} ${dead.state === 'failed' ? 'failed' : 'was cancelled'}` });
    }
    if (dependsOn.length > 0) await txDb.updateTable('build_items').set({ depends_on: mergedDependsOn(item.depends_on, dependsOn) }).where('id', '=', task.item_id).execute();
    const reasons = graph.why.get(task.item_id) ?? [];
    const order = cycleReason ?? (reasons.length ? `they wait for ${reasons.join(', ')}` : 'they wait for no other package of the build');
    const summary = arches.length ? `fan-out: rpm tasks for ${arches.join(', ')} (${why}); ${order}` : `fan-out: nothing to build on ${task.platform} (${why})`;
    await recordTaskEvents(tx, [{ taskId: task.id, kind: 'fan-out', message: summary }]);
    for (const d of doomed) {
      await transitionTasks(tx, [d.id], 'blocked', 'cancelled', { set: { failure_reason: d.reason }, event: { kind: 'cancelled', message: d.reason } });
    }
    await enqueueReadyTasks(tx, task.build_id);
    return arches.length;
  });
}

/**
 * Whether a succeeded srpm task of the build is still to fan out (so the build is not over,
 * whatever its row says for the moment): one whose order is not known yet, or whose dependencies
 * have not failed or been cancelled.
 */
export async function hasPendingFanout(ctx: Context, buildId: number): Promise<boolean> {
  const tasks = await buildsDb(ctx)
    .selectFrom('tasks as t')
    .leftJoin('build_fanouts as f', 'f.task_id', 't.id')
    .select(['t.item_id', 't.platform', 't.state', 'f.task_id as fanned'])
    .where('t.build_id', '=', buildId)
    .where('t.kind', '=', 'srpm')
    .$narrowType<{ item_id: number }>()
    .execute();
  const pending = (t: (typeof tasks)[number]): boolean => t.state === 'succeeded' && t.fanned === null;
  if (!tasks.some(pending)) return false;
  for (const platform of new Set(tasks.filter(pending).map((t) => t.platform))) {
    const graph = await platformGraph(ctx, buildId, platform);
    if (!graph.known) return true;
    const srpm = new Map(tasks.filter((t) => t.platform === platform).map((t) => [t.item_id, t]));
    const doomed = (itemId: number, seen: Set<number>): boolean => {
      if (seen.has(itemId) || graph.cycles.has(itemId)) return false;
      seen.add(itemId);
      return (graph.deps.get(itemId) ?? []).some((d) => {
        const t = srpm.get(d);
        if (!t) return false;
        if (t.state === 'failed' || t.state === 'cancelled') return true;
        return pending(t) && doomed(d, seen);
      });
    };
    if (tasks.some((t) => t.platform === platform && pending(t) && !doomed(t.item_id, new Set()))) return true;
  }
  return false;
}

/** The kinds of task whose completion {@link onTaskCompleted} acts on (the others it leaves alone). */
export const COMPLETION_HOOK_KINDS: readonly TaskKind[] = ['srpm'];

/**
 * The hook for the scheduler: call it when a task has succeeded (in or after the completing
 * transaction). Fans out a succeeded srpm task, and the items that were waiting for it.
 */
export async function onTaskCompleted(ctx: Context, task: Pick<Task, 'id' | 'build_id' | 'item_id' | 'kind' | 'state'>): Promise<void> {
  if (!COMPLETION_HOOK_KINDS.includes(task.kind) || task.state !== 'succeeded') return;
  const srpm = ofBuild(task);
  await recordItemFacts(ctx, srpm);
  await fanOutPending(ctx, srpm.build_id);
}

/**
 * Fans out every succeeded srpm task of the build (or of every build not cancelled) that can;
 * returns how many. With `keepGoing`, a task that cannot be fanned out is logged and skipped
 * (the builds loop); otherwise the error is thrown (inside a caller's transaction).
 */
export async function fanOutPending(ctx: Context, buildId?: number, keepGoing = false): Promise<number> {
  let done = 0;
  // Each round may unlock items that waited for the ones just fanned out.
  for (let round = 0; round < 1000; round++) {
    const pending = await buildsDb(ctx)
      .selectFrom('tasks as t')
      .innerJoin('builds as b', 'b.id', 't.build_id')
      .leftJoin('build_fanouts as f', 'f.task_id', 't.id')
      .select(['t.id', 't.build_id', 't.item_id', 't.platform', 't.result', 't.priority', 't.owner_id', 't.max_attempts'])
      .where('t.kind', '=', 'srpm')
      .where('t.state', '=', 'succeeded')
      .where('f.task_id', 'is', null)
      .where('b.state', '<>', 'cancelled')
      .$if(buildId !== undefined, (q) => q.where('t.build_id', '=', buildId ?? -1))
      .orderBy('t.id')
      .$narrowType<{ build_id: number; item_id: number }>()
      .execute();
    let progressed = 0;
    for (const task of pending) {
      try {
        if ((await fanOut(ctx, task)) !== null) progressed++;
      } catch (e) {
        if (!keepGoing) throw e;
        ctx.log.error({ err: e, buildId: task.build_id, taskId: task.id }, 'fan-out failed');
      }
    }
    done += progressed;
    if (progressed === 0) break;
  }
  return done;
}

/**
 * One pass of the builds loop (the server runs it every second): fans out what can be, and
 * brings the repositories of running builds up to date. Never throws; problems are logged.
 */
export async function advanceBuilds(ctx: Context): Promise<void> {
  try {
    await fanOutPending(ctx, undefined, true);
    await syncRunningBuildRepos(ctx);
    await createTestTasks(ctx);
    await autoSignTestedBuilds(ctx);
  } catch (e) {
    ctx.log.error({ err: e }, 'advancing builds failed');
  }
}

/**
 * Runs {@link advanceBuilds} every `intervalMs` (one pass at a time) until the returned function
 * is called; that function resolves when the pass in progress has finished.
 */
export function startBuildsLoop(ctx: Context, intervalMs = 1000): () => Promise<void> {
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    // One master at a time runs a pass (docs/scale-out.md); each step is safe concurrently too.
    running = tryClusterLock(ctx.db, 'builds-loop', () => advanceBuilds(ctx))
      .then(() => undefined, (e: unknown) => ctx.log.error({ err: e }, 'advancing builds failed'))
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
