/**
 * Leasing: a node asks for work and gets at most one queued task, picked and claimed in one
 * atomic UPDATE … WHERE id = (SELECT … LIMIT 1 [FOR UPDATE SKIP LOCKED]) RETURNING *.
 *
 * Which task: one whose arch the node serves (or `noarch` / `src`, which any node takes), that the
 * node has not refused, while the node holds fewer than its maxConcurrency leases. Order: priority
 * (highest first), then fairness (the owner with the fewest leased tasks first, so one user's
 * thousands of queued tasks do not starve another's one), then age (queued_at, id).
 *
 * How: for each owner, the head of their queue (priority DESC, queued_at, id) is one index probe
 * (tasks_owner_pick); the heads are then ordered by priority, the owner's leased count and age.
 * That is the order of sorting every queued task, without reading them all. On PostgreSQL the
 * probe is a LATERAL subquery that skips rows other transactions have locked (`SKIP LOCKED`), so
 * concurrent leases never wait for each other and never take the same task; SQLite (no LATERAL)
 * joins the heads by id and runs one writer at a time.
 *
 * A lease is one transaction of four statements: the node row is updated first (last_seen_at; the
 * row lock serialises one node's leases so its concurrency limit holds), then the claim, the
 * `leased` event, and (for the first task of a pending build) the build's start.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Context } from '../context.ts';
import type { BuildState, Task } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { markBuildStarted } from './build-state.ts';
import { recordTaskEvents } from './events.ts';
import { nodeArches } from './nodes.ts';
import { hasRowLocks, inTransaction } from './transaction.ts';
import { assertTaskTransition } from './transitions.ts';

/** What the scheduler needs to know about the node asking. */
export interface LeasingNode {
  id: number;
  /** Arches it builds for; tasks of arch `noarch` or `src` go to any node. */
  arches: string[];
  /** Leases it may hold at once. */
  maxConcurrency: number;
}

/** Arches every node takes. */
export const ANY_NODE_ARCHES = ['noarch', 'src'] as const;

interface NodeState {
  name: string;
  enabled: number;
  arches: string;
  max_concurrency: number;
  running: number;
}

/** Marks the node seen (locking its row until commit) and reads what it serves and holds. */
async function touchForLease(ctx: Context, nodeId: number): Promise<NodeState> {
  const row = await ctx.db.kysely
    .updateTable('nodes')
    .set({ last_seen_at: ctx.now() })
    .where('id', '=', nodeId)
    .returning((eb) => [
      'name',
      'enabled',
      'arches',
      'max_concurrency',
      eb
        .selectFrom('tasks as t')
        .select(eb.fn.countAll<number>().as('c'))
        .whereRef('t.leased_by', '=', 'nodes.id')
        .where('t.state', '=', 'leased')
        .as('running'),
    ])
    .executeTakeFirst();
  if (!row) throw new NotFoundError(`node ${nodeId} does not exist`);
  return { ...row, running: Number(row.running ?? 0) };
}

/** A claimed task with what the decision message needs. */
type Claimed = Task & { owner_name: string | null; owner_running: number | string; build_state: BuildState | null };

/** The id of the next task for the node, as a subquery (see the module comment). */
function pickNext(ctx: Context, nodeId: number, arches: readonly string[]): RawBuilder<unknown> {
  const eligible = sql`h.state = 'queued' AND h.arch IN (${sql.join(arches)})
    AND NOT EXISTS (SELECT 1 FROM task_refusals f WHERE f.task_id = h.id AND f.node_id = ${nodeId})`;
  const ownerRunning = (owner: RawBuilder<unknown>): RawBuilder<unknown> => sql`(SELECT count(*) FROM tasks r WHERE r.owner_id = ${owner} AND r.state = 'leased')`;
  if (hasRowLocks(ctx)) {
    return sql`SELECT h.id FROM users u CROSS JOIN LATERAL (
        SELECT h.id, h.priority, h.queued_at FROM tasks h WHERE h.owner_id = u.id AND ${eligible}
        ORDER BY h.priority DESC, h.queued_at, h.id LIMIT 1 FOR UPDATE SKIP LOCKED
      ) h
      ORDER BY h.priority DESC, ${ownerRunning(sql.ref('u.id'))}, h.queued_at, h.id LIMIT 1`;
  }
  return sql`SELECT t.id FROM (
        SELECT u.id AS owner_id, (
          SELECT h.id FROM tasks h WHERE h.owner_id = u.id AND ${eligible}
          ORDER BY h.priority DESC, h.queued_at, h.id LIMIT 1
        ) AS head_id FROM users u
      ) o JOIN tasks t ON t.id = o.head_id
      ORDER BY t.priority DESC, ${ownerRunning(sql.ref('o.owner_id'))}, t.queued_at, t.id LIMIT 1`;
}

