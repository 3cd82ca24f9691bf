/**
 * A lease in one statement (PostgreSQL): what leaseTaskForNode does in a transaction of four round
 * trips (a look at the queue, the node's row locked and marked seen, the claim with its event,
 * the build's start), as one autocommitted statement, for a node whose row this master has read
 * before. The node's grant (arches, capabilities, concurrency, enabled, name) comes from that read
 * (a {@link NodeGrants} kept by the node API) and the statement checks that the row still says
 * exactly that while it marks the node seen: a grant changed meanwhile (an admin's PATCH, a
 * hello, a disabled node) moves nothing, and the lease is made the long way, which reads the row
 * again. So a cached grant is never used once the row has changed, on any master.
 *
 * The statement's parts (PostgreSQL runs the data-modifying ones once, on one snapshot):
 * - `running`: the node's leased tasks, and `seq` its lease_seq, on the statement's snapshot;
 * - `node`: marks it seen and moves lease_seq on, only if its row is as read, it holds fewer than
 *   its limit, and anything at all is queued (an idle node's look at an empty queue writes
 *   nothing). A statement that waited for the row lock checks the row as it now is (PostgreSQL
 *   evaluates the condition again on the newest row), so the leases made meanwhile count through
 *   how far lease_seq moved past `seq`: the limit holds for any number of simultaneous requests;
 * - `claimed`: the claim of lease.ts (same pick, same `SKIP LOCKED`), only if `node` matched;
 * - `events`: the `leased` event with the decision's message; `started`: a pending build starts;
 * - the answer: whether `node` matched, whether anything is queued, the node's last-seen mark,
 *   and the claimed task with its source and platform definition.
 */
import { sql } from 'kysely';
import type { Context } from '../context.ts';
import { ANY_NODE_ARCHES, LEASE_MESSAGE, claimStatement, leaseTaskForNode, splitSource, type Claimed, type LeaseGrant, type NodeGrant, type SourceColumns } from './lease.ts';
import { SEEN_EVERY_MS, noteNodeSeen, servedArches, servedCapabilities } from './nodes.ts';
import { hasRowLocks } from './transaction.ts';
import { taskKindsFor } from './capabilities.ts';
import { assertTaskTransition } from './transitions.ts';

/** The node rows this master read last, by node id (bounded by the number of nodes). */
export type NodeGrants = Map<number, NodeGrant>;

/** The answer of the lease statement. */
type AtOnceRow = Partial<Claimed & SourceColumns> & { touched: number | string; work: boolean; seen: number | string | null };

/** A copy of the grant columns of a node row (the row may carry more). */
function grantOf(row: NodeGrant): NodeGrant {
  const { name, enabled, arches, capabilities, advertised_arches, advertised_capabilities, max_concurrency } = row;
  return { name, enabled, arches, capabilities, advertised_arches, advertised_capabilities, max_concurrency };
}

/**
 * The lease statement for a node whose row read `known`.
 * @returns the grant, null when nothing fits (or nothing is queued), 'stale' when the node's row no
 * longer reads `known`, the node is disabled or full (the long way then decides).
 */
