/**
 * Leasing: a node asks for work and gets at most one queued task, picked and claimed in one
 * atomic UPDATE … WHERE id = (SELECT … LIMIT 1 [FOR UPDATE SKIP LOCKED]) RETURNING *.
 *
 * Which task: one whose arch the node serves (or `noarch` / `src`, which any node takes), of a
 * kind its capabilities cover (capabilities.ts: build → srpm/rpm, test → test, sign → sign; what a
 * node serves is what an admin granted it, narrowed to what it advertised: nodes.ts), that
 * the node has not refused, while the node holds fewer than its maxConcurrency leases. Order: priority
 * (highest first), then fairness (the owner with the fewest leased tasks first, so one user's
 * thousands of queued tasks do not starve another's one), then age (queued_at, id).
 *
 * How: for each owner, the head of their queue (priority DESC, queued_at, id) is one probe of
 * tasks_queued_pick (a partial index of queued tasks); the heads are then ordered by priority,
 * the owner's leased count and age. That is the order of sorting every queued task, without
 * reading them all. On PostgreSQL the
 * probe is a LATERAL subquery that skips rows other transactions have locked (`SKIP LOCKED`), so
 * concurrent leases never wait for each other and never take the same task; SQLite (no LATERAL)
 * joins the heads by id and runs one writer at a time.
 *
 * A lease is one transaction: the node row is updated first (last_seen_at; the row lock serialises
 * one node's leases so its concurrency limit holds), then the claim and the `leased` event (one
 * statement on PostgreSQL, which also reads the task's source and platform), and for the first
 * task of a pending build the build's start. The node API first checks, without writing, that
 * anything is queued at all.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Context } from '../context.ts';
import type { BuildState, Task } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { markBuildStarted } from './build-state.ts';
import { recordTaskEvents } from './events.ts';
import { SEEN_EVERY_MS, servedArches, servedCapabilities } from './nodes.ts';
import { hasRowLocks, inTransaction } from './transaction.ts';
import { assertTaskTransition } from './transitions.ts';
import { taskKindsFor } from './capabilities.ts';

/** What the scheduler needs to know about the node asking. */
export interface LeasingNode {
  id: number;
  /** Arches it builds for; tasks of arch `noarch` or `src` go to any node. */
  arches: string[];
  /** Leases it may hold at once. */
  maxConcurrency: number;
  /** What it can do (build, test, sign); default build. */
  capabilities?: string[];
}

/** Arches every node takes. */
export const ANY_NODE_ARCHES = ['noarch', 'src'] as const;

/** What a node serves, as its row says (see nodes.ts), and its name. */
export interface NodeGrant {
  name: string;
  enabled: number;
  arches: string;
  capabilities: string;
  advertised_arches: string | null;
  advertised_capabilities: string | null;
  max_concurrency: number;
}

/** A node's row when it leases, and the leases it holds. */
interface NodeState extends NodeGrant {
  running: number;
}

/**
 * Marks the node seen (locking its row until commit) and reads what it serves and holds. The
 * leased tasks are counted on the statement's snapshot; on PostgreSQL a statement that waited for
 * the row lock adds the leases made meanwhile: how far `lease_seq` moved past the snapshot's
 * (migration 0017). A lease made meanwhile that claimed nothing counts too: the limit is never
 * passed, at worst a request finds the node full and the node asks again.
 */