/** The atomic pick-and-claim; undefined when nothing fits. */
async function claimNext(ctx: Context, nodeId: number, nodeArchList: readonly string[]): Promise<Claimed | undefined> {
  const now = ctx.now();
  const arches = [...new Set([...nodeArchList, ...ANY_NODE_ARCHES])];
  const result = await sql<Claimed>`
    UPDATE tasks SET state = 'leased', leased_by = ${nodeId}, lease_expires_at = ${now + ctx.settings.leaseMs}, started_at = ${now}
    WHERE state = 'queued' AND id = (${pickNext(ctx, nodeId, arches)})
    RETURNING *,
      (SELECT u.name FROM users u WHERE u.id = tasks.owner_id) AS owner_name,
      (SELECT count(*) FROM tasks r WHERE r.owner_id = tasks.owner_id AND r.state = 'leased' AND r.id <> tasks.id) AS owner_running,
      (SELECT b.state FROM builds b WHERE b.id = tasks.build_id) AS build_state`.execute(ctx.db.kysely);
  return result.rows[0];
}

/** Leases for a node whose row is locked; null when it is disabled, full, or nothing fits. */
async function leaseLocked(ctx: Context, nodeId: number, node: NodeState, arches: readonly string[], maxConcurrency: number): Promise<Task | null> {
  if (node.enabled !== 1 || node.running >= maxConcurrency) return null;
  const claimed = await claimNext(ctx, nodeId, arches);
  if (!claimed) return null;
  const { owner_name, owner_running, build_state, ...task } = claimed;
  const where = (ANY_NODE_ARCHES as readonly string[]).includes(task.arch) ? `${task.arch}, any node` : task.arch;
  const message =
    `leased by node ${node.name} (${where}): priority ${task.priority}, owner ${owner_name ?? task.owner_id} has ${Number(owner_running)} running, ` +
    `node has ${node.running} of ${maxConcurrency}, attempt ${task.attempt} of ${task.max_attempts}`;
  await recordTaskEvents(ctx, [{ taskId: task.id, kind: 'leased', nodeId, message }]);
  if (build_state === 'pending') await markBuildStarted(ctx, task.build_id);
  ctx.log.debug({ taskId: task.id, buildId: task.build_id, nodeId }, message);
  return task;
}

/**
 * Leases the next task for `node` (its arches and concurrency as given), or returns null when
 * none fits, the node is at its maxConcurrency, or it is disabled. Records a `leased` event
 * explaining the decision and marks the node seen.
 * @throws NotFoundError when the node does not exist.
 */
export function leaseTask(ctx: Context, node: LeasingNode): Promise<Task | null> {
  assertTaskTransition('queued', 'leased');
  return inTransaction(ctx, async (tx) => leaseLocked(tx, node.id, await touchForLease(tx, node.id), node.arches, node.maxConcurrency));
}

/** Same as {@link leaseTask} with the arches and concurrency stored for the node (what the node API uses). */
export function leaseTaskForNode(ctx: Context, nodeId: number): Promise<Task | null> {
  assertTaskTransition('queued', 'leased');
  return inTransaction(ctx, async (tx) => {
    const node = await touchForLease(tx, nodeId);
    return leaseLocked(tx, nodeId, node, nodeArches(node), node.max_concurrency);
  });
}