async function leaseAtOnce(ctx: Context, nodeId: number, known: NodeGrant): Promise<LeaseGrant | null | 'stale'> {
  const kinds = taskKindsFor(servedCapabilities(known));
  if (known.enabled !== 1 || kinds.length === 0) return 'stale';
  const arches = [...new Set([...servedArches(known), ...ANY_NODE_ARCHES])];
  const now = ctx.now();
  const max = known.max_concurrency;
  const claim = claimStatement(ctx, nodeId, arches, kinds, sql`EXISTS (SELECT 1 FROM node)`);
  const result = await sql<AtOnceRow>`
    WITH running AS (SELECT count(*)::integer AS n FROM tasks WHERE leased_by = ${nodeId} AND state = 'leased'),
    seq AS (SELECT lease_seq AS s FROM nodes WHERE id = ${nodeId}),
    node AS (
      UPDATE nodes SET last_seen_at = ${now}::bigint, lease_seq = lease_seq + 1
      WHERE id = ${nodeId} AND enabled = 1 AND name = ${known.name}::text AND arches = ${known.arches}::text AND capabilities = ${known.capabilities}::text
        AND advertised_arches IS NOT DISTINCT FROM ${known.advertised_arches}::text AND advertised_capabilities IS NOT DISTINCT FROM ${known.advertised_capabilities}::text
        AND max_concurrency = ${max}::integer AND (SELECT n FROM running) + (lease_seq - (SELECT s FROM seq)) < ${max}::integer
        AND EXISTS (SELECT 1 FROM tasks WHERE state = 'queued')
      RETURNING id
    ),
    claimed AS (${claim}),
    events AS (
      INSERT INTO task_events (task_id, at, kind, node_id, message)
      SELECT c.id, ${now}::bigint, 'leased', ${nodeId}::integer,
        format(${LEASE_MESSAGE}::text, ${known.name}::text, CASE WHEN c.arch IN ('noarch', 'src') THEN c.arch || ', any node' ELSE c.arch END,
          c.priority, coalesce(c.owner_name, c.owner_id::text), c.owner_running, (SELECT n FROM running), ${max}::integer, c.attempt, c.max_attempts)
      FROM claimed c
    ),
    started AS (UPDATE builds SET state = 'running' WHERE id = (SELECT build_id FROM claimed) AND state = 'pending')
    SELECT (SELECT count(*) FROM node) AS touched, EXISTS (SELECT 1 FROM tasks WHERE state = 'queued') AS work,
      (SELECT last_seen_at FROM nodes WHERE id = ${nodeId}) AS seen,
      c.*, i.kind AS source_kind, i.git_url AS source_git_url, i.git_ref AS source_git_ref, i.git_commit AS source_git_commit,
      i.srpm_sha256 AS source_srpm_sha256, i.name AS source_name, p.definition AS platform_definition
    FROM (SELECT 1) one LEFT JOIN claimed c ON true LEFT JOIN build_items i ON i.id = c.item_id LEFT JOIN platforms p ON p.name = c.platform`.execute(ctx.db.kysely);
  const row = result.rows[0];
  if (!row) return 'stale';
  const { touched, work, seen, ...rest } = row;
  if (!work) {
    // Nothing queued: as the long way's look at the queue, the node's mark is refreshed only when stale.
    if (seen === null || Number(seen) < now - SEEN_EVERY_MS) await noteNodeSeen(ctx, nodeId);
    return null;
  }
  if (Number(touched) === 0) return 'stale';
  if (rest.id === undefined || rest.id === null) return null;
  const { claimed, source } = splitSource(rest as Claimed & SourceColumns);
  const { owner_name: _name, owner_running: _running, build_state: _state, ...task } = claimed;
  ctx.log.debug({ taskId: task.id, buildId: task.build_id, nodeId }, 'task leased');
  return { task, source };
}

/**
 * Leases the next task for the node, as {@link leaseTaskForNode} does, in one statement when
 * `grants` holds the node's row as it still is (PostgreSQL, outside a transaction); `grants` is
 * kept up to date with what the long way reads.
 * @throws NotFoundError when the node does not exist.
 */
export async function leaseForNode(ctx: Context, nodeId: number, grants: NodeGrants): Promise<LeaseGrant | null> {
  assertTaskTransition('queued', 'leased');
  const known = grants.get(nodeId);
  if (known && hasRowLocks(ctx) && !ctx.db.kysely.isTransaction) {
    const outcome = await leaseAtOnce(ctx, nodeId, known);
    if (outcome !== 'stale') return outcome;
    grants.delete(nodeId);
  }
  return leaseTaskForNode(ctx, nodeId, (row) => grants.set(nodeId, grantOf(row)));
}