async function touchForLease(ctx: Context, nodeId: number): Promise<NodeState> {
  const row = await ctx.db.kysely
    .updateTable('nodes')
    .set((eb) => ({ last_seen_at: ctx.now(), lease_seq: eb('lease_seq', '+', 1) }))
    .where('id', '=', nodeId)
    .returning((eb) => [
      sql<number>`nodes.lease_seq - 1 - (SELECT s.lease_seq FROM nodes s WHERE s.id = nodes.id)`.as('since'),
      'name',
      'enabled',
      'arches',
      'capabilities',
      'advertised_arches',
      'advertised_capabilities',
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
  const { since, ...grant } = row;
  // SQLite's subquery sees the row as updated (-1: one writer at a time, nothing to add).
  return { ...grant, running: Number(row.running ?? 0) + Math.max(0, Number(since ?? 0)) };
}

/** The decision message of a lease; `%s` are, in order: node, arch (", any node" for noarch and
 * src), priority, owner, the owner's other leased tasks, the node's leased tasks, its limit, attempt,
 * max_attempts. PostgreSQL fills it with format(), SQLite with {@link fillTemplate}. */
export const LEASE_MESSAGE = 'leased by node %s (%s): priority %s, owner %s has %s running, node has %s of %s, attempt %s of %s';

function fillTemplate(template: string, values: readonly (string | number)[]): string {
  let i = 0;
  return template.replace(/%s/g, () => String(values[i++] ?? ''));
}

/** The source of a leased task and its platform's definition, when the claim read them too. */
export interface LeaseSource {
  kind: 'git' | 'srpm';
  git_url: string | null;
  git_ref: string | null;
  git_commit: string | null;
  srpm_sha256: string | null;
  name: string | null;
  platform_definition: string | null;
}

/** A lease as leaseTaskForNode returns it: the task, and on PostgreSQL what its node needs to know. */
export interface LeaseGrant {
  task: Task;
  source?: LeaseSource;
}

/** LeaseSource as columns of the PostgreSQL lease statement. */
export interface SourceColumns {
  source_kind: 'git' | 'srpm' | null;
  source_git_url: string | null;
  source_git_ref: string | null;
  source_git_commit: string | null;
  source_srpm_sha256: string | null;
  source_name: string | null;
  platform_definition: string | null;
}

/** A claimed task with what the decision message needs. */
export type Claimed = Task & { owner_name: string | null; owner_running: number | string; build_state: BuildState | null };

/** The id of the next task for the node, as a subquery (see the module comment). */
function pickNext(ctx: Context, nodeId: number, arches: readonly string[], kinds: readonly string[]): RawBuilder<unknown> {
  const eligible = sql`h.state = 'queued' AND h.arch IN (${sql.join(arches)}) AND h.kind IN (${sql.join(kinds)})
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

/** The claiming UPDATE; its RETURNING adds what the message needs. `also`: a further condition. */
export function claimStatement(ctx: Context, nodeId: number, arches: readonly string[], kinds: readonly string[], also: RawBuilder<unknown> = sql`true`): RawBuilder<Claimed> {
  const now = ctx.now();
  return sql<Claimed>`
    UPDATE tasks SET state = 'leased', leased_by = ${nodeId}, lease_expires_at = ${now + ctx.settings.leaseMs}, started_at = ${now}
    WHERE state = 'queued' AND id = (${pickNext(ctx, nodeId, arches, kinds)}) AND ${also}
    RETURNING *,
      (SELECT u.name FROM users u WHERE u.id = tasks.owner_id) AS owner_name,
      (SELECT count(*) FROM tasks r WHERE r.owner_id = tasks.owner_id AND r.state = 'leased' AND r.id <> tasks.id) AS owner_running,
      (SELECT b.state FROM builds b WHERE b.id = tasks.build_id) AS build_state`;
}

/**
 * PostgreSQL: claim, record the `leased` event and read the task's source and platform in one
 * statement (data-modifying WITH), the message filled by format().
 */
async function claimRecordRead(ctx: Context, nodeId: number, node: NodeState, arches: readonly string[], kinds: readonly string[], maxConcurrency: number): Promise<(Claimed & SourceColumns) | undefined> {
  const result = await sql<Claimed & SourceColumns>`
    WITH claimed AS (${claimStatement(ctx, nodeId, arches, kinds)}),
    events AS (
      INSERT INTO task_events (task_id, at, kind, node_id, message)
      SELECT c.id, ${ctx.now()}::bigint, 'leased', ${nodeId}::integer,
        format(${LEASE_MESSAGE}::text, ${node.name}::text, CASE WHEN c.arch IN ('noarch', 'src') THEN c.arch || ', any node' ELSE c.arch END,
          c.priority, coalesce(c.owner_name, c.owner_id::text), c.owner_running, ${node.running}::integer, ${maxConcurrency}::integer, c.attempt, c.max_attempts)
      FROM claimed c
    )
    SELECT c.*, i.kind AS source_kind, i.git_url AS source_git_url, i.git_ref AS source_git_ref, i.git_commit AS source_git_commit,
      i.srpm_sha256 AS source_srpm_sha256, i.name AS source_name, p.definition AS platform_definition
    FROM claimed c LEFT JOIN build_items i ON i.id = c.item_id LEFT JOIN platforms p ON p.name = c.platform`.execute(ctx.db.kysely);
  return result.rows[0];
}

/** SQLite: claim, then record the `leased` event (statements are cheap in-process). */
async function claimThenRecord(ctx: Context, nodeId: number, node: NodeState, arches: readonly string[], kinds: readonly string[], maxConcurrency: number): Promise<Claimed | undefined> {
  const claimed = (await claimStatement(ctx, nodeId, arches, kinds).execute(ctx.db.kysely)).rows[0];
  if (!claimed) return undefined;
  const where = (ANY_NODE_ARCHES as readonly string[]).includes(claimed.arch) ? `${claimed.arch}, any node` : claimed.arch;
  const message = fillTemplate(LEASE_MESSAGE, [
    node.name, where, claimed.priority, claimed.owner_name ?? claimed.owner_id, Number(claimed.owner_running), node.running, maxConcurrency, claimed.attempt, claimed.max_attempts,
  ]);
  await recordTaskEvents(ctx, [{ taskId: claimed.id, kind: 'leased', nodeId, message }]);
  return claimed;
}

/** Separates the source columns from the claimed task. */
export function splitSource(row: Claimed & SourceColumns): { claimed: Claimed; source: LeaseSource } {
  const { source_kind, source_git_url, source_git_ref, source_git_commit, source_srpm_sha256, source_name, platform_definition, ...claimed } = row;
  const source: LeaseSource = {
    kind: source_kind ?? 'git',
    git_url: source_git_url,
    git_ref: source_git_ref,
    git_commit: source_git_commit,
    srpm_sha256: source_srpm_sha256,
    name: source_name,
    platform_definition,
  };
  return { claimed, source };
}

/** Leases for a node whose row is locked; null when it is disabled, full, or nothing fits. */
async function leaseLocked(ctx: Context, nodeId: number, node: NodeState, nodeArchList: readonly string[], kinds: readonly string[], maxConcurrency: number): Promise<LeaseGrant | null> {
  if (node.enabled !== 1 || node.running >= maxConcurrency || kinds.length === 0) return null;
  const arches = [...new Set([...nodeArchList, ...ANY_NODE_ARCHES])];
  let claimed: Claimed | undefined;
  let source: LeaseSource | undefined;
  if (hasRowLocks(ctx)) {
    const row = await claimRecordRead(ctx, nodeId, node, arches, kinds, maxConcurrency);
    if (row) ({ claimed, source } = splitSource(row));
  } else {
    claimed = await claimThenRecord(ctx, nodeId, node, arches, kinds, maxConcurrency);
  }
  if (!claimed) return null;
  const { owner_name: _name, owner_running: _running, build_state, ...task } = claimed;
  if (build_state === 'pending' && task.build_id !== null) await markBuildStarted(ctx, task.build_id);
  ctx.log.debug({ taskId: task.id, buildId: task.build_id, nodeId }, 'task leased');
  return source ? { task, source } : { task };
}

/**
 * Leases the next task for `node` (its arches and concurrency as given), or returns null when
 * none fits, the node is at its maxConcurrency, or it is disabled. Records a `leased` event
 * explaining the decision and marks the node seen.
 * @throws NotFoundError when the node does not exist.
 */
export function leaseTask(ctx: Context, node: LeasingNode): Promise<Task | null> {
  assertTaskTransition('queued', 'leased');
  const kinds = taskKindsFor(node.capabilities ?? ['build']);
  return inTransaction(ctx, async (tx) => (await leaseLocked(tx, node.id, await touchForLease(tx, node.id), node.arches, kinds, node.maxConcurrency))?.task ?? null);
}

/** What a node serves (granted and advertised) and how many more leases it may take now. @throws NotFoundError */
export async function nodeCapacity(ctx: Context, nodeId: number): Promise<{ arches: string[]; kinds: string[]; free: number; enabled: boolean }> {
  const row = await ctx.db.kysely
    .selectFrom('nodes as n')
    .select((eb) => [
      'n.enabled',
      'n.arches',
      'n.capabilities',
      'n.advertised_arches',
      'n.advertised_capabilities',
      'n.max_concurrency',
      eb.selectFrom('tasks as t').select(eb.fn.countAll<number>().as('c')).whereRef('t.leased_by', '=', 'n.id').where('t.state', '=', 'leased').as('running'),
    ])
    .where('n.id', '=', nodeId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError(`node ${nodeId} does not exist`);
  return { arches: servedArches(row), kinds: taskKindsFor(servedCapabilities(row)), free: row.max_concurrency - Number(row.running ?? 0), enabled: row.enabled === 1 };
}

/**
 * Whether there is anything to lease at all, read without locking or writing (idle nodes polling
 * an empty queue then cost one cheap read each); marks the node seen when its mark is stale.
 * @throws NotFoundError when the node does not exist.
 */
async function anythingQueued(ctx: Context, nodeId: number): Promise<boolean> {
  const probe = await ctx.db.kysely
    .selectFrom('nodes')
    .select((eb) => ['enabled', 'last_seen_at', eb.exists(eb.selectFrom('tasks').select('id').where('state', '=', 'queued')).as('work')])
    .where('id', '=', nodeId)
    .executeTakeFirst();
  if (!probe) throw new NotFoundError(`node ${nodeId} does not exist`);
  if (probe.enabled === 1 && probe.work) return true;
  if (probe.last_seen_at === null || probe.last_seen_at < ctx.now() - SEEN_EVERY_MS) {
    await ctx.db.kysely.updateTable('nodes').set({ last_seen_at: ctx.now() }).where('id', '=', nodeId).execute();
  }
  return false;
}

/** Same as {@link leaseTask} with what the node serves (the arches and capabilities an admin
 * granted it, narrowed to those it advertised) and its stored concurrency; on PostgreSQL the grant
 * also carries the task's source and platform definition. `seen` is given the node's row as the
 * lease read it (lease-at-once.ts keeps it). */
export async function leaseTaskForNode(ctx: Context, nodeId: number, seen?: (grant: NodeGrant) => void): Promise<LeaseGrant | null> {
  assertTaskTransition('queued', 'leased');
  if (!ctx.db.kysely.isTransaction && !(await anythingQueued(ctx, nodeId))) return null;
  return inTransaction(ctx, async (tx) => {
    const node = await touchForLease(tx, nodeId);
    seen?.(node);
    return leaseLocked(tx, nodeId, node, servedArches(node), taskKindsFor(servedCapabilities(node)), node.max_concurrency);
  });
}
